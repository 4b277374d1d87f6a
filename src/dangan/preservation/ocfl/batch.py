"""Writing versions of many objects with one durable sync for all of them, instead of one per object.

Each object is written as write_version writes it — its complete new object root built in its own staging
transaction under its own lock — but the steps that make the write durable are shared::

    prepare every object (staging + journal, not yet synced)
    → ONE sync (all staging and journals durable)          crash point ocfl.batch-synced
    → swap every object in (each atomic)                   crash point ocfl.swapped, once per object
    → ONE sync (the swaps durable)                         crash point ocfl.batch-swap-synced
    → retire every transaction                             crash point ocfl.cleaned, once per object

So at every instant each object path holds its complete old or complete new object: no swap happens before the
sync that makes its staging durable, and recovery after a kill is the one of a single write (each transaction is
rolled back, or finished, on its own). A caller indexes the objects in its database only after commit() returns,
when every swap is durable.

The objects' locks are held from prepare to commit. So that two batches (or a batch and a single write) never wait
on each other, a batch waits for a lock only in ascending ``lock_key`` order (adding out of order raises
WriteError), or takes it with ``blocking=False`` (LockBusy when another writer holds it: nothing was prepared, add
the object to a later batch).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from types import TracebackType

from dangan.preservation.ocfl.crash import crash_point
from dangan.preservation.ocfl.root import StorageRoot, object_id_for
from dangan.preservation.ocfl.staging import lock_name
from dangan.preservation.ocfl.writer import Describe, Progress, VersionResult, VersionWriter, WriteError

__all__ = ["BatchWrite"]


class BatchWrite:
    """``with BatchWrite(root) as batch: batch.add(...); ...; results = batch.commit()``. Leaving the block without
    commit() (or on an error) rolls back every prepared write and releases the locks."""

    def __init__(self, root: StorageRoot) -> None:
        self.root = root
        self._stack = ExitStack()
        self._locks: set[str] = set()
        self._paths: set[str] = set()
        # (writer, the head when nothing changed, else None: a version to commit)
        self._entries: list[tuple[VersionWriter, VersionResult | None]] = []
        self._done = False

    def lock_key(self, object_id: str | uuid.UUID) -> str:
        """Add objects sorted by this key."""
        return lock_name(self.root.object_path(object_id))

    def __enter__(self) -> BatchWrite:
        self._stack.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self._done:
                self._undo()
        finally:
            self._stack.__exit__(exc_type, exc, tb)

    def _undo(self) -> None:
        for writer, head in self._entries:
            if head is None:
                writer.undo()
        self._entries.clear()

    def add(
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
        blocking: bool = True,
    ) -> None:
        """Stage the next version of an object, as write_version would (same arguments); nothing is visible before
        commit(). An object may be added once per batch. blocking=False: LockBusy, and nothing staged, if another
        writer holds the object's lock."""
        if self._done:
            raise WriteError("the batch is already committed")
        canonical = object_id_for(object_id)
        path = self.root.layout.object_path(canonical)
        if path in self._paths:
            raise WriteError(f"{canonical} is already in this batch")
        name = lock_name(path)
        if name not in self._locks:
            if blocking and self._locks and name < max(self._locks):
                raise WriteError(f"objects must be added in lock_key order ({name!r} after {max(self._locks)!r})")
            self._stack.enter_context(self.root.staging.locked(path, blocking=blocking))
            self._locks.add(name)
        self._paths.add(path)
        writer = VersionWriter(
            self.root.backend,
            self.root.staging,
            canonical,
            path,
            durable=self.root.durable,
            workers=self.root.workers,
        )
        head = writer.prepare(
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
        self._entries.append((writer, head))

    def commit(self) -> list[VersionResult]:
        """Make every prepared version durable and visible; the results in the order the objects were added."""
        if self._done:
            raise WriteError("the batch is already committed")
        pending = [writer for writer, head in self._entries if head is None]
        try:
            for writer in pending:
                writer.journal(durable=False)
            if pending and self.root.durable:
                self.root.backend.sync()
            crash_point("ocfl.batch-synced")
            for writer in pending:
                writer.swap()
            if pending and self.root.durable:
                self.root.backend.sync()
            crash_point("ocfl.batch-swap-synced")
            results = [head if head is not None else writer.retire() for writer, head in self._entries]
        except BaseException:
            self._undo()  # each transaction rolled back or finished on its own, as recovery would
            raise
        self._done = True
        return results
