"""Restore (恢复): the owner's OCFL objects put back, byte for byte, from one target's copy and the master key.

Every target keeps, beside the encrypted files (``content/…``), one manifest per replicated version
(``manifests/…``, an envelope too: the object's files at that version with path, size, SHA-256 and envelope
name; actions/transfers.py). ``restore_objects`` lists the manifests (or takes the names the catalog gives, for one
fonds), decrypts each, keeps each object's newest version, and for every file of it fetches the envelope by ranges,
opens it chunk by chunk (GCM-authenticated: a flipped byte, a cut or a foreign chunk is named), checks size and
SHA-256 against the manifest and writes it under the object's path in the storage root given. The root inventory
and its sidecar come next to last and the object declaration last, so a half-restored object is not yet an object
to OCFL (nor to ``dangan rebuild``). Each object is then validated with the project's OCFL validator, digests
included — every content file against its inventory.

Resumable: a file already at its place with the manifest's size and SHA-256 is kept (hashed, not fetched again).
Works for every target kind: only ``list`` and ``read`` of the store are used.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from dangan.preservation.ocfl.inventory import INVENTORY, Inventory
from dangan.preservation.ocfl.root import StorageRoot
from dangan.preservation.ocfl.validation import validate_object
from dangan.preservation.storage.backend import join
from dangan.replication.actions.transfers import MANIFEST_FORMAT
from dangan.replication.crypto.envelope import decrypt
from dangan.replication.crypto.errors import ReplicationCryptoError
from dangan.replication.crypto.keys import MasterKey
from dangan.replication.stores.base import StoreError, TargetStore

__all__ = ["Failure", "Progress", "RestoreReport", "RestoredObject", "read_manifests", "restore_objects"]

#: Bytes asked of a store per read (a partner answers each range with one signed request).
READ_BLOCK = 8 << 20

#: (bytes done, bytes in all) as the restore goes.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Failure:
    """What could not be restored: the object (its 档号 where the catalog knows it), the file, and what."""

    object: str
    file: str
    what: str
    package: str = ""  # the package id, where known (pages show the 档号 only to those who may see the unit)

    def to_dict(self) -> dict[str, str]:
        return {"object": self.object, "file": self.file, "what": self.what, "package": self.package}


@dataclass
class RestoredObject:
    object_id: str
    package: str
    version_name: str
    created: datetime | None = None
    files: int = 0
    bytes: int = 0
    valid: bool = False


@dataclass
class RestoreReport:
    objects: list[RestoredObject] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    skipped_files: int = 0  # already restored and verified by an earlier, interrupted run
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def newest_version_created(self) -> datetime | None:
        dates = [item.created for item in self.objects if item.valid and item.created is not None]
        return max(dates) if dates else None


class _StoreReader:
    """An envelope read in order by ranges of READ_BLOCK bytes (never the whole envelope in memory)."""

    def __init__(self, store: TargetStore, name: str) -> None:
        self._store, self._name = store, name
        self._position = 0  # of the next range to ask for
        self._buffer = b""
        self._offset = 0  # in _buffer of the next byte to hand out
        self._ended = False

    def read(self, size: int, /) -> bytes:
        available = len(self._buffer) - self._offset
        if available < size and not self._ended:
            parts = [self._buffer[self._offset :]] if available else []
            while available < size and not self._ended:
                block = self._store.read(self._name, self._position, max(READ_BLOCK, size - available))
                self._position += len(block)
                available += len(block)
                self._ended = not block
                parts.append(block)
            self._buffer = parts[0] if len(parts) == 1 else b"".join(parts)
            self._offset = 0
        data = self._buffer[self._offset : self._offset + size]
        self._offset += len(data)
        return data


def _open_whole(store: TargetStore, master: MasterKey, name: str) -> bytes:
    return b"".join(decrypt(master, _StoreReader(store, name)))


def _what(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return _("目标上缺失")
    if isinstance(exc, ReplicationCryptoError):
        return _("密文损坏或不可解密：%(error)s") % {"error": exc}
    return str(exc)


def read_manifests(
    store: TargetStore,
    master: MasterKey,
    names: Iterable[str] | None = None,
) -> tuple[dict[str, dict[str, Any]], list[Failure]]:
    """Each object's newest manifest at the store (by package id), from ``names`` or every ``manifests/…`` listed;
    manifests that cannot be read are failures (the object they belong to cannot be known: named by envelope)."""
    failures: list[Failure] = []
    newest: dict[str, dict[str, Any]] = {}
    if names is None:
        try:
            names = [item.name for item in store.list("manifests/") if item.complete]
        except StoreError as exc:
            return newest, [Failure(_("（备份目标）"), store.describe(), str(exc))]
    for name in sorted(set(names)):
        try:
            document = json.loads(_open_whole(store, master, name))
            if document.get("format") != MANIFEST_FORMAT:
                raise ValueError(_("不是复制清单（%(format)s）") % {"format": document.get("format")})
            package = str(document["package"])
            int(document["version"])
        except (FileNotFoundError, ReplicationCryptoError, StoreError, ValueError, KeyError, TypeError) as exc:
            failures.append(Failure(_("（清单）"), name, _what(exc)))
            continue
        kept = newest.get(package)
        if kept is None or int(document["version"]) > int(kept["version"]):
            newest[package] = document
    return newest, failures


def _matches(root: StorageRoot, path: str, size: int, sha256: str) -> bool:
    backend = root.backend
    try:
        if backend.stat(path).size != size:
            return False
        digest = hashlib.sha256()
        with backend.open_read(path) as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except (FileNotFoundError, OSError):
        return False
    return digest.hexdigest() == sha256


def _restore_file(
    store: TargetStore,
    master: MasterKey,
    root: StorageRoot,
    path: str,
    item: dict[str, Any],
    advance: Callable[[int], None],
) -> None:
    """Fetch, open and check one file, written through a staging name renamed into place once it checked out."""
    backend = root.backend
    staging = f"{path}.{uuid.uuid4().hex}.restoring"
    digest = hashlib.sha256()
    size = 0
    parent = path.rpartition("/")[0]
    if parent:
        backend.mkdir(parent, parents=True, exist_ok=True)
    try:
        with backend.open_write(staging) as writer:
            for plaintext in decrypt(master, _StoreReader(store, str(item["envelope"]))):
                digest.update(plaintext)
                writer.write(plaintext)
                size += len(plaintext)
                advance(len(plaintext))
        if size != int(item["size"]) or digest.hexdigest() != item["sha256"]:
            raise ValueError(
                _("内容与清单不符（%(size)s 字节，SHA-256 %(sha)s…）") % {"size": size, "sha": digest.hexdigest()[:16]}
            )
        backend.rename(staging, path, replace=True)
    finally:
        if backend.exists(staging):
            backend.remove(staging)


def _clear_staging(root: StorageRoot, object_path: str) -> None:
    """Remove staging files a killed run left in the object's folder (they would fail its validation)."""
    backend = root.backend
    if not backend.exists(object_path):
        return
    for dirpath, _dirs, files in backend.walk(object_path):
        for entry in files:
            if entry.name.endswith(".restoring"):
                backend.remove(join(dirpath, entry.name))


def _file_order(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Versions' files first, then the root inventory and its sidecar, the object declaration last."""

    def rank(item: dict[str, Any]) -> tuple[int, str]:
        path = str(item["path"])
        if path.startswith("0=ocfl_object"):
            return 3, path
        if "/" not in path:
            return 2, path
        return 1, path

    return sorted(files, key=rank)


def restore_objects(
    store: TargetStore,
    master: MasterKey,
    root: StorageRoot,
    *,
    manifest_names: Iterable[str] | None = None,
    label: Callable[[str], str] = str,
    progress: Progress | None = None,
) -> RestoreReport:
    """Restore every object whose manifest is at ``store`` (or named in ``manifest_names``) into ``root`` (an
    initialized storage root) at its newest version; validate each. ``label(package id)`` names an object in
    failures (its 档号 where the catalog knows it)."""
    report = RestoreReport()
    manifests, report.failures = read_manifests(store, master, manifest_names)
    total = sum(int(item["size"]) for document in manifests.values() for item in document["files"])
    done = 0

    def advance(amount: int) -> None:
        nonlocal done
        done += amount
        if progress is not None:
            progress(done, total)

    if progress is not None:
        progress(0, total)
    for package in sorted(manifests, key=lambda key: str(manifests[key]["object_id"])):
        document = manifests[package]
        restored = RestoredObject(str(document["object_id"]), package, str(document["version_name"]))
        report.objects.append(restored)
        name = label(package)
        object_path = root.object_path(restored.object_id)
        _clear_staging(root, object_path)
        broken = False
        for item in _file_order(list(document["files"])):
            path = join(object_path, str(item["path"]))
            if broken and "/" not in str(item["path"]):
                continue  # an object with a file missing is not declared an object
            if _matches(root, path, int(item["size"]), str(item["sha256"])):
                report.skipped_files += 1
                advance(int(item["size"]))
                continue
            try:
                _restore_file(store, master, root, path, item, advance)
            except (FileNotFoundError, ReplicationCryptoError, StoreError, ValueError, OSError) as exc:
                report.failures.append(Failure(name, f"{item['path']} ({item['envelope']})", _what(exc), package))
                broken = True
                continue
            restored.files += 1
            restored.bytes += int(item["size"])
        report.files += restored.files
        report.bytes += restored.bytes
        if broken:
            continue
        validation = validate_object(root.backend, object_path)
        if not validation.valid:
            problems = "；".join(str(message) for message in validation.errors[:5])
            report.failures.append(
                Failure(name, "", _("恢复的对象未通过 OCFL 校验：%(errors)s") % {"errors": problems})
            )
            continue
        inventory = Inventory.from_bytes(root.backend.read_bytes(join(object_path, INVENTORY)))
        restored.created = inventory.version().created
        restored.valid = True
    return report
