"""The classification browser at scale: a flat fonds of 200,000 items (件) across 70 years, 3 retention periods, 8
organizations and 2 categories, browsed by 年度 → 机构 → 保管期限 (catalog.classification.browse_scheme), for a user
who sees everything and for one cleared only for 公开 (whose counts go through the visibility policy).

Target: p95 < 100 ms for every step on SQLite. Baseline in the same run: grouping the visible items in Python after
reading their classification columns (what a browser without the scheme index would do).

    python bench/classification_bench.py [--items 200000] [--samples 100] [--database-url postgres://…] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, reset_postgres_database, setup_django, summarize_ms, table
from dangan.core.actors import CONSOLE
from hierarchy_bench import COLUMNS

ORGS = ("BGS", "CWC", "RSC", "JHC", "ZCC", "FPC", "XCC", "JJC")
RETENTIONS = ("Y", "D30", "D10")
YEARS = range(1950, 2020)
TARGET_MS = 100.0


def generate_rows(total: int, fonds_id: int, categories: tuple[int, int], seed: int = 5):
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).isoformat()
    numbers: Counter = Counter()
    for uid in range(1, total + 1):
        year = rng.choice(YEARS)
        retention = rng.choice(RETENTIONS)
        org = rng.choice(ORGS)
        category = categories[0] if rng.random() < 0.9 else categories[1]
        numbers[(category, year, retention, org)] += 1
        item = numbers[(category, year, retention, org)]
        r = rng.random()
        classification = "public" if r < 0.85 else ("internal" if r < 0.97 else "secret")
        yield (
            uid,
            now,
            now,
            uuid.uuid4().hex,
            "item",
            uid,
            0,
            0,
            year,
            retention,
            org,
            item,
            f"Z109-{'WS' if category == categories[0] else 'ZP'}·{year}-{retention}-{org}-{item:04d}",
            "[]",
            "",
            "贵州省扶贫开发办公室",
            f"关于{year}年工作的第{item}号文件",
            dt.date(year, 1 + uid % 12, 1 + uid % 28).isoformat(),
            "day",
            3,
            classification,
            "open" if r < 0.5 else "pending",
            "",
            "",
            "",
            "",
            False,
            fonds_id,
            None,
            None,
            category,
        )


def load(total: int) -> int:
    from django.db import connection, transaction

    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.models import Fonds, RecordCategory
    from dangan.core.actions.institution import do_ensure_institution

    do_ensure_institution(CONSOLE, "BENCH", "基准测试档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    categories = (RecordCategory.objects.get(code="WS").pk, RecordCategory.objects.get(code="ZP").pk)
    rows = generate_rows(total, fonds.pk, categories)
    start = time.perf_counter()
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            raw = connection.connection
            with raw.cursor() as cur, cur.copy(f"COPY catalog_archivalunit ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            sql = f"INSERT INTO catalog_archivalunit ({cols}) VALUES ({', '.join('%s' for _ in COLUMNS)})"
            with connection.cursor() as cur:
                chunk: list[tuple] = []
                for r in rows:
                    chunk.append(r)
                    if len(chunk) == 50_000:
                        cur.executemany(sql, chunk)
                        chunk.clear()
                if chunk:
                    cur.executemany(sql, chunk)
                cur.execute("ANALYZE")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE catalog_archivalunit")
    Fonds.objects.filter(pk=fonds.pk).update(unit_count=total, top_level_count=total)
    progress(f"  {total:,} items in {time.perf_counter() - start:.1f} s")
    return fonds.pk


def measure(fonds_id: int, samples: int) -> list[list[object]]:
    from dangan.catalog.classification import browse_scheme
    from dangan.catalog.models import ArchivalUnit, Fonds
    from dangan.catalog.policy import unit_filter
    from dangan.core.choices import Role
    from dangan.core.models import User

    full = User.objects.create(username="bench-full", role=Role.ARCHIVIST, clearance="top_secret")
    limited = User.objects.create(username="bench-public", role=Role.ARCHIVIST, clearance="public")
    fonds = Fonds.objects.get(pk=fonds_id)
    rng = random.Random(3)

    def steps(user):
        def top() -> None:
            view = browse_scheme(user, fonds, {})
            assert view.level == "category" and len(view.groups) == 2

        def years() -> None:
            view = browse_scheme(user, fonds, {"category": "WS"})
            assert view.level == "year" and len(view.groups) == len(YEARS)

        def year() -> None:
            view = browse_scheme(user, fonds, {"category": "WS", "year": str(rng.choice(YEARS))})
            assert view.level == "organization" and view.groups

        def leaf_groups() -> None:
            params = {"category": "WS", "year": str(rng.choice(YEARS)), "org": rng.choice(ORGS)}
            view = browse_scheme(user, fonds, params)
            assert view.level == "retention" and view.groups

        def items() -> None:
            params = {
                "category": "WS",
                "year": str(rng.choice(YEARS)),
                "org": rng.choice(ORGS),
                "retention": rng.choice(RETENTIONS),
            }
            view = browse_scheme(user, fonds, params, page=rng.randint(1, 4))
            assert view.level is None

        def naive_top() -> None:
            qs = ArchivalUnit.objects.filter(fonds=fonds, level="item")
            if visibility := unit_filter(user):
                qs = qs.filter(visibility)
            counts = Counter(qs.values_list("category_id", "year", "organization", "retention"))
            assert counts

        measured = [
            ("门类 (top)", top),
            ("门类 → 年度", years),
            ("年度 → 机构", year),
            ("机构 → 保管期限", leaf_groups),
            ("items page", items),
        ]
        return measured, naive_top

    rows: list[list[object]] = []
    for label, user in (("sees all", full), ("公开 only", limited)):
        measured, naive = steps(user)
        for name, fn in measured:
            fn()  # warm
            times = []
            for _ in range(samples):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            s = summarize_ms(times)
            rows.append([label, name, s["p50"], s["p95"], "yes" if s["p95"] < TARGET_MS else "NO"])
        times = []
        for _ in range(max(3, samples // 20)):
            t = time.perf_counter()
            naive()
            times.append(time.perf_counter() - t)
        s = summarize_ms(times)
        rows.append([label, "baseline: group in Python", s["p50"], s["p95"], "—"])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.items, args.samples = 20_000, 20
    if args.database_url:
        reset_postgres_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection

    progress(f"loading {args.items:,} items ({connection.vendor})")
    fonds_id = load(args.items)
    rows = measure(fonds_id, args.samples)
    print(f"classification browser, {args.items:,} items, {connection.vendor}, {args.samples} samples per step\n")
    print(table(["user", "step", "p50 ms", "p95 ms", f"p95 < {TARGET_MS:.0f} ms"], rows))
    return 0 if all(row[4] != "NO" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
