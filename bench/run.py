"""`make bench`: run every benchmark, each printing its own table with its baseline measured in the same run.

    python bench/run.py [--quick] [--only NAME]

PostgreSQL runs are added when a server answers on 127.0.0.1:5432 (override with DANGAN_BENCH_DATABASE_URL).
Record the tables in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PG_URL = os.environ.get("DANGAN_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dangan_bench")


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller data sets, for a smoke run")
    parser.add_argument("--only", default=None, help="run only benchmarks whose name contains this")
    args = parser.parse_args()
    extra = ["--quick"] if args.quick else []
    runs: list[tuple[str, list[str]]] = [
        ("import", ["import_bench.py", *extra]),
        ("hierarchy-sqlite", ["hierarchy_bench.py", *extra]),
        ("classification-sqlite", ["classification_bench.py", *extra]),
        ("search-sqlite", ["search_bench.py", *extra]),
        ("preservation", ["preservation_bench.py", *extra]),
        ("bagit", ["bagit_bench.py", *extra]),
        ("accession", ["accession_bench.py", *extra]),
        ("hardening-sqlite", ["hardening_bench.py", *extra]),
        ("iiif", ["iiif_bench.py", *extra]),
        ("iiif-presentation", ["iiif_presentation_bench.py", *extra]),
        ("ocr", ["ocr_bench.py", *extra]),
        ("digitize", ["digitize_bench.py", *extra]),
        ("replication-crypto", ["replication_crypto_bench.py", *extra]),
    ]
    if postgres_answers():
        runs.append(("import-postgresql", ["import_bench.py", "--database-url", PG_URL, *extra]))
        runs.append(("hierarchy-postgresql", ["hierarchy_bench.py", "--database-url", PG_URL, *extra]))
        runs.append(("search-postgresql", ["search_bench.py", "--database-url", PG_URL, *extra]))
        runs.append(("hardening-postgresql", ["hardening_bench.py", "--database-url", PG_URL, *extra]))
    failed = []
    for name, command in runs:
        if args.only and args.only not in name:
            continue
        print(f"\n## {name}\n", flush=True)
        code = subprocess.call([sys.executable, str(BENCH_DIR / command[0]), *command[1:]])
        if code:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks missing their target: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
