"""Issue #16 benchmark: the node protocol between two real dangan nodes on loopback (tests/replication/nodes.py:
`dangan init` + `dangan serve` each), this process speaking as the owner through PartnerStore.

- a request's round trip: unsigned `GET /replication/identity` (the floor: the same server, Django and waitress,
  no signature checked) against signed `GET /replication/usage` (the owner signs, the keeper checks, records the
  nonce in SQLite and signs its answer, the owner checks it);
- an envelope of --mib MiB sent (`PartnerStore.put`, 8 MiB PUTs: appended, fsynced, hashed once whole) against the
  floor of writing the same pieces to a local file with an fsync each, then read back in 4 MiB ranges;
- a proof over that envelope (4 MiB chunks, every chunk sampled and covered) answered by the keeper.

    flock /work/bench.lock .venv/bin/python bench/replication_protocol_bench.py [--mib 64] [--requests 100]

Timings are medians of --repeat runs (round trips: of --requests each); CPU seconds are this process's (the client).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from common import progress, table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["DANGAN_HOME"] = tempfile.mkdtemp(prefix="dangan-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.settings")
    import django

    django.setup()
    from django.conf import settings
    from tests.replication.nodes import start_nodes

    from dangan.replication.crypto.envelope import EnvelopeChunks, encrypt_file
    from dangan.replication.crypto.keys import MasterKey
    from dangan.replication.crypto.proofs import (
        CopyChallenge,
        EnvelopeFiles,
        answer_copy,
        check_copy_answer,
        copy_ranges,
    )
    from dangan.replication.stores.partner import PartnerStore

    work = Path(tempfile.mkdtemp(prefix="dangan-protocol-bench-"))
    quota = 4 * args.mib * 1024 * 1024 * (args.repeat + 1)
    progress("starting two nodes …")
    with start_nodes(work / "nodes", 2, quota_bytes=quota) as (owner, keeper):
        settings.REPLICATION_HOME = owner.replication_home
        store = PartnerStore(keeper.as_partner())
        plaintext = work / "plain"
        plaintext.write_bytes(secrets.token_bytes(args.mib * 1024 * 1024))
        sealed = work / "sealed"
        manifest = encrypt_file(MasterKey.load(owner.replication_home), plaintext, sealed, object_id="bench")
        data = sealed.read_bytes()
        name = f"content/{manifest.header.content_tag.hex()}"

        def round_trips(call: object) -> tuple[float, float]:
            wall, cpu = [], []
            for _ in range(args.requests):
                start, start_cpu = time.perf_counter(), time.process_time()
                call()  # type: ignore[operator]
                wall.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            return statistics.median(wall) * 1000, statistics.median(cpu) * 1000

        def identity() -> None:
            with urllib.request.urlopen(f"{keeper.url}/replication/identity") as answer:
                answer.read()

        progress("round trips …")
        floor = [round_trips(identity) for _ in range(args.repeat)]
        signed = [round_trips(store.usage) for _ in range(args.repeat)]

        def pieces(offset: int):  # type: ignore[no-untyped-def]
            for start in range(offset, len(data), 1 << 20):
                yield data[start : start + (1 << 20)]

        progress("put, read, prove …")
        put_wall, put_cpu, local_wall, read_wall, prove_wall = [], [], [], [], []
        for _ in range(args.repeat):
            store.delete(name)
            start, start_cpu = time.perf_counter(), time.process_time()
            receipt = store.put(name, len(data), pieces)
            put_wall.append(time.perf_counter() - start)
            put_cpu.append(time.process_time() - start_cpu)
            assert receipt.size == len(data)
            local = work / "local"
            start = time.perf_counter()
            with open(local, "wb") as handle:
                for offset in range(0, len(data), store.put_bytes):
                    handle.write(data[offset : offset + store.put_bytes])
                    handle.flush()
                    os.fsync(handle.fileno())
            local_wall.append(time.perf_counter() - start)
            local.unlink()
            start = time.perf_counter()
            got = b"".join(store.read(name, offset, 4 << 20) for offset in range(0, len(data), 4 << 20))
            read_wall.append(time.perf_counter() - start)
            assert got == data
            own = EnvelopeChunks(sealed)
            mine = EnvelopeFiles({name: sealed})
            challenge = CopyChallenge(
                secrets.token_bytes(32), {name: tuple(range(len(own)))}, copy_ranges([(name, len(own))])
            )
            start = time.perf_counter()
            answer = store.prove(challenge)
            prove_wall.append(time.perf_counter() - start)
            assert check_copy_answer(challenge, answer, answer_copy(challenge, mine)).ok
        mib = len(data) / (1 << 20)
        put_s, local_s = statistics.median(put_wall), statistics.median(local_wall)
        rows = [
            [
                "GET identity, unsigned (floor)",
                f"{statistics.median(w for w, _ in floor):.1f} ms",
                "",
                f"{statistics.median(c for _, c in floor):.1f} ms",
            ],
            [
                "GET usage, signed both ways",
                f"{statistics.median(w for w, _ in signed):.1f} ms",
                f"{statistics.median(w for w, _ in signed) / statistics.median(w for w, _ in floor):.1f}×",
                f"{statistics.median(c for _, c in signed):.1f} ms",
            ],
            [
                f"local write of {mib:.0f} MiB, fsync per 8 MiB (floor)",
                f"{local_s:.2f} s ({mib / local_s:.0f} MiB/s)",
                "",
                "",
            ],
            [
                f"put {mib:.0f} MiB to the partner",
                f"{put_s:.2f} s ({mib / put_s:.0f} MiB/s)",
                f"{put_s / local_s:.1f}×",
                f"{statistics.median(put_cpu):.2f} s",
            ],
            [
                f"read {mib:.0f} MiB back in 4 MiB ranges",
                f"{statistics.median(read_wall):.2f} s ({mib / statistics.median(read_wall):.0f} MiB/s)",
                "",
                "",
            ],
            [f"proof over {len(own)} chunks (all sampled + covered)", f"{statistics.median(prove_wall):.2f} s", "", ""],
        ]
        print(table(["what", "wall (median)", "vs floor", "client CPU"], rows))
        print(f"\nload average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
