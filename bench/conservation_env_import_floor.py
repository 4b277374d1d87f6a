"""Conservation environment: the logger CSV import alone on a fresh database, and its floor.

    .venv/bin/python bench/conservation_env_import_floor.py                   # SQLite
    .venv/bin/python bench/conservation_env_import_floor.py --database-url postgres://postgres@127.0.0.1:5432/x

A 200,000-row logger file (local "YYYY-MM-DD HH:MM:SS", every 5 minutes) through ``do_import_readings`` twice (two
stacks), the parse alone, and the floor: one ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) of the pre-built rows
into the readings table and its index, nothing else.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import reset_postgres_database, setup_django
from conservation_env_bench import EVERY, _value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--readings", type=int, default=200_000)
    args = parser.parse_args()
    if args.database_url:
        reset_postgres_database(args.database_url)
    setup_django(args.database_url or None, tempfile.mkdtemp(prefix="dangan-env-floor-"))
    from django.db import connection, transaction

    from dangan.conservation.actions.environment import _parse_csv, do_import_readings
    from dangan.conservation.choices import LocationKind
    from dangan.conservation.models import Location
    from dangan.core.actors import CONSOLE

    n = args.readings
    rng, start = random.Random(11), datetime(2023, 1, 1)
    lines = ["时间,温度,湿度"]
    for i in range(n):
        moment = start + EVERY * i
        t, h = _value(rng, moment, 0)
        lines.append(f"{moment:%Y-%m-%d %H:%M:%S},{t},{h}")
    data = ("\n".join(lines) + "\n").encode()
    for k in range(2):
        stack = Location.objects.create(kind=LocationKind.STACK, code=f"I{k}", full_code=f"I{k}", name="导入")
        t0 = time.perf_counter()
        rows, stamps, _problems = _parse_csv(data)
        parsed = time.perf_counter() - t0
        t0 = time.perf_counter()
        do_import_readings(CONSOLE, stack, data)
        seconds = time.perf_counter() - t0
        print(f"{connection.vendor}: parse alone {n / parsed:,.0f}/s; import {n / seconds:,.0f}/s ({seconds:.2f} s)")
    floor = Location.objects.create(kind=LocationKind.STACK, code="FLOOR", full_code="FLOOR", name="下限")
    tuples = [(floor.pk, s, r[1], r[2], "logger", None) for s, r in zip(stamps, rows, strict=True)]
    columns = "conservation_reading (stack_id, taken_at, temperature, humidity, source, sensor_id)"
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.connection.executemany(f"INSERT INTO {columns} VALUES (?, ?, ?, ?, ?, ?)", tuples)
        else:
            with cursor.cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                for row in tuples:
                    copy.write_row((row[0], row[1] + "+00", *row[2:]))
    seconds = time.perf_counter() - t0
    print(f"floor, the pre-built rows inserted alone: {n / seconds:,.0f}/s ({seconds:.2f} s)")
    print(f"load {Path('/proc/loadavg').read_text().strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
