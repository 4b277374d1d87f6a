"""The storage root this installation preserves into — an OCFL 1.1 root on the local file system
(settings.STORAGE_ROOT) or on an S3-compatible object store (settings.STORAGE_URL = s3://bucket/prefix) — and the
stable package id of a unit."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from dangan.preservation.ocfl.root import StorageRoot, object_id_for
from dangan.preservation.storage import LocalFilesystemBackend, S3Backend, StorageBackend
from dangan.preservation.storage.s3 import S3Client, S3Config, S3ConnectionError, S3Error

__all__ = [
    "METS_PATH",
    "StorageConfigError",
    "StorageLocation",
    "local_copy",
    "object_id_for",
    "package_uuid_for_unit",
    "storage_location",
    "storage_root",
]

# Where the METS document of every package lives, as a logical path of the OCFL object.
METS_PATH = "metadata/mets.xml"
# Content files go under content/ inside the object's logical state.
CONTENT_PREFIX = "content/"
# Metadata files other than the METS document (e.g. the OCR text of the pages) go under metadata/.
METADATA_PREFIX = "metadata/"
# A unit's package id is derived from the unit's UUID (never the 档号, which may be corrected): a job rerun after a
# crash finds the object its first run wrote, even before the database knew of it.
PACKAGE_NAMESPACE = uuid.UUID("6f1c5a3e-2d0b-5b8e-9a57-64616e67616e")

_lock = threading.Lock()
_roots: dict[tuple[str, bool], StorageRoot] = {}


class StorageConfigError(Exception):
    """The configured storage root cannot be used: a message fit to show the operator (Chinese)."""


@dataclass(frozen=True)
class StorageLocation:
    """Where the storage root is: kind 'file' (path) or 's3' (bucket, prefix, endpoint)."""

    kind: str
    path: Path | None = None
    bucket: str = ""
    prefix: str = ""
    endpoint: str = ""

    @property
    def is_local(self) -> bool:
        return self.kind == "file"

    def __str__(self) -> str:
        if self.kind == "file":
            return str(self.path)
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/") + f" ({self.endpoint})"


def package_uuid_for_unit(unit_uuid: uuid.UUID | str) -> uuid.UUID:
    return uuid.uuid5(PACKAGE_NAMESPACE, str(unit_uuid))


def storage_location() -> StorageLocation:
    """Parse settings.STORAGE_URL (empty: the local STORAGE_ROOT). StorageConfigError when it is not usable."""
    url = str(getattr(settings, "STORAGE_URL", "") or "")
    if not url:
        return StorageLocation("file", Path(settings.STORAGE_ROOT).resolve())
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise StorageConfigError(_("DANGAN_STORAGE_URL %(url)s：file:// 地址只能指向本机目录") % {"url": url})
        return StorageLocation("file", Path(unquote(parts.path) or "/").resolve())
    if scheme != "s3":
        raise StorageConfigError(
            _("DANGAN_STORAGE_URL %(url)s 无法识别：应为 s3://存储桶/前缀 或 file:///目录") % {"url": url}
        )
    bucket = parts.netloc
    if not bucket or not _valid_bucket(bucket):
        raise StorageConfigError(_("DANGAN_STORAGE_URL %(url)s：存储桶名称无效") % {"url": url})
    endpoint = str(getattr(settings, "S3_ENDPOINT", "") or "")
    if not endpoint:
        raise StorageConfigError(
            _("存储库在 S3 上（%(url)s），但未设置 DANGAN_S3_ENDPOINT（如 http://127.0.0.1:8333）") % {"url": url}
        )
    return StorageLocation("s3", None, bucket, unquote(parts.path).strip("/"), endpoint)


def _valid_bucket(name: str) -> bool:
    return 3 <= len(name) <= 63 and all(c.islower() or c.isdigit() or c in ".-" for c in name) and name[0].isalnum()


def make_backend(location: StorageLocation) -> StorageBackend:
    """The backend for a location; for S3 the bucket and the credentials are checked now (StorageConfigError)."""
    if location.kind == "file":
        assert location.path is not None
        return LocalFilesystemBackend(location.path)
    key_id = str(getattr(settings, "S3_ACCESS_KEY_ID", "") or "")
    secret = str(getattr(settings, "S3_SECRET_ACCESS_KEY", "") or "")
    if not key_id or not secret:
        raise StorageConfigError(_("存储库在 S3 上，但未设置 DANGAN_S3_ACCESS_KEY_ID 或 DANGAN_S3_SECRET_ACCESS_KEY"))
    try:
        config = S3Config(
            location.endpoint,
            key_id,
            secret,
            region=str(getattr(settings, "S3_REGION", "") or "us-east-1"),
            ca_file=str(getattr(settings, "S3_CA_FILE", "") or "") or None,
        )
    except ValueError as exc:
        raise StorageConfigError(_("DANGAN_S3_ENDPOINT 无效：%(error)s") % {"error": exc}) from None
    backend = S3Backend(S3Client(config), location.bucket, location.prefix)
    try:
        backend.check()
    except S3ConnectionError as exc:
        raise StorageConfigError(
            _("无法连接 S3 存储 %(endpoint)s：%(error)s") % {"endpoint": location.endpoint, "error": exc.message}
        ) from None
    except S3Error as exc:
        raise StorageConfigError(s3_error_message(exc, location)) from None
    return backend


def s3_error_message(exc: S3Error, location: StorageLocation) -> str:
    """A Chinese sentence for an S3 error an operator can fix."""
    where = f"s3://{location.bucket} ({location.endpoint})"
    if exc.code == "NoSuchBucket":
        return _("S3 存储桶不存在：%(where)s。请先创建该存储桶。") % {"where": where}
    if exc.code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"):
        return _(
            "S3 凭据无效（%(code)s）：请检查 DANGAN_S3_ACCESS_KEY_ID 和 DANGAN_S3_SECRET_ACCESS_KEY。%(where)s"
        ) % {
            "code": exc.code,
            "where": where,
        }
    if exc.status == 403:
        return _(
            "S3 拒绝访问（%(code)s）：请检查 DANGAN_S3_ACCESS_KEY_ID 和 DANGAN_S3_SECRET_ACCESS_KEY，"
            "以及这组凭据能否使用 %(where)s"
        ) % {"code": exc.code or 403, "where": where}
    return _("S3 存储出错（%(code)s）：%(message)s %(where)s") % {
        "code": exc.code or exc.status,
        "message": exc.message,
        "where": where,
    }


def storage_root() -> StorageRoot:
    """The configured storage root, initialized on first use (idempotent). StorageConfigError (a Chinese message)
    when DANGAN_STORAGE_URL or the S3 settings are wrong or the store refuses us."""
    location = storage_location()
    durable = bool(getattr(settings, "STORAGE_DURABLE", True))
    key = (str(location), durable)
    with _lock:
        root = _roots.get(key)
        if root is None:
            root = StorageRoot(make_backend(location), durable=durable)
            try:
                root.initialize()
            except S3Error as exc:
                raise StorageConfigError(s3_error_message(exc, location)) from None
            _roots[key] = root
        return root


def local_copy(path: str, digest: str | None = None) -> Path:
    """A file of the storage root on the local file system, for code that must open a path (an image library): the
    file itself on a local root; elsewhere a copy in settings.STORAGE_CACHE_ROOT, named by its digest (or its path),
    fetched once and written atomically."""
    backend = storage_root().backend
    if isinstance(backend, LocalFilesystemBackend):
        return Path(backend.describe(path))
    name = (digest or hashlib.sha256(backend.describe(path).encode()).hexdigest()).lower()
    target = Path(settings.STORAGE_CACHE_ROOT) / name[:2] / name
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{name}.{uuid.uuid4().hex}.tmp")
    try:
        with backend.open_read(path) as source, open(tmp, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
