"""Catalog import benchmark: a realistic 归档文件目录 .xlsx, read by openpyxl and by python-calamine, then imported.

The baseline is openpyxl reading the same file in read-only mode (values_only), measured in the same run; the
target is an import with full validation in at most 3× that time and at most 60 seconds.

    .venv/bin/python bench/import_bench.py                # 100,000 rows (file cached under bench/out/)
    .venv/bin/python bench/import_bench.py --quick        # 10,000 rows
    .venv/bin/python bench/import_bench.py --database-url postgres://postgres@127.0.0.1:5432/dangan_bench

--database-url names a database that the benchmark drops and creates again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

from dangan.core.actors import CONSOLE

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT_DIR, progress, reset_postgres_database, setup_django, table

OUT = OUT_DIR
FONDS = "Z109"
TARGET_RATIO = 3.0
TARGET_SECONDS = 60.0

HEADERS = [
    "序号",
    "档号",
    "文号",
    "责任者",
    "题名",
    "日期",
    "密级",
    "页数",
    "备注",
    "门类",
    "年度",
    "保管期限",
    "机构（问题）",
    "开放状态",
    "主题词",
]
ORGS = ["BGS", "FPK", "JKK", "ZZB", "CWK", "XCB"]
RETENTIONS = ["Y", "D30", "D10"]
RESPONSIBLE = [
    "贵州省扶贫开发办公室",
    "贵州省人民政府办公厅",
    "贵州省卫生健康委员会",
    "中共贵州省委组织部",
    "遵义市人民政府",
    "黔东南州扶贫开发领导小组",
    "毕节市疫情防控指挥部",
    "中国工农红军第一方面军司令部",
]
ISSUERS = ["黔扶办发", "黔府办函", "黔卫健发", "黔组通", "遵府发", "黔东南扶组"]
ACTIONS = ["关于", "关于印发", "关于转发", "关于做好", "关于加强", "关于开展", "关于报送"]
TOPICS = [
    "精准扶贫建档立卡",
    "易地扶贫搬迁",
    "脱贫攻坚普查",
    "产业扶贫项目资金",
    "东西部扶贫协作",
    "新冠肺炎疫情防控",
    "核酸检测能力建设",
    "疫苗接种工作",
    "红军长征遗址保护",
    "遵义会议纪念馆陈列",
    "红色文化资源普查",
    "乡村振兴有效衔接",
]
ENDINGS = ["的通知", "的实施方案", "的报告", "的请示", "的批复", "工作情况的汇报", "的会议纪要", "的意见"]
SUBJECTS = ["扶贫", "脱贫攻坚", "易地搬迁", "疫情防控", "新冠肺炎", "红军", "长征", "乡村振兴", "档案"]


def _date_text(rng: random.Random, date: dt.date) -> object:
    """Dates the way archivists type them, plus real date cells."""
    form = rng.randrange(8)
    if form == 0:
        return date  # an Excel date cell
    if form == 1:
        return f"{date.year}-{date.month:02d}-{date.day:02d}"
    if form == 2:
        return f"{date.year}.{date.month}.{date.day}"
    if form == 3:
        return f"{date.year}年{date.month}月{date.day}日"
    if form == 4:
        return f"{date.year}{date.month:02d}"
    return f"{date.year}{date.month:02d}{date.day:02d}"


def generate(path: Path, rows: int, seed: int = 20211) -> None:
    """Write ``rows`` catalog rows (with a title row above the header, as archivists' templates have)."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    counters: dict[tuple[int, str, str], int] = {}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("归档文件目录")
    ws.append(["归档文件目录"])
    ws.append(HEADERS)
    for n in range(1, rows + 1):
        year = rng.randint(1990, 2023)
        retention = rng.choice(RETENTIONS)
        org = rng.choice(ORGS)
        key = (year, retention, org)
        counters[key] = counters.get(key, 0) + 1
        number = counters[key]
        code = f"{FONDS}-WS·{year}-{retention}-{org}-{number:04d}"
        if rng.random() < 0.05:
            code = ""  # no 档号 yet: the importer numbers it
            counters[key] -= 1
        date = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        title = f"{rng.choice(ACTIONS)}{rng.choice(TOPICS)}{rng.choice(ENDINGS)}"
        classification = rng.choices(["", "内部", "秘密"], weights=[90, 8, 2])[0]
        subjects = "；".join(rng.sample(SUBJECTS, rng.randint(0, 2)))
        ws.append(
            [
                n,
                code,
                f"{rng.choice(ISSUERS)}〔{year}〕{rng.randint(1, 300)}号",
                rng.choice(RESPONSIBLE),
                title,
                _date_text(rng, date),
                classification,
                rng.randint(1, 60),
                "" if rng.random() < 0.9 else "原件存档",
                "WS",
                year,
                retention,
                org,
                rng.choice(["开放", "控制", "待审", ""]),
                subjects,
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(path)


def time_openpyxl(path: Path) -> tuple[int, float]:
    from openpyxl import load_workbook

    start = time.perf_counter()
    wb = load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    return count, time.perf_counter() - start


def time_calamine(path: Path) -> tuple[int, float]:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    return len(rows), time.perf_counter() - start


def time_import(path: Path, database_url: str | None) -> tuple[int, float, str]:
    """Import ``path`` into a fresh database; returns (rows created + unchanged, seconds, summary)."""
    if database_url:
        reset_postgres_database(database_url)
    # The real default: the import queues the search indexing of its units as tasks (measured in search_bench).
    os.environ["DANGAN_TASKS"] = "database"
    setup_django(database_url)

    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.actions.importing import import_catalog
    from dangan.core.actions.institution import do_ensure_institution

    do_ensure_institution(CONSOLE, "GZSDAG", "贵州省档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, FONDS, "贵州省扶贫开发办公室")
    start = time.perf_counter()
    result = import_catalog(CONSOLE, path, fonds)
    seconds = time.perf_counter() - start
    if result.status != "done":
        for error in result.errors[:20]:
            print(error.line(), file=sys.stderr)
        raise SystemExit(f"import did not succeed: {result.summary()}")
    return result.created + result.unchanged, seconds, result.summary()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the generated file (default 100000)")
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    parser.add_argument("--database-url", default=None, help="measure on this PostgreSQL server (a scratch database)")
    args = parser.parse_args(argv)
    rows = 10_000 if args.quick else args.rows

    path = OUT / f"catalog-{rows}.xlsx"
    if not path.exists():
        start = time.perf_counter()
        generate(path, rows)
        progress(f"generated {path} in {time.perf_counter() - start:.1f} s")

    progress("(a) openpyxl …")
    read_rows, openpyxl_s = time_openpyxl(path)
    progress("(b) python-calamine …")
    _, calamine_s = time_calamine(path)
    progress("(c) import_catalog …")
    imported, import_s, summary = time_import(path, args.database_url)
    database = "PostgreSQL" if args.database_url else "SQLite"
    ratio = import_s / openpyxl_s
    ok = ratio <= TARGET_RATIO and import_s <= TARGET_SECONDS

    print(f"\n### Catalog import, {rows:,} rows ({path.name}, {os.cpu_count()} CPUs, {database})\n")
    steps = (
        ("(a) openpyxl read-only, values_only (baseline)", read_rows, openpyxl_s),
        ("(b) python-calamine full read", read_rows, calamine_s),
        (f"(c) dangan import_catalog, full validation, {database}", imported, import_s),
    )
    print(table(["step", "rows", "seconds", "rows/s"], [(n, f"{c:,}", s, f"{c / s:,.0f}") for n, c, s in steps]))
    verdict = "PASS" if ok else "FAIL"
    print(
        f"\n(c)/(a) = **{ratio:.2f}×** (target ≤ {TARGET_RATIO:.0f}×); (c) = **{import_s:.1f} s** "
        f"(target ≤ {TARGET_SECONDS:.0f} s): **{verdict}**"
    )
    print(f"\nimport: {summary}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
