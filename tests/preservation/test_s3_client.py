"""The S3 client and the S3 backend's locks against a real S3-compatible store (SeaweedFS on loopback): objects,
ranges, listing page by page, server-side copy, multipart upload and copy, conditional writes, the store's error
codes, and locks that exclude, renew and expire."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import pytest

from dangan.preservation.storage import LockBusy, S3Backend
from dangan.preservation.storage.s3 import S3Client, S3ConnectionError, S3Error

from .conftest import S3_BUCKET

MiB = 1024 * 1024


@pytest.fixture
def prefix() -> str:
    return f"client-{uuid.uuid4().hex[:10]}/"


def test_objects_ranges_and_errors(seaweed: Any, prefix: str) -> None:
    client = seaweed.client()
    etag = client.put_object(S3_BUCKET, prefix + "a.txt", "档案 archives".encode())
    assert etag
    assert client.get_object(S3_BUCKET, prefix + "a.txt").decode() == "档案 archives"
    assert client.get_object(S3_BUCKET, prefix + "a.txt", start=7) == b"archives"
    assert client.get_object(S3_BUCKET, prefix + "a.txt", start=7, end=10) == b"arch"
    info = client.head_object(S3_BUCKET, prefix + "a.txt")
    assert info is not None and info.size == len("档案 archives".encode()) and info.etag == etag
    assert client.head_object(S3_BUCKET, prefix + "missing") is None
    with pytest.raises(S3Error) as missing:
        client.get_object(S3_BUCKET, prefix + "missing")
    assert missing.value.status == 404 and missing.value.code == "NoSuchKey"
    with pytest.raises(S3Error) as no_bucket:
        client.head_bucket("no-such-bucket-here")
    assert no_bucket.value.code == "NoSuchBucket"
    with pytest.raises(S3Error) as no_bucket:
        client.list_page("no-such-bucket-here")
    assert no_bucket.value.status == 404 and no_bucket.value.code == "NoSuchBucket"


def test_conditional_writes(seaweed: Any, prefix: str) -> None:
    client = seaweed.client()
    first = client.put_object(S3_BUCKET, prefix + "lock", b"1", if_none_match=True)
    with pytest.raises(S3Error) as exists:
        client.put_object(S3_BUCKET, prefix + "lock", b"2", if_none_match=True)
    assert exists.value.status == 412 and exists.value.code == "PreconditionFailed"
    with pytest.raises(S3Error):
        client.put_object(S3_BUCKET, prefix + "lock", b"3", if_match='"not-the-etag"')
    second = client.put_object(S3_BUCKET, prefix + "lock", b"4", if_match=first)
    with pytest.raises(S3Error):
        client.delete_object(S3_BUCKET, prefix + "lock", if_match=first)  # no longer its ETag
    client.delete_object(S3_BUCKET, prefix + "lock", if_match=second)
    assert client.head_object(S3_BUCKET, prefix + "lock") is None


def test_listing_page_by_page_with_prefixes(seaweed: Any, prefix: str) -> None:
    client = seaweed.client()
    names = [f"{prefix}f{i:02d}" for i in range(7)] + [f"{prefix}sub/x", f"{prefix}sub/y", f"{prefix}名字 1.txt"]
    for name in names:
        client.put_object(S3_BUCKET, name, b"x")
    everything = [o.key for o in client.list_objects(S3_BUCKET, prefix, page_size=3) if not isinstance(o, str)]
    assert everything == sorted(names)
    shallow = list(client.list_objects(S3_BUCKET, prefix, delimiter="/", page_size=2))
    assert sorted(o if isinstance(o, str) else o.key for o in shallow) == sorted(
        [n for n in names if "/sub/" not in n] + [f"{prefix}sub/"]
    )
    client.delete_objects(S3_BUCKET, names)
    assert list(client.list_objects(S3_BUCKET, prefix)) == []


def test_multipart_upload_stream_read_and_copy(seaweed: Any, prefix: str) -> None:
    client = seaweed.client(multipart_threshold=5 * MiB, part_size=5 * MiB, copy_limit=5 * MiB)
    data = bytes(range(256)) * (12 * MiB // 256) + b"tail"
    with client.open_writer(S3_BUCKET, prefix + "big") as out:
        for i in range(0, len(data), 1_000_000):
            out.write(data[i : i + 1_000_000])
    with client.open_object(S3_BUCKET, prefix + "big") as reader:
        buffer = bytearray(256 * 1024)
        read = bytearray()
        while n := reader.readinto(buffer):
            read += buffer[:n]
    assert bytes(read) == data
    client.copy_object(S3_BUCKET, prefix + "big", prefix + "copy")  # above copy_limit: part by part
    assert client.get_object(S3_BUCKET, prefix + "copy") == data
    # Create-only, also as a multipart upload: the store refuses to complete it over an existing object.
    with pytest.raises(S3Error) as exists, client.open_writer(S3_BUCKET, prefix + "big", if_none_match=True) as out:
        out.write(b"z" * (6 * MiB))
    assert exists.value.status == 412
    assert client.get_object(S3_BUCKET, prefix + "big", end=3) == data[:4]
    client.put_object(S3_BUCKET, prefix + "small", b"s")
    client.copy_object(S3_BUCKET, prefix + "small", prefix + "small-copy")
    assert client.get_object(S3_BUCKET, prefix + "small-copy") == b"s"


def test_an_abandoned_upload_leaves_nothing(seaweed: Any, prefix: str) -> None:
    client = seaweed.client(multipart_threshold=5 * MiB, part_size=5 * MiB)
    with pytest.raises(RuntimeError), client.open_writer(S3_BUCKET, prefix + "half") as out:
        out.write(b"x" * (6 * MiB))  # one part already sent
        raise RuntimeError("the source broke")
    with pytest.raises(RuntimeError), client.open_writer(S3_BUCKET, prefix + "small") as out:
        out.write(b"x")
        raise RuntimeError("the source broke")
    assert client.head_object(S3_BUCKET, prefix + "half") is None
    assert client.head_object(S3_BUCKET, prefix + "small") is None


def test_wrong_credentials_and_an_unreachable_store(seaweed: Any) -> None:
    wrong = S3Client(seaweed.config().__class__(seaweed.endpoint, seaweed.access_key, "not-the-secret"))
    with pytest.raises(S3Error) as bad_secret:
        wrong.list_page(S3_BUCKET)
    assert bad_secret.value.status == 403 and bad_secret.value.code == "SignatureDoesNotMatch"
    unknown = S3Client(seaweed.config().__class__(seaweed.endpoint, "nobody", "x"))
    with pytest.raises(S3Error) as bad_key:
        unknown.list_page(S3_BUCKET)
    assert bad_key.value.status == 403 and bad_key.value.code == "InvalidAccessKeyId"
    nowhere = S3Client(seaweed.config().__class__("http://127.0.0.1:9", "a", "b", retries=2, backoff=0.01))
    with pytest.raises(S3ConnectionError):
        nowhere.head_object(S3_BUCKET, "x")


# ---------------------------------------------------------------- locks


def test_a_lock_excludes_other_holders_and_other_threads_wait(s3_backend: S3Backend) -> None:
    order: list[str] = []
    with s3_backend.lock("locks/a.lock"):
        with pytest.raises(LockBusy), s3_backend.lock("locks/a.lock", blocking=False):
            pass

        def waiter() -> None:
            with s3_backend.lock("locks/a.lock"):
                order.append("waiter")

        thread = threading.Thread(target=waiter)
        thread.start()
        time.sleep(0.5)
        order.append("holder done")
    thread.join(timeout=30)
    assert order == ["holder done", "waiter"]
    assert not s3_backend.exists("locks/a.lock")  # released: the lock object is gone


def test_a_held_lock_is_renewed_and_an_abandoned_one_expires(seaweed: Any, s3_backend: S3Backend) -> None:
    short = S3Backend(s3_backend.client, s3_backend.bucket, s3_backend.prefix, lock_ttl=1.5)
    with short.lock("locks/renewed.lock"):
        time.sleep(3.5)  # more than twice the ttl: still held, because it is renewed
        with pytest.raises(LockBusy), short.lock("locks/renewed.lock", blocking=False):
            pass
    # A holder that died: its lock object stays, no one renews it.
    record = {"owner": "dead", "host": "elsewhere", "pid": 1, "ttl": 1}
    s3_backend.client.put_object(s3_backend.bucket, s3_backend.prefix + "locks/dead.lock", json.dumps(record).encode())
    with pytest.raises(LockBusy), s3_backend.lock("locks/dead.lock", blocking=False):
        pass
    time.sleep(2.5)
    with s3_backend.lock("locks/dead.lock", blocking=False):
        holder = json.loads(s3_backend.read_bytes("locks/dead.lock"))
        assert holder["owner"] != "dead"
