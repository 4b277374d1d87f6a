"""Issue #16 benchmark: audit traffic and detection rate of audits without download.

Traffic: two real dangan nodes on loopback (tests/replication/nodes.py); the keeper (node1) holds a copy of
real envelopes sealed with the owner's master key in its keeping area (written straight to its area and its
database, as PUTs would leave them, to keep the set-up short), and this process, speaking as the owner (node0),
sends it the audit challenge `actions.audits` sends — a fresh nonce, ``sample_size`` chunks drawn over the whole
copy and named by (envelope name, index), and the coverage ranges of slice 0 of a 3-audit cycle — through
``PartnerStore.prove`` (signed `POST /replication/proofs`), and checks the answer against its own envelopes.
Bytes are the request's and the answer's bodies as they went over the wire (the X-Dangan-* signature headers add
about 600 bytes each way).

Each copy has at least 262,144 chunks — the chunk count of a 1 TB copy in 4 MiB chunks — made small (256-byte
chunks) so that it fits on a laptop: the request's size depends on how many chunks are sampled and how many
distinct envelopes they fall in, never on the bytes per chunk, so one audit of these copies carries what one audit
of a 1 TB copy carries. The two copies differ only in the number of files: --few and --many envelopes.

Detection: ``crypto.proofs.simulate_detection`` (fresh 1 % damage per trial, challenge, answer and check run for
real), and over the real keeper: 1 % of the chunks of the --few copy flipped in its keeping area, then --audits
sampled audits (no coverage range), counting those that fail.

    flock /work/bench.lock .venv/bin/python bench/replication_audits_bench.py [--few 100] [--many 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from common import progress, table  # noqa: E402

CHUNK = 256
TB_CHUNKS = 262_144  # 1 TB (2^40 bytes) in 4 MiB chunks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--few", type=int, default=100)
    parser.add_argument("--many", type=int, default=10_000)
    parser.add_argument("--audits", type=int, default=20)
    parser.add_argument("--trials", type=int, default=5000)
    args = parser.parse_args()
    os.environ["DANGAN_HOME"] = tempfile.mkdtemp(prefix="dangan-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.settings")
    import django

    django.setup()
    from django.conf import settings
    from tests.replication.nodes import start_nodes

    from dangan.replication.crypto.envelope import EnvelopeHeader, encrypt_file
    from dangan.replication.crypto.keys import MasterKey
    from dangan.replication.crypto.proofs import (
        CopyChallenge,
        EnvelopeFiles,
        answer_copy,
        check_copy_answer,
        copy_ranges,
        sample_copy,
        sample_size,
        simulate_detection,
        slot_of,
    )
    from dangan.replication.stores.partner import PartnerStore

    work = Path(tempfile.mkdtemp(prefix="dangan-audits-bench-"))
    rows = []
    detection_rows = []
    progress("starting two nodes …")
    with start_nodes(work / "nodes", 2, quota_bytes=1 << 40) as (owner, keeper):
        settings.REPLICATION_HOME = owner.replication_home
        master = MasterKey.load(owner.replication_home)
        store = PartnerStore(keeper.as_partner(), timeout=600)
        area = keeper.keeping_root / owner.identity["node_id"]
        for files in (args.few, args.many):
            progress(f"sealing a copy of {files} envelopes …")
            per_file = -(-TB_CHUNKS // files)
            own: dict[str, Path] = {}
            kept = []
            folder = work / f"copy-{files}"
            folder.mkdir()
            for number in range(files):
                plain = folder / "plain"
                plain.write_bytes(secrets.token_bytes(per_file * CHUNK))
                sealed = folder / f"{number}.dgn"
                manifest = encrypt_file(master, plain, sealed, object_id=f"bench-{files}-{number}", chunk_size=CHUNK)
                name = f"content/{manifest.header.content_tag.hex()}"
                target = area / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(sealed.read_bytes())
                own[name] = sealed
                kept.append({"name": name, "size": sealed.stat().st_size})
            listing = folder / "kept.json"
            listing.write_text(json.dumps(kept))
            keeper.shell(
                "import json\n"
                "from django.utils import timezone\n"
                "from dangan.replication.models import KeptEnvelope, Partner\n"
                f"partner = Partner.objects.get(node_id={owner.identity['node_id']!r})\n"
                f"rows = json.load(open({str(listing)!r}))\n"
                "KeptEnvelope.objects.bulk_create([KeptEnvelope(partner=partner, name=r['name'], size=r['size'],"
                " complete=True, sha256='', received_at=timezone.now()) for r in rows], batch_size=1000)\n"
            )
            mine = EnvelopeFiles(own)
            envelopes = sorted((name, per_file) for name in own)
            chunks = sum(count for _name, count in envelopes)
            sizes, walls = [], []
            for _ in range(3):
                samples = sample_copy(envelopes, sample_size(chunks))
                ranges = copy_ranges([item for item in envelopes if slot_of(item[0], 3) == 0])
                challenge = CopyChallenge(secrets.token_bytes(32), samples, ranges)
                start = time.perf_counter()
                answer = store.prove(challenge)
                walls.append(time.perf_counter() - start)
                assert check_copy_answer(challenge, answer, answer_copy(challenge, mine)).ok
                sizes.append(store.last_traffic)
            request = statistics.median(size[0] for size in sizes)
            reply = statistics.median(size[1] for size in sizes)
            sampled_only = CopyChallenge(secrets.token_bytes(32), sample_copy(envelopes, sample_size(chunks)))
            store.prove(sampled_only)
            rows.append(
                [
                    f"{files:,}",
                    f"{chunks:,}",
                    str(challenge.sampled),
                    f"{len(challenge.samples)}",
                    f"{request:,.0f}",
                    f"{reply:,.0f}",
                    f"{request + reply:,.0f}",
                    f"{(request + reply) / 1e6:.3f} MB",
                    f"{3 * (request + reply) / 1e6:.3f} MB",
                    f"{statistics.median(walls):.1f} s",
                ]
            )
            if files == args.few:
                progress("detection over the real keeper …")
                everything = [(name, index) for name, count in envelopes for index in range(count)]
                damaged = random.Random(7).sample(everything, max(1, chunks // 100))
                for name, index in damaged:
                    path = area / name
                    header = EnvelopeHeader.read(path.open("rb"))
                    with open(path, "r+b") as handle:
                        handle.seek(header.chunk_offset(index) + 40)
                        byte = handle.read(1)
                        handle.seek(-1, 1)
                        handle.write(bytes([byte[0] ^ 0x01]))
                mine = EnvelopeFiles(own)
                caught = 0
                for _ in range(args.audits):
                    challenge = CopyChallenge(secrets.token_bytes(32), sample_copy(envelopes, sample_size(chunks)))
                    caught += not check_copy_answer(challenge, store.prove(challenge), answer_copy(challenge, mine)).ok
                detection_rows.append(
                    [
                        "real keeper (node1), sampled audits",
                        f"{chunks:,}",
                        str(sample_size(chunks)),
                        str(args.audits),
                        f"{caught / args.audits:.3f}",
                    ]
                )
            progress("clearing the copy at the keeper …")
            keeper.shell("from dangan.replication.models import KeptEnvelope\nKeptEnvelope.objects.all().delete()\n")
            for name in own:
                (area / name).unlink()

    progress("simulated detection …")
    for chunks, sample in ((1000, None), (10_000, None), (10_000, sample_size(10_000) // 4)):
        rate = simulate_detection(chunks, sample=sample, trials=args.trials, seed=chunks)
        detection_rows.append(
            [
                "simulate_detection" + (" (¼ sample)" if sample else ""),
                f"{chunks:,}",
                str(sample if sample else sample_size(chunks)),
                str(args.trials),
                f"{rate:.4f}",
            ]
        )

    print()
    print(
        table(
            [
                "envelopes",
                "chunks",
                "sampled",
                "distinct envelopes sampled",
                "request B",
                "answer B",
                "per audit B",
                "per TB per audit",
                "per TB per cycle (3 audits)",
                "keeper's answer",
            ],
            rows,
        )
    )
    print()
    print(table(["detection (1 % of chunks damaged)", "chunks", "sample", "audits", "caught"], detection_rows))
    with open("/proc/loadavg") as handle:
        print(f"\nload average: {handle.read().strip()}")


if __name__ == "__main__":
    main()
