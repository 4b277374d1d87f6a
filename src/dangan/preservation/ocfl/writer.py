"""Writing a new version of an OCFL object: copy-and-hash the new content into staging, build the complete new
object root beside it (unchanged files hard-linked, never copied), make it durable, swap it in atomically.

On a backend without atomic directory renames (an object store) the new version directory is written in place
instead, under a journal written first, and the root inventory — one PUT, written last — is the commit point."""

from __future__ import annotations

import copy
import logging
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dangan.preservation.ocfl.crash import crash_point
from dangan.preservation.ocfl.digests import (
    CONTENT_ALGORITHM,
    FIXITY_ALGORITHMS,
    FileDigests,
    copy_and_digest_many,
    write_and_digest,
)
from dangan.preservation.ocfl.inventory import (
    DEFAULT_CONTENT_DIRECTORY,
    INVENTORY,
    INVENTORY_TYPE,
    OBJECT_DECLARATION,
    OBJECT_DECLARATION_TEXT,
    Inventory,
    conflicting_paths,
    dump_inventory,
    format_created,
    parse_version_name,
    path_problem,
    sidecar_name,
    sidecar_text,
    version_name,
)
from dangan.preservation.ocfl.staging import IN_PLACE, NEW, OLD, STAGING, Staging, transaction_name
from dangan.preservation.storage.backend import ExchangeNotSupported, LinkNotSupported, StorageBackend, join, parent

Progress = Callable[[int, int], None]
# describe(content digests by logical path, the current inventory or None, the version being written) → metadata
# (logical path → bytes), called once the new content is staged: for metadata that records the content's digests
# (a METS file section) without reading the content twice. Returning the head's own bytes for an unchanged state
# lets skip_if_unchanged see a rerun as the head.
Describe = Callable[[Mapping[str, FileDigests], Inventory | None, str], Mapping[str, bytes]]

logger = logging.getLogger(__name__)


class WriteError(Exception):
    """A version cannot be written (bad input, or an object that is not ours to update)."""


@dataclass(frozen=True)
class VersionResult:
    """The outcome of write_version. created is False when the head already had exactly this state."""

    object_id: str
    object_path: str
    version: str
    created: bool
    inventory: Inventory
    new_files: int = 0  # content files added to the object
    deduplicated: int = 0  # new logical files whose bytes the object already had
    bytes_written: int = 0


@dataclass(frozen=True)
class _Staged:
    logical_path: str
    staged_path: str
    digests: FileDigests


def _check_inputs(
    files: Mapping[str, Path], metadata: Mapping[str, bytes], message: str, user_name: str, created: datetime | None
) -> None:
    if created is not None and created.tzinfo is None:
        raise WriteError("created must be a timezone-aware datetime")
    if not isinstance(message, str):
        raise WriteError("message must be a string")
    if not isinstance(user_name, str) or not user_name:
        raise WriteError("user_name must be a non-empty string")
    both = set(files) & set(metadata)
    if both:
        raise WriteError(f"logical paths given both as files and as metadata: {sorted(both)}")
    for path in [*files, *metadata]:
        problem = path_problem(path)
        if problem:
            raise WriteError(f"logical path {path!r} {problem}")
    for path, source in files.items():
        try:
            st = os.stat(source)  # a local source file, not a storage path
        except FileNotFoundError:
            raise WriteError(f"source file for {path!r} does not exist: {source}") from None
        if not stat.S_ISREG(st.st_mode):
            raise WriteError(f"source for {path!r} is not a regular file: {source}")
    for path, data in metadata.items():
        if not isinstance(data, bytes | bytearray):
            raise WriteError(f"metadata {path!r} must be bytes")


def _address(user_address: str | None) -> str | None:
    if user_address and "@" in user_address and ":" not in user_address:
        return "mailto:" + user_address  # the inventory wants a URI
    return user_address


class VersionWriter:
    """Writes one version of one object; StorageRoot.write_version is the public entry point."""

    def __init__(
        self,
        backend: StorageBackend,
        staging: Staging,
        object_id: str,
        object_path: str,
        *,
        durable: bool = True,
        workers: int | None = None,
    ) -> None:
        self.backend = backend
        self.staging = staging
        self.object_id = object_id
        self.object_path = object_path
        self.durable = durable
        self.workers = workers
        self.txn = join(STAGING, transaction_name(object_path))
        # In place: no complete new object root is built; the new version directory goes into the live object root
        # (invisible to readers, who go through the root inventory, until that is replaced).
        self.in_place = not backend.renames_atomically
        self.new_root = object_path if self.in_place else join(self.txn, NEW)
        self._root_inventory: tuple[bytes, str] | None = None  # in place: (raw, algorithm), written by swap()
        self._pending: VersionResult | None = None  # prepared, not yet committed
        self._exists = False

    # -- the whole write ------------------------------------------------------------------------------------------

    def write(
        self,
        files: Mapping[str, Path],
        metadata: Mapping[str, bytes],
        *,
        message: str,
        user_name: str,
        user_address: str | None,
        created: datetime | None,
        progress: Progress | None,
        keep_previous: bool,
        remove: Iterable[str],
        skip_if_unchanged: bool,
        describe: Describe | None = None,
    ) -> VersionResult:
        with self.staging.locked(self.object_path):
            head = self.prepare(
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
            return head if head is not None else self.commit()

    def prepare(
        self,
        files: Mapping[str, Path],
        metadata: Mapping[str, bytes],
        *,
        message: str,
        user_name: str,
        user_address: str | None,
        created: datetime | None,
        progress: Progress | None,
        keep_previous: bool,
        remove: Iterable[str],
        skip_if_unchanged: bool,
        describe: Describe | None = None,
    ) -> VersionResult | None:
        """The first half of a write, the caller holding the object's lock: the complete new object root in staging
        (not yet durable). Returns the head when it already has this state (nothing to commit), else None: then
        commit() — or, for a batch, journal(), one sync for all, swap(), one sync, retire() — finishes it."""
        _check_inputs(files, metadata, message, user_name, created)
        crash_point("ocfl.locked")
        self.staging.recover_transaction(transaction_name(self.object_path))
        current = self._current_inventory()
        previous_state = current.state() if current is not None else {}
        carried: dict[str, str] = {}
        if keep_previous:
            dropped = set(remove) | set(files) | set(metadata)
            carried = {p: d for p, d in previous_state.items() if p not in dropped}
        clash = conflicting_paths([*carried, *files, *metadata])
        if clash:
            raise WriteError(f"logical path {clash[0]!r} is a file and also a directory of {clash[1]!r}")

        version = self._next_version(current)
        content_dir = current.content_directory if current is not None else DEFAULT_CONTENT_DIRECTORY
        self.backend.mkdir(self.txn, parents=True)
        if self.in_place:
            # Before anything is written into the object: recovery finds what to remove (or finish) from here.
            self.staging.write_journal(self.txn, self._journal_data(version, IN_PLACE), durable=True)
        crash_point("ocfl.staging-created")
        try:
            return self._build(
                current,
                previous_state,
                carried,
                version,
                content_dir,
                files,
                metadata,
                progress,
                message=message,
                user_name=user_name,
                user_address=user_address,
                created=created,
                skip_if_unchanged=skip_if_unchanged,
                describe=describe,
            )
        except BaseException:
            self.undo()
            raise

    def undo(self) -> None:
        """After an error (not a kill): undo now rather than at the next write. Staging goes; if the fallback swap had
        moved the old object aside, it comes back. The caller holds the object's lock."""
        try:
            self.staging.recover_transaction(transaction_name(self.object_path))
        except Exception:  # the original error matters more; recover() will retry
            logger.exception("OCFL: could not clean up %s", self.txn)

    def _build(
        self,
        current: Inventory | None,
        previous_state: dict[str, str],
        carried: dict[str, str],
        version: str,
        content_dir: str,
        files: Mapping[str, Path],
        metadata: Mapping[str, bytes],
        progress: Progress | None,
        *,
        message: str,
        user_name: str,
        user_address: str | None,
        created: datetime | None,
        skip_if_unchanged: bool,
        describe: Describe | None = None,
    ) -> VersionResult | None:
        content_root = join(self.new_root, version, content_dir)
        staged = self._stage_content(files, metadata, content_root, progress)
        if describe is not None:
            described = dict(describe({s.logical_path: s.digests for s in staged}, current, version))
            _check_inputs({}, described, message, user_name, created)
            clash = set(described) & {s.logical_path for s in staged}
            if clash:
                raise WriteError(f"describe() returned paths already given: {sorted(clash)}")
            carried = {p: d for p, d in carried.items() if p not in described}
            clashing = conflicting_paths([*carried, *(s.logical_path for s in staged), *described])
            if clashing:
                raise WriteError(f"logical path {clashing[0]!r} is a file and also a directory of {clashing[1]!r}")
            staged += self._stage_content({}, described, content_root, None)
        crash_point("ocfl.content-staged")

        algorithm = current.digest_algorithm if current is not None else CONTENT_ALGORITHM
        new_state = {**carried, **{s.logical_path: s.digests.get(algorithm) or "" for s in staged}}
        if skip_if_unchanged and current is not None and _normalized(new_state) == _normalized(previous_state):
            if self.in_place:
                self.staging.recover_transaction(transaction_name(self.object_path))  # removes the version written
            else:
                self.staging.retire(self.txn)
            return VersionResult(self.object_id, self.object_path, current.head, False, current)

        data, new_files, deduplicated = self._new_inventory(
            current, version, content_dir, staged, carried, message, user_name, user_address, created
        )
        self._drop_duplicates(staged, data, content_root, version, content_dir)
        raw = dump_inventory(data)
        inventory = Inventory(data, raw)
        self._write_inventory(join(self.new_root, version), raw, inventory.digest_algorithm)
        if self.in_place:
            self._root_inventory = (raw, inventory.digest_algorithm)  # the commit point: swap() writes it
        else:
            self._write_inventory(self.new_root, raw, inventory.digest_algorithm)
        crash_point("ocfl.inventory-written")
        if not self.in_place:
            self._link_current(current)
        crash_point("ocfl.staging-complete")
        kept = {p for paths in data["manifest"].values() for p in paths}
        written = sum(s.digests.size for s in staged if f"{version}/{content_dir}/{s.logical_path}" in kept)
        self._pending = VersionResult(
            self.object_id, self.object_path, version, True, inventory, new_files, deduplicated, written
        )
        self._exists = current is not None
        return None

    def commit(self) -> VersionResult:
        """The second half of a write after prepare(): make staging durable, journal, swap in, make the swap durable,
        clean up."""
        try:
            if self.durable:
                self.backend.sync()
            crash_point("ocfl.staging-synced")
            self.journal(durable=True)
            crash_point("ocfl.journal-written")
            self.swap()
            if self.durable:
                self.backend.fsync(parent(self.object_path))
            crash_point("ocfl.swap-synced")
            return self.retire()
        except BaseException:
            self.undo()
            raise

    def _journal_data(self, version: str, mode: str | None = None) -> dict[str, str]:
        data = {"object_path": self.object_path, "object_id": self.object_id, "version": version}
        if mode:
            data["mode"] = mode
        return data

    def journal(self, *, durable: bool) -> None:
        """Name the object path in the transaction. durable=False leaves it to a sync of the caller's, which must come
        before swap(). In place the journal was written before the first byte, so there is nothing to do."""
        if self.in_place:
            return
        self.staging.write_journal(self.txn, self._journal_data(self._prepared.version), durable=durable)

    def swap(self) -> None:
        """Swap the new object root in: staging and the journal must be durable by now. In place: write the root
        inventory (the commit point), then its sidecar and, for a new object, the declaration."""
        if self.in_place:
            self._commit_in_place()
            return
        self._swap(exists=self._exists)
        crash_point("ocfl.swapped")

    def _commit_in_place(self) -> None:
        if self._root_inventory is None:
            raise WriteError("no version prepared")
        raw, algorithm = self._root_inventory
        self.backend.replace_bytes(join(self.object_path, INVENTORY), raw)
        crash_point("ocfl.swapped")
        # A crash from here on leaves the new version committed; recovery finishes these two (staging.py).
        self.backend.replace_bytes(
            join(self.object_path, sidecar_name(algorithm)), sidecar_text(raw, algorithm).encode()
        )
        if not self._exists:
            self.backend.replace_bytes(join(self.object_path, OBJECT_DECLARATION), OBJECT_DECLARATION_TEXT.encode())

    def retire(self) -> VersionResult:
        """Remove the transaction (and the old object root in it); the swap must be durable by now."""
        self.staging.retire(self.txn)
        crash_point("ocfl.cleaned")
        return self._prepared

    @property
    def _prepared(self) -> VersionResult:
        if self._pending is None:
            raise WriteError("no version prepared")
        return self._pending

    # -- steps ----------------------------------------------------------------------------------------------------

    def _current_inventory(self) -> Inventory | None:
        if not self.backend.exists(self.object_path):
            return None
        try:
            inventory = Inventory.from_bytes(self.backend.read_bytes(join(self.object_path, INVENTORY)))
        except FileNotFoundError:
            raise WriteError(f"{self.backend.describe(self.object_path)} exists but has no inventory") from None
        if inventory.id != self.object_id:
            raise WriteError(f"{self.object_path} holds object {inventory.id!r}, not {self.object_id!r}")
        if inventory.digest_algorithm not in ("sha512", "sha256"):
            raise WriteError(f"unsupported digestAlgorithm {inventory.digest_algorithm!r}")
        return inventory

    def _next_version(self, current: Inventory | None) -> str:
        if current is None:
            return version_name(1)
        parsed = parse_version_name(current.head)
        if parsed is None:
            raise WriteError(f"head {current.head!r} is not a version name")
        number, width = parsed
        if width and len(str(number + 1)) > width - 1:
            raise WriteError(f"zero-padded version names of {current.head!r} are exhausted")
        return version_name(number + 1, width)

    def _stage_content(
        self,
        files: Mapping[str, Path],
        metadata: Mapping[str, bytes],
        content_root: str,
        progress: Progress | None,
    ) -> list[_Staged]:
        paths = sorted(files)
        dirs = {parent(join(content_root, p)) for p in [*paths, *metadata]}
        for d in sorted(dirs):
            self.backend.mkdir(d, parents=True, exist_ok=True)
        total = sum(os.stat(files[p]).st_size for p in paths) + sum(len(b) for b in metadata.values())
        done = 0
        if progress is not None:
            progress(0, total)

        def on_done(_index: int, digests: FileDigests) -> None:
            nonlocal done
            done += digests.size
            crash_point("ocfl.content-file")
            if progress is not None:
                progress(done, total)

        results = copy_and_digest_many(
            [(files[p], join(content_root, p)) for p in paths], self.backend, workers=self.workers, on_done=on_done
        )
        staged = [_Staged(p, join(content_root, p), d) for p, d in zip(paths, results, strict=True)]
        for path in sorted(metadata):
            digests = write_and_digest(bytes(metadata[path]), self.backend, join(content_root, path))
            on_done(0, digests)
            staged.append(_Staged(path, join(content_root, path), digests))
        return staged

    def _new_inventory(
        self,
        current: Inventory | None,
        version: str,
        content_dir: str,
        staged: list[_Staged],
        carried: dict[str, str],
        message: str,
        user_name: str,
        user_address: str | None,
        created: datetime | None,
    ) -> tuple[dict[str, Any], int, int]:
        if current is not None:
            data = copy.deepcopy(current.data)
            data["type"] = INVENTORY_TYPE
            data["head"] = version
        else:
            data = {
                "id": self.object_id,
                "type": INVENTORY_TYPE,
                "digestAlgorithm": CONTENT_ALGORITHM,
                "head": version,
                "manifest": {},
                "versions": {},
            }
        algorithm = data["digestAlgorithm"]
        manifest: dict[str, list[str]] = data["manifest"]
        keys = {d.lower(): d for d in manifest}  # the exact spelling the state must repeat
        fixity: dict[str, dict[str, list[str]]] = data.setdefault("fixity", {})
        new_files = deduplicated = 0
        state: dict[str, list[str]] = {}
        for path, digest in carried.items():
            state.setdefault(keys.get(digest.lower(), digest), []).append(path)
        for s in sorted(staged, key=lambda s: s.logical_path):
            digest = s.digests.get(algorithm) or ""
            if digest in keys:
                deduplicated += 1
            else:
                content_path = f"{version}/{content_dir}/{s.logical_path}"
                keys[digest] = digest
                manifest[digest] = [content_path]
                for fixity_algorithm in (a for a in (CONTENT_ALGORITHM, *FIXITY_ALGORITHMS) if a != algorithm):
                    value = s.digests.get(fixity_algorithm)
                    if value:
                        fixity.setdefault(fixity_algorithm, {}).setdefault(value, []).append(content_path)
                new_files += 1
            state.setdefault(keys[digest], []).append(s.logical_path)
        block: dict[str, Any] = {
            "created": format_created(created or datetime.now(UTC)),
            "message": message,
            "state": {d: sorted(paths) for d, paths in sorted(state.items())},
            "user": {"name": user_name},
        }
        address = _address(user_address)
        if address:
            block["user"]["address"] = address
        data["versions"][version] = block
        return data, new_files, deduplicated

    def _drop_duplicates(
        self, staged: list[_Staged], data: dict[str, Any], content_root: str, version: str, content_dir: str
    ) -> None:
        """Remove staged files the manifest does not name (their bytes are already in the object), then any
        directory left empty (E024), and the content directory itself if nothing is left in it (W003)."""
        named = {p for paths in data["manifest"].values() for p in paths}
        removed = False
        for s in staged:
            if f"{version}/{content_dir}/{s.logical_path}" not in named:
                self.backend.remove(s.staged_path)
                removed = True
        if (not removed and staged) or not self.backend.exists(content_root):
            return
        for dirpath, _dirs, others in reversed(list(self.backend.walk(content_root))):
            if not others and not self.backend.list_dir(dirpath):
                self.backend.rmdir(dirpath)

    def _write_inventory(self, directory: str, raw: bytes, algorithm: str) -> None:
        self.backend.mkdir(directory, parents=True, exist_ok=True)
        self.backend.write_bytes(join(directory, INVENTORY), raw)
        self.backend.write_bytes(join(directory, sidecar_name(algorithm)), sidecar_text(raw, algorithm).encode())

    def _link_current(self, current: Inventory | None) -> None:
        """Give the new object root every file of the current one, except what the new version replaces (the root
        inventory, its sidecar, the declaration). Content is immutable, so a hard link is as good as a copy."""
        if current is None:
            self.backend.write_bytes(join(self.new_root, OBJECT_DECLARATION), OBJECT_DECLARATION_TEXT.encode())
            return
        skip_at_root = {INVENTORY}
        for dirpath, dirs, others in self.backend.walk(self.object_path):
            relative = dirpath[len(self.object_path) + 1 :] if dirpath != self.object_path else ""
            target_dir = join(self.new_root, relative)
            for d in dirs:
                self.backend.mkdir(join(target_dir, d.name), exist_ok=True)
            for entry in others:
                if not relative and (
                    entry.name in skip_at_root or entry.name.startswith(INVENTORY + ".") or entry.name.startswith("0=")
                ):
                    continue
                source = join(dirpath, entry.name)
                target = join(target_dir, entry.name)
                try:
                    self.backend.link(source, target)
                except LinkNotSupported:
                    self.backend.copy_file(source, target)
                crash_point("ocfl.link-file")
        self.backend.write_bytes(join(self.new_root, OBJECT_DECLARATION), OBJECT_DECLARATION_TEXT.encode())

    def _swap(self, *, exists: bool) -> None:
        if exists:
            try:
                self.backend.exchange(self.new_root, self.object_path)
                return
            except ExchangeNotSupported:
                pass
            # Two renames: recovery puts old/ back if a crash falls between them (the journal names the path).
            self.backend.rename(self.object_path, join(self.txn, OLD))
            crash_point("ocfl.moved-aside")
            self.backend.rename(self.new_root, self.object_path)
            return
        # Only writers holding this object's lock create or prune directories above it, so they stay put.
        self.backend.mkdir(parent(self.object_path), parents=True, exist_ok=True)
        crash_point("ocfl.parents-created")
        self.backend.rename(self.new_root, self.object_path)


def _normalized(state: dict[str, str]) -> dict[str, str]:
    return {path: digest.lower() for path, digest in state.items()}
