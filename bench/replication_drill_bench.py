"""Restore drill (issue #16, part drills): `do_drill` of a folder target's copy — list and decrypt the manifests,
fetch every envelope by ranges, open it chunk by chunk (AES-256-GCM or SM4-GCM), SHA-256 against the manifest,
write through a staging name and rename, validate each OCFL object with every digest (SHA-512) — against `cp -r`
of the same OCFL objects (the plaintext storage root) to a fresh folder, in the same run, each into the same
file system.

    .venv/bin/python bench/replication_drill_bench.py --gb 10 --runs 3      # 10 packages of 1 GB
    .venv/bin/python bench/replication_drill_bench.py --gb 1 --runs 1       # a quick look

The files are random (nothing compresses). The data set is made with `do_preserve` and `replicate_package`
(not timed). cp does not check anything; the drill decrypts, hashes twice (SHA-256 against the manifest, SHA-512
in the OCFL validation) and writes. Recovery time is the drill's own figure (start to verified). Medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, setup_django, table

FILE_BYTES = 64 << 20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gb", type=float, default=10.0, help="decimal GB of content (1 GB = 10^9 bytes)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cipher", default="aes-256-gcm", choices=["aes-256-gcm", "sm4-gcm"])
    parser.add_argument("--work", default="", help="a folder for everything (default: a new one under /tmp)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dangan-drill-bench-", dir=args.work or None))
    try:
        os.environ["DANGAN_STORAGE_ROOT"] = str(work / "storage")
        os.environ["DANGAN_STORAGE_DURABLE"] = "0"
        os.environ["DANGAN_REPLICATION_HOME"] = str(work / "replication")
        setup_django(home=str(work / "home"))
        run(work, int(args.gb * 1e9), args.runs, args.cipher)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, total: int, runs: int, cipher: str) -> None:
    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import RecordCategory
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.actors import CONSOLE
    from dangan.preservation.actions.preserving import do_preserve
    from dangan.preservation.store import storage_root
    from dangan.replication.actions.drills import do_drill
    from dangan.replication.actions.transfers import replicate_package
    from dangan.replication.models import Target
    from dangan.replication.node import ensure_node

    ensure_node()
    do_ensure_institution(CONSOLE, "GZSDAG", "贵州省档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    category = RecordCategory.objects.get(code="WS")
    folder = work / "target"
    folder.mkdir()
    target = Target.objects.create(name="nas", kind="folder", medium="disk", location=str(folder), cipher=cipher)
    files = max(1, total // FILE_BYTES)
    per_package = 16
    made = 0
    number = 0
    while made < files:
        number += 1
        unit = do_create_unit(CONSOLE, fonds, {"title": f"基准 {number}", "category": category, "year": 2011})
        sources = work / f"sources-{number}"
        sources.mkdir()
        for i in range(min(per_package, files - made)):
            with open(sources / f"scan-{i:04d}.bin", "wb") as handle:
                for _ in range(FILE_BYTES >> 20):
                    handle.write(os.urandom(1 << 20))
            made += 1
        progress(f"preserving package {number} ({made}/{files} files)")
        package = do_preserve(CONSOLE, unit, sorted(sources.iterdir())).package
        shutil.rmtree(sources)
        progress(f"replicating package {number}")
        replicate_package(package, target)
    root = storage_root()
    storage = Path(root.backend.describe())
    content_bytes = sum(p.stat().st_size for p in storage.rglob("*") if p.is_file())
    gb = content_bytes / 1e9

    cp_walls: list[float] = []
    drill_walls: list[float] = []
    recovery: list[float] = []
    for n in range(runs):
        dest = work / f"cp-{n}"
        progress(f"cp -r run {n + 1}")
        subprocess.run(["sync"], check=True)
        t0 = time.perf_counter()
        subprocess.run(["cp", "-r", str(storage), str(dest)], check=True)
        cp_walls.append(time.perf_counter() - t0)
        shutil.rmtree(dest)

        into = work / f"drill-{n}"
        progress(f"drill run {n + 1}")
        subprocess.run(["sync"], check=True)
        t0 = time.perf_counter()
        drill = do_drill(CONSOLE, target, into)
        drill_walls.append(time.perf_counter() - t0)
        assert drill.state == "passed", drill.failures
        assert drill.recovery_time is not None
        recovery.append(drill.recovery_time)
        shutil.rmtree(into)

    cp = statistics.median(cp_walls)
    rto = statistics.median(recovery)
    rows = [
        ["cp -r of the storage root (baseline)", round(gb / cp, 3), round(cp, 1), 1.0],
        [f"drill, {cipher}: recovery time", round(gb / rto, 3), round(rto, 1), round(rto / cp, 2)],
        [f"drill, {cipher}: wall", "", round(statistics.median(drill_walls), 1), ""],
    ]
    print(f"\n{number} packages, {files} files, {content_bytes:,} bytes of OCFL objects; {runs} runs each")
    print(f"cp runs {[round(x, 1) for x in cp_walls]}, drill runs {[round(x, 1) for x in recovery]}")
    print(table(["", "GB/s", "median s", "× cp"], rows))
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
