"""The storage backend interface: every path operation the OCFL layer does goes through it, so that the same OCFL
code can run on a local file system now and on S3-compatible object storage later."""

from __future__ import annotations

import enum
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, BinaryIO

__all__ = [
    "Entry",
    "EntryKind",
    "ExchangeNotSupported",
    "LinkNotSupported",
    "LockBusy",
    "StorageBackend",
    "join",
    "parent",
]


class EntryKind(enum.Enum):
    FILE = "file"
    DIR = "dir"
    LINK = "link"  # a symbolic link: never followed, never allowed inside OCFL objects
    OTHER = "other"  # a device, socket or fifo


@dataclass(frozen=True, slots=True)
class Entry:
    """One directory entry (or the result of stat): its name, kind and size in bytes (0 for non-files)."""

    name: str
    kind: EntryKind
    size: int = 0

    @property
    def is_dir(self) -> bool:
        return self.kind is EntryKind.DIR

    @property
    def is_file(self) -> bool:
        return self.kind is EntryKind.FILE


class ExchangeNotSupported(OSError):
    """The backend (or the file system under it) cannot swap two paths atomically."""


class LinkNotSupported(OSError):
    """The backend cannot make a second name for an existing file."""


class LockBusy(OSError):
    """A non-blocking lock is held by someone else."""


def join(*parts: str) -> str:
    """Join relative storage paths with '/', skipping empty parts ('' is the root)."""
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def parent(path: str) -> str:
    """The parent of a relative storage path ('' for a top-level entry)."""
    return path.rpartition("/")[0]


class StorageBackend(ABC):
    """Paths are relative to the storage root, '/'-separated, without '.' or '..'; '' is the root itself.

    Missing paths raise FileNotFoundError, existing targets FileExistsError, as the built-in functions do.

    renames_atomically: rename() of a directory (and exchange(), where supported) is one atomic step. The OCFL
    writer builds a new object root in staging and swaps it in where it is; elsewhere (object stores) it writes the
    new version directory in place and makes the root inventory, written last, the commit point.
    """

    renames_atomically: bool = True

    @abstractmethod
    def describe(self, path: str = "") -> str:
        """A human-readable location for messages (a file system path, a URL)."""

    # -- reading --------------------------------------------------------------------------------------------------

    @abstractmethod
    def open_read(self, path: str) -> BinaryIO:
        """Open a file for streaming reads (supports readinto)."""

    def read_bytes(self, path: str) -> bytes:
        with self.open_read(path) as f:
            return f.read()

    @abstractmethod
    def stat(self, path: str) -> Entry:
        """The entry at path, without following a symbolic link."""

    def exists(self, path: str) -> bool:
        try:
            self.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    def is_dir(self, path: str) -> bool:
        try:
            return self.stat(path).is_dir
        except (FileNotFoundError, NotADirectoryError):
            return False

    def is_file(self, path: str) -> bool:
        try:
            return self.stat(path).is_file
        except (FileNotFoundError, NotADirectoryError):
            return False

    @abstractmethod
    def list_dir(self, path: str) -> list[Entry]:
        """The entries of a directory, sorted by name."""

    def walk(self, path: str = "") -> Iterator[tuple[str, list[Entry], list[Entry]]]:
        """Top-down walk like os.walk: (dirpath, dirs, others); remove from dirs to prune. Links are not followed."""
        stack = [path]
        while stack:
            current = stack.pop()
            entries = self.list_dir(current)
            dirs = [e for e in entries if e.is_dir]
            others = [e for e in entries if not e.is_dir]
            yield current, dirs, others
            stack.extend(join(current, d.name) for d in reversed(dirs))

    # -- writing --------------------------------------------------------------------------------------------------

    @abstractmethod
    def open_write(self, path: str) -> BinaryIO:
        """Create a new file (FileExistsError if it exists; the parent must exist) and open it for writing."""

    def write_bytes(self, path: str, data: bytes, *, fsync: bool = False) -> None:
        """Create a new file holding data."""
        with self.open_write(path) as f:
            f.write(data)
        if fsync:
            self.fsync(path)

    def replace_bytes(self, path: str, data: bytes) -> None:
        """Create or replace a file holding data in one atomic step: a reader sees the old bytes or the new ones."""
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"
        self.write_bytes(tmp, data, fsync=True)
        self.rename(tmp, path, replace=True)

    @abstractmethod
    def mkdir(self, path: str, *, parents: bool = False, exist_ok: bool = False) -> None: ...

    @abstractmethod
    def rename(self, src: str, dst: str, *, replace: bool = False) -> None:
        """Atomically give src the name dst; without replace, fail with FileExistsError if dst exists."""

    def exchange(self, a: str, b: str) -> None:
        """Atomically swap two existing paths (files or directories)."""
        raise ExchangeNotSupported(f"{type(self).__name__} cannot exchange paths atomically")

    def link(self, src: str, dst: str) -> None:
        """Give an existing file a second name (a hard link)."""
        raise LinkNotSupported(f"{type(self).__name__} has no hard links")

    def copy_file(self, src: str, dst: str) -> None:
        """Copy a file to a new path (used where link() is not supported)."""
        with self.open_read(src) as fin, self.open_write(dst) as fout:
            while chunk := fin.read(1 << 20):
                fout.write(chunk)

    @abstractmethod
    def remove(self, path: str) -> None:
        """Remove a file."""

    @abstractmethod
    def rmdir(self, path: str) -> None:
        """Remove an empty directory (OSError if it is not empty)."""

    def remove_tree(self, path: str) -> None:
        """Remove a directory and everything under it; a missing path is not an error."""
        try:
            walked = list(self.walk(path))
        except FileNotFoundError:
            return
        for dirpath, _dirs, others in reversed(walked):
            for entry in others:
                self.remove(join(dirpath, entry.name))
            self.rmdir(dirpath)

    @abstractmethod
    def fsync(self, path: str) -> None:
        """Make a file's content, or a directory's entries, durable."""

    @abstractmethod
    def sync(self) -> None:
        """Make everything written so far durable (a store that is durable on write does nothing)."""

    @abstractmethod
    def lock(self, name: str, *, blocking: bool = True) -> AbstractContextManager[None]:
        """An exclusive lock among all processes using this storage root; LockBusy when not blocking and held."""


def __getattr__(name: str) -> Any:
    # LocalFilesystemBackend lives in its own module; importing it here lazily avoids an import cycle.
    if name == "LocalFilesystemBackend":
        from dangan.preservation.storage.local import LocalFilesystemBackend

        return LocalFilesystemBackend
    raise AttributeError(name)
