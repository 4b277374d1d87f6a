"""Proofs of retrievability: the owner checks that a keeper still holds every byte of a copy without fetching it.

The owner sends a **challenge**: a fresh random nonce, a random sample of chunk indices and (optionally) a range of
chunks to cover. The keeper **answers** with HMAC(nonce, index ‖ chunk) for each sampled chunk — which it can only
compute holding the chunk's bytes, since the nonce is new — and one HMAC over the per-chunk values of the whole
range. The owner **checks** the answer by computing the same values from its own chunks: sealed again from its
plaintext (``envelope.PlaintextChunks``, the encryption is deterministic) or read from a ciphertext it keeps; or
from its records: audits prepared ahead with their expected answers (:func:`prepare_audits`), one use each.

How many chunks to sample: if D of N chunks are damaged and s are drawn without replacement, the audit misses all
of them with probability C(N−D, s) / C(N, s) (hypergeometric). :func:`sample_size` finds the smallest s that makes
that at most 1 − confidence, exactly, in integers: 459 chunks catch a 1 %-damaged copy of any size with ≥ 99 %.
:class:`AuditPlan` adds coverage: the cycle's audits each take one slice of the chunks, so every chunk is proven
at least once per cycle, and each audit still draws its own full random sample, so each one alone meets the
detection rate (the slices are predictable, the samples are not). Traffic per audit is about 40 bytes per sampled
chunk plus 64: some 18 KB for a copy of any size. :func:`simulate_detection` checks the rate on damaged copies.
"""

from __future__ import annotations

import bisect
import enum
import hashlib
import hmac
import math
import random
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from dangan.replication.crypto.errors import ProofError

NONCE_BYTES = 32
DEFAULT_DAMAGED_FRACTION = 0.01
DEFAULT_CONFIDENCE = 0.99
DEFAULT_CYCLE_DAYS = 90
_CHUNK_LABEL = b"dangan/por/chunk/v1\x00"
_COVERAGE_LABEL = b"dangan/por/coverage/v1\x00"


class ProofHash(enum.StrEnum):
    HMAC_SM3 = "hmac-sm3"
    HMAC_SHA256 = "hmac-sha256"


class ChunkSource(Protocol):
    """Numbered chunks: a keeper's stored copy, or the owner's way to rebuild them."""

    def __len__(self) -> int: ...

    def chunk(self, index: int) -> bytes: ...


class ConcatenatedChunks:
    """Several sources (the envelopes of one copy) numbered as one: an audit samples the whole copy at once, so
    its size does not grow with the number of files."""

    def __init__(self, sources: Sequence[ChunkSource]) -> None:
        self._sources = list(sources)
        self._starts: list[int] = []
        total = 0
        for source in self._sources:
            self._starts.append(total)
            total += len(source)
        self._total = total

    def __len__(self) -> int:
        return self._total

    def locate(self, index: int) -> tuple[int, int]:
        """(which source, which chunk in it) of global chunk ``index``."""
        if not 0 <= index < self._total:
            raise IndexError(index)
        which = bisect.bisect_right(self._starts, index) - 1
        return which, index - self._starts[which]

    def chunk(self, index: int) -> bytes:
        which, local = self.locate(index)
        return self._sources[which].chunk(local)


def _mac(algorithm: ProofHash, key: bytes) -> Callable[[bytes], bytes]:
    if algorithm is ProofHash.HMAC_SHA256:
        return lambda data: hmac.new(key, data, hashlib.sha256).digest()

    def sm3(data: bytes) -> bytes:
        mac = crypto_hmac.HMAC(key, hashes.SM3())
        mac.update(data)
        return mac.finalize()

    return sm3


def chunk_proof(algorithm: ProofHash, nonce: bytes, index: int, chunk: bytes) -> bytes:
    """HMAC(nonce, label ‖ index ‖ chunk): what only a holder of the chunk's bytes can compute."""
    return _mac(algorithm, nonce)(_CHUNK_LABEL + index.to_bytes(8, "big") + chunk)


def coverage_proof(algorithm: ProofHash, nonce: bytes, start: int, stop: int, proofs: Iterable[bytes]) -> bytes:
    """One HMAC over the chunk proofs of [start, stop), in order."""
    return _mac(algorithm, nonce)(
        _COVERAGE_LABEL + start.to_bytes(8, "big") + stop.to_bytes(8, "big") + b"".join(proofs)
    )


@dataclass(frozen=True)
class Challenge:
    nonce: bytes
    indices: tuple[int, ...]
    coverage: tuple[int, int] | None = None
    algorithm: ProofHash = ProofHash.HMAC_SM3

    def to_dict(self) -> dict[str, object]:
        return {
            "nonce": self.nonce.hex(),
            "indices": list(self.indices),
            "coverage": list(self.coverage) if self.coverage else None,
            "algorithm": self.algorithm.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Challenge:
        try:
            nonce = bytes.fromhex(str(data["nonce"]))
            raw_indices = data["indices"]
            raw_coverage = data.get("coverage")
            if not isinstance(raw_indices, list) or (raw_coverage is not None and not isinstance(raw_coverage, list)):
                raise TypeError("indices and coverage are lists")
            indices = tuple(int(index) for index in raw_indices)
            coverage = (int(raw_coverage[0]), int(raw_coverage[1])) if raw_coverage else None
            algorithm = ProofHash(str(data["algorithm"]))
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            raise ProofError(reason=f"挑战格式不对（{exc}）") from None
        if len(nonce) != NONCE_BYTES:
            raise ProofError(reason="挑战随机数长度不对")
        return cls(nonce, indices, coverage, algorithm)


@dataclass(frozen=True)
class Answer:
    digests: dict[int, bytes]
    coverage_digest: bytes | None = None
    missing: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "digests": {str(index): digest.hex() for index, digest in self.digests.items()},
            "coverage": self.coverage_digest.hex() if self.coverage_digest else None,
            "missing": list(self.missing),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Answer:
        try:
            raw = data["digests"]
            if not isinstance(raw, dict):
                raise TypeError("digests is an object")
            digests = {int(index): bytes.fromhex(str(value)) for index, value in raw.items()}
            coverage = data.get("coverage")
            missing = data.get("missing") or []
            if not isinstance(missing, list):
                raise TypeError("missing is a list")
            return cls(digests, bytes.fromhex(str(coverage)) if coverage else None, tuple(int(i) for i in missing))
        except (KeyError, ValueError, TypeError) as exc:
            raise ProofError(reason=f"应答格式不对（{exc}）") from None


def answer_challenge(challenge: Challenge, source: ChunkSource) -> Answer:
    """The keeper's answer. A chunk it cannot read is listed as missing (and spoils the coverage digest)."""
    digests: dict[int, bytes] = {}
    missing: list[int] = []
    for index in challenge.indices:
        try:
            digests[index] = chunk_proof(challenge.algorithm, challenge.nonce, index, source.chunk(index))
        except (IndexError, OSError):
            missing.append(index)
    coverage_digest = None
    if challenge.coverage is not None:
        start, stop = challenge.coverage
        proofs = []
        for index in range(start, stop):
            try:
                proofs.append(chunk_proof(challenge.algorithm, challenge.nonce, index, source.chunk(index)))
            except (IndexError, OSError):
                missing.append(index)
        coverage_digest = coverage_proof(challenge.algorithm, challenge.nonce, start, stop, proofs)
    return Answer(digests, coverage_digest, tuple(sorted(set(missing))))


@dataclass(frozen=True)
class AuditResult:
    """``damaged``: sampled chunks whose proof is wrong or absent; ``coverage_ok``: whether the range's proof
    matched (None when none was asked). Locate damage inside a failed range with a challenge that samples it."""

    damaged: tuple[int, ...]
    missing: tuple[int, ...]
    coverage_ok: bool | None

    @property
    def ok(self) -> bool:
        return not self.damaged and not self.missing and self.coverage_ok is not False


def check_answer(challenge: Challenge, answer: Answer, expected: ChunkSource | Answer) -> AuditResult:
    """The owner's check of ``answer``: against the chunks it rebuilds (or keeps), or against the answer it
    prepared in advance from them (:func:`prepare_audits`)."""
    if isinstance(expected, Answer):
        reference = expected
    else:
        reference = Answer(
            {
                index: chunk_proof(challenge.algorithm, challenge.nonce, index, expected.chunk(index))
                for index in challenge.indices
            }
        )
    damaged = []
    for index in challenge.indices:
        given = answer.digests.get(index)
        if given is None or not hmac.compare_digest(given, reference.digests[index]):
            damaged.append(index)
    coverage_ok = None
    if challenge.coverage is not None:
        if isinstance(expected, Answer):
            proof = expected.coverage_digest or b""
        else:
            start, stop = challenge.coverage
            proofs = (
                chunk_proof(challenge.algorithm, challenge.nonce, index, expected.chunk(index))
                for index in range(start, stop)
            )
            proof = coverage_proof(challenge.algorithm, challenge.nonce, start, stop, proofs)
        coverage_ok = answer.coverage_digest is not None and hmac.compare_digest(answer.coverage_digest, proof)
    return AuditResult(tuple(damaged), tuple(sorted(set(answer.missing))), coverage_ok)


@dataclass(frozen=True)
class PreparedAudit:
    """A challenge and the answer an intact copy gives, worked out ahead (the owner's records): an owner can then
    audit a keeper without reading its own copy at audit time, or after losing it. Use each one once."""

    challenge: Challenge
    expected: Answer


def prepare_audits(
    plan: AuditPlan, source: ChunkSource, audits: Iterable[int], algorithm: ProofHash = ProofHash.HMAC_SM3
) -> list[PreparedAudit]:
    """Prepared audits numbered ``audits`` of ``plan``, from the owner's chunks (e.g. as it encrypts them)."""
    prepared = []
    for audit in audits:
        challenge = plan.challenge(audit, algorithm)
        prepared.append(PreparedAudit(challenge, answer_challenge(challenge, source)))
    return prepared


# Sampling -----------------------------------------------------------------------------------------------------------


def _exact(value: float | str | Fraction) -> Fraction:
    """0.01 as exactly one hundredth (a float 0.01 is a little more, which would count one chunk too many)."""
    return value if isinstance(value, Fraction) else Fraction(str(value))


def damaged_chunks(chunks: int, damaged_fraction: float | str | Fraction = DEFAULT_DAMAGED_FRACTION) -> int:
    """The fewest damaged chunks that make ``damaged_fraction`` of ``chunks`` (at least one)."""
    return max(1, math.ceil(chunks * _exact(damaged_fraction)))


def miss_probability(chunks: int, damaged: int, sample: int) -> Fraction:
    """Exact probability that ``sample`` chunks drawn without replacement include none of ``damaged``."""
    probability = Fraction(1)
    for drawn in range(sample):
        probability *= Fraction(max(0, chunks - damaged - drawn), chunks - drawn)
    return probability


def sample_size(
    chunks: int,
    damaged_fraction: float | str | Fraction = DEFAULT_DAMAGED_FRACTION,
    confidence: float | str | Fraction = DEFAULT_CONFIDENCE,
) -> int:
    """The smallest number of chunks to sample so that a copy with ``damaged_fraction`` of its ``chunks`` damaged
    is caught with at least ``confidence`` (hypergeometric, exact: integers only)."""
    if chunks <= 0:
        return 0
    damaged = damaged_chunks(chunks, damaged_fraction)
    allowed = 1 - _exact(confidence)
    if not 0 <= allowed < 1:
        raise ValueError("confidence must be in (0, 1]")
    # miss(s) = Π_{i<s} (N−D−i)/(N−i); keep numerator and denominator as integers and stop at the first s with
    # numerator / denominator ≤ allowed.
    numerator = denominator = 1
    for drawn in range(chunks):
        numerator *= max(0, chunks - damaged - drawn)
        denominator *= chunks - drawn
        if numerator * allowed.denominator <= allowed.numerator * denominator:
            return drawn + 1
    return chunks


@dataclass(frozen=True)
class AuditPlan:
    """How one copy of ``chunks`` chunks is audited over a cycle of ``cycle_days`` in ``audits_per_cycle`` audits:
    audit number a proves slice a mod audits_per_cycle in full (one coverage digest) and a fresh random sample
    of ``sample`` chunks one by one."""

    chunks: int
    audits_per_cycle: int
    sample: int
    cycle_days: int = DEFAULT_CYCLE_DAYS

    @property
    def interval_days(self) -> float:
        return self.cycle_days / self.audits_per_cycle

    def coverage(self, audit: int) -> tuple[int, int]:
        slot = audit % self.audits_per_cycle
        return (slot * self.chunks // self.audits_per_cycle, (slot + 1) * self.chunks // self.audits_per_cycle)

    def challenge(
        self, audit: int, algorithm: ProofHash = ProofHash.HMAC_SM3, rng: random.Random | None = None
    ) -> Challenge:
        """The challenge of audit number ``audit``. ``rng`` only for simulations; real audits draw from the
        operating system's random source."""
        draw = rng if rng is not None else secrets.SystemRandom()
        nonce = rng.randbytes(NONCE_BYTES) if rng is not None else secrets.token_bytes(NONCE_BYTES)
        indices = tuple(sorted(draw.sample(range(self.chunks), self.sample)))
        return Challenge(nonce, indices, self.coverage(audit), algorithm)

    def full_challenge(self, algorithm: ProofHash = ProofHash.HMAC_SM3) -> Challenge:
        """Every chunk at once (``--full``): one coverage digest over the whole copy."""
        return Challenge(secrets.token_bytes(NONCE_BYTES), (), (0, self.chunks), algorithm)


def plan_audits(
    chunks: int,
    *,
    audits_per_cycle: int = 3,
    cycle_days: int = DEFAULT_CYCLE_DAYS,
    damaged_fraction: float | str | Fraction = DEFAULT_DAMAGED_FRACTION,
    confidence: float | str | Fraction = DEFAULT_CONFIDENCE,
) -> AuditPlan:
    if audits_per_cycle < 1 or cycle_days < 1:
        raise ValueError("a cycle has at least one audit and one day")
    return AuditPlan(chunks, audits_per_cycle, sample_size(chunks, damaged_fraction, confidence), cycle_days)


def traffic_bytes(challenge: Challenge) -> int:
    """Bytes a challenge and its answer carry, encoded compactly (8-byte indices, raw digests): the figure the
    issue bounds at 1 MB per TB proven."""
    digest = 32
    coverage = 16 + digest if challenge.coverage else 0
    return NONCE_BYTES + len(challenge.indices) * (8 + digest) + coverage


# Simulation ---------------------------------------------------------------------------------------------------------


class _Chunks:
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def __len__(self) -> int:
        return len(self._chunks)

    def chunk(self, index: int) -> bytes:
        return self._chunks[index]


def simulate_detection(
    chunks: int,
    *,
    damaged_fraction: float | str | Fraction = DEFAULT_DAMAGED_FRACTION,
    sample: int | None = None,
    trials: int = 1000,
    chunk_bytes: int = 64,
    seed: int = 0,
    algorithm: ProofHash = ProofHash.HMAC_SHA256,
) -> float:
    """The share of audits that catch a damaged copy: each trial flips one byte in a fresh random set of
    :func:`damaged_chunks` chunks of a copy, runs a challenge, the keeper's answer and the owner's check for real
    (sample only, no coverage), and counts whether the check failed."""
    rng = random.Random(seed)
    original = [rng.randbytes(chunk_bytes) for _ in range(chunks)]
    plan = AuditPlan(chunks, 1, sample if sample is not None else sample_size(chunks, damaged_fraction))
    owner = _Chunks(original)
    count = damaged_chunks(chunks, damaged_fraction)
    caught = 0
    for _ in range(trials):
        copy = list(original)
        for index in rng.sample(range(chunks), count):
            flipped = bytearray(copy[index])
            flipped[rng.randrange(chunk_bytes)] ^= 1 << rng.randrange(8)
            copy[index] = bytes(flipped)
        challenge = plan.challenge(0, algorithm, rng)
        challenge = Challenge(challenge.nonce, challenge.indices, None, algorithm)
        result = check_answer(challenge, answer_challenge(challenge, _Chunks(copy)), owner)
        caught += not result.ok
    return caught / trials


# Audits of a copy addressed by envelope (the wire format of POST /replication/proofs) ---------------------------
#
# A copy at a target is a set of envelopes with opaque names. The owner names each sampled chunk by (envelope name,
# index in it) and each range to cover by its first and last name and the numbers of envelopes and chunks it
# expects there; the keeper numbers its own complete envelopes in name order and counts each one's chunks from its
# header and size. So the request does not grow with the number of files: a sample of ~459 chunks and a few ranges.
# Every chunk proof binds the envelope's name and its header bytes, so a damaged header fails every chunk of it.

_ENVELOPE_CHUNK_LABEL = b"dangan/por/envelope-chunk/v2\x00"
_RANGE_LABEL = b"dangan/por/range/v2\x00"
_HEADER_LABEL = b"dangan/por/header/v2\x00"


class _IncrementalMac:
    def __init__(self, algorithm: ProofHash, key: bytes) -> None:
        self._sm3 = crypto_hmac.HMAC(key, hashes.SM3()) if algorithm is ProofHash.HMAC_SM3 else None
        self._sha = hmac.new(key, digestmod=hashlib.sha256) if self._sm3 is None else None

    def update(self, data: bytes) -> None:
        if self._sm3 is not None:
            self._sm3.update(data)
        else:
            assert self._sha is not None
            self._sha.update(data)

    def digest(self) -> bytes:
        if self._sm3 is not None:
            return self._sm3.finalize()
        assert self._sha is not None
        return self._sha.digest()


def envelope_chunk_proof(
    algorithm: ProofHash, nonce: bytes, name: str, header: bytes, index: int, chunk: bytes
) -> bytes:
    """HMAC(nonce, label ‖ name ‖ header ‖ index ‖ sealed chunk): only a holder of the chunk's bytes *and* of the
    envelope's header can compute it under a nonce it has never seen."""
    raw = name.encode("utf-8")
    mac = _IncrementalMac(algorithm, nonce)
    mac.update(_ENVELOPE_CHUNK_LABEL + len(raw).to_bytes(2, "big") + raw + len(header).to_bytes(4, "big") + header)
    mac.update(index.to_bytes(8, "big"))
    mac.update(chunk)
    return mac.digest()


@dataclass(frozen=True)
class NameRange:
    """Envelopes ``first`` ≤ name ≤ ``last`` (in code-point order), of which the owner expects ``envelopes`` with
    ``chunks`` chunks in all."""

    first: str
    last: str
    envelopes: int
    chunks: int

    def to_dict(self) -> dict[str, object]:
        return {"first": self.first, "last": self.last, "envelopes": self.envelopes, "chunks": self.chunks}


@dataclass(frozen=True)
class CopyChallenge:
    """A fresh nonce, sampled chunks as {envelope name: chunk indices} and ranges to cover whole."""

    nonce: bytes
    samples: dict[str, tuple[int, ...]]
    ranges: tuple[NameRange, ...] = ()
    algorithm: ProofHash = ProofHash.HMAC_SM3
    headers: tuple[str, ...] = ()  # envelopes whose header alone to prove (narrowing a fault down)

    @property
    def sampled(self) -> int:
        return sum(len(indices) for indices in self.samples.values())

    def to_dict(self) -> dict[str, object]:
        return {
            "nonce": self.nonce.hex(),
            "algorithm": self.algorithm.value,
            "samples": {name: list(indices) for name, indices in sorted(self.samples.items())},
            "ranges": [item.to_dict() for item in self.ranges],
            **({"headers": list(self.headers)} if self.headers else {}),
        }

    @classmethod
    def from_dict(cls, data: object) -> CopyChallenge:
        try:
            if not isinstance(data, dict):
                raise TypeError("the challenge is an object")
            nonce = bytes.fromhex(str(data["nonce"]))
            algorithm = ProofHash(str(data["algorithm"]))
            raw_samples = data.get("samples") or {}
            raw_ranges = data.get("ranges") or []
            if not isinstance(raw_samples, dict) or not isinstance(raw_ranges, list):
                raise TypeError("samples is an object, ranges a list")
            samples: dict[str, tuple[int, ...]] = {}
            for name, indices in raw_samples.items():
                if not isinstance(indices, list):
                    raise TypeError("sampled indices are a list")
                values = tuple(sorted({int(index) for index in indices}))
                if any(index < 0 for index in values):
                    raise ValueError("a chunk index is negative")
                samples[str(name)] = values
            ranges = tuple(
                NameRange(str(item["first"]), str(item["last"]), int(item["envelopes"]), int(item["chunks"]))
                for item in raw_ranges
            )
            raw_headers = data.get("headers") or []
            if not isinstance(raw_headers, list):
                raise TypeError("headers is a list")
            headers = tuple(str(name) for name in raw_headers)
        except (KeyError, ValueError, TypeError) as exc:
            raise ProofError(reason=f"挑战格式不对（{exc}）") from None
        if len(nonce) != NONCE_BYTES:
            raise ProofError(reason="挑战随机数长度不对")
        return cls(nonce, samples, ranges, algorithm, headers)


@dataclass(frozen=True)
class RangeAnswer:
    """What the keeper found in a range: how many envelopes and chunks, and one HMAC over all their chunk proofs."""

    envelopes: int
    chunks: int
    digest: bytes

    def to_dict(self) -> dict[str, object]:
        return {"envelopes": self.envelopes, "chunks": self.chunks, "digest": self.digest.hex()}


@dataclass(frozen=True)
class CopyAnswer:
    """The keeper's answer: the nonce it answers (a replayed answer names an older one), a proof per sampled chunk
    it could read, the sampled chunks it could not, and one :class:`RangeAnswer` per range asked."""

    nonce: bytes
    digests: dict[str, dict[int, bytes]]
    missing: dict[str, tuple[int, ...]] = field(default_factory=dict)
    ranges: tuple[RangeAnswer, ...] = ()
    headers: dict[str, bytes] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "nonce": self.nonce.hex(),
            "digests": {
                name: {str(index): digest.hex() for index, digest in sorted(values.items())}
                for name, values in sorted(self.digests.items())
            },
            "missing": {name: list(indices) for name, indices in sorted(self.missing.items()) if indices},
            "ranges": [item.to_dict() for item in self.ranges],
            **(
                {"headers": {name: value.hex() for name, value in sorted(self.headers.items())}} if self.headers else {}
            ),
        }

    @classmethod
    def from_dict(cls, data: object) -> CopyAnswer:
        try:
            if not isinstance(data, dict):
                raise TypeError("the answer is an object")
            raw = data["digests"]
            raw_missing = data.get("missing") or {}
            raw_ranges = data.get("ranges") or []
            if not isinstance(raw, dict) or not isinstance(raw_missing, dict) or not isinstance(raw_ranges, list):
                raise TypeError("digests and missing are objects, ranges a list")
            digests = {
                str(name): {int(index): bytes.fromhex(str(value)) for index, value in values.items()}
                for name, values in raw.items()
            }
            missing = {str(name): tuple(int(index) for index in values) for name, values in raw_missing.items()}
            ranges = tuple(
                RangeAnswer(int(item["envelopes"]), int(item["chunks"]), bytes.fromhex(str(item["digest"])))
                for item in raw_ranges
            )
            raw_headers = data.get("headers") or {}
            if not isinstance(raw_headers, dict):
                raise TypeError("headers is an object")
            headers = {str(name): bytes.fromhex(str(value)) for name, value in raw_headers.items()}
            return cls(bytes.fromhex(str(data["nonce"])), digests, missing, ranges, headers)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ProofError(reason=f"应答格式不对（{exc}）") from None


class HeldEnvelope(Protocol):
    """One envelope as its holder reads it: the header bytes, the chunk count (from the header and the size), and
    sealed chunk i (OSError when it cannot be read)."""

    header: bytes

    def __len__(self) -> int: ...

    def chunk(self, index: int) -> bytes: ...


class HeldCopy(Protocol):
    """A copy as its holder sees it: the keeper's complete envelopes, or the owner's records and own files."""

    def names(self, first: str, last: str) -> Iterable[str]:
        """The names held with first ≤ name ≤ last, in code-point order."""
        ...

    def open(self, name: str) -> HeldEnvelope | None:
        """The envelope, or None when it is not held (or its header cannot be read)."""
        ...


def answer_copy(challenge: CopyChallenge, copy: HeldCopy) -> CopyAnswer:
    """The keeper's answer (and, over the owner's own view, the expected one)."""
    algorithm, nonce = challenge.algorithm, challenge.nonce
    digests: dict[str, dict[int, bytes]] = {}
    missing: dict[str, tuple[int, ...]] = {}
    for name, indices in sorted(challenge.samples.items()):
        held = copy.open(name)
        got: dict[int, bytes] = {}
        lost: list[int] = []
        for index in indices:
            try:
                if held is None or not 0 <= index < len(held):
                    raise IndexError(index)
                got[index] = envelope_chunk_proof(algorithm, nonce, name, held.header, index, held.chunk(index))
            except (IndexError, OSError):
                lost.append(index)
        if got:
            digests[name] = got
        if lost:
            missing[name] = tuple(lost)
    ranges = []
    for wanted in challenge.ranges:
        mac = _IncrementalMac(algorithm, nonce)
        first, last = wanted.first.encode("utf-8"), wanted.last.encode("utf-8")
        mac.update(_RANGE_LABEL + len(first).to_bytes(2, "big") + first + len(last).to_bytes(2, "big") + last)
        envelopes = chunks = 0
        for name in copy.names(wanted.first, wanted.last):
            held = copy.open(name)
            envelopes += 1
            raw = name.encode("utf-8")
            mac.update(len(raw).to_bytes(2, "big") + raw)
            if held is None:
                continue
            for index in range(len(held)):
                try:
                    mac.update(envelope_chunk_proof(algorithm, nonce, name, held.header, index, held.chunk(index)))
                    chunks += 1
                except OSError:
                    mac.update(b"\x00" * 32)
        mac.update(envelopes.to_bytes(8, "big") + chunks.to_bytes(8, "big"))
        ranges.append(RangeAnswer(envelopes, chunks, mac.digest()))
    headers: dict[str, bytes] = {}
    for name in challenge.headers:
        held = copy.open(name)
        if held is not None:
            raw = name.encode("utf-8")
            mac = _IncrementalMac(algorithm, nonce)
            mac.update(_HEADER_LABEL + len(raw).to_bytes(2, "big") + raw + held.header)
            headers[name] = mac.digest()
    return CopyAnswer(nonce, digests, missing, tuple(ranges), headers)


@dataclass(frozen=True)
class CopyResult:
    """The owner's check of an answer. ``damaged``/``missing``: sampled chunks, as (name, index), whose proof was
    wrong or that the keeper could not read; ``unverifiable``: sampled chunks the owner could not rebuild (its own
    copy is at fault, not the keeper's); ``ranges_failed``: the positions of the ranges whose proof or counts did
    not match (narrow them down with smaller ranges); ``stale``: the answer is to another nonce (a replay)."""

    damaged: tuple[tuple[str, int], ...] = ()
    missing: tuple[tuple[str, int], ...] = ()
    unverifiable: tuple[tuple[str, int], ...] = ()
    ranges_failed: tuple[int, ...] = ()
    stale: bool = False

    @property
    def ok(self) -> bool:
        return not (self.damaged or self.missing or self.unverifiable or self.ranges_failed or self.stale)


def check_copy_answer(challenge: CopyChallenge, answer: CopyAnswer, expected: CopyAnswer) -> CopyResult:
    """Compare the keeper's ``answer`` with ``expected`` (:func:`answer_copy` over the owner's own view)."""
    stale = not hmac.compare_digest(answer.nonce, challenge.nonce)
    damaged, missing, unverifiable = [], [], []
    for name, indices in sorted(challenge.samples.items()):
        want = expected.digests.get(name, {})
        given = answer.digests.get(name, {})
        lost = set(answer.missing.get(name, ()))
        for index in indices:
            if index not in want:
                unverifiable.append((name, index))
            elif index in lost or index not in given:
                missing.append((name, index))
            elif stale or not hmac.compare_digest(given[index], want[index]):
                damaged.append((name, index))
    failed = []
    for position in range(len(challenge.ranges)):
        mine = expected.ranges[position] if position < len(expected.ranges) else None
        theirs = answer.ranges[position] if position < len(answer.ranges) else None
        if (
            stale
            or mine is None
            or theirs is None
            or mine.envelopes != theirs.envelopes
            or mine.chunks != theirs.chunks
            or not hmac.compare_digest(mine.digest, theirs.digest)
        ):
            failed.append(position)
    return CopyResult(tuple(damaged), tuple(missing), tuple(unverifiable), tuple(failed), stale)


def sample_copy(
    envelopes: Sequence[tuple[str, int]], sample: int, rng: random.Random | None = None
) -> dict[str, tuple[int, ...]]:
    """A uniform sample of ``sample`` chunks over every chunk of ``envelopes`` ((name, chunk count) pairs) as one
    population, as {name: indices}."""
    draw = rng if rng is not None else secrets.SystemRandom()
    copy = ConcatenatedChunks([_Counted(count) for _name, count in envelopes])
    chosen: dict[str, list[int]] = {}
    for index in draw.sample(range(len(copy)), min(sample, len(copy))):
        which, local = copy.locate(index)
        chosen.setdefault(envelopes[which][0], []).append(local)
    return {name: tuple(sorted(indices)) for name, indices in chosen.items()}


class _Counted:
    def __init__(self, count: int) -> None:
        self._count = count

    def __len__(self) -> int:
        return self._count

    def chunk(self, index: int) -> bytes:  # pragma: no cover - only counted
        raise IndexError(index)


def slot_of(name: str, slots: int) -> int:
    """Which of ``slots`` coverage slices an envelope belongs to: by its name's tag (hex, uniformly spread), so a
    slice keeps its envelopes when others are added and every envelope falls in exactly one slice of a cycle."""
    tag = name.rsplit("/", 1)[-1]
    try:
        value = int(tag[:16], 16) if tag else 0
    except ValueError:
        value = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return value * slots >> 64


def copy_ranges(envelopes: Sequence[tuple[str, int]]) -> tuple[NameRange, ...]:
    """Ranges covering ``envelopes`` ((name, count) pairs in name order), one per name prefix (``content/``,
    ``manifests/``), with the numbers expected in each."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for name, count in envelopes:
        groups.setdefault(name.rsplit("/", 1)[0] if "/" in name else "", []).append((name, count))
    return tuple(
        NameRange(group[0][0], group[-1][0], len(group), sum(count for _name, count in group))
        for _prefix, group in sorted(groups.items())
    )


def copy_traffic(challenge: CopyChallenge, answer: CopyAnswer) -> int:
    """Bytes of the request and the answer as JSON on the wire (without the signature headers)."""
    import json

    return len(json.dumps({"challenge": challenge.to_dict()}).encode()) + len(json.dumps(answer.to_dict()).encode())


class _EnvelopeFile:
    def __init__(self, path: Path) -> None:
        from dangan.replication.crypto.envelope import EnvelopeHeader

        self._path = path
        with open(path, "rb") as handle:
            self._parsed = EnvelopeHeader.read(handle)
            length = handle.tell()
            handle.seek(0)
            self.header = handle.read(length)
        self._count = -(-(path.stat().st_size - length) // self._parsed.sealed_chunk_size)

    def __len__(self) -> int:
        return self._count

    def chunk(self, index: int) -> bytes:
        if not 0 <= index < self._count:
            raise IndexError(index)
        with open(self._path, "rb") as handle:
            handle.seek(self._parsed.chunk_offset(index))
            return handle.read(self._parsed.sealed_chunk_size)


class EnvelopeFiles:
    """A :class:`HeldCopy` over envelope files on disk, ``{name: path}``: a ciphertext the owner keeps (its
    expected answer) or a keeper's files; the chunk count of each from its header and size."""

    def __init__(self, files: dict[str, Path]) -> None:
        self._files = dict(files)

    def names(self, first: str, last: str) -> list[str]:
        return sorted(name for name, path in self._files.items() if first <= name <= last and path.exists())

    def open(self, name: str) -> HeldEnvelope | None:
        path = self._files.get(name)
        if path is None:
            return None
        try:
            return _EnvelopeFile(path)
        except (OSError, ProofError, ValueError):
            return None
        except Exception:  # an unreadable header (crypto errors): not held in a usable form
            return None
