"""Restoration statistics at scale (issue #17, part restoration): N returned work orders over ten years with two
treatment steps each (hours, materials), units of mixed 密级; the time of ``restoration_stats`` for the console
(every unit) and for a conservator cleared 秘密 (catalog.policy narrows the orders), all years and one year, and of
the Excel export. Median and p95 of --samples runs.

    flock /work/bench.lock .venv/bin/python bench/restoration_bench.py [--orders 20000] [--samples 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from common import progress, setup_django, summarize_ms, table


def build(total: int) -> None:
    from django.db import transaction

    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.models import ArchivalUnit, RecordCategory
    from dangan.conservation.models import TreatmentStep, WorkOrder
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.actors import CONSOLE

    do_ensure_institution(CONSOLE, "BENCH", "基准测试档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    category = RecordCategory.objects.get(code="WS")
    rng = random.Random(17)
    grades = ["special", "severe", "moderate", "mild"]
    started = time.perf_counter()
    with transaction.atomic():
        units = []
        for n in range(1, total + 1):
            r = rng.random()
            units.append(
                ArchivalUnit(
                    fonds=fonds,
                    category=category,
                    level="item",
                    position=n,
                    year=1935,
                    retention="Y",
                    organization="BGS",
                    item_number=n,
                    reference_code=f"Z109-WS·1935-Y-BGS-{n:06d}",
                    responsible="中央红军",
                    title=f"红军第{n}号文件",
                    classification="public" if r < 0.7 else ("secret" if r < 0.9 else "confidential"),
                )
            )
        ArchivalUnit.objects.bulk_create(units, batch_size=5000)
        units = list(ArchivalUnit.objects.order_by("pk"))
        orders = []
        for n, unit in enumerate(units, start=1):
            returned = datetime(2016, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(3650))
            orders.append(
                WorkOrder(
                    number=f"XF{returned.year}-{n:06d}",
                    unit=unit,
                    status="returned",
                    grade_before=rng.choice(grades[:2]),
                    grade_after=rng.choice(grades[2:]),
                    treatments=["cleaning", "repair"],
                    returned_at=returned,
                )
            )
        WorkOrder.objects.bulk_create(orders, batch_size=5000)
        steps = []
        for order in WorkOrder.objects.only("id"):
            for treatment in ("cleaning", "repair"):
                steps.append(
                    TreatmentStep(
                        order=order,
                        treatment=treatment,
                        materials=[
                            {"name": rng.choice(["楮皮纸", "小麦淀粉浆糊", "去离子水"]), "quantity": "2", "unit": "份"}
                        ],
                        hours=Decimal(rng.randrange(5, 60)) / 10,
                        conservator_name="李修复",
                        date=datetime(2020, 1, 1).date(),
                        recorded_at=datetime(2020, 1, 1, tzinfo=UTC),
                    )
                )
        TreatmentStep.objects.bulk_create(steps, batch_size=5000)
    progress(f"  {total:,} orders, {2 * total:,} steps in {time.perf_counter() - started:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=7)
    args = parser.parse_args()
    setup_django()
    build(args.orders)

    from dangan.conservation.actions.restoration import restoration_stats, stats_workbook
    from dangan.core.actors import CONSOLE
    from dangan.core.choices import SecurityClassification
    from dangan.core.models import User
    from dangan.core.roles import Role

    conservator = User.objects.create(
        username="bench-conservator", role=Role.CONSERVATOR, clearance=SecurityClassification.SECRET
    )
    cases = [
        ("console, all years", lambda: restoration_stats(CONSOLE)),
        ("console, one year", lambda: restoration_stats(CONSOLE, 2020)),
        ("conservator (秘密), all years", lambda: restoration_stats(conservator)),
        ("Excel export, all years", lambda: stats_workbook(restoration_stats(CONSOLE))),
    ]
    rows = []
    for label, run in cases:
        run()  # warm
        samples = []
        for _ in range(args.samples):
            started = time.perf_counter()
            run()
            samples.append(time.perf_counter() - started)
        summary = summarize_ms(samples)
        rows.append([label, f"{summary['p50']:.0f}", f"{summary['p95']:.0f}"])
    counted = restoration_stats(conservator)
    print(f"orders {args.orders:,}; the conservator's count: {sum(y['units'] for y in counted['years']):,}")
    print(table(["case", "median ms", "p95 ms"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
