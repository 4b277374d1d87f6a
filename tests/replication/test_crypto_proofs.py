"""Audits without download: the sampling arithmetic, coverage over a cycle, real answers on real envelopes, and a
simulation over damaged copies."""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from dangan.replication.crypto.envelope import EnvelopeChunks, PlaintextChunks, encrypt_file
from dangan.replication.crypto.errors import ProofError
from dangan.replication.crypto.keys import MasterKey
from dangan.replication.crypto.proofs import (
    Answer,
    AuditPlan,
    Challenge,
    ConcatenatedChunks,
    ProofHash,
    answer_challenge,
    check_answer,
    damaged_chunks,
    miss_probability,
    plan_audits,
    prepare_audits,
    sample_size,
    simulate_detection,
    traffic_bytes,
)

SMALL = 4096


def test_sample_size_is_the_smallest_that_meets_the_rate() -> None:
    for chunks in [*range(1, 120), 250, 1000, 4096, 65_536]:
        size = sample_size(chunks)
        damaged = damaged_chunks(chunks)
        assert miss_probability(chunks, damaged, size) <= Fraction(1, 100)
        assert size == 1 or miss_probability(chunks, damaged, size - 1) > Fraction(1, 100)


def test_sample_size_known_values() -> None:
    assert sample_size(0) == 0
    assert sample_size(1) == 1
    assert sample_size(10) == 10  # one damaged chunk in ten: only reading all ten is sure enough
    assert sample_size(100) == 99  # 1 − 99/100 = 1 % exactly
    assert damaged_chunks(100) == 1  # 0.01 taken as exactly one hundredth
    assert sample_size(1000) == 368
    assert sample_size(262_144) == 458  # one TB of 4 MiB chunks
    # Large copies tend to sampling with replacement: ln(0.01) / ln(0.99) = 458.2.
    assert sample_size(10**9) == math.ceil(math.log(0.01) / math.log(0.99)) == 459
    assert sample_size(1000, damaged_fraction="0.05", confidence="0.999") < sample_size(1000, "0.01", "0.999")
    assert sample_size(1000, confidence=Fraction(9, 10)) < sample_size(1000)


def test_plan_covers_every_chunk_once_per_cycle_and_each_audit_meets_the_rate() -> None:
    plan = plan_audits(10_000, audits_per_cycle=6, cycle_days=90)
    assert plan.sample == sample_size(10_000)
    assert plan.interval_days == 15
    covered: list[int] = []
    for audit in range(6):
        challenge = plan.challenge(audit)
        assert len(set(challenge.indices)) == plan.sample  # each audit its own full random sample
        assert challenge.coverage is not None
        covered.extend(range(*challenge.coverage))
    assert sorted(covered) == list(range(10_000))  # every chunk exactly once in the cycle
    assert plan.challenge(6).coverage == plan.challenge(0).coverage  # the next cycle starts again
    assert plan.challenge(0).indices != plan.challenge(0).indices  # samples are fresh, not planned ahead
    assert plan.challenge(0).nonce != plan.challenge(0).nonce


def test_audit_traffic_stays_far_under_1_mb_per_tb() -> None:
    chunks_per_tb = 2**40 // (4 * 2**20)
    challenge = plan_audits(chunks_per_tb, audits_per_cycle=3).challenge(0)
    assert traffic_bytes(challenge) < 20_000


@pytest.fixture
def copies(tmp_path: Path) -> tuple[MasterKey, list[Path], list[Path], list]:
    """Three real files, encrypted: the owner's plaintext and the keeper's envelopes."""
    master = MasterKey.generate()
    plains, sealed, headers = [], [], []
    for number, size in enumerate((0, 7 * SMALL + 9, 20 * SMALL)):
        plain = tmp_path / f"file{number}"
        plain.write_bytes(os.urandom(size))
        target = tmp_path / f"file{number}.dgn"
        manifest = encrypt_file(master, plain, target, object_id=f"object-{number}", chunk_size=SMALL)
        plains.append(plain)
        sealed.append(target)
        headers.append(manifest.header)
    return master, plains, sealed, headers


def owner_view(copies: tuple) -> ConcatenatedChunks:
    master, plains, _, headers = copies
    return ConcatenatedChunks([PlaintextChunks(master, h, p) for h, p in zip(headers, plains, strict=True)])


def keeper_view(copies: tuple) -> ConcatenatedChunks:
    return ConcatenatedChunks([EnvelopeChunks(path) for path in copies[2]])


@pytest.mark.parametrize("algorithm", list(ProofHash))
def test_an_intact_copy_passes_without_sending_it(copies: tuple, algorithm: ProofHash) -> None:
    owner, keeper = owner_view(copies), keeper_view(copies)
    assert len(owner) == len(keeper) == 1 + 8 + 20
    plan = plan_audits(len(owner), audits_per_cycle=2)
    for audit in range(2):
        challenge = plan.challenge(audit, algorithm)
        wire = Challenge.from_dict(challenge.to_dict())  # what travels, both ways
        answer = Answer.from_dict(answer_challenge(wire, keeper).to_dict())
        result = check_answer(challenge, answer, owner)
        assert result.ok and result.coverage_ok is True
    full = plan.full_challenge(algorithm)
    assert check_answer(full, answer_challenge(full, keeper), owner).ok


def test_a_damaged_chunk_is_named_when_sampled_and_caught_by_the_coverage(copies: tuple) -> None:
    owner = owner_view(copies)
    path = copies[2][1]
    data = bytearray(path.read_bytes())
    damaged = 1 + 3  # global index: after file0's single chunk
    before = keeper_view(copies).chunk(damaged)
    offset = EnvelopeChunks(path).header.chunk_offset(3) + 100
    data[offset] ^= 0x10
    path.write_bytes(bytes(data))
    keeper = keeper_view(copies)
    assert keeper.chunk(damaged) != before
    nonce = os.urandom(32)
    sampled = Challenge(nonce, (0, damaged, 10), None, ProofHash.HMAC_SM3)
    result = check_answer(sampled, answer_challenge(sampled, keeper), owner)
    assert not result.ok and result.damaged == (damaged,)
    covering = Challenge(nonce, (0,), (0, 9), ProofHash.HMAC_SM3)
    result = check_answer(covering, answer_challenge(covering, keeper), owner)
    assert not result.ok and result.damaged == () and result.coverage_ok is False
    elsewhere = Challenge(nonce, (0,), (9, len(owner)), ProofHash.HMAC_SM3)
    assert check_answer(elsewhere, answer_challenge(elsewhere, keeper), owner).ok


def test_a_missing_chunk_and_a_stale_answer_are_caught(copies: tuple) -> None:
    owner = owner_view(copies)
    path = copies[2][2]
    header = EnvelopeChunks(path).header
    path.write_bytes(path.read_bytes()[: header.chunk_offset(15)])  # the keeper lost its last five chunks
    keeper = keeper_view(copies)
    last = len(owner) - 1
    challenge = Challenge(os.urandom(32), (2, last), (20, len(owner)), ProofHash.HMAC_SHA256)
    answer = answer_challenge(challenge, keeper)
    result = check_answer(challenge, answer, owner)
    assert not result.ok and last in result.missing and result.coverage_ok is False
    # A keeper replaying an old answer (computed when the copy was whole) fails a new nonce.
    intact_challenge = Challenge(os.urandom(32), (2,), None, ProofHash.HMAC_SHA256)
    old_answer = answer_challenge(intact_challenge, owner)
    fresh = Challenge(os.urandom(32), (2,), None, ProofHash.HMAC_SHA256)
    assert check_answer(fresh, old_answer, owner).damaged == (2,)


def test_prepared_audits_check_a_keeper_after_the_owner_lost_its_copy(copies: tuple) -> None:
    owner, keeper = owner_view(copies), keeper_view(copies)
    plan = plan_audits(len(owner), audits_per_cycle=3)
    prepared = prepare_audits(plan, owner, range(3))
    for path in copies[1]:
        path.unlink()  # the owner's plaintext is gone; its records remain
    for audit in prepared:
        assert check_answer(audit.challenge, answer_challenge(audit.challenge, keeper), audit.expected).ok
    sealed = copies[2][2]
    data = bytearray(sealed.read_bytes())
    data[-5] ^= 1
    sealed.write_bytes(bytes(data))
    last = prepared[2]  # its coverage slice holds the damaged last chunk
    result = check_answer(last.challenge, answer_challenge(last.challenge, keeper_view(copies)), last.expected)
    assert not result.ok and result.coverage_ok is False


def test_malformed_challenges_and_answers_are_named() -> None:
    with pytest.raises(ProofError):
        Challenge.from_dict({"nonce": "00", "indices": [], "algorithm": "hmac-sm3"})
    with pytest.raises(ProofError):
        Challenge.from_dict({"nonce": "00" * 32, "indices": [1], "algorithm": "md5"})
    with pytest.raises(ProofError):
        Answer.from_dict({"digests": {"x": "00"}})


def test_simulation_over_damaged_copies_meets_the_detection_rate() -> None:
    """Each trial damages a fresh 1 % of a 2,000-chunk copy and runs a real audit of the planned size."""
    rate = simulate_detection(2000, trials=600, seed=16)
    assert rate >= 0.98  # 99 % expected; 600 trials put ±0.8 % of noise on it
    assert simulate_detection(2000, trials=300, sample=sample_size(2000) // 4, seed=16) < 0.8


def test_plans_are_validated() -> None:
    with pytest.raises(ValueError):
        plan_audits(100, audits_per_cycle=0)
    with pytest.raises(ValueError):
        sample_size(100, confidence="1.5")
    assert AuditPlan(10, 3, 10).coverage(2) == (6, 10)


# The wire format of audits by envelope (CopyChallenge / CopyAnswer) --------------------------------------------


@pytest.fixture
def envelope_files(tmp_path: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """Three real envelopes (the owner's) and a keeper's copies of them, both as {name: path}."""
    from dangan.replication.crypto.envelope import EnvelopeHeader

    master = MasterKey.generate()
    owner, keeper = {}, {}
    for number, size in enumerate((5 * SMALL + 7, 3 * SMALL, 11)):
        plain = tmp_path / f"plain{number}"
        plain.write_bytes(os.urandom(size))
        sealed = tmp_path / f"owner{number}.dgn"
        manifest = encrypt_file(master, plain, sealed, object_id=f"object-{number}", chunk_size=SMALL)
        name = f"content/{manifest.header.content_tag.hex()}"
        copy = tmp_path / f"keeper{number}.dgn"
        copy.write_bytes(sealed.read_bytes())
        owner[name], keeper[name] = sealed, copy
        assert EnvelopeHeader.read(sealed.open("rb")) == manifest.header
    return owner, keeper


def _full(owner: dict[str, Path]) -> tuple[Any, Any]:
    from dangan.replication.crypto.proofs import CopyChallenge, EnvelopeFiles, copy_ranges

    mine = EnvelopeFiles(owner)
    envelopes = [(name, len(held)) for name in sorted(owner) if (held := mine.open(name)) is not None]
    samples = {name: tuple(range(count)) for name, count in envelopes}
    return CopyChallenge(os.urandom(32), samples, copy_ranges(envelopes)), mine


def test_an_intact_copy_proves_and_the_answer_survives_the_wire(envelope_files: tuple) -> None:
    from dangan.replication.crypto.proofs import (
        CopyAnswer,
        CopyChallenge,
        EnvelopeFiles,
        answer_copy,
        check_copy_answer,
    )

    owner, keeper = envelope_files
    challenge, mine = _full(owner)
    wire = CopyChallenge.from_dict(challenge.to_dict())
    assert wire == challenge
    answer = CopyAnswer.from_dict(answer_copy(wire, EnvelopeFiles(keeper)).to_dict())
    result = check_copy_answer(challenge, answer, answer_copy(challenge, mine))
    assert result.ok and answer.ranges[0].envelopes == 3 and answer.ranges[0].chunks == 6 + 3 + 1


def test_a_flipped_byte_a_cut_a_lost_envelope_and_a_damaged_header_are_each_named(envelope_files: tuple) -> None:
    from dangan.replication.crypto.envelope import EnvelopeHeader
    from dangan.replication.crypto.proofs import EnvelopeFiles, answer_copy, check_copy_answer

    owner, keeper = envelope_files
    first, second, third = list(owner)  # 6, 3 and 1 chunks
    header = EnvelopeHeader.read(keeper[first].open("rb"))
    data = bytearray(keeper[first].read_bytes())
    data[header.chunk_offset(2) + 40] ^= 0x01  # a flipped byte in chunk 2
    keeper[first].write_bytes(bytes(data))
    data = bytearray(keeper[second].read_bytes())
    keeper[second].write_bytes(bytes(data[: header.chunk_offset(2)]))  # the last chunk cut off
    challenge, mine = _full(owner)
    result = check_copy_answer(challenge, answer_copy(challenge, EnvelopeFiles(keeper)), answer_copy(challenge, mine))
    assert result.damaged == ((first, 2),)
    assert result.missing == ((second, 2),)
    assert result.ranges_failed == (0,)

    keeper[third].unlink()  # an envelope lost
    result = check_copy_answer(challenge, answer_copy(challenge, EnvelopeFiles(keeper)), answer_copy(challenge, mine))
    assert (third, 0) in result.missing

    # A header damaged where it still parses (a byte of its content tag): every chunk of it fails, and its header
    # proof names it.
    fresh = dict(owner)
    copy = keeper[first].with_suffix(".hdr")
    data = bytearray(owner[first].read_bytes())
    data[40] ^= 0x01
    copy.write_bytes(bytes(data))
    fresh[first] = copy
    challenge, _mine = _full(owner)
    from dangan.replication.crypto.proofs import CopyChallenge

    challenge = CopyChallenge(challenge.nonce, challenge.samples, challenge.ranges, headers=(first, second))
    answer = answer_copy(challenge, EnvelopeFiles(fresh))
    expected = answer_copy(challenge, mine)
    result = check_copy_answer(challenge, answer, expected)
    assert {name for name, _index in result.damaged} == {first}
    assert answer.headers[first] != expected.headers[first] and answer.headers[second] == expected.headers[second]


def test_a_replayed_answer_is_stale_and_an_extra_envelope_at_the_keeper_fails_only_its_range(
    envelope_files: tuple,
) -> None:
    from dangan.replication.crypto.proofs import CopyChallenge, EnvelopeFiles, NameRange, answer_copy, check_copy_answer

    owner, keeper = envelope_files
    challenge, mine = _full(owner)
    old = answer_copy(challenge, EnvelopeFiles(keeper))
    again = CopyChallenge(os.urandom(32), challenge.samples, challenge.ranges)
    result = check_copy_answer(again, old, answer_copy(again, mine))
    assert result.stale and not result.ok

    names = sorted(owner)
    extra = dict(keeper)
    extra[names[0][:-1] + "z"] = keeper[names[0]]  # a name the owner has no record of, inside the first's range
    counts = {name: len(held) for name in names if (held := mine.open(name)) is not None}
    ranges = (
        NameRange(names[0], names[1], 2, counts[names[0]] + counts[names[1]]),
        NameRange(names[2], names[2], 1, counts[names[2]]),
    )
    narrow = CopyChallenge(os.urandom(32), {}, ranges)
    result = check_copy_answer(narrow, answer_copy(narrow, EnvelopeFiles(extra)), answer_copy(narrow, mine))
    assert result.ranges_failed == ((0,) if names[0][:-1] + "z" < names[1] else ())


def test_copy_traffic_does_not_grow_with_the_number_of_files() -> None:
    import random

    from dangan.replication.crypto.proofs import CopyChallenge, copy_ranges, sample_copy, slot_of

    rng = random.Random(1)
    sizes = []
    for files in (10_000, 100_000):  # at most one name per sampled chunk, whatever the number of files
        envelopes = sorted((f"content/{rng.randbytes(32).hex()}", max(1, 262_144 // files)) for _ in range(files))
        samples = sample_copy(envelopes, sample_size(262_144), rng)
        ranges = copy_ranges([item for item in envelopes if slot_of(item[0], 3) == 0])
        challenge = CopyChallenge(os.urandom(32), samples, ranges)
        sizes.append(len(str(challenge.to_dict())))
        assert challenge.sampled == sample_size(262_144) == 458
    assert sizes[1] < 1.1 * sizes[0] and sizes[1] < 60_000
    # every envelope falls in exactly one slice of a cycle
    names = [f"content/{rng.randbytes(32).hex()}" for _ in range(3000)]
    slots = [slot_of(name, 4) for name in names]
    assert set(slots) == {0, 1, 2, 3}


def test_malformed_copy_challenges_are_refused() -> None:
    from dangan.replication.crypto.proofs import CopyAnswer, CopyChallenge

    for bad in (
        {},
        {"nonce": "00", "algorithm": "hmac-sm3"},
        {"nonce": "00" * 32, "algorithm": "md5"},
        {"nonce": "00" * 32, "algorithm": "hmac-sm3", "samples": {"a": [-1]}},
        {"nonce": "00" * 32, "algorithm": "hmac-sm3", "ranges": [{"first": "a"}]},
    ):
        with pytest.raises(ProofError):
            CopyChallenge.from_dict(bad)
    with pytest.raises(ProofError):
        CopyAnswer.from_dict({"nonce": "00", "digests": []})
