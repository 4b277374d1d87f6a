"""S3 storage benchmark (issue #16): writing a package to the OCFL storage root, reading it back and checking its
fixity, on the local file system and on an S3 store (SeaweedFS on loopback, started by this script), same files,
same run, runs alternated; the median of each.

    flock /work/bench.lock .venv/bin/python bench/s3_storage_bench.py            # 256 MB in 128 files, 3 runs
    flock /work/bench.lock .venv/bin/python bench/s3_storage_bench.py --quick    # 64 MB in 32 files

Library level (StorageRoot.write_version / open_file / verify_object), no database. The local root is written with
durable=False and with durable=True (syncfs); S3 is durable when the store answers (SeaweedFS here does not fsync
either, so compare it with the durable=False row). CPU seconds: this process (hashing, signing, copying) and, for
S3, the weed server process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, table
from dangan.preservation.ocfl.root import StorageRoot
from dangan.preservation.storage import LocalFilesystemBackend, S3Backend
from dangan.preservation.storage.seaweedfs import SeaweedServer

MB = 1_000_000


def make_files(base: Path, count: int, total: int) -> dict[str, Path]:
    base.mkdir(parents=True, exist_ok=True)
    block = os.urandom(8 << 20)
    files = {}
    for i in range(count):
        size = total // count
        path = base / f"scan-{i:04d}.tif"
        offset = (i * 7919) % (len(block) - 1)
        data = (block[offset:] + block) * (size // len(block) + 1)
        path.write_bytes(f"{i}\n".encode() + data[:size])
        files[f"content/{path.name}"] = path
    return files


def cpu_of(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(fn: Callable[[], object], server_pid: int | None) -> tuple[float, float, float]:
    """(wall seconds, this process's CPU seconds, the server's CPU seconds)."""
    cpu0, srv0, t0 = time.process_time(), cpu_of(server_pid), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - cpu0, cpu_of(server_pid) - srv0


def read_all(root: StorageRoot, object_id: str) -> int:
    inventory = root.inventory(object_id)
    buffer = bytearray(1 << 20)
    total = 0
    for logical in inventory.state():
        with root.open_file(object_id, logical, inventory=inventory) as f:
            while n := cast(Any, f).readinto(buffer):
                total += n
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=256)
    parser.add_argument("--files", type=int, default=128)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="64 MB in 32 files")
    args = parser.parse_args()
    if args.quick:
        args.mb, args.files = 64, 32
    work = Path(tempfile.mkdtemp(prefix="dangan-s3-bench-"))
    if shutil.disk_usage(work).free < 5 * args.mb * MB:
        print(f"not enough free space in {work}", file=sys.stderr)
        return 2
    server = SeaweedServer(work / "seaweedfs")
    try:
        progress(f"making {args.mb} MB in {args.files} files …")
        files = make_files(work / "src", args.files, args.mb * MB)
        total = sum(p.stat().st_size for p in files.values())
        server.start()
        server.client().create_bucket("bench")
        pid = server.process.pid if server.process else None
        kinds = {
            "local (durable=False)": lambda run: StorageRoot(
                LocalFilesystemBackend(work / f"local-{run}"), durable=False
            ),
            "local (durable=True)": lambda run: StorageRoot(LocalFilesystemBackend(work / f"durable-{run}")),
            "S3 (SeaweedFS, loopback)": lambda run: StorageRoot(S3Backend(server.client(), "bench", f"run-{run}")),
        }
        results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        for run in range(args.runs):
            for name, make in kinds.items():
                root = make(run)
                root.initialize()
                object_id = str(uuid.uuid4())
                srv = pid if name.startswith("S3") else None
                steps: dict[str, Callable[[], object]] = {
                    "write": partial(root.write_version, object_id, files, {}, message="bench", user_name="bench"),
                    "read": partial(read_all, root, object_id),
                    "fixity (sha512)": partial(root.verify_object, object_id),
                }
                for step, fn in steps.items():
                    if step == "fixity (sha512)" and "durable=True" in name:
                        continue  # the same reads as durable=False
                    results.setdefault((name, step), []).append(measure(fn, srv))
                progress(f"run {run + 1}/{args.runs}: {name} done")
                if isinstance(root.backend, LocalFilesystemBackend):
                    shutil.rmtree(root.backend.root, ignore_errors=True)
                else:
                    root.backend.remove_tree("")
        rows = []
        for step in ("write", "read", "fixity (sha512)"):
            base = statistics.median(r[0] for r in results[("local (durable=False)", step)])
            for name in kinds:
                samples = results.get((name, step))
                if not samples:
                    continue
                wall = statistics.median(s[0] for s in samples)
                cpu = statistics.median(s[1] for s in samples)
                srv_cpu = statistics.median(s[2] for s in samples)
                rows.append(
                    [
                        step,
                        name,
                        f"{total / MB / wall:,.0f}",
                        f"{wall:.2f}",
                        f"{cpu:.2f}" + (f" + {srv_cpu:.2f}" if name.startswith("S3") else ""),
                        f"{base / wall:.2f}",
                    ]
                )
        print(f"\n{total / MB:,.0f} MB in {len(files)} files, median of {args.runs} runs, load {os.getloadavg()}\n")
        print(table(["step", "storage root", "MB/s", "wall s", "CPU s (ours + server)", "speed vs local"], rows))
    finally:
        server.stop(kill=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
