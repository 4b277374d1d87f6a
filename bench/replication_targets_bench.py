"""Replication targets benchmark (issue #16, part targets): S3Store.put of one envelope-sized file to SeaweedFS on
loopback (started by this script) beside a plain streaming upload of the same bytes with the same client
(S3ObjectWriter: no hashing of ours, no checks); a confirming re-put (the object is there: the local bytes are read
and hashed, nothing is sent); and a put resumed after an interruption half-way. Runs alternated; medians.

    flock /work/bench.lock .venv/bin/python bench/replication_targets_bench.py            # 256 MiB, 3 runs
    flock /work/bench.lock .venv/bin/python bench/replication_targets_bench.py --quick    # 64 MiB, 3 runs

CPU seconds: this process (hashing, signing, copying) and the weed server process.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import table
from dangan.preservation.storage.seaweedfs import SeaweedServer
from dangan.replication.stores.s3 import S3Store, parse_location

MiB = 1024 * 1024


def cpu_of(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pieces_of(path: Path, stop_at: int | None = None) -> Callable[[int], Iterator[bytes]]:
    def pieces(offset: int) -> Iterator[bytes]:
        with open(path, "rb") as f:
            f.seek(offset)
            done = offset
            while block := f.read(MiB):
                if stop_at is not None and done >= stop_at:
                    raise OSError("interrupted")
                done += len(block)
                yield block

    return pieces


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    size = (64 if args.quick else 256) * MiB
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        path = base / "envelope"
        block = os.urandom(8 * MiB)
        with open(path, "wb") as f:
            for _ in range(size // len(block)):
                f.write(block)
        server = SeaweedServer(base / "weed")
        server.start()
        weed_pid = server.process.pid if server.process else None
        try:
            client = server.client()
            client.create_bucket("bench")
            store = S3Store(client, parse_location("s3://bench/copies"))
            results: dict[str, list[tuple[float, float, float]]] = {}

            def timed(label: str, action: Callable[[], object]) -> None:
                wall, cpu, weed = time.perf_counter(), time.process_time(), cpu_of(weed_pid)
                action()
                results.setdefault(label, []).append(
                    (time.perf_counter() - wall, time.process_time() - cpu, cpu_of(weed_pid) - weed)
                )

            def plain() -> None:
                with client.open_writer("bench", "plain/envelope") as writer, open(path, "rb") as f:
                    while data := f.read(MiB):
                        writer.write(data)

            for run in range(args.runs):
                name, resumed = f"content/e{run}", f"content/r{run}"
                put = partial(store.put, name, size, pieces_of(path))
                timed("plain upload (S3ObjectWriter)", plain)
                timed("S3Store.put", put)
                timed("S3Store.put again (confirmed, nothing sent)", put)
                with contextlib.suppress(OSError):
                    store.put(resumed, size, pieces_of(path, stop_at=size // 2))
                timed("S3Store.put resumed after half", partial(store.put, resumed, size, pieces_of(path)))
                client.delete_object("bench", "plain/envelope")
            rows = []
            for label, values in results.items():
                wall = statistics.median(v[0] for v in values)
                cpu = statistics.median(v[1] for v in values)
                weed = statistics.median(v[2] for v in values)
                rows.append([label, f"{size / MiB / wall:.0f} MiB/s", f"{wall:.2f}", f"{cpu:.2f}", f"{weed:.2f}"])
            print(f"{size // MiB} MiB, {args.runs} runs, medians; load average {os.getloadavg()}")
            print(table(["", "throughput", "wall s", "CPU s (dangan)", "CPU s (weed)"], rows))
        finally:
            server.stop(kill=True)


if __name__ == "__main__":
    main()
