"""Preservation benchmark (issue #4): writing a package and auditing the storage root, each against baselines run on
the same files in the same run.

1. Write: `dangan preserve` of a 1,000-file package (sha512 + sha256 + sm3 in one read, staged, swapped, METS with a
   format identification event per file, database rows) against `cp -r` of the same directory plus one `sha512sum`
   pass over the copy. Target: ≥ 50 % of the baseline's speed.
2. Audit: a full fixity audit (`do_audit`, SHA-512 against the inventories, PREMIS events and the run's checkpoint per
   object) over 10,000 files, about 2 GB, in the page cache, against `sha512sum` over the same files (one process per
   few thousand files, as xargs runs it) and against one `sha512sum` process per file (a per-file subprocess step).
   Targets: ≥ 80 % of `sha512sum`, ≥ 3× the per-file approach.

    .venv/bin/python bench/preservation_bench.py            # 1,000 files / 660 MB written; 10,000 files / 2 GB audited
    .venv/bin/python bench/preservation_bench.py --quick    # 200 files / 60 MB; 2,000 files / 200 MB

Works in a temporary directory (checks free space first) and removes it. SQLite database, storage without fsync by
default (the copies of the baseline are not synced either); --durable measures the write with syncfs as well.
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

from dangan.core.actors import CONSOLE

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, setup_django, table

WRITE_TARGET = 0.5
AUDIT_TARGET = 0.8
PER_FILE_TARGET = 3.0


def make_files(base: Path, count: int, total_bytes: int, seed: int) -> int:
    """count files of random bytes, sizes spread ±60 % around the mean, in a few subdirectories; returns bytes."""
    rng = random.Random(seed)
    mean = total_bytes // count
    written = 0
    block = os.urandom(4 << 20)
    for i in range(count):
        size = max(1, int(mean * rng.uniform(0.4, 1.6)))
        path = base / f"d{i % 10}" / f"scan-{i:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        start = rng.randrange(0, len(block) - 1)
        data = (block[start:] + block)[:size] if size < len(block) else (block * (size // len(block) + 1))[:size]
        # a unique prefix: no two files share a digest (no deduplication in the measured write)
        path.write_bytes(f"{seed}-{i}\n".encode() + data)
        written += size + len(f"{seed}-{i}\n")
    return written


def files_under(base: Path) -> list[str]:
    return sorted(str(p) for p in base.rglob("*") if p.is_file())


def warm(paths: list[str]) -> None:
    for path in paths:
        with open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass


def sha512sum_batch(paths: list[str]) -> float:
    """sha512sum over every path, a few thousand names per process (as `find … | xargs sha512sum` runs it)."""
    started = time.perf_counter()
    for start in range(0, len(paths), 2000):
        subprocess.run(["sha512sum", *paths[start : start + 2000]], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def sha512sum_per_file(paths: list[str]) -> float:
    """One sha512sum process per file, its output parsed: the per-file subprocess approach."""
    started = time.perf_counter()
    for path in paths:
        out = subprocess.run(["sha512sum", path], check=True, capture_output=True, text=True).stdout
        assert len(out.split()[0]) == 128
    return time.perf_counter() - started


def cp_and_sha512sum(source: Path, target: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["cp", "-r", str(source), str(target)], check=True)
    sha512sum_batch(files_under(target))
    return time.perf_counter() - started


def new_unit(n: int) -> object:
    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import Fonds, RecordCategory
    from dangan.core.actions.institution import do_ensure_institution

    fonds = Fonds.objects.filter(code="Z109").first()
    if fonds is None:
        do_ensure_institution(CONSOLE, "BENCH", "基准测试档案馆")
        do_ensure_default_categories(CONSOLE)
        fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    data = {
        "title": f"基准测试档案 {n}",
        "category": RecordCategory.objects.get(code="WS"),
        "year": 2011,
        "retention": "Y",
        "organization": "BGS",
    }
    return do_create_unit(CONSOLE, fonds, data)


def mbps(nbytes: int, seconds: float) -> float:
    return nbytes / seconds / 1e6


def bench_write(work: Path, files: int, total: int, rounds: int, durable: bool) -> list[list[object]]:
    from django.conf import settings

    from dangan.preservation.actions.preserving import do_preserve
    from dangan.preservation.models import PreservedPackage

    source = work / "write-src"
    size = make_files(source, files, total, seed=1)
    warm(files_under(source))
    settings.STORAGE_ROOT = work / "write-storage"
    ours, base, ratios, durable_times = [], [], [], []
    for r in range(rounds):
        progress(f"write round {r + 1}/{rounds}")
        target = work / f"write-copy-{r}"
        b = cp_and_sha512sum(source, target)
        shutil.rmtree(target)
        settings.STORAGE_DURABLE = False
        unit = new_unit(r)
        started = time.perf_counter()
        result = do_preserve(CONSOLE, unit, [source])
        o = time.perf_counter() - started
        assert result.created and result.files_added == files
        ours.append(o)
        base.append(b)
        ratios.append(b / o)
        if durable:
            settings.STORAGE_DURABLE = True
            unit = new_unit(100 + r)
            started = time.perf_counter()
            do_preserve(CONSOLE, unit, [source])
            durable_times.append(time.perf_counter() - started)
    shutil.rmtree(source)
    shutil.rmtree(work / "write-storage")
    PreservedPackage.objects.all().delete()  # their storage is gone; the audit below has a root of its own
    ratio = statistics.median(ratios)
    rows: list[list[object]] = [
        [
            f"write {files:,} files, {size / 1e6:,.0f} MB (`do_preserve`, 3 digests, METS, rows)",
            f"≥ {WRITE_TARGET:.0%} of baseline",
            f"{mbps(size, statistics.median(ours)):,.0f} MB/s",
            f"`cp -r` + `sha512sum`: {mbps(size, statistics.median(base)):,.0f} MB/s",
            f"{ratio:.2f}",
            "PASS" if ratio >= WRITE_TARGET else "FAIL",
        ]
    ]
    if durable_times:
        d = statistics.median(durable_times)
        rows.append(
            [
                "same, with fsync/syncfs (`DANGAN_STORAGE_DURABLE=1`)",
                "—",
                f"{mbps(size, d):,.0f} MB/s",
                "(baseline not synced)",
                f"{statistics.median(base) / d:.2f}",
                "—",
            ]
        )
    return rows


def bench_audit(work: Path, files: int, total: int, rounds: int, per_file_rounds: int) -> list[list[object]]:
    from django.conf import settings

    from dangan.preservation.actions.auditing import do_audit
    from dangan.preservation.actions.preserving import do_preserve
    from dangan.preservation.models import PreservedPackage

    settings.STORAGE_ROOT = work / "audit-storage"
    settings.STORAGE_DURABLE = False
    packages = 10
    for p in range(packages):
        progress(f"audit set-up: package {p + 1}/{packages}")
        source = work / "audit-src"
        make_files(source, files // packages, total // packages, seed=1000 + p)
        do_preserve(CONSOLE, new_unit(1000 + p), [source])
        shutil.rmtree(source)
    paths = [p for p in files_under(work / "audit-storage") if "/extensions/" not in p and "/content/" in p]
    size = sum(os.path.getsize(p) for p in paths)
    stored = sum(PreservedPackage.objects.values_list("stored_bytes", flat=True))
    assert stored == size, (stored, size)
    warm(paths)
    ours, all_digests, batch, per_file = [], [], [], []
    for r in range(rounds):
        progress(f"audit round {r + 1}/{rounds}")
        batch.append(sha512sum_batch(paths))
        started = time.perf_counter()
        run = do_audit(CONSOLE)
        ours.append(time.perf_counter() - started)
        assert run.status == "passed" and run.checked_files == len(paths), (run.status, run.checked_files)
        if r < per_file_rounds:
            per_file.append(sha512sum_per_file(paths))
    started = time.perf_counter()
    run = do_audit(CONSOLE, all_digests=True)
    all_digests.append(time.perf_counter() - started)
    shutil.rmtree(work / "audit-storage")
    o, b, f = statistics.median(ours), statistics.median(batch), statistics.median(per_file)
    ratio = statistics.median(bi / oi for bi, oi in zip(batch, ours, strict=True))
    return [
        [
            f"full audit, {len(paths):,} files, {size / 1e9:,.2f} GB, page cache (`do_audit`, SHA-512)",
            f"≥ {AUDIT_TARGET:.0%} of `sha512sum`",
            f"{mbps(size, o):,.0f} MB/s",
            f"`sha512sum`: {mbps(size, b):,.0f} MB/s",
            f"{ratio:.2f}",
            "PASS" if ratio >= AUDIT_TARGET else "FAIL",
        ],
        [
            "same audit",
            f"≥ {PER_FILE_TARGET:.0f}× per-file subprocess",
            f"{mbps(size, o):,.0f} MB/s",
            f"`sha512sum` per file: {mbps(size, f):,.0f} MB/s ({len(paths) / f:,.0f} files/s)",
            f"{f / o:.1f}×",
            "PASS" if f / o >= PER_FILE_TARGET else "FAIL",
        ],
        [
            "audit with `--all-digests` (SHA-512 + SHA-256 + SM3)",
            "—",
            f"{mbps(size, statistics.median(all_digests)):,.0f} MB/s",
            f"`sha512sum`: {mbps(size, b):,.0f} MB/s",
            f"{b / statistics.median(all_digests):.2f}",
            "—",
        ],
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small data sets, for a smoke run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-file-rounds", type=int, default=1, help="rounds of the slow per-file baseline")
    parser.add_argument("--durable", action="store_true", help="also time the write with fsync/syncfs")
    parser.add_argument("--tmp", default=None, help="where to work (default: the system temporary directory)")
    args = parser.parse_args()
    write_files, write_bytes = (200, 60_000_000) if args.quick else (1000, 660_000_000)
    audit_files, audit_bytes = (2000, 200_000_000) if args.quick else (10_000, 2_000_000_000)

    base = Path(args.tmp or tempfile.gettempdir())
    free = shutil.disk_usage(base).free
    needed = 2 * write_bytes + audit_bytes + audit_bytes // 5
    if free < needed * 1.5:
        print(
            f"not enough space in {base}: {free / 1e9:.1f} GB free, {needed * 1.5 / 1e9:.1f} GB needed", file=sys.stderr
        )
        return 2
    work = Path(tempfile.mkdtemp(prefix="dangan-preservation-bench-", dir=base))
    try:
        setup_django(home=str(work / "home"))
        rows = bench_write(work, write_files, write_bytes, args.rounds, args.durable)
        rows += bench_audit(work, audit_files, audit_bytes, args.rounds, args.per_file_rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{os.cpu_count()} CPUs; medians of {args.rounds} rounds (per-file baseline: {args.per_file_rounds})\n")
    print(table(["figure", "target", "this code", "baseline (same run, same files)", "ratio", ""], rows))
    # A quick run is a smoke test: at that size the fixed costs dominate, so its ratios are printed, not judged.
    return 0 if args.quick or all(row[-1] != "FAIL" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
