"""Digests in one read pass: sha512, sha256 and SM3 from the same chunks, with the copy written alongside."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from dangan.preservation.ocfl import digests
from dangan.preservation.ocfl.digests import (
    FileDigests,
    copy_and_digest,
    copy_and_digest_many,
    digest_bytes,
    digest_file,
    hash_file,
    is_digest,
    new_hasher,
)
from dangan.preservation.storage import LocalFilesystemBackend

SIZES = [0, 1, digests.INLINE_LIMIT, digests.INLINE_LIMIT + 1, digests.CHUNK_SIZE, 3 * digests.CHUNK_SIZE + 17]


def expected(data: bytes) -> FileDigests:
    return FileDigests(
        len(data),
        hashlib.sha512(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
        hashlib.new("sm3", data).hexdigest(),
    )


def test_sm3_is_the_gb_t_32905_algorithm() -> None:
    # The example in GB/T 32905-2016, appendix A.1.
    h = new_hasher("sm3")
    h.update(b"abc")
    assert h.hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


@pytest.mark.parametrize("size", SIZES)
def test_copy_and_digest_copies_exactly_and_hashes_once(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    backend = LocalFilesystemBackend(tmp_path / "store")
    backend.mkdir("", parents=True)
    result = copy_and_digest(source, backend, "copy.bin")
    assert result == expected(data)
    assert backend.read_bytes("copy.bin") == data
    assert digest_file(source) == expected(data)
    assert digest_file("copy.bin", backend=backend) == expected(data)
    assert digest_bytes(data) == expected(data)


def test_copy_and_digest_many_keeps_order_and_reports_each(tmp_path: Path) -> None:
    backend = LocalFilesystemBackend(tmp_path / "store")
    backend.mkdir("", parents=True)
    items = []
    contents = []
    for i in range(20):
        data = os.urandom(1000 * i + (digests.CHUNK_SIZE if i % 7 == 0 else 0))
        source = tmp_path / f"s{i}"
        source.write_bytes(data)
        items.append((source, f"c{i}"))
        contents.append(data)
    seen: list[int] = []
    results = copy_and_digest_many(items, backend, workers=3, on_done=lambda i, _d: seen.append(i))
    assert results == [expected(d) for d in contents]
    assert sorted(seen) == list(range(20))
    assert all(backend.read_bytes(f"c{i}") == d for i, d in enumerate(contents))


def test_a_failure_is_raised(tmp_path: Path) -> None:
    backend = LocalFilesystemBackend(tmp_path / "store")
    backend.mkdir("", parents=True)
    with pytest.raises(FileNotFoundError):
        copy_and_digest_many([(tmp_path / "missing", "x")], backend, workers=2)


def test_other_ocfl_algorithms(tmp_path: Path) -> None:
    data = b"The quick brown fox"
    source = tmp_path / "f"
    source.write_bytes(data)
    size, values = hash_file(source, algorithms=["md5", "sha1", "blake2b-512", "blake2b-160", "size", "crc32"])
    assert size == len(data)
    assert values["md5"] == hashlib.md5(data).hexdigest()
    assert values["sha1"] == hashlib.sha1(data).hexdigest()
    assert values["blake2b-512"] == hashlib.blake2b(data).hexdigest()
    assert values["blake2b-160"] == hashlib.blake2b(data, digest_size=20).hexdigest()
    assert values["size"] == str(len(data))
    assert is_digest("sm3", values["crc32"] * 8) and is_digest("crc32", values["crc32"])
    assert not is_digest("sha512", "xyz") and is_digest("size", "19")
    with pytest.raises(ValueError):
        new_hasher("whirlpool")
