"""Hierarchy browsing at scale: one page of 50 children of a file (案卷) that has 10,000 children, in a fonds of
1,000,000 units, on SQLite and PostgreSQL.

Target (issue #2): p95 < 50 ms. Baseline in the same run: the naive approach that loads all children of the file
and slices a page in Python.

    python bench/hierarchy_bench.py [--units 1000000] [--samples 300] [--database-url postgres://…] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
import uuid
from pathlib import Path

from dangan.core.actors import CONSOLE

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, reset_postgres_database, setup_django, summarize_ms, table

COLUMNS = (
    "id",
    "created",
    "updated",
    "uuid",
    "level",
    "position",
    "child_count",
    "depth",
    "year",
    "retention",
    "organization",
    "item_number",
    "reference_code",
    "former_reference_codes",
    "document_number",
    "responsible",
    "title",
    "date",
    "date_precision",
    "page_count",
    "classification",
    "openness",
    "remarks",
    "extent",
    "physical_location",
    "notes",
    "is_sample",
    "fonds_id",
    "parent_id",
    "import_batch_id",
    "category_id",
)
WORDS = [
    "关于",
    "脱贫攻坚",
    "易地扶贫搬迁",
    "产业扶贫",
    "疫情防控",
    "工作",
    "方案",
    "通知",
    "报告",
    "请示",
    "批复",
    "会议纪要",
    "统计表",
    "遵义",
    "赤水",
    "黔东南",
    "毕节",
    "项目",
    "资金",
    "检查",
    "验收",
    "总结",
]
FILE_CHILDREN = 10_000


def generate_rows(total: int, fonds_id: int, category_id: int, seed: int = 7):
    """Yield unit rows: series → files → items; series 1 holds the one file with FILE_CHILDREN items."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).isoformat()
    series_count = 100
    rest = total - series_count - 1 - FILE_CHILDREN
    items_per_file = 100
    # Round up, so that the fonds holds at least ``total`` units.
    files_per_series = max(-(-rest // ((series_count - 1) * (items_per_file + 1))), 1)
    next_id = 1
    series_ids = []

    def row(uid, level, position, child_count, depth, parent_id, year, item_number, code, title):
        r = rng.random()
        classification = "public" if r < 0.9 else ("internal" if r < 0.98 else "secret")
        date = dt.date(year, rng.randint(1, 12), rng.randint(1, 28)) if level == "item" else None
        return (
            uid,
            now,
            now,
            uuid.uuid4().hex,
            level,
            position,
            child_count,
            depth,
            year,
            "Y",
            "BGS",
            item_number,
            code,
            "[]",
            "",
            "贵州省扶贫开发办公室",
            title,
            date.isoformat() if date else None,
            "day" if date else "",
            rng.randint(1, 40) if level == "item" else None,
            classification,
            "open" if r < 0.5 else "pending",
            "",
            "",
            "",
            "",
            False,
            fonds_id,
            parent_id,
            None,
            category_id,
        )

    def title() -> str:
        return "".join(rng.sample(WORDS, 4))

    for s in range(series_count):
        sid = next_id
        next_id += 1
        series_ids.append(sid)
        n_files = 1 if s == 0 else files_per_series
        yield row(sid, "series", s + 1, n_files, 0, None, 2000 + s % 20, None, None, f"{2000 + s % 20}年 第{s + 1}类")
    target_file = None
    code_no = 0
    for s, sid in enumerate(series_ids):
        n_files = 1 if s == 0 else files_per_series
        n_items = FILE_CHILDREN if s == 0 else items_per_file
        year = 2000 + s % 20
        for f in range(n_files):
            fid = next_id
            next_id += 1
            if s == 0:
                target_file = fid
            yield row(fid, "file", f + 1, n_items, 1, sid, year, None, None, f"案卷 {s + 1}-{f + 1}")
            for i in range(n_items):
                code_no += 1
                yield row(
                    next_id, "item", i + 1, 0, 2, fid, year, code_no, f"Z109-WS·{year}-Y-BGS-{code_no:07d}", title()
                )
                next_id += 1
    generate_rows.target_file = target_file  # type: ignore[attr-defined]
    generate_rows.count = next_id - 1  # type: ignore[attr-defined]


def load(total: int) -> tuple[int, int]:
    """Create the fonds and bulk-load ``total`` units. Returns (fonds id, target file id)."""
    from django.db import connection, transaction

    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.models import ArchivalUnit, Fonds, RecordCategory
    from dangan.core.actions.institution import do_ensure_institution

    do_ensure_institution(CONSOLE, "BENCH", "基准测试档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    category = RecordCategory.objects.get(code="WS")
    rows = generate_rows(total, fonds.pk, category.pk)
    start = time.perf_counter()
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            raw = connection.connection
            with raw.cursor() as cur, cur.copy(f"COPY catalog_archivalunit ({cols}) FROM STDIN") as copy:
                for n, r in enumerate(rows, 1):
                    copy.write_row(r)
                    if n % 200_000 == 0:
                        progress(f"  loaded {n:,} units")
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence('catalog_archivalunit', 'id'), "
                    "(SELECT max(id) FROM catalog_archivalunit))"
                )
        else:
            sql = f"INSERT INTO catalog_archivalunit ({cols}) VALUES ({', '.join('%s' for _ in COLUMNS)})"
            chunk: list[tuple] = []
            n = 0
            with connection.cursor() as cur:
                for r in rows:
                    chunk.append(r)
                    if len(chunk) == 50_000:
                        cur.executemany(sql, chunk)
                        n += len(chunk)
                        chunk.clear()
                        if n % 200_000 == 0:
                            progress(f"  loaded {n:,} units")
                if chunk:
                    cur.executemany(sql, chunk)
                cur.execute("ANALYZE")
    if connection.vendor == "postgresql":
        # VACUUM (what autovacuum does soon after a bulk load) sets the visibility map for index-only scans.
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE catalog_archivalunit")
    count = generate_rows.count  # type: ignore[attr-defined]
    Fonds.objects.filter(pk=fonds.pk).update(unit_count=count, top_level_count=100)
    progress(f"  {count:,} units in {time.perf_counter() - start:.1f} s")
    assert ArchivalUnit.objects.filter(parent_id=generate_rows.target_file).count() == FILE_CHILDREN  # type: ignore[attr-defined]
    return fonds.pk, generate_rows.target_file  # type: ignore[attr-defined]


def measure(fonds_id: int, file_id: int, samples: int) -> list[list[object]]:
    from dangan.catalog.actions.units import children_page
    from dangan.catalog.models import ArchivalUnit, Fonds
    from dangan.core.choices import Role
    from dangan.core.models import User

    full = User.objects.create(username="bench-full", role=Role.ARCHIVIST, clearance="top_secret")
    limited = User.objects.create(username="bench-public", role=Role.ARCHIVIST, clearance="public")
    fonds = Fonds.objects.get(pk=fonds_id)
    rng = random.Random(11)
    pages = FILE_CHILDREN // 50

    def run(fn) -> list[float]:
        fn(1)  # warm
        out = []
        for _ in range(samples):
            page = rng.randint(1, pages)
            t = time.perf_counter()
            fn(page)
            out.append(time.perf_counter() - t)
        return out

    def paged(user):
        def fn(page: int) -> None:
            parent = ArchivalUnit.objects.get(pk=file_id)
            result = children_page(user, fonds, parent, page=page, size=50)
            assert result.units or page > result.pages

        return fn

    def naive(page: int) -> None:
        parent = ArchivalUnit.objects.get(pk=file_id)
        children = list(ArchivalUnit.objects.filter(parent=parent).order_by("position"))
        assert children[(page - 1) * 50 : page * 50]

    def top_level(page: int) -> None:
        assert children_page(full, fonds, None, page=page % 2 + 1, size=50).units

    http = _http_page(full, fonds, file_id)
    results = {
        "HTTP GET of the tree fragment (waitress, full Django stack)": run(http),
        "paged, archivist cleared for all (stored counts)": run(paged(full)),
        "paged, archivist cleared for 公开 (filtered count)": run(paged(limited)),
        "paged, top level of the fonds": run(top_level),
    }
    naive_samples = []
    for _ in range(max(5, samples // 20)):
        page = rng.randint(1, pages)
        t = time.perf_counter()
        naive(page)
        naive_samples.append(time.perf_counter() - t)
    rows = []
    baseline = summarize_ms(naive_samples)["p95"]
    for name, s in results.items():
        stats = summarize_ms(s)
        rows.append(
            [name, len(s), stats["p50"], stats["p95"], baseline / stats["p95"], "PASS" if stats["p95"] < 50 else "FAIL"]
        )
    stats = summarize_ms(naive_samples)
    rows.append(["baseline: load all 10,000 children, slice", len(naive_samples), stats["p50"], stats["p95"], 1.0, "—"])
    return rows


def _http_page(user, fonds, file_id: int):
    """A page request over real HTTP to a waitress server in this process, as a logged-in archivist."""
    import threading
    import urllib.request

    from django.contrib.sessions.backends.db import SessionStore
    from waitress.server import create_server

    from dangan.catalog.models import ArchivalUnit
    from dangan.wsgi import application

    server = create_server(application, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    session = SessionStore()
    session.update(
        {
            "_auth_user_id": str(user.pk),
            "_auth_user_hash": user.get_session_auth_hash(),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
        }
    )
    session.create()
    parent_uuid = ArchivalUnit.objects.get(pk=file_id).uuid
    base = f"http://127.0.0.1:{server.effective_port}/manage/fonds/{fonds.code}/tree/?parent={parent_uuid}"
    headers = {"Cookie": f"sessionid={session.session_key}", "HX-Request": "true"}

    def fn(page: int) -> None:
        with urllib.request.urlopen(urllib.request.Request(f"{base}&page={page}", headers=headers)) as response:
            body = response.read()
            assert response.status == 200 and b"</li>" in body, body[:300]

    return fn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="postgres://… (the database is dropped and recreated)")
    parser.add_argument("--quick", action="store_true", help="100,000 units, 100 samples")
    args = parser.parse_args()
    if args.quick:
        args.units, args.samples = 100_000, 100
    if args.database_url:
        reset_postgres_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection

    progress(f"loading {args.units:,} units into {connection.vendor} …")
    fonds_id, file_id = load(args.units)
    rows = measure(fonds_id, file_id, args.samples)
    print(
        f"\n### Hierarchy page of 50 children — {connection.vendor}, {args.units:,} units, file of "
        f"{FILE_CHILDREN:,} children\n"
    )
    print(table(["query", "samples", "p50 ms", "p95 ms", "speed-up vs baseline (p95)", "p95 < 50 ms"], rows))
    return 0 if all(r[-1] != "FAIL" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
