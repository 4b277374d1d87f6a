"""The storage root this installation preserves into (settings.STORAGE_ROOT, an OCFL 1.1 root on the local file
system), and the stable package id of a unit."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from django.conf import settings

from dangan.preservation.ocfl.root import StorageRoot, object_id_for
from dangan.preservation.storage import LocalFilesystemBackend

__all__ = ["METS_PATH", "object_id_for", "package_uuid_for_unit", "storage_root"]

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


def package_uuid_for_unit(unit_uuid: uuid.UUID | str) -> uuid.UUID:
    return uuid.uuid5(PACKAGE_NAMESPACE, str(unit_uuid))


def storage_root() -> StorageRoot:
    """The configured storage root, initialized on first use (idempotent)."""
    path = str(Path(settings.STORAGE_ROOT).resolve())
    durable = bool(getattr(settings, "STORAGE_DURABLE", True))
    key = (path, durable)
    with _lock:
        root = _roots.get(key)
        if root is None:
            root = StorageRoot(LocalFilesystemBackend(path), durable=durable)
            root.initialize()
            _roots[key] = root
        return root
