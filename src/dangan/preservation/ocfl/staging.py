"""The staging area and its recovery. Every write builds a complete new object root under
extensions/dangan-staging/txn-…/object, then swaps it with the live object root in one atomic step; recovery after a
crash only ever deletes staging (or puts a moved-aside object back where the fallback swap had taken it away).

On a backend without atomic directory renames (S3) a write journals first ("mode": "in-place"), then writes the new
version directory into the object root and the root inventory last; recovery removes that version directory if the
root inventory does not name it, and otherwise finishes the root sidecar and declaration."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from dangan.preservation.ocfl.crash import crash_point
from dangan.preservation.ocfl.inventory import (
    INVENTORY,
    OBJECT_DECLARATION,
    OBJECT_DECLARATION_TEXT,
    Inventory,
    InventoryError,
    parse_version_name,
    sidecar_name,
)
from dangan.preservation.storage.backend import LockBusy, StorageBackend, join, parent

logger = logging.getLogger(__name__)

# A storage-root extension directory of our own: OCFL leaves the content of extension directories to the extension,
# and validators do not look for objects under extensions/, so work in progress never makes the root invalid.
STAGING_EXTENSION = "dangan-staging"
STAGING = "extensions/" + STAGING_EXTENSION
LOCKS = STAGING + "/locks"
JOURNAL = "journal.json"
NEW = "object"  # the new object root being built
IN_PLACE = "in-place"  # the journal's mode for a version written into the live object root (no atomic rename)
OLD = "old"  # the fallback swap moves the live object root here before moving the new one in
TXN_PREFIX = "txn-"
RETIRED_PREFIX = "retired-"

README = """\
Work in progress of the dangan OCFL writer (a storage root extension of dangan, not an OCFL object).

txn-<bucket>-<hash>/         one write to one object: object/ is the complete new object root being built
  journal.json               present once object/ is complete and durable; names the object root it replaces
  old/                       only where the file system cannot exchange two directories atomically: the live
                             object root moved aside for the moment between two renames
retired-*/                   finished transactions being deleted (the swapped-out old object root)
locks/                       one lock file per top-level directory of the storage hierarchy

With no dangan process running, everything here may be deleted, except that an old/ directory whose object root
(named in journal.json) is missing must first be renamed back to that path. `StorageRoot.recover()` does exactly this.
"""


def lock_name(object_path: str) -> str:
    """Objects are locked per top-level directory of the hierarchy (4096 buckets with the default layout)."""
    return object_path.split("/", 1)[0]


def lock_path(object_path: str) -> str:
    return f"{LOCKS}/{lock_name(object_path)}.lock"


def transaction_name(object_path: str) -> str:
    """The one transaction directory an object can have: a stale one is found again by the next write."""
    digest = hashlib.sha256(object_path.encode()).hexdigest()[:32]
    return f"{TXN_PREFIX}{lock_name(object_path)}-{digest}"


@dataclass
class RecoveryReport:
    """What recover() did: transactions rolled back or finished, and those skipped because a writer holds them."""

    removed: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)  # object roots put back from old/
    pruned: list[str] = field(default_factory=list)  # empty hierarchy directories removed
    busy: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)  # in place: committed versions whose sidecar was completed

    @property
    def changed(self) -> bool:
        return bool(self.removed or self.restored or self.pruned or self.finished)


class Staging:
    """The staging area of one storage root."""

    def __init__(self, backend: StorageBackend) -> None:
        self.backend = backend

    def ensure(self) -> None:
        self.backend.mkdir(LOCKS, parents=True, exist_ok=True)
        readme = STAGING + "/README.txt"
        if not self.backend.exists(readme):
            tmp = f"{readme}.{uuid.uuid4().hex}.tmp"
            self.backend.write_bytes(tmp, README.encode())
            self.backend.rename(tmp, readme, replace=True)

    @contextmanager
    def locked(self, object_path: str, *, blocking: bool = True) -> Iterator[None]:
        with self.backend.lock(lock_path(object_path), blocking=blocking):
            yield

    # -- recovery -------------------------------------------------------------------------------------------------

    def recover(self) -> RecoveryReport:
        """Finish or undo whatever crashed writers left; transactions a live writer holds are skipped. Idempotent."""
        report = RecoveryReport()
        try:
            entries = self.backend.list_dir(STAGING)
        except FileNotFoundError:
            return report
        for entry in entries:
            if not entry.is_dir:
                continue
            path = join(STAGING, entry.name)
            if entry.name.startswith(RETIRED_PREFIX):
                self.backend.remove_tree(path)
                report.removed.append(path)
            elif entry.name.startswith(TXN_PREFIX):
                bucket = entry.name[len(TXN_PREFIX) :].rsplit("-", 1)[0]
                try:
                    with self.backend.lock(f"{LOCKS}/{bucket}.lock", blocking=False):
                        self.recover_transaction(entry.name, report)
                except LockBusy:
                    report.busy.append(path)
        return report

    def recover_transaction(self, name: str, report: RecoveryReport | None = None) -> None:
        """Clean up one transaction directory; the caller holds its lock."""
        report = report if report is not None else RecoveryReport()
        txn = join(STAGING, name)
        if not self.backend.exists(txn):
            return
        journal = self._read_journal(txn)
        if journal is not None and journal.get("mode") == IN_PLACE:
            self._recover_in_place(journal, report)
            self.retire(txn)
            report.removed.append(txn)
            return
        if journal is not None:
            object_path = journal["object_path"]
            old = join(txn, OLD)
            if not self.backend.exists(object_path) and self.backend.exists(old):
                # The fallback swap was interrupted between its two renames: put the old object back.
                self.backend.rename(old, object_path)
                self.backend.fsync(parent(object_path) or "")
                report.restored.append(object_path)
                logger.warning("OCFL recovery: restored %s from %s", object_path, old)
        # The live object root is now either the old one (this transaction never committed: staging holds the
        # unused new root) or the new one (staging holds the swapped-out old root): in both cases staging goes.
        self.retire(txn)
        report.removed.append(txn)
        if journal is not None and not self.backend.exists(journal["object_path"]):
            report.pruned.extend(self.prune_empty_parents(journal["object_path"]))

    def _recover_in_place(self, journal: dict[str, str], report: RecoveryReport) -> None:
        """The root inventory decides: if it names the journal's version, the write committed and only the root
        sidecar (and a new object's declaration) may be missing; otherwise the version directory goes."""
        object_path, version = journal["object_path"], journal.get("version", "")
        try:
            inventory: Inventory | None = Inventory.from_bytes(self.backend.read_bytes(join(object_path, INVENTORY)))
        except FileNotFoundError:
            inventory = None
        except InventoryError:
            # Written in one PUT, so never partial: unreadable means damaged by other hands. Leave it to a person.
            logger.error("OCFL recovery: the root inventory of %s is unreadable; left as it is", object_path)
            return
        if inventory is not None and inventory.head == version:
            sidecar = sidecar_name(inventory.digest_algorithm)
            expected = self.backend.read_bytes(join(object_path, version, sidecar))
            try:
                present: bytes | None = self.backend.read_bytes(join(object_path, sidecar))
            except FileNotFoundError:
                present = None
            declaration = join(object_path, OBJECT_DECLARATION)
            if present != expected or not self.backend.exists(declaration):
                if present != expected:
                    self.backend.replace_bytes(join(object_path, sidecar), expected)
                if not self.backend.exists(declaration):
                    self.backend.replace_bytes(declaration, OBJECT_DECLARATION_TEXT.encode())
                report.finished.append(object_path)
                logger.warning("OCFL recovery: finished the commit of %s %s", object_path, version)
            return
        parsed = parse_version_name(version)
        if parsed is None:
            logger.error("OCFL recovery: the journal of %s names no version; nothing removed", object_path)
            return
        if inventory is None and parsed[0] == 1:
            target = object_path  # a first version that never committed: the whole object goes
        elif inventory is None:
            # A later version, yet no root inventory: not a state this writer leaves. Only its own directory goes.
            logger.error("OCFL recovery: %s has no root inventory; only %s is removed", object_path, version)
            target = join(object_path, version)
        elif version not in inventory.version_names():
            target = join(object_path, version)
        else:
            return
        if self.backend.exists(target):
            self.backend.remove_tree(target)
            report.removed.append(target)
            logger.warning("OCFL recovery: removed the uncommitted %s", target)

    def _read_journal(self, txn: str) -> dict[str, str] | None:
        try:
            data = json.loads(self.backend.read_bytes(join(txn, JOURNAL)))
        except FileNotFoundError:
            return None
        except ValueError:
            # Written to a temporary name and renamed, so it is never partial; unreadable means damaged by hand.
            logger.error("OCFL recovery: unreadable journal in %s", txn)
            return None
        return data if isinstance(data, dict) and isinstance(data.get("object_path"), str) else None

    def write_journal(self, txn: str, data: dict[str, str], *, durable: bool = True) -> None:
        """durable=False: the caller makes it durable (a sync of the whole root) before anything relies on it."""
        if not self.backend.renames_atomically:
            self.backend.replace_bytes(join(txn, JOURNAL), json.dumps(data, ensure_ascii=False).encode())
            return
        tmp = join(txn, JOURNAL + ".tmp")
        self.backend.write_bytes(tmp, json.dumps(data, ensure_ascii=False).encode(), fsync=durable)
        self.backend.rename(tmp, join(txn, JOURNAL), replace=True)
        if durable:
            self.backend.fsync(txn)

    def retire(self, txn: str) -> None:
        """Rename a finished transaction out of the way (atomic), then delete it (which may be interrupted)."""
        if not self.backend.renames_atomically:
            # A rename would be a copy and a delete. In place, a transaction holds only its journal, and a journal
            # left by a cut-off delete is recovered again harmlessly (recovery is idempotent).
            self.backend.remove_tree(txn)
            crash_point("ocfl.staging-retired")
            return
        retired = join(STAGING, f"{RETIRED_PREFIX}{txn.rsplit('/', 1)[1]}-{uuid.uuid4().hex[:8]}")
        self.backend.rename(txn, retired)
        crash_point("ocfl.staging-retired")
        self.backend.remove_tree(retired)

    def prune_empty_parents(self, object_path: str) -> list[str]:
        """Remove the empty storage-hierarchy directories above a missing object root (E073 forbids them)."""
        pruned = []
        current = parent(object_path)
        while current:
            try:
                if self.backend.list_dir(current):
                    break
                self.backend.rmdir(current)
            except FileNotFoundError:
                pass
            except OSError:
                break  # someone created something in it meanwhile
            pruned.append(current)
            current = parent(current)
        return pruned
