"""Replication to a folder target (issue #16, part transfers): `replicate_package` of one preserved package —
read through the storage backend, SM4-GCM or AES-256-GCM envelopes, written through `.partial`, fsynced, renamed,
read back for the receipt, rows and PREMIS event — against `rsync -a` of the same OCFL object directory to a fresh
folder, in the same run; and the incremental replication of a one-file new version.

    .venv/bin/python bench/replication_transfers_bench.py            # 32 files, 256 MiB, 3 runs each
    .venv/bin/python bench/replication_transfers_bench.py --quick    # 16 files, 64 MiB

The files are random (nothing compresses); everything is in the page cache after the first pass, so this measures
CPU (encryption, hashing, copying), not disks. rsync does not fsync and reads nothing back; the folder store does
both. Wall and CPU seconds (this process and its threads; rsync's children for the baseline) are medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, setup_django, table


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    count, total = (16, 64 << 20) if args.quick else (32, 256 << 20)

    work = Path(tempfile.mkdtemp(prefix="dangan-repl-bench-"))
    try:
        os.environ["DANGAN_STORAGE_ROOT"] = str(work / "storage")
        os.environ["DANGAN_STORAGE_DURABLE"] = "0"
        os.environ["DANGAN_REPLICATION_HOME"] = str(work / "replication")
        setup_django(home=str(work / "home"))
        run(work, count, total, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, count: int, total: int, runs: int) -> None:
    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import RecordCategory
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.actors import CONSOLE
    from dangan.preservation.actions.preserving import do_preserve
    from dangan.preservation.store import storage_root
    from dangan.replication.actions.transfers import replicate_package
    from dangan.replication.models import Replica, Target
    from dangan.replication.node import ensure_node

    ensure_node()
    do_ensure_institution(CONSOLE, "GZSDAG", "贵州省档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    unit = do_create_unit(
        CONSOLE, fonds, {"title": "基准", "category": RecordCategory.objects.get(code="WS"), "year": 2011}
    )
    sources = work / "sources"
    sources.mkdir()
    for i in range(count):
        (sources / f"scan-{i:04d}.bin").write_bytes(os.urandom(total // count))
    progress("preserving")
    package = do_preserve(CONSOLE, unit, sorted(sources.iterdir())).package
    root = storage_root()
    object_dir = Path(root.backend.describe(root.object_path(package.object_id)))
    object_bytes = sum(p.stat().st_size for p in object_dir.rglob("*") if p.is_file())
    mib = object_bytes / (1 << 20)

    rows = []
    baseline_wall, baseline_cpu = [], []
    for n in range(runs):
        dest = work / f"rsync-{n}"
        c0, t0 = cpu_children(), time.perf_counter()
        subprocess.run(["rsync", "-a", f"{object_dir}/", f"{dest}/"], check=True)
        baseline_wall.append(time.perf_counter() - t0)
        baseline_cpu.append(cpu_children() - c0)
        shutil.rmtree(dest)
    rsync_wall = statistics.median(baseline_wall)
    rows.append(["rsync -a (baseline)", round(mib / rsync_wall, 1), rsync_wall, statistics.median(baseline_cpu), 1.0])

    for cipher in ("sm4-gcm", "aes-256-gcm"):
        walls, cpus = [], []
        for n in range(runs):
            folder = work / f"{cipher}-{n}"
            folder.mkdir()
            target = Target.objects.create(
                name=f"{cipher}-{n}", kind="folder", medium="disk", location=str(folder), cipher=cipher
            )
            progress(f"{cipher} run {n + 1}")
            c0, t0 = cpu_self(), time.perf_counter()
            replicate_package(package, target)
            walls.append(time.perf_counter() - t0)
            cpus.append(cpu_self() - c0)
            Replica.objects.filter(target=target).delete()
            shutil.rmtree(folder)
        wall = statistics.median(walls)
        rows.append(
            [f"replicate_package, {cipher}", round(mib / wall, 1), wall, statistics.median(cpus), rsync_wall / wall]
        )

    folder = work / "incremental"
    folder.mkdir()
    target = Target.objects.create(name="incremental", kind="folder", medium="disk", location=str(folder))
    replicate_package(package, target)
    extra = work / "extra.bin"
    extra.write_bytes(os.urandom(total // count))
    do_preserve(CONSOLE, unit, [extra])
    package.refresh_from_db()
    c0, t0 = cpu_self(), time.perf_counter()
    result = replicate_package(package, target)
    wall = time.perf_counter() - t0
    rows.append(
        [
            f"new version (+1 file), sm4-gcm: {result.envelopes_sent} envelopes, {result.bytes_sent >> 20} MiB",
            "",
            wall,
            cpu_self() - c0,
            "",
        ]
    )

    print(f"\nObject: {count} files, {mib:.0f} MiB; runs: {runs}; load average: {os.getloadavg()}\n")
    print(table(["what", "MiB/s", "wall s (median)", "CPU s (median)", "speed vs rsync"], rows))


if __name__ == "__main__":
    main()
