"""Envelopes on real files: round trips, determinism, and every way a keeper's copy can be wrong, each named."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from dangan.replication.crypto import envelope
from dangan.replication.crypto.envelope import (
    DEFAULT_CHUNK_SIZE,
    EnvelopeChunks,
    EnvelopeHeader,
    PlaintextChunks,
    Suite,
    decrypt,
    decrypt_file,
    encrypt_file,
)
from dangan.replication.crypto.errors import (
    ChunkFromOtherObject,
    ChunkOutOfOrder,
    ChunkTampered,
    ContentMismatch,
    EnvelopeError,
    NotAnEnvelope,
    TrailingData,
    TruncatedEnvelope,
    UnsupportedEnvelope,
    WrongKey,
)
from dangan.replication.crypto.keys import MasterKey

SMALL = 4096  # chunk size for the many-chunk cases: the same code paths as 4 MiB, a thousand times less work
OBJECT = "urn:uuid:5f0c9a70-0b7e-4d0a-9a3b-2d1f7f0c1e11"


@pytest.fixture(scope="module")
def master() -> MasterKey:
    return MasterKey.generate()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def seal(master: MasterKey, tmp_path: Path, data: bytes, **options: object) -> tuple[Path, envelope.EnvelopeManifest]:
    source = write(tmp_path / "plain.bin", data)
    target = tmp_path / "sealed.dgn"
    manifest = encrypt_file(master, source, target, object_id=str(options.pop("object_id", OBJECT)), **options)  # type: ignore[arg-type]
    return target, manifest


def chunks_of(path: Path) -> tuple[bytes, list[bytes]]:
    data = path.read_bytes()
    with open(path, "rb") as handle:
        header = EnvelopeHeader.read(handle)
    start = len(header.to_bytes())
    size = header.sealed_chunk_size
    return data[:start], [data[i : i + size] for i in range(start, len(data), size)]


def open_all(master: MasterKey, data: bytes) -> bytes:
    return b"".join(decrypt(master, io.BytesIO(data)))


@pytest.mark.parametrize("suite", list(Suite))
@pytest.mark.parametrize(
    ("size", "chunk_size", "chunks"),
    [
        (0, SMALL, 1),
        (1, SMALL, 1),
        (SMALL, SMALL, 1),
        (SMALL + 1, SMALL, 2),
        (37 * SMALL + 123, SMALL, 38),
        (40 * SMALL, SMALL, 40),
        (DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE, 1),
    ],
)
def test_round_trip_on_real_files(
    master: MasterKey, tmp_path: Path, suite: Suite, size: int, chunk_size: int, chunks: int
) -> None:
    data = os.urandom(size)
    target, manifest = seal(master, tmp_path, data, suite=suite, chunk_size=chunk_size)
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["plain.bin", "sealed.dgn"]  # no staging file left
    assert len(manifest.chunk_digests) == chunks
    assert manifest.plaintext_size == size
    assert manifest.ciphertext_size == target.stat().st_size
    assert data[:64] not in target.read_bytes() or size < 64
    _, sealed = chunks_of(target)
    assert [hashlib.sha256(chunk).digest() for chunk in sealed] == manifest.chunk_digests
    restored = tmp_path / "restored.bin"
    header = decrypt_file(master, target, restored)
    assert restored.read_bytes() == data
    assert (header.suite, header.chunk_size, header.object_id) == (suite, chunk_size, OBJECT)


def test_default_is_sm4_gcm_in_4_mib_chunks(master: MasterKey, tmp_path: Path) -> None:
    target, manifest = seal(master, tmp_path, b"x")
    assert manifest.header.suite is Suite.SM4_GCM
    assert manifest.header.chunk_size == 4 * 1024 * 1024
    assert target.read_bytes().startswith(b"\x89DANGAN\n\x01\x01")
    assert manifest.to_dict()["suite"] == "sm4-gcm"


def test_same_content_same_owner_same_ciphertext(master: MasterKey, tmp_path: Path) -> None:
    data = os.urandom(10 * SMALL + 5)
    (tmp_path / "a").mkdir()
    first, _ = seal(master, tmp_path / "a", data, chunk_size=SMALL)
    (tmp_path / "b").mkdir()
    second, _ = seal(master, tmp_path / "b", data, chunk_size=SMALL)
    assert first.read_bytes() == second.read_bytes()
    (tmp_path / "c").mkdir()
    other_object, _ = seal(master, tmp_path / "c", data, chunk_size=SMALL, object_id="another object")
    (tmp_path / "d").mkdir()
    other_owner, _ = seal(MasterKey.generate(), tmp_path / "d", data, chunk_size=SMALL)
    (tmp_path / "e").mkdir()
    changed, _ = seal(master, tmp_path / "e", data[:-1] + bytes([data[-1] ^ 1]), chunk_size=SMALL)
    _, base_chunks = chunks_of(first)
    for path in (other_object, other_owner, changed):
        _, chunks = chunks_of(path)
        assert not set(chunks) & set(base_chunks)


def test_owner_rebuilds_any_chunk_from_its_plaintext(master: MasterKey, tmp_path: Path) -> None:
    data = os.urandom(9 * SMALL + 77)
    target, manifest = seal(master, tmp_path, data, chunk_size=SMALL)
    rebuilt = PlaintextChunks(master, manifest.header, tmp_path / "plain.bin")
    kept = EnvelopeChunks(target)
    assert len(rebuilt) == len(kept) == 10
    for index in range(10):
        assert rebuilt.chunk(index) == kept.chunk(index)
        assert hashlib.sha256(kept.chunk(index)).digest() == manifest.chunk_digests[index]


def test_header_shows_neither_the_content_digest_nor_the_key(master: MasterKey, tmp_path: Path) -> None:
    data = b"a public document anyone could hash"
    target, _ = seal(master, tmp_path, data)
    raw = target.read_bytes()
    assert hashlib.sha256(data).digest() not in raw
    assert master.export_secret() not in raw


# Faults -------------------------------------------------------------------------------------------------------------


@pytest.fixture
def sealed(master: MasterKey, tmp_path: Path) -> tuple[bytes, list[bytes], bytes]:
    data = os.urandom(6 * SMALL + 100)
    target, _ = seal(master, tmp_path, data, chunk_size=SMALL)
    header, chunks = chunks_of(target)
    return header, chunks, data


def fault(master: MasterKey, data: bytes) -> tuple[EnvelopeError, list[bytes]]:
    """The error, and the plaintext chunks handed out before it."""
    given: list[bytes] = []
    with pytest.raises(EnvelopeError) as caught:
        for piece in decrypt(master, io.BytesIO(data)):
            given.append(piece)
    return caught.value, given


def test_a_flipped_byte_is_named_and_nothing_of_that_chunk_is_given_out(master: MasterKey, sealed: tuple) -> None:
    header, chunks, data = sealed
    for position in (envelope.FRAME_BYTES, len(chunks[3]) // 2, len(chunks[3]) - 1):  # ciphertext and tag
        bad = bytearray(chunks[3])
        bad[position] ^= 0x01
        error, given = fault(master, header + b"".join(chunks[:3]) + bytes(bad) + b"".join(chunks[4:]))
        assert isinstance(error, ChunkTampered) and error.params == {"index": 3}
        assert b"".join(given) == data[: 3 * SMALL]
    error, given = fault(master, header + bytes([chunks[0][0] ^ 1]) + chunks[0][1:] + b"".join(chunks[1:]))
    assert isinstance(error, ChunkFromOtherObject)  # the object tag in the frame
    assert given == []
    assert "第 3 块认证失败" in str(ChunkTampered(index=3))


def test_reordered_chunks_are_named(master: MasterKey, sealed: tuple) -> None:
    header, chunks, _ = sealed
    swapped = [chunks[0], chunks[2], chunks[1], *chunks[3:]]
    error, given = fault(master, header + b"".join(swapped))
    assert isinstance(error, ChunkOutOfOrder)
    assert error.params == {"expected": 1, "found": 2}
    assert len(given) == 1
    assert error.code == "chunk-out-of-order"


def test_truncation_at_any_point_is_named(master: MasterKey, sealed: tuple) -> None:
    header, chunks, _ = sealed
    error, _ = fault(master, header + b"".join(chunks[:4]))  # at a chunk boundary
    assert isinstance(error, TruncatedEnvelope) and error.params == {"index": 4}
    error, _ = fault(master, header + b"".join(chunks[:4]) + chunks[4][:100])  # inside a chunk
    assert isinstance(error, TruncatedEnvelope) and error.params == {"index": 4}
    error, _ = fault(master, header)  # every chunk gone
    assert isinstance(error, TruncatedEnvelope)
    error, _ = fault(master, header[:20])
    assert isinstance(error, TruncatedEnvelope)
    error, _ = fault(master, header + b"".join(chunks)[:-1])  # the last byte of the last chunk
    assert isinstance(error, TruncatedEnvelope) and error.params == {"index": 6}
    error, _ = fault(master, header + b"".join(chunks[:3]) + chunks[3][:10])  # inside a frame
    assert isinstance(error, TruncatedEnvelope) and error.params == {"index": 3}


def test_data_after_the_last_chunk_is_named(master: MasterKey, sealed: tuple) -> None:
    header, chunks, _ = sealed
    error, given = fault(master, header + b"".join(chunks) + b"extra")
    assert isinstance(error, TrailingData) and error.params == {"index": 6}
    assert len(given) == 6  # what came before was fine
    error, _ = fault(master, header + b"".join(chunks) + chunks[-1])
    assert isinstance(error, TrailingData)


def test_a_chunk_from_another_object_is_named(master: MasterKey, tmp_path: Path, sealed: tuple) -> None:
    header, chunks, _ = sealed
    (tmp_path / "other").mkdir()
    other, _ = seal(master, tmp_path / "other", os.urandom(6 * SMALL + 100), chunk_size=SMALL, object_id="other")
    _, other_chunks = chunks_of(other)
    error, _ = fault(master, header + b"".join([*chunks[:2], other_chunks[2], *chunks[3:]]))
    assert isinstance(error, ChunkFromOtherObject) and error.params == {"index": 2}


def test_same_content_under_another_object_id_does_not_pass(master: MasterKey, tmp_path: Path) -> None:
    data = os.urandom(3 * SMALL)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, _ = seal(master, tmp_path / "a", data, chunk_size=SMALL, object_id="A")
    second, _ = seal(master, tmp_path / "b", data, chunk_size=SMALL, object_id="B")
    header_a, chunks_a = chunks_of(first)
    _, chunks_b = chunks_of(second)
    error, _ = fault(master, header_a + chunks_a[0] + chunks_b[1] + chunks_a[2])
    assert isinstance(error, ChunkFromOtherObject)


def test_a_changed_header_is_named(master: MasterKey, sealed: tuple) -> None:
    header, chunks, _ = sealed
    body = b"".join(chunks)
    error, _ = fault(master, b"PK\x03\x04" + header[4:] + body)
    assert isinstance(error, NotAnEnvelope)
    error, _ = fault(master, header[:8] + b"\x02" + header[9:] + body)
    assert isinstance(error, UnsupportedEnvelope)
    error, _ = fault(master, header[:9] + b"\x07" + header[10:] + body)
    assert isinstance(error, UnsupportedEnvelope)
    renamed = header[:-1] + bytes([header[-1] ^ 1])  # the object id
    error, _ = fault(master, renamed + body)
    assert isinstance(error, ChunkTampered) and error.params == {"index": 0}
    error, _ = fault(master, header[:16] + bytes([header[16] ^ 1]) + header[17:] + body)  # the key id
    assert isinstance(error, WrongKey)


def test_another_owners_key_is_named(sealed: tuple) -> None:
    header, chunks, _ = sealed
    error, given = fault(MasterKey.generate(), header + b"".join(chunks))
    assert isinstance(error, WrongKey)
    assert given == []


def test_a_wrong_content_digest_is_caught_before_the_ciphertext_is_kept(master: MasterKey, tmp_path: Path) -> None:
    source = write(tmp_path / "plain.bin", os.urandom(3 * SMALL))
    target = tmp_path / "sealed.dgn"
    with pytest.raises(ContentMismatch):
        encrypt_file(
            master, source, target, object_id=OBJECT, chunk_size=SMALL, content_sha256=hashlib.sha256(b"x").digest()
        )
    assert list(tmp_path.iterdir()) == [source]  # neither the target nor the staging file


@pytest.mark.parametrize("workers", [1, 3])
def test_one_thread_or_several_give_the_same_bytes_and_the_same_faults(
    master: MasterKey, tmp_path: Path, workers: int
) -> None:
    data = os.urandom(12 * SMALL + 1)
    source = write(tmp_path / "plain.bin", data)
    reference = tmp_path / "reference.dgn"
    encrypt_file(master, source, reference, object_id=OBJECT, chunk_size=SMALL, workers=1)
    threaded = tmp_path / "threaded.dgn"
    encrypt_file(master, source, threaded, object_id=OBJECT, chunk_size=SMALL, workers=workers)
    assert threaded.read_bytes() == reference.read_bytes()
    assert b"".join(decrypt(master, io.BytesIO(reference.read_bytes()), workers=workers)) == data
    header, chunks = chunks_of(reference)
    bad = bytearray(chunks[5])
    bad[-1] ^= 1
    cases = [
        (header + b"".join(chunks[:5]) + bytes(bad) + b"".join(chunks[6:8]), ChunkTampered, {"index": 5}),
        (
            header + b"".join([*chunks[:7], chunks[8], chunks[7], *chunks[9:]]),
            ChunkOutOfOrder,
            {"expected": 7, "found": 8},
        ),
        (header + b"".join(chunks[:9]), TruncatedEnvelope, {"index": 9}),
        (header + b"".join(chunks) + b"x", TrailingData, {"index": 12}),
    ]
    for stream, kind, params in cases:
        given = []
        with pytest.raises(kind) as caught:
            for piece in decrypt(master, io.BytesIO(stream), workers=workers):
                given.append(piece)
        assert caught.value.params == params
        assert b"".join(given) == data[: len(given) * SMALL]


class CountingReader:
    """A stream of ``size`` bytes that never exists whole, counting how much has been read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_so_far = 0

    def read(self, size: int, /) -> bytes:
        size = min(size, self.size - self.read_so_far)
        self.read_so_far += size
        return b"\x5a" * size


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_streams_in_constant_memory(master: MasterKey, workers: int) -> None:
    """Encryption reads only a few chunks ahead of what it has handed out, however long the stream."""
    chunks = 200
    source = CountingReader(chunks * SMALL)
    digest = hashlib.sha256(b"\x5a" * (chunks * SMALL)).digest()
    encryption = envelope.Encryption(
        master, source, object_id=OBJECT, content_sha256=digest, chunk_size=SMALL, workers=workers
    )
    pieces = iter(encryption)
    next(pieces)  # the header
    for handed_out in range(1, chunks + 1):
        next(pieces)
        assert source.read_so_far <= (handed_out + workers + 2) * SMALL
    assert list(pieces) == []
    assert len(encryption.manifest.chunk_digests) == chunks


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_decrypts_in_constant_memory(master: MasterKey, workers: int) -> None:
    data = os.urandom(200 * SMALL)
    sealed = b"".join(
        envelope.Encryption(
            master, io.BytesIO(data), object_id=OBJECT, content_sha256=hashlib.sha256(data).digest(), chunk_size=SMALL
        )
    )
    stream = io.BytesIO(sealed)
    header_size = stream.getbuffer().nbytes - 200 * (SMALL + envelope.FRAME_BYTES + envelope.TAG_BYTES)
    full = SMALL + envelope.FRAME_BYTES + envelope.TAG_BYTES
    for handed_out, plaintext in enumerate(envelope.decrypt(master, stream, workers=workers), start=1):
        assert plaintext == data[(handed_out - 1) * SMALL : handed_out * SMALL]
        assert stream.tell() <= header_size + (handed_out + workers + 2) * full
