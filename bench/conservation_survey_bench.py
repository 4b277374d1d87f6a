"""Condition surveys (issue #17): "a survey of 100,000 units rolls up in under 2 s", and the survey entry timing
from the browser.

The roll-up is what the dashboard and the priorities page compute: counts by grade × fonds × stack
(priorities.dashboard_counts) and the priority list's top 100 (priorities.priority_list: grade, then value —
subject terms 长征/红军 or a 重点 campaign —, then use — check-outs). It is measured for the console (sees every
unit) and for a conservator cleared 秘密 (catalog.policy filters every count), on SQLite, beside a baseline in the
same run: a plain ``SELECT grade, COUNT(*) … GROUP BY grade`` over the same rows.

    python bench/conservation_survey_bench.py [--units 100000] [--samples 5] [--browser]

``--browser`` also runs tests/conservation/test_surveys_browser.py (Debian's chromium) and reports the seconds per
unit it took a scripted surveyor on a tablet to record a unit with the keyboard (page ready → next unit shown).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, setup_django, table

GRADES = ("special", "severe", "moderate", "mild", "intact")
GRADE_WEIGHTS = (3, 12, 25, 35, 25)


def load(total: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.models import ArchivalUnit, Subject
    from dangan.conservation.models import Campaign, CampaignUnit, CheckOut, Location, Placement, UnitCondition
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.actors import CONSOLE

    rng = random.Random(17)
    do_ensure_institution(CONSOLE, "BENCH", "基准测试档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = [do_create_fonds(CONSOLE, f"Z{n:03d}", f"全宗{n}") for n in range(1, 11)]
    now = timezone.now()
    start = time.perf_counter()
    classifications = ("public", "internal", "secret", "confidential")
    with transaction.atomic():
        ArchivalUnit.objects.bulk_create(
            (
                ArchivalUnit(
                    fonds=fonds[n % len(fonds)],
                    title=f"红军长征时期文件（{n}）",
                    reference_code=f"{fonds[n % len(fonds)].code}-WS·1935-Y-{n:07d}",
                    classification=classifications[rng.choices(range(4), (60, 25, 10, 5))[0]],
                    year=1935,
                )
                for n in range(total)
            ),
            batch_size=5000,
        )
        ids = list(ArchivalUnit.objects.values_list("id", flat=True))
        locations = []
        for s in range(1, 5):
            stack = Location.objects.create(kind="stack", code=f"K{s}", full_code=f"K{s}")
            for z in range(1, 26):
                locations.append(
                    Location.objects.create(
                        parent=stack, kind="zone", code=f"{z:02d}", full_code=f"K{s}-{z:02d}", depth=1
                    )
                )
        Placement.objects.bulk_create(
            (Placement(unit_id=i, location=rng.choice(locations), placed_at=now) for i in ids if rng.random() < 0.9),
            batch_size=5000,
        )
        UnitCondition.objects.bulk_create(
            (
                UnitCondition(
                    unit_id=i,
                    grade=rng.choices(GRADES, GRADE_WEIGHTS)[0],
                    reason="霉变 35%（特残：> 30%）",
                    damages={"mould": "35"},
                    source="survey",
                    assessed_at=now,
                )
                for i in ids
            ),
            batch_size=5000,
        )
        red = Subject.objects.create(term="长征")
        through = ArchivalUnit.subjects.through
        through.objects.bulk_create(
            (through(archivalunit_id=i, subject_id=red.pk) for i in ids if rng.random() < 0.02), batch_size=5000
        )
        campaign = Campaign.objects.create(name="重点摸排", priority=True)
        CampaignUnit.objects.bulk_create(
            (CampaignUnit(campaign=campaign, unit_id=i, position=n) for n, i in enumerate(ids[: total // 20])),
            batch_size=5000,
        )
        CheckOut.objects.bulk_create(
            (
                CheckOut(
                    unit_id=rng.choice(ids),
                    purpose="reading",
                    checked_out_at=now,
                    due=now.date(),
                    taken_by="读者",
                    returned_at=now,
                )
                for _ in range(total // 10)
            ),
            batch_size=5000,
        )
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    progress(f"  {total:,} units, conditions, placements in {time.perf_counter() - start:.1f} s")


def median_seconds(fn, samples: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def browser_timing() -> list[float]:
    root = Path(__file__).resolve().parent.parent
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    env = {**os.environ, "DANGAN_SURVEY_TIMING": path, "DANGAN_REQUIRE_BROWSER": "1", "PYTHONPATH": str(root / "src")}
    env.pop("DANGAN_HOME", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "-m", "pytest", "tests/conservation/test_surveys_browser.py", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        env=env,
        check=True,
    )
    return json.loads(Path(path).read_text())["seconds_per_unit"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time the survey entry in chromium")
    args = parser.parse_args()
    entry = browser_timing() if args.browser else []
    setup_django()
    from django.db import connection

    from dangan.conservation.priorities import dashboard_counts, priority_list
    from dangan.core.actors import CONSOLE
    from dangan.core.choices import Role, SecurityClassification
    from dangan.core.models import User

    progress(f"loading {args.units:,} surveyed units into {connection.vendor} …")
    load(args.units)
    conservator = User.objects.create(
        username="bench-conservator", role=Role.CONSERVATOR, clearance=SecurityClassification.SECRET
    )

    def baseline() -> None:
        with connection.cursor() as cur:
            cur.execute("SELECT grade, COUNT(*) FROM conservation_unitcondition GROUP BY grade")
            cur.fetchall()

    def rollup(user: object) -> None:
        counts = dashboard_counts(user)
        top = priority_list(user, limit=100)
        assert counts["total"] > 0 and len(top) == 100

    rows: list[list[object]] = []
    base = median_seconds(baseline, args.samples)
    rows.append(["baseline: COUNT … GROUP BY grade", f"{base * 1000:.1f}", "", ""])
    for label, user in (("roll-up, console (every unit)", CONSOLE), ("roll-up, conservator cleared 秘密", conservator)):
        took = median_seconds(lambda u=user: rollup(u), args.samples)
        rows.append([label, f"{took * 1000:.1f}", f"{took / base:.1f}×", "PASS" if took < 2 else "FAIL"])
    print(f"\n### Survey roll-up — {connection.vendor}, {args.units:,} surveyed units, median of {args.samples}\n")
    print(table(["query", "median ms", "vs baseline", "< 2 s"], rows))
    if entry:
        print("\n### Survey entry in chromium (tablet 768×1024, keyboard)\n")
        print(table(["unit", "seconds"], [[n + 1, f"{s:.2f}"] for n, s in enumerate(entry)]))
    with open("/proc/loadavg") as load_file:
        print(f"\nload average: {load_file.read().strip()}")
    return 0 if all(row[-1] != "FAIL" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
