"""Storage backends for the OCFL storage root: the abstract interface and the local file system."""

from dangan.preservation.storage.backend import (
    Entry,
    EntryKind,
    ExchangeNotSupported,
    LinkNotSupported,
    LockBusy,
    StorageBackend,
)
from dangan.preservation.storage.local import LocalFilesystemBackend

__all__ = [
    "Entry",
    "EntryKind",
    "ExchangeNotSupported",
    "LinkNotSupported",
    "LocalFilesystemBackend",
    "LockBusy",
    "StorageBackend",
]
