"""Issue #16 benchmark (part discs): the cost of writing a Blu-ray disc set and of rebuilding two lost discs,
beside the floor measured in the same run.

A set of --discs data discs, each packed to --mib MiB of envelopes (random bytes, 64 MiB each — as sealed
envelopes look), written by ``DiscSetStore.close_set``: the ISO 9660 + UDF images (pycdlib), their SHA-256, the
P and Q parity over GF(2⁸) (numpy) and the parity images' SHA-256. Beside it: copying the same bytes (``cp``,
4 MiB blocks) and their SHA-256 (``hashlib``). Then the rebuild of two lost data discs (both parity images read,
the other data images checked and read, the two rebuilt images hashed) and of the two parity discs.

    TMPDIR=/dev/shm flock /work/bench.lock .venv/bin/python bench/replication_discs_bench.py [--discs 4] [--mib 256] [--repeat 3]

Medians of --repeat runs; CPU seconds beside wall seconds (the machine is shared). MB/s are of envelope bytes
(10⁶ bytes a second). TMPDIR on a tmpfs keeps disk writeback out of both sides.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from common import progress, setup_django, table

ENVELOPE = 64 * 1024 * 1024


def measure(fn: Callable[[], object], repeat: int, before: Callable[[], object] | None = None) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--discs", type=int, default=4)
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="discs-bench-home-")
    setup_django(home=home)
    from dangan.replication.models import Target
    from dangan.replication.stores import discs as discs_module
    from dangan.replication.stores.discs import DiscSetStore

    work = Path(tempfile.mkdtemp(prefix="discs-bench-"))
    per_disc = args.mib * 1024 * 1024 // ENVELOPE
    capacity = per_disc * (ENVELOPE + discs_module.PER_ENVELOPE) + discs_module.IMAGE_OVERHEAD
    capacity += discs_module.PARITY_HEADER_MAX + discs_module.PER_ENVELOPE + 1024 * 1024
    target = Target(name="bench", kind="discs", medium="optical", location=str(work / "target"),
                    options={"capacity_bytes": capacity, "data_discs": args.discs})  # fmt: skip
    source = work / "source"
    source.mkdir()
    progress(f"making {args.discs * per_disc} envelopes of {ENVELOPE >> 20} MiB")
    names = []
    for i in range(args.discs * per_disc):
        name = f"{i:064x}"
        with (source / name).open("wb") as out:
            for _ in range(ENVELOPE // (4 << 20)):
                out.write(os.urandom(4 << 20))
        names.append(name)
    total = len(names) * ENVELOPE

    def stage() -> None:
        shutil.rmtree(work / "target", ignore_errors=True)
        staging = work / "target" / "staging" / "content"
        staging.mkdir(parents=True)
        for name in names:
            os.link(source / name, staging / name)  # staged as put leaves them, without copying

    written = {}

    def write_set() -> None:
        written["set"] = DiscSetStore(target).close_set()

    def copy() -> None:
        shutil.rmtree(work / "copy", ignore_errors=True)
        (work / "copy").mkdir()
        for name in names:
            shutil.copyfile(source / name, work / "copy" / name)

    def hash_all() -> None:
        for name in names:
            digest = hashlib.sha256()
            with (source / name).open("rb") as handle:
                while block := handle.read(4 << 20):
                    digest.update(block)

    progress("writing sets")
    write = measure(write_set, args.repeat, stage)
    the_set = written["set"]
    assert len(the_set.data) == args.discs, [len(d.envelopes) for d in the_set.data]
    store = DiscSetStore(target)
    data_labels = [d.label for d in the_set.data[:2]]
    parity_labels = [d.label for d in the_set.discs if d.kind == "parity"]
    progress("rebuilding")
    rebuild_data = measure(lambda: store.rebuild(the_set, data_labels), args.repeat)
    rebuild_parity = measure(lambda: store.rebuild(the_set, parity_labels), args.repeat)
    progress("floor")
    floor_copy = measure(copy, args.repeat)
    floor_hash = measure(hash_all, args.repeat)
    mb = total / 1e6
    rows = [
        ["write a set (images, SHA-256, P+Q)", f"{write[0]:.2f}", f"{write[1]:.2f}", f"{mb / write[0]:.0f}"],
        ["rebuild 2 data discs", f"{rebuild_data[0]:.2f}", f"{rebuild_data[1]:.2f}", f"{mb / rebuild_data[0]:.0f}"],
        ["rebuild P and Q", f"{rebuild_parity[0]:.2f}", f"{rebuild_parity[1]:.2f}", f"{mb / rebuild_parity[0]:.0f}"],
        ["floor: copy the bytes (cp)", f"{floor_copy[0]:.2f}", f"{floor_copy[1]:.2f}", f"{mb / floor_copy[0]:.0f}"],
        ["floor: SHA-256 of the bytes", f"{floor_hash[0]:.2f}", f"{floor_hash[1]:.2f}", f"{mb / floor_hash[0]:.0f}"],
    ]
    print(f"{args.discs} data discs × {per_disc} envelopes of {ENVELOPE >> 20} MiB = {total / 1e9:.2f} GB; "
          f"images {[d.size for d in the_set.data]}; parity {the_set.discs[-1].size} B each")  # fmt: skip
    print(table(["step", "wall s", "CPU s", "MB/s of envelopes"], rows))
    print(f"write / copy: {write[0] / floor_copy[0]:.1f}× the time of cp")
    shutil.rmtree(work)
    shutil.rmtree(home)


if __name__ == "__main__":
    main()
