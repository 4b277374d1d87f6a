"""Issue #16 benchmark: the cost of the replication cryptography, each figure beside the floor measured in the
same run.

- encryption of a file into an envelope (``replication.crypto.envelope.Encryption``: the content SHA-256 first,
  unless known, then chunked SM4-GCM or AES-256-GCM, the check of the content digest and the SHA-256 of every
  sealed chunk) in one process with one thread, one process with two threads (the default on two cores) and two
  processes with one thread each (two files at once), against copying the same bytes (4 MiB reads and writes,
  page cache, no fsync on either side) and reading them; decryption likewise;
- signatures per second: SM2 (this package), Ed25519 (``cryptography``) and, for comparison, gmssl's SM2;
- audit work: HMAC-SM3 and HMAC-SHA256 over sealed chunks (a keeper's answer), the owner rebuilding sealed
  chunks from plaintext; sample sizes, traffic per audit of 1 TB, and the detection rate simulated over damaged
  copies.

    TMPDIR=/dev/shm flock /work/bench.lock .venv/bin/python bench/replication_crypto_bench.py [--mib 512] [--repeat 3]

(--quick: a smoke run. TMPDIR on a tmpfs keeps disk writeback out of both sides of the ratio.)

Timings are medians of --repeat runs; CPU seconds are given beside wall seconds because the machine is shared.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from common import progress, table
from dangan.replication.crypto import envelope, proofs, sm2
from dangan.replication.crypto.identity import Algorithm, NodeIdentity, verify
from dangan.replication.crypto.keys import MasterKey

BLOCK = 4 * 1024 * 1024
MASTER = MasterKey(bytes(range(32)))  # fixed, so worker processes share it; a bench needs no secret


def _copy(source: Path, target: Path) -> None:
    with open(source, "rb") as reader, open(target, "wb") as writer:
        while block := reader.read(BLOCK):
            writer.write(block)


def _read(source: Path, target: Path) -> None:
    with open(source, "rb") as reader:
        while reader.read(BLOCK):
            pass


def _encrypt(suite: envelope.Suite, digest_known: bool) -> Callable[[Path, Path], None]:
    """Like ``encrypt_file`` less its fsync and staging rename, so that it compares with ``_copy``."""

    def run(source: Path, target: Path) -> None:
        digest = _DIGESTS[source] if digest_known else envelope.file_sha256(source)
        with open(source, "rb") as reader, open(target, "wb") as writer:
            encryption = envelope.Encryption(
                MASTER, reader, object_id=source.name, content_sha256=digest, suite=suite, workers=_WORKERS[0]
            )
            for piece in encryption:
                writer.write(piece)

    return run


def _decrypt(source: Path, target: Path) -> None:
    with open(source, "rb") as reader, open(target, "wb") as writer:
        for piece in envelope.decrypt(MASTER, reader, workers=_WORKERS[0]):
            writer.write(piece)


_DIGESTS: dict[Path, bytes] = {}
_WORKERS = [1]

OPERATIONS: dict[str, Callable[[Path, Path], None]] = {
    "read": _read,
    "copy": _copy,
    "sm4": _encrypt(envelope.Suite.SM4_GCM, False),
    "aes": _encrypt(envelope.Suite.AES_256_GCM, False),
    "sm4-known": _encrypt(envelope.Suite.SM4_GCM, True),
    "aes-known": _encrypt(envelope.Suite.AES_256_GCM, True),
    "decrypt": _decrypt,
}


def _timed(name: str, source: str, target: str, digests: dict[str, bytes], workers: int) -> tuple[float, float]:
    """(wall, cpu) seconds of one operation, in this process, with ``workers`` threads."""
    _DIGESTS.update({Path(k): v for k, v in digests.items()})
    _WORKERS[0] = workers
    wall, cpu = time.perf_counter(), time.process_time()
    OPERATIONS[name](Path(source), Path(target))
    return time.perf_counter() - wall, time.process_time() - cpu


def throughput(work: Path, mib: int, repeat: int) -> list[list[object]]:
    sources = []
    for number in range(2):
        path = work / f"plain{number}.bin"
        with open(path, "wb") as handle:
            for _ in range(mib // 4):
                handle.write(os.urandom(BLOCK))
        sources.append(path)
    digests = {str(p): hashlib.sha256(p.read_bytes()).digest() for p in sources}
    for path in sources:  # sealed copies for the decryption runs
        for suite in envelope.Suite:
            envelope.encrypt_file(MASTER, path, work / f"{path.name}.{suite.label}", object_id=path.name, suite=suite)

    def one(name: str, processes: int, threads: int, suffix: str = "") -> tuple[float, float]:
        """Median MiB/s by wall time and by CPU time over ``repeat`` runs, ``processes`` files at once."""
        walls, cpus = [], []
        for attempt in range(repeat + 1):  # the first run warms the page cache and is not counted
            jobs = [
                (name, f"{src}{suffix}", str(work / f"out{number}"), digests, threads)
                for number, src in enumerate(sources[:processes])
            ]
            start = time.perf_counter()
            if processes == 1:
                results = [_timed(*jobs[0])]
            else:
                with ProcessPoolExecutor(processes) as pool:
                    results = list(pool.map(_timed, *zip(*jobs, strict=True)))
            if attempt:
                walls.append(time.perf_counter() - start)
                cpus.append(sum(cpu for _, cpu in results))
            for number in range(processes):
                (work / f"out{number}").unlink(missing_ok=True)
        total = mib * processes
        return total / statistics.median(walls), total / statistics.median(cpus)

    rows: list[list[object]] = []
    for processes, threads in ((1, 1), (1, 2), (2, 1)):
        progress(f"throughput, {processes} process(es), {threads} thread(s) each")
        where = f"{processes} proc × {threads} thread"
        copy_wall, copy_cpu = one("copy", processes, 1)
        read_wall, _ = one("read", processes, 1)
        rows.append([f"read ({processes} proc)", read_wall, "", ""])
        rows.append([f"copy, 4 MiB reads and writes ({processes} proc) — baseline", copy_wall, copy_cpu, 1.0])
        for label, name, suffix in (
            ("SM4-GCM encrypt (hashes the file first)", "sm4", ""),
            ("SM4-GCM encrypt (content SHA-256 known)", "sm4-known", ""),
            ("SM4-GCM decrypt", "decrypt", ".sm4-gcm"),
            ("AES-256-GCM encrypt (hashes the file first)", "aes", ""),
            ("AES-256-GCM encrypt (content SHA-256 known)", "aes-known", ""),
            ("AES-256-GCM decrypt", "decrypt", ".aes-256-gcm"),
        ):
            wall, cpu = one(name, processes, threads, suffix)
            rows.append([f"{label} ({where})", wall, cpu, round(wall / copy_wall, 3)])
    return rows


def _rate(function: Callable[[], object], seconds: float = 2.0) -> float:
    """Operations per CPU second, over at least ``seconds`` of CPU."""
    count, start = 0, time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        function()
        count += 1
    return count / elapsed


def signatures(seconds: float) -> list[list[object]]:
    message = b"x" * 300  # a request stamp is about 300 bytes
    rows: list[list[object]] = []
    for algorithm in Algorithm:
        node = NodeIdentity.generate(algorithm)
        signature = node.sign(message)
        label = "SM2 (dangan, Python integers)" if algorithm is Algorithm.SM2 else "Ed25519 (cryptography)"
        rows.append(
            [
                label,
                _rate(functools.partial(node.sign, message), seconds),
                _rate(functools.partial(verify, node.public_key, message, signature), seconds),
            ]
        )
    try:
        from gmssl import sm2 as gm
    except ImportError:
        return rows
    d = sm2.generate_private_key()
    point = sm2.public_point(d)
    public = f"{point[0]:064x}{point[1]:064x}"
    crypt = gm.CryptSM2(private_key=f"{d:064x}", public_key=public)
    k = f"{sm2.generate_private_key():064x}"
    signed = crypt.sign_with_sm3(message, k)
    assert sm2.verify(point, message, bytes.fromhex(signed))  # the two agree
    rows.append(
        [
            "SM2 (gmssl 3.2.2, for comparison)",
            _rate(lambda: crypt.sign_with_sm3(message, k), seconds),
            _rate(lambda: crypt.verify_with_sm3(signed, message), seconds),
        ]
    )
    return rows


def audit_work(work: Path, seconds: float) -> list[list[object]]:
    chunk = os.urandom(envelope.DEFAULT_CHUNK_SIZE)
    nonce = os.urandom(32)
    rows: list[list[object]] = []
    for algorithm in proofs.ProofHash:
        per_second = _rate(functools.partial(proofs.chunk_proof, algorithm, nonce, 7, chunk), seconds)
        rows.append([f"keeper: {algorithm.value} over 4 MiB sealed chunks", per_second * 4])
    rows.append(["floor: SHA-256 over the same chunks", _rate(lambda: hashlib.sha256(chunk).digest(), seconds) * 4])
    plain = work / "audit-plain.bin"
    plain.write_bytes(os.urandom(16 * envelope.DEFAULT_CHUNK_SIZE))
    for suite in envelope.Suite:
        manifest = envelope.encrypt_file(MASTER, plain, work / "audit.dgn", object_id="audit", suite=suite)
        rebuilt = envelope.PlaintextChunks(MASTER, manifest.header, plain)
        rate = _rate(functools.partial(rebuilt.chunk, 5), seconds)
        rows.append([f"owner: rebuild sealed chunks from plaintext ({suite.label})", rate * 4])
    return rows


def sampling(trials: int) -> tuple[list[list[object]], list[list[object]]]:
    sizes = []
    for chunks in (100, 1_000, 10_000, 262_144, 2_621_440, 10**8):
        sample = proofs.sample_size(chunks)
        miss = float(proofs.miss_probability(chunks, proofs.damaged_chunks(chunks), sample))
        sizes.append([f"{chunks:,}", f"{chunks * 4 / 1024:,.1f}", sample, f"{1 - miss:.5f}"])
    per_tb = 2**40 // envelope.DEFAULT_CHUNK_SIZE
    plan = proofs.plan_audits(per_tb, audits_per_cycle=3)
    traffic = proofs.traffic_bytes(plan.challenge(0))
    simulated = []
    for chunks in (1_000, 10_000):
        start = time.perf_counter()
        rate = proofs.simulate_detection(chunks, trials=trials, seed=16)
        quarter = proofs.simulate_detection(chunks, trials=trials, sample=proofs.sample_size(chunks) // 4, seed=16)
        simulated.append(
            [
                f"{chunks:,}",
                proofs.sample_size(chunks),
                trials,
                f"{rate:.4f}",
                f"{quarter:.4f}",
                time.perf_counter() - start,
            ]
        )
    sizes.append(["(1 TB, 3 audits a cycle)", "1,024 GiB", plan.sample, f"traffic {traffic:,} bytes/audit"])
    return sizes, simulated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=512, help="size of each test file (MiB)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--trials", type=int, default=10_000, help="simulated audits per copy size")
    parser.add_argument("--quick", action="store_true", help="64 MiB, one run, few trials: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.mib, args.repeat, args.trials = 64, 1, 200
    seconds = 0.5 if args.quick else 3.0
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="dangan-bench-replication-", dir=os.environ.get("TMPDIR")) as tmp:
        work = Path(tmp)
        rows = throughput(work, args.mib, args.repeat)
        print(f"\n### Envelope throughput ({args.mib} MiB per file, median of {args.repeat})\n")
        print(table(["operation", "MiB/s (wall)", "MiB/s (CPU)", "× copy (wall)"], rows))
        progress("signatures")
        print("\n### Signatures (per CPU second, 300-byte message)\n")
        print(table(["algorithm", "sign/s", "verify/s"], signatures(seconds)))
        progress("audit work")
        print("\n### Audit work (MiB per CPU second)\n")
        print(table(["work", "MiB/s"], audit_work(work, seconds)))
        shutil.rmtree(work, ignore_errors=True)
    progress("sampling")
    sizes, simulated = sampling(args.trials)
    print("\n### Sample size (1 % damaged, ≥ 99 % caught; exact hypergeometric)\n")
    print(table(["chunks", "copy size in GiB (4 MiB chunks)", "sample", "P(caught)"], sizes))
    print("\n### Detection simulated over damaged copies (real challenge, answer and check per trial)\n")
    print(table(["chunks", "sample", "trials", "caught (planned sample)", "caught (¼ sample)", "seconds"], simulated))
    print(f"\nload average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
