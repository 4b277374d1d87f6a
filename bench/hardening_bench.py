"""Issue #13 benchmark: what the hardening costs on the paths people use every day, each beside the floor of the
work it cannot avoid, measured in the same run.

- audit log append: ``core.audit.log()`` (HMAC over every column, the chain lock, anchors every 100 entries) per
  entry, each in its own transaction as an action's is; floor: the same row inserted in its own transaction
  without the chain;
- audit log verify: ``dangan auditlog verify`` over the whole log; floor: reading the same rows and one SHA-256
  of each row's canonical bytes (what the old, unkeyed chain did);
- unit edit: ``do_update_unit`` changing 备注 (row lock, re-read, version, only the changed column, audit entry,
  search index); floor: one UPDATE of that column plus its audit entry;
- spreadsheet guard: the used-range scan of an .xlsx before it is read (catalog.tabular_limits); floor: reading
  the same sheet with python-calamine, which every import does anyway.

    .venv/bin/python bench/hardening_bench.py [--entries 5000] [--rows 100000] [--database-url postgres://…]

--database-url names a database that the benchmark drops and creates again.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT_DIR, progress, reset_postgres_database, setup_django, table

BATCH = 200  # entries per timed sample


def _median_per_item(samples: list[float], per: int) -> float:
    return statistics.median(samples) / per


def bench_audit_append(entries: int) -> tuple[float, float]:
    """Median µs per entry: log() and the floor."""
    from django.db import transaction

    from dangan.core.actors import CONSOLE
    from dangan.core.audit import log
    from dangan.core.models import AuditEntry, Institution

    institution = Institution.objects.get()
    chained: list[float] = []
    plain: list[float] = []
    for _ in range(max(1, entries // BATCH)):
        start = time.perf_counter()
        for n in range(BATCH):
            with transaction.atomic():
                log(institution, "core.institution.create", CONSOLE, {"before": {"n": n}, "after": {"n": n + 1}})
        chained.append(time.perf_counter() - start)
        last = AuditEntry.objects.order_by("-id").first()
        assert last is not None
        start = time.perf_counter()
        for n in range(BATCH):
            with transaction.atomic():
                AuditEntry.objects.create(
                    id=10_000_000 + len(plain) * BATCH + n,
                    timestamp=last.timestamp,
                    username="console",
                    action="core.institution.create",
                    object_type=last.object_type,
                    object_id=last.object_id,
                    object_repr=last.object_repr,
                    data={"before": {"n": n}, "after": {"n": n + 1}},
                    previous_hash=last.entry_hash,
                    entry_hash=hashlib.sha256(f"floor{len(plain)}-{n}".encode()).hexdigest(),
                    scheme=last.scheme,
                    key_id=last.key_id,
                )
        plain.append(time.perf_counter() - start)
        AuditEntry.objects.filter(id__gte=10_000_000).delete()  # the floor's rows are not part of the chain
    return _median_per_item(chained, BATCH) * 1e6, _median_per_item(plain, BATCH) * 1e6


def bench_audit_verify() -> tuple[int, float, float]:
    """Entries, seconds to verify, seconds for the floor (read every row, one SHA-256 each)."""
    from dangan.core.auditlog.chain import legacy_canonical
    from dangan.core.auditlog.verify import verify_chain
    from dangan.core.models import AuditEntry

    verified: list[float] = []
    floor: list[float] = []
    count = 0
    for _ in range(3):
        start = time.perf_counter()
        report = verify_chain(anchor=False)
        verified.append(time.perf_counter() - start)
        assert report.ok, report
        count = report.checked
        start = time.perf_counter()
        for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
            hashlib.sha256(legacy_canonical(entry)).hexdigest()
        floor.append(time.perf_counter() - start)
    return count, statistics.median(verified), statistics.median(floor)


def bench_unit_edit(edits: int) -> tuple[float, float]:
    """Median ms per edit: do_update_unit, and the floor (one UPDATE plus its audit entry)."""
    from django.db import transaction

    from dangan.catalog.actions.units import do_create_unit, do_update_unit
    from dangan.catalog.models import ArchivalUnit, Fonds
    from dangan.core.actors import CONSOLE
    from dangan.core.audit import log

    fonds = Fonds.objects.get(code="Z109")
    units = [do_create_unit(CONSOLE, fonds, {"title": f"关于扶贫资金的通知之{n}"}) for n in range(50)]
    action: list[float] = []
    floor: list[float] = []
    per = len(units)
    for round_ in range(max(1, edits // per)):
        start = time.perf_counter()
        for unit in units:
            do_update_unit(CONSOLE, unit, {"remarks": f"第{round_}次核对"})
        action.append(time.perf_counter() - start)
        start = time.perf_counter()
        for unit in units:
            with transaction.atomic():
                ArchivalUnit.objects.filter(pk=unit.pk).update(remarks=f"第{round_}次复核")
                log(unit, "catalog.unit.update", CONSOLE, {"before": {}, "after": {"remarks": "…"}})
        floor.append(time.perf_counter() - start)
    return _median_per_item(action, per) * 1e3, _median_per_item(floor, per) * 1e3


def bench_sheet_guard(rows: int) -> tuple[float, float, float]:
    """MB of sheet XML, seconds of the used-range scan, seconds of calamine's read of the same file."""
    import zipfile

    from python_calamine import CalamineWorkbook

    from dangan.catalog.tabular_limits import ReadLimits, check_xlsx
    from import_bench import generate

    path = OUT_DIR / f"catalog-{rows}.xlsx"
    if not path.exists():
        progress(f"generating {path.name} …")
        OUT_DIR.mkdir(exist_ok=True)
        generate(path, rows)
    with zipfile.ZipFile(path) as archive:
        xml = sum(i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
    limits = ReadLimits(max_bytes=1 << 40, max_rows=10_000_000, max_columns=16_384, max_cells=10**10)
    scans, reads = [], []
    for _ in range(3):
        start = time.perf_counter()
        check_xlsx(path, limits)
        scans.append(time.perf_counter() - start)
        start = time.perf_counter()
        CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        reads.append(time.perf_counter() - start)
    return xml / 1e6, statistics.median(scans), statistics.median(reads)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=5000, help="audit entries appended (default 5000)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the .xlsx for the guard (default 100000)")
    parser.add_argument("--quick", action="store_true", help="1,000 entries, 10,000 rows")
    parser.add_argument("--database-url", default=None, help="measure on this PostgreSQL server (a scratch database)")
    args = parser.parse_args(argv)
    if args.quick:
        args.entries, args.rows = 1000, 10_000
    if args.database_url:
        reset_postgres_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection

    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.actors import CONSOLE

    do_ensure_institution(CONSOLE, "BENCH", "基准测试档案馆")
    do_ensure_default_categories(CONSOLE)
    do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")

    progress("audit log append …")
    logged_us, floor_us = bench_audit_append(args.entries)
    progress("unit edits …")
    edit_ms, edit_floor_ms = bench_unit_edit(500)
    progress("audit log verify …")
    count, verify_s, verify_floor_s = bench_audit_verify()
    progress("spreadsheet guard …")
    xml_mb, scan_s, read_s = bench_sheet_guard(args.rows)

    engine = connection.vendor
    print(f"\n### Issue #13 — hardening costs ({engine})\n")
    print(
        table(
            ["path", "measured", "floor (same run)", "ratio"],
            [
                ["audit log append, µs/entry", logged_us, floor_us, logged_us / floor_us],
                ["unit edit (备注), ms/edit", edit_ms, edit_floor_ms, edit_ms / edit_floor_ms],
                [
                    f"audit verify, entries/s ({count:,} entries)",
                    count / verify_s,
                    count / verify_floor_s,
                    verify_floor_s / verify_s,
                ],
                [f"xlsx used-range scan, s ({args.rows:,} rows, {xml_mb:.0f} MB XML)", scan_s, read_s, scan_s / read_s],
            ],
        )
    )
    print("\nratio: measured ÷ floor for times; for the verify rate, floor time ÷ verify time (a slowdown below 1).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
