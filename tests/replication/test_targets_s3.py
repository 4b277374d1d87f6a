"""The TargetStore contract on a real S3 server (SeaweedFS, the session's `seaweed` fixture): put, stat, ranges,
listing, delete, usage; a multipart upload resumed after the server went down mid-put; idempotent re-puts; receipts
checked against the store's own ETags; wrong credentials and a missing bucket named in Chinese; audits (`prove`)
of real envelopes, and a flipped byte found — and repaired by the next put."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dangan.preservation.storage.s3 import S3Client, S3ConnectionError
from dangan.replication.crypto.envelope import encrypt_file
from dangan.replication.crypto.keys import MasterKey
from dangan.replication.crypto.proofs import (
    CopyChallenge,
    EnvelopeFiles,
    ProofHash,
    answer_copy,
    check_copy_answer,
    copy_ranges,
    sample_copy,
    slot_of,
)
from dangan.replication.models import Target
from dangan.replication.stores.base import StoreError
from dangan.replication.stores.s3 import S3Store, parse_location, s3_store
from tests.conftest import S3_BUCKET

MiB = 1024 * 1024
SMALL = 4096


def pieces_of(data: bytes, step: int = 100_000) -> Any:
    def pieces(offset: int) -> Iterator[bytes]:
        for start in range(offset, len(data), step):
            yield data[start : start + step]

    return pieces


class CountingClient(S3Client):
    """The real client, counting the bytes it sends as object data (to show what a resumed put does not resend)."""

    sent = 0

    def put_object(self, bucket: str, key: str, data: Any, **kwargs: Any) -> str:
        self.sent += len(data)
        return super().put_object(bucket, key, data, **kwargs)

    def upload_part(self, bucket: str, key: str, upload_id: str, number: int, data: Any) -> str:
        self.sent += len(data)
        return super().upload_part(bucket, key, upload_id, number, data)


@pytest.fixture
def credentials(seaweed: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("TEST_S3_ACCESS", seaweed.access_key)
    monkeypatch.setenv("TEST_S3_SECRET", seaweed.secret_key)
    return {
        "endpoint": seaweed.endpoint,
        "region": "us-east-1",
        "access_key_env": "TEST_S3_ACCESS",
        "secret_key_env": "TEST_S3_SECRET",
    }


def target(options: dict[str, str], location: str | None = None) -> Target:
    return Target(
        name="oss", kind="s3", location=location or f"s3://{S3_BUCKET}/t-{secrets.token_hex(4)}", options=options
    )


@pytest.fixture
def store(credentials: dict[str, str]) -> Iterator[S3Store]:
    made = s3_store(target(credentials))
    yield made
    made.close()


@pytest.fixture
def small_parts(seaweed: Any) -> Iterator[S3Store]:
    """A store whose multipart uploads start at 5 MiB, in 5 MiB parts (the least S3 allows), retrying once."""
    client = CountingClient(seaweed.config(multipart_threshold=5 * MiB, part_size=5 * MiB, retries=1, backoff=0.05))
    made = S3Store(client, parse_location(f"s3://{S3_BUCKET}/mp-{secrets.token_hex(4)}"))
    yield made
    made.close()


def test_location_is_bucket_and_prefix() -> None:
    assert parse_location("s3://dangan/copies/a/") == parse_location("s3://dangan/copies/a")
    assert parse_location("s3://dangan").prefix == ""
    assert str(parse_location("s3://dangan/copies")) == "s3://dangan/copies"
    for bad in ("dangan/copies", "s3://", "s3:///x", "s3://b/a//c", "s3://b/../c", "http://b/c"):
        with pytest.raises(ValueError):
            parse_location(bad)


def test_put_stat_read_list_delete_usage(store: S3Store) -> None:
    data = os.urandom(300_000)
    assert store.stat("content/aa") is None
    receipt = store.put("content/aa", len(data), pieces_of(data))
    assert (receipt.name, receipt.size, receipt.sha256) == ("content/aa", len(data), hashlib.sha256(data).hexdigest())
    assert store.stat("content/aa") is not None and store.stat("content/aa").size == len(data)  # type: ignore[union-attr]
    assert store.stat("content/aa").complete  # type: ignore[union-attr]
    assert store.read("content/aa") == data
    assert store.read("content/aa", 1000, 10) == data[1000:1010]
    assert store.read("content/aa", len(data) - 5, 100) == data[-5:]  # fewer at the end
    assert store.read("content/aa", len(data), 10) == b""
    assert store.read("content/aa", 5, 0) == b""
    assert store.read("content/aa", 299_990) == data[299_990:]
    store.put("content/ab", 0, pieces_of(b""))
    store.put("manifests/zz", 3, pieces_of(b"abc"))
    assert [(o.name, o.size, o.complete) for o in store.list()] == [
        ("content/aa", len(data), True),
        ("content/ab", 0, True),
        ("manifests/zz", 3, True),
    ]
    assert [o.name for o in store.list("content/")] == ["content/aa", "content/ab"]
    assert store.usage().used == len(data) + 3 and store.usage().limit is None
    store.delete("content/aa")
    store.delete("content/aa")  # absent is not an error
    assert store.stat("content/aa") is None
    with pytest.raises(FileNotFoundError):
        store.read("content/aa")
    with pytest.raises(ValueError):
        store.put("../escape", 1, pieces_of(b"x"))
    assert "s3://" in store.describe()


def test_a_put_of_other_than_the_declared_size_is_refused(store: S3Store) -> None:
    with pytest.raises(StoreError, match="声明"):
        store.put("content/short", 10, pieces_of(b"abc"))
    assert store.stat("content/short") is None


def test_a_complete_object_is_confirmed_without_sending(small_parts: S3Store) -> None:
    client = small_parts.client
    assert isinstance(client, CountingClient)
    small, large = os.urandom(1000), os.urandom(11 * MiB + 17)
    first = small_parts.put("content/small", len(small), pieces_of(small))
    big = small_parts.put("content/large", len(large), pieces_of(large, MiB))
    sent = client.sent
    assert sent == len(small) + len(large)
    assert small_parts.put("content/small", len(small), pieces_of(small)) == first
    assert small_parts.put("content/large", len(large), pieces_of(large, MiB)) == big
    assert client.sent == sent  # nothing sent again
    assert big.sha256 == hashlib.sha256(large).hexdigest()


def test_a_multipart_put_resumes_after_the_server_went_down(seaweed: Any, small_parts: S3Store) -> None:
    client = small_parts.client
    assert isinstance(client, CountingClient)
    data = os.urandom(13 * MiB + 5)  # parts of 5, 5 and 3 MiB

    def stopping(offset: int) -> Iterator[bytes]:
        for start in range(offset, len(data), MiB):
            if start == 6 * MiB:  # the first part went out; the server goes away before the second
                seaweed.stop()
            yield data[start : start + MiB]

    try:
        with pytest.raises(StoreError) as failed:
            small_parts.put("content/big", len(data), stopping)
        assert failed.value.retry and "无法连接" in str(failed.value)
        assert isinstance(failed.value.__cause__, S3ConnectionError)
    finally:
        seaweed.start()
    held = small_parts.stat("content/big")
    assert held is not None and not held.complete and held.size == 5 * MiB
    assert [(o.name, o.complete) for o in small_parts.list()] == [("content/big", False)]
    before = client.sent
    receipt = small_parts.put("content/big", len(data), pieces_of(data, MiB))
    assert client.sent - before == len(data) - 5 * MiB  # the part the store held was not sent again
    assert receipt.sha256 == hashlib.sha256(data).hexdigest()
    assert small_parts.read("content/big") == data
    assert small_parts.stat("content/big") == held.__class__("content/big", len(data), True)


def test_an_interrupted_upload_cut_by_its_pieces_is_continued(small_parts: S3Store) -> None:
    data = os.urandom(12 * MiB)

    def cut(offset: int) -> Iterator[bytes]:
        yield data[offset : offset + 11 * MiB]
        raise OSError("the local disk went away")

    with pytest.raises(OSError):
        small_parts.put("content/cut", len(data), cut)
    assert small_parts.stat("content/cut").size == 10 * MiB  # type: ignore[union-attr]
    small_parts.put("content/cut", len(data), pieces_of(data, 3 * MiB))
    assert hashlib.sha256(small_parts.read("content/cut")).digest() == hashlib.sha256(data).digest()
    small_parts.delete("content/cut")
    assert small_parts.stat("content/cut") is None and list(small_parts.list()) == []


def test_wrong_credentials_are_named(credentials: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_S3_SECRET", "not-the-secret")
    store = s3_store(target(credentials))
    with pytest.raises(StoreError, match="凭据") as refused:
        store.check()
    assert not refused.value.retry
    with pytest.raises(StoreError, match="凭据"):
        store.put("content/x", 1, pieces_of(b"x"))
    monkeypatch.delenv("TEST_S3_SECRET")
    with pytest.raises(StoreError, match="TEST_S3_SECRET"):
        s3_store(target(credentials))


def test_a_missing_bucket_named_in_chinese(credentials: dict[str, str]) -> None:
    store = s3_store(target(credentials, "s3://档案异地备份/副本"))
    with pytest.raises(StoreError, match="档案异地备份"):
        store.check()
    with pytest.raises(StoreError, match="档案异地备份"):
        store.stat("content/x")


@pytest.fixture
def envelopes(tmp_path: Path) -> tuple[MasterKey, list[tuple[Path, Any]], list[Path]]:
    master = MasterKey.generate()
    made = []
    sealed = []
    for number, size in enumerate((7 * SMALL + 9, 20 * SMALL)):
        plain = tmp_path / f"file{number}"
        plain.write_bytes(os.urandom(size))
        path = tmp_path / f"file{number}.dgn"
        manifest = encrypt_file(master, plain, path, object_id=f"pkg-{number}", chunk_size=SMALL)
        made.append((plain, manifest))
        sealed.append(path)
    return master, made, sealed


def test_prove_reads_only_the_sampled_chunks_and_finds_a_flipped_byte(store: S3Store, envelopes: tuple) -> None:
    _master, made, sealed = envelopes
    files = {}
    names = []
    for (_, manifest), path in zip(made, sealed, strict=True):
        name = "content/" + manifest.header.content_tag.hex()
        data = path.read_bytes()
        store.put(name, len(data), pieces_of(data, 5000))
        names.append((name, len(manifest.chunk_digests)))
        files[name] = path
    names.sort()
    owner = EnvelopeFiles(files)
    assert sum(count for _name, count in names) == 8 + 20
    for slot in range(2):
        ranges = copy_ranges([item for item in names if slot_of(item[0], 2) == slot])
        challenge = CopyChallenge(os.urandom(32), sample_copy(names, 10), ranges, ProofHash.HMAC_SM3)
        assert check_copy_answer(challenge, store.prove(challenge), answer_copy(challenge, owner)).ok

    # A byte flipped at the target (the object rewritten behind the owner's back): chunk 3 of the second file.
    name = "content/" + made[1][1].header.content_tag.hex()
    data = bytearray(sealed[1].read_bytes())
    data[made[1][1].header.chunk_offset(3) + 50] ^= 0x01
    client = store.client
    client.put_object(store.location.bucket, f"{store.location.prefix}/{name}", bytes(data))
    challenge = CopyChallenge(os.urandom(32), {name: (0, 3, 12)}, copy_ranges(names), ProofHash.HMAC_SM3)
    result = check_copy_answer(challenge, store.prove(challenge), answer_copy(challenge, owner))
    assert not result.ok and result.damaged == ((name, 3),) and result.ranges_failed == (0,)

    # The next put of that envelope sees the store's ETag is not the owner's bytes and rewrites it.
    good = sealed[1].read_bytes()
    receipt = store.put(name, len(good), pieces_of(good))
    assert receipt.sha256 == hashlib.sha256(good).hexdigest()
    assert check_copy_answer(challenge, store.prove(challenge), answer_copy(challenge, owner)).ok


def test_a_small_put_cut_short_leaves_nothing_and_is_simply_sent_again(store: S3Store) -> None:
    data = os.urandom(200_000)

    def cut(offset: int) -> Iterator[bytes]:
        yield data[offset : offset + 100_000]
        raise OSError("the local disk went away")

    with pytest.raises(OSError):
        store.put("content/small", len(data), cut)
    assert store.stat("content/small") is None and list(store.list()) == []
    assert store.put("content/small", len(data), pieces_of(data)).sha256 == hashlib.sha256(data).hexdigest()
    assert store.read("content/small") == data
