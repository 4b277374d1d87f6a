"""Storage backends for the OCFL storage root: the abstract interface, the local file system and S3-compatible
object stores."""

from dangan.preservation.storage.backend import (
    Entry,
    EntryKind,
    ExchangeNotSupported,
    LinkNotSupported,
    LockBusy,
    StorageBackend,
)
from dangan.preservation.storage.local import LocalFilesystemBackend
from dangan.preservation.storage.s3_backend import S3Backend

__all__ = [
    "Entry",
    "EntryKind",
    "ExchangeNotSupported",
    "LinkNotSupported",
    "LocalFilesystemBackend",
    "LockBusy",
    "S3Backend",
    "StorageBackend",
]
