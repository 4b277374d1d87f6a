"""The openness review at scale: a fonds of 100,000 items (件) across 1950–2019, half of them open, reviewed in the
round of 2026 (every unit of 2001 or before that is not open: about 37 % of the fonds). Measured: making the round
(one row per due unit, in batches), counting the reviewers' aid's marks, a page of the round (50 units, marks
first, with the round's figures) for an archivist who sees everything and one cleared 公开 only (whose rows go
through catalog.policy), the first review of every unit ("select all of a filter") and its confirmation by a second
reviewer (the units' openness, version, audit log and search index, in batches of 1,000).

    python bench/openness_bench.py [--items 100000] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, reset_postgres_database, setup_django, summarize_ms, table
from dangan.core.actors import CONSOLE


def load(total: int) -> int:
    """``total`` items of one fonds, written in bulk: years 1950–2019, 85 % 公开, half of them open."""
    import random

    from django.db import transaction

    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.models import ArchivalUnit, RecordCategory
    from dangan.core.actions.institution import do_ensure_institution

    do_ensure_institution(CONSOLE, "BENCH", "基准测试档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    category = RecordCategory.objects.get(code="WS")
    rng = random.Random(15)
    started = time.perf_counter()
    with transaction.atomic():
        batch = []
        for n in range(1, total + 1):
            year = rng.randrange(1950, 2020)
            r = rng.random()
            batch.append(
                ArchivalUnit(
                    fonds=fonds,
                    category=category,
                    level="item",
                    position=n,
                    year=year,
                    retention="Y",
                    organization="BGS",
                    item_number=n,
                    reference_code=f"Z109-WS·{year}-Y-BGS-{n:06d}",
                    responsible="贵州省扶贫开发办公室",
                    title=f"关于{year}年工作的第{n}号文件" + ("（村民王某患病救助）" if n % 50 == 0 else ""),
                    notes="联系电话13812345678" if n % 97 == 0 else "",
                    classification="public" if r < 0.85 else ("internal" if r < 0.97 else "secret"),
                    openness="open" if rng.random() < 0.5 else "pending",
                )
            )
            if len(batch) == 5000:
                ArchivalUnit.objects.bulk_create(batch)
                batch.clear()
        ArchivalUnit.objects.bulk_create(batch)
    progress(f"  {total:,} items in {time.perf_counter() - started:.1f} s")
    return int(fonds.pk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        reset_postgres_database(args.database_url)
    setup_django(args.database_url)

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from dangan.access.actions.openness import (
        Decision,
        do_confirm,
        do_create_review,
        do_first_review,
        do_scan_marks,
    )
    from dangan.access.models import OpennessDecision
    from dangan.catalog.models import ArchivalUnit, Fonds
    from dangan.core.choices import Role
    from dangan.core.models import User

    progress(f"loading {args.items:,} items ({connection.vendor})")
    fonds = Fonds.objects.get(pk=load(args.items))
    full = User.objects.create(username="bench-top", role=Role.ARCHIVIST, clearance="top_secret")
    second = User.objects.create(username="bench-second", role=Role.ARCHIVIST, clearance="top_secret")
    limited = User.objects.create(username="bench-public", role=Role.ARCHIVIST, clearance="public")
    rows: list[list[object]] = []

    started = time.perf_counter()
    review = do_create_review(full, year=2026, fonds=fonds)  # a large round: its scan is a task (immediate here)
    made = time.perf_counter() - started
    due = OpennessDecision.objects.filter(review=review).count()
    rows.append(["make the round (rows + aid's scan)", f"{due:,} units", made * 1000, "", ""])
    started = time.perf_counter()
    do_scan_marks(CONSOLE, review)
    rows.append(["count the aid's marks again", f"{due:,} units", (time.perf_counter() - started) * 1000, "", ""])

    url = reverse("access:openness_review", args=[review.uuid])
    for who, user in (("sees everything", full), ("cleared 公开", limited)):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        assert client.get(url).status_code == 200
        samples = []
        for n in range(args.samples):
            started = time.perf_counter()
            response = client.get(url, {"page": 1 + n * 7})
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
        s = summarize_ms(samples)
        rows.append([f"a page of the round ({who})", "50 units", s["p50"], s["p95"], s["max"]])

    started = time.perf_counter()
    outcome = do_first_review(full, review, Decision("open"))
    rows.append(
        ["first review of every unit", f"{outcome.changed:,} units", (time.perf_counter() - started) * 1000, "", ""]
    )
    started = time.perf_counter()
    outcome = do_confirm(second, review)
    took = time.perf_counter() - started
    rows.append(["confirmation of every unit (opens them)", f"{outcome.changed:,} units", took * 1000, "", ""])
    opened = ArchivalUnit.objects.filter(fonds=fonds, openness="open").count()
    progress(f"open after the review: {opened:,} of {args.items:,}")
    print(table(["step", "size", "ms (p50)", "p95", "max"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
