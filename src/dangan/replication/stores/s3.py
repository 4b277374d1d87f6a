"""An S3-compatible object store as a replication target (``Target.kind = s3``), on the project's own S3 client
(preservation.storage.s3: SigV4, ranges, listing, multipart uploads).

``location`` is ``s3://bucket/prefix``; ``options`` hold ``endpoint``, ``region`` and the NAMES of the environment
variables that hold the credentials (``access_key_env``, ``secret_key_env``) — never a secret in the database.
An envelope ``name`` is the object ``prefix/name``.

Writing (``put``):

- below the client's multipart threshold (16 MiB), one PUT; an interrupted one is simply sent again;
- above it, a multipart upload of ``part_size`` parts that is never aborted on failure: a later ``put`` finds the
  upload in progress (ListMultipartUploads), lists its parts (ListParts) and sends only those the store does not
  hold — a part it holds is recognised by its size and its ETag, the MD5 the store computed of the bytes it
  received, against the MD5 of the same local bytes;
- a complete object of the same size is confirmed without sending anything: its ETag is checked against the local
  bytes, which are read (not sent) for that;
- verified: the receipt's SHA-256 is computed from the bytes as they are sent (and from the local bytes of the parts
  the store already held), and what the store holds is checked through the ETag it computed itself — the MD5 of a
  single PUT, ``MD5(MD5(part 1) ‖ … ‖ MD5(part n))-n`` of a multipart upload. A mismatch is a StoreError and the
  object is not confirmed. Why the ETag and not a read-back: it costs nothing on the wire (a read-back doubles the
  traffic to an off-site store), and it is computed by the store from what arrived. SigV4's payload SHA-256 is not
  enough on its own: SeaweedFS does not check it (tested), other stores may not either. Where the store's ETag is
  not an MD5 (server-side encryption with KMS, some gateways) the store reads the object back and hashes it.
  MD5 guards here against corruption in transit or at rest, not against a forger: the envelopes are authenticated
  chunk by chunk (GCM) and audits prove them with fresh keyed digests.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dangan.preservation.storage.s3 import S3_NS, S3Client, S3Config, S3ConnectionError, S3Error

from .base import Pieces, Receipt, StoredObject, StoreError, TargetStore, Usage, check_name

if TYPE_CHECKING:
    from dangan.replication.models import Target

__all__ = ["S3Location", "S3Store", "parse_location", "s3_store"]

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_MD5_ETAG = re.compile(r"^[0-9a-f]{32}(-\d+)?$")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # without leading or trailing "/"; "" for the bucket's root

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


def parse_location(location: str) -> S3Location:
    """``s3://bucket`` or ``s3://bucket/prefix/…`` → bucket and prefix; ValueError (Chinese) otherwise."""
    text = (location or "").strip()
    if not text.startswith("s3://"):
        raise ValueError(f"对象存储位置应为 s3://存储桶/前缀，而不是 {text!r}")
    bucket, _, prefix = text[len("s3://") :].partition("/")
    prefix = prefix.strip("/")
    if not bucket:
        raise ValueError(f"对象存储位置缺少存储桶名称：{text!r}")
    if any(c in bucket for c in "?#\\ ") or any(not segment for segment in prefix.split("/") if prefix):
        raise ValueError(f"对象存储位置不合规：{text!r}")
    if any(segment in (".", "..") for segment in prefix.split("/")):
        raise ValueError(f"对象存储前缀不能含 . 或 ..：{text!r}")
    return S3Location(bucket, prefix)


def _etag(value: str) -> str:
    return value.strip().strip('"').lower()


class _Digests:
    """The local bytes' SHA-256 (the receipt) and MD5s (the store's ETags) as they go by, cut into parts."""

    def __init__(self, part_size: int) -> None:
        self.sha256 = hashlib.sha256()
        self.part_size = part_size
        self.part_md5s: builtins.list[bytes] = []
        self.size = 0


def _parts(pieces: Iterable[bytes], part_size: int) -> Iterator[bytes]:
    """The pieces regrouped into parts of ``part_size`` bytes (the last one shorter)."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= part_size:
            yield bytes(buffer[:part_size])
            del buffer[:part_size]
    if buffer:
        yield bytes(buffer)


def _multipart_etag(md5s: list[bytes]) -> str:
    return hashlib.md5(b"".join(md5s), usedforsecurity=False).hexdigest() + f"-{len(md5s)}"


class S3Store(TargetStore):
    """The envelopes under ``prefix`` in ``bucket`` of the store ``client`` talks to."""

    def __init__(self, client: S3Client, location: S3Location, *, label: str = "") -> None:
        self.client = client
        self.location = location
        self.label = label

    def describe(self) -> str:
        return f"{self.location}（{self.client.config.endpoint}）"

    def close(self) -> None:
        self.client.close()

    # -- names ------------------------------------------------------------------------------------------------------

    def _key(self, name: str) -> str:
        check_name(name)
        return f"{self.location.prefix}/{name}" if self.location.prefix else name

    def _name(self, key: str) -> str | None:
        root = self.location.prefix + "/" if self.location.prefix else ""
        if not key.startswith(root):
            return None
        name = key[len(root) :]
        try:
            return check_name(name)
        except ValueError:
            return None  # not an envelope of ours (another program's object under the prefix)

    def _fail(self, exc: S3Error, doing: str) -> StoreError:
        where = self.describe()
        if isinstance(exc, S3ConnectionError):
            return StoreError(f"对象存储 {where} 无法连接（{doing}）：{exc.message}", retry=True)
        if exc.code == "NoSuchBucket":
            return StoreError(f"对象存储 {self.client.config.endpoint} 上没有存储桶“{self.location.bucket}”（{doing}）")
        if exc.status == 403 or exc.code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return StoreError(f"对象存储 {where} 拒绝了访问凭据（{exc.code or exc.status}，{doing}）")
        retry = exc.status in (500, 502, 503, 504) or exc.code in ("SlowDown", "RequestTimeout")
        return StoreError(f"对象存储 {where} 出错（{doing}）：{exc}", retry=retry)

    # -- reading --------------------------------------------------------------------------------------------------

    def check(self) -> None:
        """Nothing if the bucket answers to these credentials; StoreError naming what is wrong otherwise."""
        try:
            self.client.head_bucket(self.location.bucket)
            # HEAD on a bucket may pass where listing is refused: list one key too.
            self.client.list_page(self.location.bucket, self._list_prefix(""), max_keys=1)
        except S3Error as exc:
            raise self._fail(exc, "检查存储桶") from exc

    def stat(self, name: str) -> StoredObject | None:
        key = self._key(name)
        try:
            info = self.client.head_object(self.location.bucket, key)
            if info is not None:
                return StoredObject(name, info.size, True)
            upload = self._upload_for(key)
            if upload is None:
                return None
            return StoredObject(name, sum(size for size, _ in self._list_parts(key, upload).values()), False)
        except S3Error as exc:
            raise self._fail(exc, f"查询 {name}") from exc

    def read(self, name: str, offset: int = 0, length: int | None = None) -> bytes:
        key = self._key(name)
        if offset < 0 or (length is not None and length < 0):
            raise ValueError("offset and length must not be negative")
        if length == 0:
            return b""
        end = None if length is None else offset + length - 1
        try:
            return self.client.get_object(self.location.bucket, key, start=offset, end=end)
        except S3Error as exc:
            if exc.status == 404 and exc.code in ("NoSuchKey", "NotFound"):
                raise FileNotFoundError(f"{self.describe()} 中没有 {name}") from exc
            if exc.status == 416:  # a range starting at or after the end
                if self.client.head_object(self.location.bucket, key) is None:
                    raise FileNotFoundError(f"{self.describe()} 中没有 {name}") from exc
                return b""
            raise self._fail(exc, f"读取 {name}") from exc

    def _list_prefix(self, prefix: str) -> str:
        return f"{self.location.prefix}/{prefix}" if self.location.prefix else prefix

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        try:
            found: dict[str, StoredObject] = {}
            for info in self.client.list_objects(self.location.bucket, self._list_prefix(prefix)):
                if isinstance(info, str):
                    continue
                name = self._name(info.key)
                if name is not None:
                    found[name] = StoredObject(name, info.size, True)
            for key, upload in self._uploads(self._list_prefix(prefix)):
                name = self._name(key)
                if name is not None and name not in found:
                    size = sum(size for size, _ in self._list_parts(key, upload).values())
                    found[name] = StoredObject(name, size, False)
        except S3Error as exc:
            raise self._fail(exc, "列出密文对象") from exc
        for name in sorted(found):
            yield found[name]

    def usage(self) -> Usage:
        return Usage(sum(item.size for item in self.list("")))

    # -- multipart uploads in progress ------------------------------------------------------------------------------

    def _uploads(self, prefix: str) -> builtins.list[tuple[str, str]]:
        """(key, upload id) of every multipart upload in progress under ``prefix``, oldest first per key."""
        found: builtins.list[tuple[str, str, str]] = []
        key_marker = upload_marker = ""
        while True:
            query = [("uploads", ""), ("prefix", prefix)]
            if key_marker:
                query += [("key-marker", key_marker), ("upload-id-marker", upload_marker)]
            root = ET.fromstring(self.client.request("GET", self.location.bucket, query=query, ok=(200,)).data)
            for upload in _children(root, "Upload"):
                found.append((_text(upload, "Key"), _text(upload, "Initiated"), _text(upload, "UploadId")))
            if _text(root, "IsTruncated") != "true":
                break
            key_marker, upload_marker = _text(root, "NextKeyMarker"), _text(root, "NextUploadIdMarker")
            if not key_marker:
                break
        return [(key, upload) for key, _, upload in sorted(found)]

    def _upload_for(self, key: str) -> str | None:
        """The newest upload in progress of exactly ``key``."""
        uploads = [upload for k, upload in self._uploads(key) if k == key]
        return uploads[-1] if uploads else None

    def _list_parts(self, key: str, upload: str) -> dict[int, tuple[int, str]]:
        """Part number → (size, ETag) of what the store holds of an upload in progress."""
        parts: dict[int, tuple[int, str]] = {}
        marker = ""
        while True:
            query = [("uploadId", upload)] + ([("part-number-marker", marker)] if marker else [])
            try:
                data = self.client.request("GET", self.location.bucket, key, query=query, ok=(200,)).data
            except S3Error as exc:
                if exc.status == 404:  # completed or aborted meanwhile
                    return {}
                raise
            root = ET.fromstring(data)
            for part in _children(root, "Part"):
                parts[int(_text(part, "PartNumber"))] = (int(_text(part, "Size") or 0), _etag(_text(part, "ETag")))
            if _text(root, "IsTruncated") != "true" or not _text(root, "NextPartNumberMarker"):
                return parts
            marker = _text(root, "NextPartNumberMarker")

    # -- writing --------------------------------------------------------------------------------------------------

    def put(self, name: str, size: int, pieces: Pieces) -> Receipt:
        key = self._key(name)
        if size < 0:
            raise ValueError("size must not be negative")
        try:
            held = self.client.head_object(self.location.bucket, key)
            if held is not None and held.size == size:
                receipt = self._confirm(name, key, size, pieces, held.etag)
                if receipt is not None:
                    return receipt
            if size < self.client.config.multipart_threshold:
                return self._put_single(name, key, size, pieces)
            return self._put_multipart(name, key, size, pieces)
        except S3Error as exc:
            raise self._fail(exc, f"写入 {name}") from exc

    def _check_size(self, name: str, sent: int, size: int) -> None:
        if sent != size:
            raise StoreError(f"{name} 的本地数据为 {sent} 字节，而不是声明的 {size} 字节；未写入")

    def _confirm(self, name: str, key: str, size: int, pieces: Pieces, etag: str) -> Receipt | None:
        """A complete object of the same size: a receipt if it is the local bytes, None if it must be rewritten."""
        held = _etag(etag)
        multipart = "-" in held
        digests = _Digests(self.client.config.part_size)
        whole = hashlib.md5(usedforsecurity=False)
        for part in _parts(pieces(0), digests.part_size):
            digests.sha256.update(part)
            if multipart:
                digests.part_md5s.append(hashlib.md5(part, usedforsecurity=False).digest())
            else:
                whole.update(part)
            digests.size += len(part)
        self._check_size(name, digests.size, size)
        if _MD5_ETAG.match(held):
            ours = _multipart_etag(digests.part_md5s) if multipart else whole.hexdigest()
            if held != ours:
                return None  # other bytes (or other part sizes: rewritten with ours, and confirmed next time)
        elif self._read_back_sha256(key) != digests.sha256.hexdigest():
            return None
        return Receipt(name, size, digests.sha256.hexdigest())

    def _read_back_sha256(self, key: str) -> str:
        digest = hashlib.sha256()
        with contextlib.closing(self.client.open_object(self.location.bucket, key)) as reader:
            while block := reader.read(1024 * 1024):
                digest.update(block)
        return digest.hexdigest()

    def _verify(self, name: str, key: str, etag: str, expected_md5_etag: str, sha256: str) -> None:
        held = _etag(etag)
        if not held:
            info = self.client.head_object(self.location.bucket, key)
            held = _etag(info.etag) if info is not None else ""
        if _MD5_ETAG.match(held):
            if held != expected_md5_etag:
                raise StoreError(
                    f"对象存储 {self.describe()} 收到的 {name} 与发送的不一致（ETag {held}，应为 {expected_md5_etag}）"
                )
        elif self._read_back_sha256(key) != sha256:
            raise StoreError(f"对象存储 {self.describe()} 中的 {name} 读回后与发送的不一致")

    def _put_single(self, name: str, key: str, size: int, pieces: Pieces) -> Receipt:
        data = b"".join(pieces(0))
        self._check_size(name, len(data), size)
        sha256 = hashlib.sha256(data).hexdigest()
        etag = self.client.put_object(self.location.bucket, key, data)
        self._verify(name, key, etag, hashlib.md5(data, usedforsecurity=False).hexdigest(), sha256)
        return Receipt(name, size, sha256)

    def _put_multipart(self, name: str, key: str, size: int, pieces: Pieces) -> Receipt:
        bucket, part_size = self.location.bucket, self.client.config.part_size
        upload = self._upload_for(key)
        held = self._list_parts(key, upload) if upload is not None else {}
        if upload is None:
            upload = self.client.create_multipart_upload(bucket, key)
        digests = _Digests(part_size)
        etags: list[str] = []
        # Never aborted on failure: what was sent stays for the next put to continue from.
        for number, part in enumerate(_parts(pieces(0), part_size), 1):
            digests.sha256.update(part)
            md5 = hashlib.md5(part, usedforsecurity=False)
            digests.part_md5s.append(md5.digest())
            digests.size += len(part)
            if digests.size > size:
                break
            if held.get(number) == (len(part), md5.hexdigest()):
                etags.append('"' + md5.hexdigest() + '"')
                continue
            sent = self.client.upload_part(bucket, key, upload, number, part)
            if _MD5_ETAG.match(_etag(sent)) and _etag(sent) != md5.hexdigest():
                raise StoreError(f"对象存储 {self.describe()} 收到的 {name} 第 {number} 段与发送的不一致")
            etags.append(sent)
        self._check_size(name, digests.size, size)
        etag = self.client.complete_multipart_upload(bucket, key, upload, etags)
        sha256 = digests.sha256.hexdigest()
        self._verify(name, key, etag, _multipart_etag(digests.part_md5s), sha256)
        return Receipt(name, size, sha256)

    def delete(self, name: str) -> None:
        key = self._key(name)
        try:
            self.client.delete_object(self.location.bucket, key)
            for k, upload in self._uploads(key):
                if k == key:
                    self.client.abort_multipart_upload(self.location.bucket, key, upload)
        except S3Error as exc:
            raise self._fail(exc, f"删除 {name}") from exc


def _text(element: ET.Element, name: str) -> str:
    found = element.find(S3_NS + name)
    if found is None:
        found = element.find(name)
    return (found.text or "") if found is not None else ""


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return element.findall(S3_NS + name) or element.findall(name)


def credentials(options: dict[str, Any]) -> tuple[str, str]:
    """The access key and secret from the environment variables ``options`` names; StoreError if one is unset."""
    values = []
    for option in ("access_key_env", "secret_key_env"):
        variable = str(options.get(option) or "")
        if not _ENV_NAME.match(variable):
            raise StoreError(f"对象存储选项 {option} 应为环境变量的名称，而不是 {variable!r}")
        value = os.environ.get(variable, "")
        if not value:
            raise StoreError(f"环境变量 {variable} 未设置（对象存储的访问凭据）")
        values.append(value)
    return values[0], values[1]


def s3_store(target: Target, **config: Any) -> S3Store:
    """The store of an s3 target (registered for kind "s3" in replication.hooks). ``config``: S3Config overrides."""
    options = dict(target.options or {})
    try:
        location = parse_location(target.location)
    except ValueError as exc:
        raise StoreError(f"备份目标 {target.name}：{exc}") from exc
    access_key, secret_key = credentials(options)
    try:
        s3_config = S3Config(
            str(options.get("endpoint") or ""),
            access_key,
            secret_key,
            region=str(options.get("region") or "us-east-1"),
            **config,
        )
    except ValueError as exc:
        raise StoreError(f"备份目标 {target.name} 的对象存储地址不合规：{exc}") from exc
    return S3Store(S3Client(s3_config), location, label=target.name)
