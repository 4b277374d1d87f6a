"""The OCFL 1.1 storage root: one object per preserved package, found by its stable id (urn:uuid:…) through the
storage layout the root declares (0003-hash-and-id-n-tuple for new roots, 0004-hashed-n-tuple for roots initialised
before; see layout.py); versions written through staging and an atomic swap; a read API for the application."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from dangan.preservation.ocfl.fixity import VerifyReport, snapshot_object, verify_object
from dangan.preservation.ocfl.inventory import (
    INVENTORY,
    ROOT_DECLARATION,
    ROOT_DECLARATION_TEXT,
    Inventory,
    VersionInfo,
)
from dangan.preservation.ocfl.layout import LAYOUTS, DefaultLayout, StorageLayout, config_path, layout_from_config
from dangan.preservation.ocfl.staging import RecoveryReport, Staging, transaction_name
from dangan.preservation.ocfl.writer import Describe, Progress, VersionResult, VersionWriter, WriteError
from dangan.preservation.storage.backend import StorageBackend, join

LAYOUT_FILE = "ocfl_layout.json"

__all__ = [
    "FileInfo",
    "ObjectInfo",
    "ObjectNotFound",
    "StorageRoot",
    "StorageRootError",
    "VersionResult",
    "WriteError",
    "object_id_for",
]


class StorageRootError(Exception):
    """The storage root is missing, not initialized, or not one this code can write to."""


class ObjectNotFound(KeyError):
    """No object with this id in the storage root."""


def object_id_for(value: uuid.UUID | str) -> str:
    """The canonical object id for a package UUID: 'urn:uuid:' + the lower-case hyphenated UUID."""
    text = str(value)
    if text.lower().startswith("urn:uuid:"):
        text = text[9:]
    try:
        return "urn:uuid:" + str(uuid.UUID(text))
    except ValueError:
        raise ValueError(f"object ids are package UUIDs (urn:uuid:…), not {value!r}") from None


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    object_id: str
    path: str
    head: str


@dataclass(frozen=True, slots=True)
class FileInfo:
    """A file of a version: logical path, where its bytes are, size and digests (fixity ones may be absent)."""

    logical_path: str
    content_path: str
    size: int
    sha512: str | None
    sha256: str | None
    sm3: str | None


class StorageRoot:
    """An OCFL storage root on a storage backend.

    durable=False skips the syncfs/fsync calls: still atomic against a killed process, not against power loss.
    """

    def __init__(self, backend: StorageBackend, *, durable: bool = True, workers: int | None = None) -> None:
        self.backend = backend
        self.durable = durable
        self.workers = workers
        self.staging = Staging(backend)
        self._layout: StorageLayout | None = None

    def __repr__(self) -> str:
        return f"StorageRoot({self.backend!r})"

    # -- the root -------------------------------------------------------------------------------------------------

    def initialize(self, layout: StorageLayout | None = None) -> None:
        """Create the storage root (idempotent), by default with the 0003-hash-and-id-n-tuple layout (sha256, 3 × 3).
        The declaration is written last: a root interrupted half-way is not yet an OCFL root, and initialize()
        finishes it (with the layout it had started with, unless another is asked for, which is refused). An
        initialised root keeps the layout it declares."""
        self.backend.mkdir("", parents=True, exist_ok=True)
        if self.backend.exists(ROOT_DECLARATION):
            self.staging.ensure()
            return
        if any(e.name.startswith("0=") for e in self.backend.list_dir("")):
            raise StorageRootError(f"{self.backend.describe()} declares another OCFL version")
        if self.backend.exists(LAYOUT_FILE):
            started = self._read_layout()
            if layout is not None and started != layout:
                raise StorageRootError(f"{self.backend.describe()} already has a different layout")
            layout = started
        layout = layout or DefaultLayout()
        self.backend.mkdir(f"extensions/{layout.name}", parents=True, exist_ok=True)
        self._replace(config_path(layout.name), json.dumps(layout.config(), indent=2).encode() + b"\n")
        self._replace(
            LAYOUT_FILE,
            json.dumps({"extension": layout.name, "description": layout.description}, indent=2).encode() + b"\n",
        )
        self.staging.ensure()
        if self.durable:
            self.backend.sync()
        self._replace(ROOT_DECLARATION, ROOT_DECLARATION_TEXT.encode())
        if self.durable:
            self.backend.fsync("")
        self._layout = layout

    def _replace(self, path: str, data: bytes) -> None:
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"
        self.backend.write_bytes(tmp, data, fsync=self.durable)
        self.backend.rename(tmp, path, replace=True)

    def _read_layout(self) -> StorageLayout:
        """The layout ocfl_layout.json names, with the parameters of its config.json (the defaults without one)."""
        try:
            declared = json.loads(self.backend.read_bytes(LAYOUT_FILE))
        except FileNotFoundError:
            raise StorageRootError(f"{self.backend.describe()} has no {LAYOUT_FILE}") from None
        except ValueError as exc:
            raise StorageRootError(f"{self.backend.describe(LAYOUT_FILE)} is not valid JSON: {exc}") from None
        name = declared.get("extension") if isinstance(declared, dict) else None
        if name not in LAYOUTS:
            raise StorageRootError(f"storage layout {name!r} is not supported (only {', '.join(sorted(LAYOUTS))})")
        try:
            config = json.loads(self.backend.read_bytes(config_path(name)))
        except FileNotFoundError:
            config = None  # the extension's defaults
        except ValueError as exc:
            raise StorageRootError(f"{config_path(name)} is not valid JSON: {exc}") from None
        try:
            return layout_from_config(name, config)
        except (ValueError, TypeError) as exc:
            raise StorageRootError(f"{config_path(name)} is not a valid {name} configuration: {exc}") from None

    @property
    def layout(self) -> StorageLayout:
        if self._layout is None:
            if not self.backend.exists(ROOT_DECLARATION):
                raise StorageRootError(f"{self.backend.describe()} is not an initialized OCFL 1.1 storage root")
            self._layout = self._read_layout()
        return self._layout

    def recover(self) -> RecoveryReport:
        """Clean up after crashed writers (see staging.py); safe to call at any time, and idempotent."""
        return self.staging.recover()

    # -- objects --------------------------------------------------------------------------------------------------

    def object_path(self, object_id: str | uuid.UUID) -> str:
        return self.layout.object_path(object_id_for(object_id))

    def object_paths(self) -> Iterator[str]:
        """Paths of every object root in the storage hierarchy (extensions/ is skipped)."""
        for dirpath, dirs, others in self.backend.walk(""):
            if dirpath == "":
                dirs[:] = [d for d in dirs if d.name != "extensions"]
                continue
            if any(e.name.startswith("0=ocfl_object_") for e in others):
                dirs.clear()
                yield dirpath

    def objects(self) -> Iterator[ObjectInfo]:
        """Every object in the root with its id and head version (reads each root inventory)."""
        for path in self.object_paths():
            inventory = Inventory.from_bytes(self.backend.read_bytes(join(path, INVENTORY)))
            yield ObjectInfo(inventory.id, path, inventory.head)

    def exists(self, object_id: str | uuid.UUID) -> bool:
        return self.backend.exists(join(self.object_path(object_id), INVENTORY))

    def inventory(self, object_id: str | uuid.UUID) -> Inventory:
        path = self.object_path(object_id)
        try:
            return Inventory.from_bytes(self.backend.read_bytes(join(path, INVENTORY)))
        except FileNotFoundError:
            raise ObjectNotFound(object_id_for(object_id)) from None

    def versions(self, object_id: str | uuid.UUID) -> list[VersionInfo]:
        """Every version, oldest first: name, created, message, user name and address."""
        return self.inventory(object_id).versions()

    def files(
        self, object_id: str | uuid.UUID, version: str | int | None = None, *, inventory: Inventory | None = None
    ) -> list[FileInfo]:
        """The files of a version (default the head), sorted by logical path. ``inventory``: the object's root
        inventory as the caller just read it (one read for several calls, and one consistent view)."""
        inventory = inventory if inventory is not None else self.inventory(object_id)
        path = self.object_path(object_id)
        result = []
        for logical_path, digest in sorted(inventory.state(version).items()):
            content_path = inventory.content_paths(digest)[0]
            fixity = inventory.fixity_for(content_path)
            digests = {inventory.digest_algorithm: digest.lower(), **fixity}
            size = self.backend.stat(join(path, content_path)).size
            result.append(
                FileInfo(
                    logical_path, content_path, size, digests.get("sha512"), digests.get("sha256"), digests.get("sm3")
                )
            )
        return result

    def open_file(
        self,
        object_id: str | uuid.UUID,
        logical_path: str,
        version: str | int | None = None,
        *,
        inventory: Inventory | None = None,
    ) -> BinaryIO:
        """Open a file of a version (default the head) for streaming reads. KeyError if it has no such file.
        ``inventory`` as for files()."""
        inventory = inventory if inventory is not None else self.inventory(object_id)
        state = inventory.state(version)
        if logical_path not in state:
            raise KeyError(f"{logical_path!r} is not in {inventory.resolve_version(version)} of {inventory.id}")
        content_path = inventory.content_paths(state[logical_path])[0]
        return self.backend.open_read(join(self.object_path(object_id), content_path))

    def verify_object(
        self, object_id: str | uuid.UUID, *, all_digests: bool = False, workers: int | None = None
    ) -> VerifyReport:
        """Re-hash every content file (sha512; with all_digests also sha256 and sm3 from the fixity block)."""
        path = self.object_path(object_id)
        if not self.backend.exists(path):
            raise ObjectNotFound(object_id_for(object_id))
        with self.staging.locked(path):
            if not self.backend.renames_atomically:
                # A write cut off in place leaves an unnamed version directory or a stale sidecar: tidy it first.
                self.staging.recover_transaction(transaction_name(path))
            # Listed under the lock: a version committed meanwhile cannot look like extra files. Content is
            # immutable, so the slow part, hashing, needs no lock.
            snapshot = snapshot_object(self.backend, path)
        return verify_object(
            self.backend, path, all_digests=all_digests, workers=workers or self.workers, snapshot=snapshot
        )

    # -- writing --------------------------------------------------------------------------------------------------

    def write_version(
        self,
        object_id: str | uuid.UUID,
        files: Mapping[str, Path],
        metadata: Mapping[str, bytes],
        *,
        message: str,
        user_name: str,
        user_address: str | None = None,
        created: datetime | None = None,
        progress: Progress | None = None,
        keep_previous: bool = False,
        remove: Iterable[str] = (),
        skip_if_unchanged: bool = True,
        describe: Describe | None = None,
    ) -> VersionResult:
        """Write the next version of an object (creating it at v1). Its state is exactly files (logical path → local
        source file) plus metadata (logical path → bytes) — plus, with keep_previous, the head's other logical paths
        less those in remove. When the head already has exactly that state the head is returned (created=False):
        a rerun after a crash never adds a duplicate version. progress(bytes_done, bytes_total) is optional.
        describe(digests, current inventory, version), if given, is called once the files are staged and returns more
        metadata (e.g. a METS document listing the files' digests), so nothing is read twice."""
        canonical = object_id_for(object_id)
        writer = VersionWriter(
            self.backend,
            self.staging,
            canonical,
            self.layout.object_path(canonical),
            durable=self.durable,
            workers=self.workers,
        )
        return writer.write(
            files,
            metadata,
            message=message,
            user_name=user_name,
            user_address=user_address,
            created=created,
            progress=progress,
            keep_previous=keep_previous,
            remove=remove,
            skip_if_unchanged=skip_if_unchanged,
            describe=describe,
        )
