"""BagIt validation speed (issue #5): `dangan bag validate` against `bagit.py --validate` on the same bag.

A bag of N files (default 10,000, about 1 GB: many small files, some of a few MB, a few large) is made with
make_bag; then each validator runs --repeat times, alternating, and the medians are compared. Both run as separate
processes (start-up included); the in-process validate_bag() time is shown beside. Baselines in the same run:
bagit-python 1.9 `bagit.py --validate` (one process, its default) and with `--processes 2`. The files are read
from the page cache after the first run (the machine has the RAM): this measures the validators, not the disk.

Targets: the whole accept path of a 10,000-file / ~1 GB SIP ≥ 100 files/s and within 3× of `bagit.py --validate`;
validation is one part of that path.

    python bench/bagit_bench.py [--files 10000] [--gigabytes 1.0] [--algorithm sha512 …] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, table
from dangan.accession.bagit import make_bag, validate_bag

BIN = Path(sys.executable).parent


def sizes(files: int, total: int, rng: random.Random) -> list[int]:
    """A long-tailed mix like a transfer of scans and documents (log-normal, scaled to the total): most files small,
    a few large. At 10,000 files / 1 GB: median about 30 KB, the largest tens of MB."""
    raw = [rng.lognormvariate(0, 1.6) for _ in range(files)]
    scale = total / sum(raw)
    return [max(1, int(r * scale)) for r in raw]


def build_source(folder: Path, files: int, total: int, seed: int = 5) -> int:
    rng = random.Random(seed)
    block = rng.randbytes(8 << 20)  # slices of one random block at random offsets: incompressible, fast to write
    written = 0
    for i, size in enumerate(sizes(files, total, rng)):
        path = folder / f"series-{i % 40:02d}" / f"file-{i // 40 % 25:02d}" / f"item-{i:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            left = size
            while left:
                start = rng.randrange(0, len(block) - min(left, len(block)) + 1)
                chunk = block[start : start + min(left, len(block))]
                f.write(chunk)
                left -= len(chunk)
        written += size
    return written


def run(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--algorithm", action="append", dest="algorithms", help="default sha512; repeatable")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="dangan's hashing threads (default 2 per CPU)")
    parser.add_argument("--dir", default=None, help="where to build the bag (default: the system temp folder)")
    parser.add_argument("--quick", action="store_true", help="1,000 files, 100 MB")
    args = parser.parse_args()
    if args.quick:
        args.files, args.gigabytes = 1_000, 0.1
    algorithms = tuple(args.algorithms or ["sha512"])
    total = int(args.gigabytes * (1 << 30))
    parent = Path(args.dir or tempfile.gettempdir())
    free = shutil.disk_usage(parent).free
    if free < total * 1.5 + (1 << 30):
        raise SystemExit(f"not enough space in {parent}: {free >> 20} MB free, about {total * 3 // 2 >> 20} MB needed")
    bagit_py = BIN / "bagit.py"
    if not bagit_py.exists():
        raise SystemExit(f"{bagit_py} not found: install the dev dependencies (bagit)")
    dangan = [sys.executable, "-c", "import sys; from dangan.cli import main; sys.exit(main())"]

    work = Path(tempfile.mkdtemp(prefix="dangan-bagit-bench-", dir=parent))
    try:
        bag = work / "sip"
        progress(f"writing {args.files:,} files, {total >> 20:,} MB in {bag} …")
        payload_bytes = build_source(bag, args.files, total)
        file_sizes = sorted(p.stat().st_size for p in bag.rglob("*") if p.is_file())
        started = time.perf_counter()
        make_bag(bag, algorithms=algorithms)
        make_seconds = time.perf_counter() - started

        commands = {
            "dangan bag validate": [*dangan, "bag", "validate", "--quiet", str(bag)],
            "bagit.py --validate": [str(bagit_py), "--validate", "--quiet", str(bag)],
            "bagit.py --validate --processes 2": [str(bagit_py), "--validate", "--quiet", "--processes", "2", str(bag)],
            "dangan bag validate --fast": [*dangan, "bag", "validate", "--quiet", "--fast", str(bag)],
            "bagit.py --validate --fast": [str(bagit_py), "--validate", "--quiet", "--fast", str(bag)],
        }
        if args.workers:
            for name in ("dangan bag validate", "dangan bag validate --fast"):
                commands[name][-1:-1] = ["--workers", str(args.workers)]
        times: dict[str, list[float]] = {name: [] for name in commands}
        in_process: list[float] = []
        run(commands["bagit.py --validate"])  # warm the page cache: every run below reads from memory
        for round_ in range(args.repeat):
            progress(f"round {round_ + 1}/{args.repeat} …")
            for name, command in commands.items():
                times[name].append(run(command))
            started = time.perf_counter()
            report = validate_bag(bag, workers=args.workers)
            in_process.append(time.perf_counter() - started)
            assert report.valid, str(report)
        median = {name: statistics.median(samples) for name, samples in times.items()}
        baseline = median["bagit.py --validate"]
        rows = []
        for name, seconds in [*median.items(), ("validate_bag() in process", statistics.median(in_process))]:
            ratio = seconds / baseline
            rows.append(
                (
                    name,
                    f"{seconds:.2f}",
                    f"{args.files / seconds:,.0f}",
                    f"{payload_bytes / seconds / 1e6:,.0f}",
                    f"{ratio:.2f}×",
                )
            )
        print(
            f"\n{args.files:,} files, {payload_bytes / 1e9:.2f} GB, {'+'.join(algorithms)}; "
            f"(median {file_sizes[len(file_sizes) // 2] / 1e3:,.0f} KB, largest {file_sizes[-1] / 1e6:,.1f} MB); "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; median of {args.repeat}; page cache warm; "
            f"make_bag (in place) {make_seconds:.1f} s = {args.files / make_seconds:,.0f} files/s\n"
        )
        print(table(("validator", "seconds", "files/s", "MB/s", "time ÷ bagit.py --validate"), rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
