"""Conservation, part environment (issue #17): the stacks' climate at the scale of 20 sensors reading every 5 minutes
for 3 years (≈ 6.3 million readings).

    .venv/bin/python bench/conservation_env_bench.py                    # 3 years, SQLite
    .venv/bin/python bench/conservation_env_bench.py --years 0.25       # a quick run
    .venv/bin/python bench/conservation_env_bench.py --database-url postgres://postgres@127.0.0.1:5432/dangan_env

Generates the readings straight into the database (executemany; on PostgreSQL COPY; 10 stacks with 2 sensors each,
the second 150 s after the first) with their hourly summaries (the same one-pass summariser the write paths use), then:

1. a month's chart for one stack, min/max/mean per hour: the kept month series (``month_series``, what the chart
   and the API read; every write path keeps it, the generator too) and the same series from the raw readings
   (``month_series_from_raw``, GROUP BY the hour), each timed over the same random (stack, month) pairs in the same
   run: p50, p95 and the ratio. Targets: p95 < 50 ms, ≥ 10×. The month report's per-hour dicts from the hourly
   summaries are timed beside, for reference.
2. a logger's CSV import through ``do_import_readings`` (parse, checks, executemany, hourly summaries, excursion
   detection, the audit entry) into that full database. Target: ≥ 100,000 readings/s.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import percentile, progress, reset_postgres_database, setup_django, table

STACKS, SENSORS_PER_STACK, EVERY = 10, 2, timedelta(minutes=5)


_EPOCH = datetime(1970, 1, 1)


def _value(rng: random.Random, moment: datetime, stack: int) -> tuple[float, float]:
    """A plausible reading at ``moment`` (naive UTC): a season, a day, a little noise; within the JGJ limits."""
    hours = (moment - _EPOCH).total_seconds() / 3600
    season = math.sin(2 * math.pi * hours / (365.25 * 24))
    day = math.sin(2 * math.pi * hours / 24)
    t = 19 + 3 * season + 0.6 * day + 0.1 * stack + (rng.random() - 0.5) * 0.5
    h = 52 + 4 * season - 1.5 * day + (rng.random() - 0.5) * 1.6
    return round(t, 2), round(h, 2)


def generate(years: float, seed: int = 17) -> tuple[list, datetime, datetime, int]:
    """The readings straight into the database (executemany, a month of a stack at a time) with their hourly
    summaries (``_summarise``, the write paths' own)."""
    from django.db import connection

    from dangan.conservation.actions.environment import _store_month_series, _summarise
    from dangan.conservation.choices import LocationKind
    from dangan.conservation.models import HourlySummary, Location, Reading

    rng = random.Random(seed)
    end = datetime(2026, 12, 1)  # naive UTC
    start = end - timedelta(days=round(365.25 * years))
    sqlite = connection.vendor == "sqlite"
    stacks = [
        Location.objects.create(kind=LocationKind.STACK, code=f"K{i:02d}", full_code=f"K{i:02d}", name=f"{i}号库房")
        for i in range(1, STACKS + 1)
    ]
    readings = (
        f"INSERT INTO {Reading._meta.db_table} (stack_id, taken_at, temperature, humidity, source) "
        "VALUES (%s, %s, %s, %s, 'logger')"
    )
    summaries = (
        f"INSERT INTO {HourlySummary._meta.db_table} (stack_id, hour, count, temperature_min, temperature_max, "
        "temperature_sum, humidity_min, humidity_max, humidity_sum) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    adapt = connection.ops.adapt_datetimefield_value
    total = 0
    chunk = timedelta(days=30)
    for index, stack in enumerate(stacks):
        begin = start
        while begin < end:
            stop = min(begin + chunk, end)
            rows = []
            for sensor in range(SENSORS_PER_STACK):
                moment = begin + timedelta(seconds=150 * sensor)
                while moment < stop:
                    t, h = _value(rng, moment, index)
                    rows.append((moment, t, h))
                    moment += EVERY
            stamps = [m.isoformat(" ") for m, _t, _h in rows]
            hours = _summarise(rows, stamps)
            summary_rows = [(stack.pk, adapt(hour), int(v[0]), *v[1:]) for hour, v in hours.items()]
            with connection.cursor() as cursor:
                if sqlite:  # the raw sqlite3 connection: what Django stores, without its wrapper
                    raw = cursor.connection
                    raw.executemany(
                        readings.replace("%s", "?"),
                        [(stack.pk, stamp, t, h) for stamp, (_m, t, h) in zip(stamps, rows, strict=True)],
                    )
                    raw.executemany(summaries.replace("%s", "?"), summary_rows)
                else:  # COPY, as the import path writes readings into PostgreSQL
                    with cursor.cursor.copy(
                        f"COPY {Reading._meta.db_table} (stack_id, taken_at, temperature, humidity, source) FROM STDIN"
                    ) as copy:
                        for stamp, (_m, t, h) in zip(stamps, rows, strict=True):
                            copy.write_row((stack.pk, stamp + "+00", t, h, "logger"))
                    cursor.executemany(summaries, summary_rows)
            total += len(rows)
            begin = stop
        for year, month in months_between(start.replace(tzinfo=UTC), end.replace(tzinfo=UTC), partial=True):
            _store_month_series(stack.pk, year, month)  # what every write path keeps beside the summaries
        progress(f"  stack {stack.code}: {total:,} readings so far")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return stacks, start.replace(tzinfo=UTC), end.replace(tzinfo=UTC), total


def reused(years: float) -> tuple[list, datetime, datetime, int, float]:
    """The stacks and span of a database ``generate`` made in an earlier run (--reuse); the import stacks of earlier
    runs are removed with their readings."""
    from dangan.conservation.models import Location, Reading

    Location.objects.filter(code__startswith="IMPORT").delete()
    stacks = list(Location.objects.filter(parent=None).order_by("code"))
    end = datetime(2026, 12, 1)
    start = end - timedelta(days=round(365.25 * years))
    total = Reading.objects.count()
    progress(f"reusing {total:,} readings in {len(stacks)} stacks")
    return stacks, start.replace(tzinfo=UTC), end.replace(tzinfo=UTC), total, 0.0


def months_between(start: datetime, end: datetime, partial: bool = False) -> list[tuple[int, int]]:
    """The local months from ``start`` to ``end``; without ``partial``, only whole ones (the first may be partial,
    the last too)."""
    from dangan.conservation.actions.environment import _tz

    tz = _tz()
    first, last = start.astimezone(tz), end.astimezone(tz)
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out if partial else out[1:-1]


def bench_charts(stacks: list, months: list[tuple[int, int]], samples: int, seed: int = 3) -> dict:
    """The month chart's series (``month_series``: the kept row, what the chart and the API read) against the same
    series computed from the raw readings (``month_series_from_raw``: one GROUP BY the hour on the (stack,
    taken_at) index, the same output built the same way), over the same random (stack, month) pairs; and, for
    reference, the per-hour dicts of the month report from the hourly summaries (``hourly_from_summaries``)."""
    from dangan.conservation.actions.environment import (
        hourly_from_summaries,
        month_bounds,
        month_series,
        month_series_from_raw,
    )

    rng = random.Random(seed)
    picks = [(rng.choice(stacks), *rng.choice(months)) for _ in range(samples)]
    kept, raw_ms, report = [], [], []
    stack, year, month = picks[0]  # warm every path once
    month_series(stack, year, month), month_series_from_raw(stack, year, month)
    for stack, year, month in picks:
        t0 = time.perf_counter()
        series = month_series(stack, year, month)
        t1 = time.perf_counter()
        raw = month_series_from_raw(stack, year, month)
        t2 = time.perf_counter()
        hourly_from_summaries(stack, *month_bounds(year, month))
        t3 = time.perf_counter()
        kept.append((t1 - t0) * 1000)
        raw_ms.append((t2 - t1) * 1000)
        report.append((t3 - t2) * 1000)
        assert series["labels"] == raw["labels"] and series["count"] == raw["count"]
        for measure in ("temperature", "humidity"):
            assert series[measure]["min"] == raw[measure]["min"] and series[measure]["max"] == raw[measure]["max"]
    return {
        "hours": len(series["labels"]),
        "raw_rows": sum(raw["count"]),
        "fast": (percentile(kept, 50), percentile(kept, 95)),
        "slow": (percentile(raw_ms, 50), percentile(raw_ms, 95)),
        "report": (percentile(report, 50), percentile(report, 95)),
    }


def bench_import(readings: int, tmp: Path) -> tuple[float, int]:
    from dangan.conservation.actions.environment import do_import_readings
    from dangan.conservation.choices import LocationKind
    from dangan.conservation.models import Location
    from dangan.core.actors import CONSOLE

    stack = Location.objects.create(kind=LocationKind.STACK, code="IMPORT", full_code="IMPORT", name="导入库房")
    rng = random.Random(11)
    start = datetime(2023, 1, 1, 0, 0)
    lines = ["时间,温度,湿度"]
    for i in range(readings):
        moment = start + EVERY * i
        t, h = _value(rng, moment, 0)
        lines.append(f"{moment:%Y-%m-%d %H:%M:%S},{t},{h}")
    path = tmp / "logger.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = path.read_bytes()
    t0 = time.perf_counter()
    result = do_import_readings(CONSOLE, stack, data)
    seconds = time.perf_counter() - t0
    assert result.readings == readings
    return seconds, result.excursions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--samples", type=int, default=50, help="random months timed")
    parser.add_argument("--import-readings", type=int, default=200_000)
    parser.add_argument("--database-url", default=os.environ.get("DANGAN_BENCH_DATABASE_URL", ""))
    parser.add_argument(
        "--home",
        default="",
        help="a folder kept between runs (the SQLite file and the audit key); with --reuse, a second run measures the "
        "database the first generated (generate on a busy machine, measure on a quiet one)",
    )
    parser.add_argument("--reuse", action="store_true", help="measure the database already generated there")
    parser.add_argument("--generate-only", action="store_true", help="generate, measure nothing (then --reuse)")
    args = parser.parse_args()
    import tempfile

    home = args.home or tempfile.mkdtemp(prefix="dangan-env-bench-")
    Path(home).mkdir(parents=True, exist_ok=True)
    if args.database_url and not args.reuse:
        reset_postgres_database(args.database_url)
    if not args.database_url and not args.reuse:
        for name in Path(home).glob("*.sqlite3*"):
            name.unlink()
    setup_django(args.database_url or None, home)
    from django.db import connection

    if args.reuse:
        stacks, start, end, total, generated = reused(args.years)
    else:
        progress(f"generating {args.years} years × {STACKS * SENSORS_PER_STACK} sensors into {connection.vendor} …")
        t0 = time.perf_counter()
        stacks, start, end, total = generate(args.years)
        generated = time.perf_counter() - t0
        progress(f"generated {total:,} readings in {generated:.0f} s")
        if args.generate_only:
            return 0
    chart = bench_charts(stacks, months_between(start, end), args.samples)
    seconds, excursions = bench_import(args.import_readings, Path(home))
    rate = args.import_readings / seconds
    print(
        f"\ndatabase: {connection.vendor}; readings: {total:,} ({STACKS * SENSORS_PER_STACK} sensors, "
        f"{args.years} years, every 5 min); {'reused' if args.reuse else f'generated in {generated:.0f} s'}; load {Path('/proc/loadavg').read_text().strip()}"
    )
    print(
        table(
            ["month chart, one stack", "rows read", "p50 ms", "p95 ms"],
            [
                ["kept month series (one row)", 1, f"{chart['fast'][0]:.2f}", f"{chart['fast'][1]:.2f}"],
                [
                    "raw readings (GROUP BY hour)",
                    chart["raw_rows"],
                    f"{chart['slow'][0]:.2f}",
                    f"{chart['slow'][1]:.2f}",
                ],
                [
                    "(the month report's per-hour dicts, from hourly summaries)",
                    chart["hours"],
                    f"{chart['report'][0]:.2f}",
                    f"{chart['report'][1]:.2f}",
                ],
            ],
        )
    )
    print(
        f"ratio p95 raw / summaries: {chart['slow'][1] / chart['fast'][1]:.1f}×; "
        f"p50: {chart['slow'][0] / chart['fast'][0]:.1f}× ({args.samples} random months)"
    )
    print(
        f"CSV import: {args.import_readings:,} readings in {seconds:.2f} s = {rate:,.0f} readings/s "
        f"({excursions} excursions found)"
    )
    ok = chart["fast"][1] < 50 and chart["slow"][1] / chart["fast"][1] >= 10 and rate >= 100_000
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
