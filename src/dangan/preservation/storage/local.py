"""The storage backend on a local (POSIX) file system: atomic exchange with Linux renameat2(RENAME_EXCHANGE),
hard links for unchanged content, flock for locks, syncfs to make a whole staging area durable at once."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import platform
import shutil
import stat as statmod
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, cast

from dangan.preservation.storage.backend import (
    Entry,
    EntryKind,
    ExchangeNotSupported,
    LinkNotSupported,
    LockBusy,
    StorageBackend,
)

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
# renameat2 system call numbers, for a C library too old to wrap it (glibc < 2.28).
_SYS_RENAMEAT2 = {"x86_64": 316, "aarch64": 276, "arm64": 276}

_libc = ctypes.CDLL(None, use_errno=True)


def _renameat2_function() -> Callable[[int, bytes, int, bytes, int], int] | None:
    func = getattr(_libc, "renameat2", None)
    if func is not None:
        func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        func.restype = ctypes.c_int
        return cast(Callable[[int, bytes, int, bytes, int], int], func)
    number = _SYS_RENAMEAT2.get(platform.machine())
    syscall = getattr(_libc, "syscall", None)
    if number is None or syscall is None:
        return None

    def via_syscall(olddirfd: int, old: bytes, newdirfd: int, new: bytes, flags: int) -> int:
        return int(syscall(ctypes.c_long(number), olddirfd, old, newdirfd, new, ctypes.c_uint(flags)))

    return via_syscall


_renameat2 = _renameat2_function() if platform.system() == "Linux" else None
_syncfs = getattr(_libc, "syncfs", None)


class RenameFlagsNotSupported(OSError):
    """renameat2 flags are not available here (old kernel, other OS, or a file system without support)."""


def renameat2(src: str, dst: str, flags: int) -> None:
    """Call Linux renameat2(2) with flags; RenameFlagsNotSupported where it is not available."""
    if _renameat2 is None:
        raise RenameFlagsNotSupported(errno.ENOSYS, "renameat2 is not available")
    if _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) != 0:
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
            raise RenameFlagsNotSupported(err, os.strerror(err), src)
        raise OSError(err, os.strerror(err), src, None, dst)


def _kind(mode: int) -> EntryKind:
    if statmod.S_ISREG(mode):
        return EntryKind.FILE
    if statmod.S_ISDIR(mode):
        return EntryKind.DIR
    if statmod.S_ISLNK(mode):
        return EntryKind.LINK
    return EntryKind.OTHER


def _ignore_missing(function: object, path: str, exc_info: tuple[type[BaseException], BaseException, object]) -> None:
    # Two removers of the same retired tree (a writer and recover()) may race; what is already gone is fine.
    if not isinstance(exc_info[1], FileNotFoundError):
        raise exc_info[1]


class LocalFilesystemBackend(StorageBackend):
    """A storage root on a local file system."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).absolute()
        self._root = str(self.root)
        self._exchange_works: bool | None = None
        self._noreplace_works: bool | None = None

    def __repr__(self) -> str:
        return f"LocalFilesystemBackend({self._root!r})"

    def _abs(self, path: str) -> str:
        if not path:
            return self._root
        if path.startswith("/") or path.endswith("/") or "\\" in path or "\0" in path:
            raise ValueError(f"not a relative storage path: {path!r}")
        for part in path.split("/"):
            if part in ("", ".", ".."):
                raise ValueError(f"not a relative storage path: {path!r}")
        return self._root + "/" + path

    def describe(self, path: str = "") -> str:
        return self._abs(path)

    # -- reading --------------------------------------------------------------------------------------------------

    def open_read(self, path: str) -> BinaryIO:
        return cast(BinaryIO, open(self._abs(path), "rb", buffering=0))

    def read_bytes(self, path: str) -> bytes:
        with open(self._abs(path), "rb") as f:
            return f.read()

    def stat(self, path: str) -> Entry:
        st = os.lstat(self._abs(path))
        kind = _kind(st.st_mode)
        return Entry(path.rpartition("/")[2], kind, st.st_size if kind is EntryKind.FILE else 0)

    def list_dir(self, path: str) -> list[Entry]:
        entries = []
        with os.scandir(self._abs(path)) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    entries.append(Entry(e.name, EntryKind.DIR))
                elif e.is_file(follow_symlinks=False):
                    entries.append(Entry(e.name, EntryKind.FILE, e.stat(follow_symlinks=False).st_size))
                elif e.is_symlink():
                    entries.append(Entry(e.name, EntryKind.LINK))
                else:
                    entries.append(Entry(e.name, EntryKind.OTHER))
        entries.sort(key=lambda e: e.name)
        return entries

    # -- writing --------------------------------------------------------------------------------------------------

    def open_write(self, path: str) -> BinaryIO:
        return open(self._abs(path), "xb", buffering=1 << 16)

    def write_bytes(self, path: str, data: bytes, *, fsync: bool = False) -> None:
        fd = os.open(self._abs(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)

    def mkdir(self, path: str, *, parents: bool = False, exist_ok: bool = False) -> None:
        if parents:
            os.makedirs(self._abs(path), exist_ok=exist_ok)
            return
        try:
            os.mkdir(self._abs(path))
        except FileExistsError:
            if not (exist_ok and os.path.isdir(self._abs(path))):
                raise

    def rename(self, src: str, dst: str, *, replace: bool = False) -> None:
        a, b = self._abs(src), self._abs(dst)
        if replace:
            os.replace(a, b)
            return
        if self._noreplace_works is not False:
            try:
                renameat2(a, b, _RENAME_NOREPLACE)
                self._noreplace_works = True
                return
            except RenameFlagsNotSupported:
                self._noreplace_works = False
        # Without RENAME_NOREPLACE the check and the rename are two steps; the OCFL layer holds a lock around them.
        if os.path.lexists(b):
            raise FileExistsError(errno.EEXIST, "target exists", b)
        os.rename(a, b)

    def exchange(self, a: str, b: str) -> None:
        if self._exchange_works is False:
            raise ExchangeNotSupported(errno.ENOTSUP, "renameat2(RENAME_EXCHANGE) is not supported here")
        try:
            renameat2(self._abs(a), self._abs(b), _RENAME_EXCHANGE)
        except RenameFlagsNotSupported as exc:
            self._exchange_works = False
            raise ExchangeNotSupported(exc.errno, "renameat2(RENAME_EXCHANGE) is not supported here") from exc
        self._exchange_works = True

    def disable_exchange(self) -> None:
        """Behave as on a file system without RENAME_EXCHANGE (to test the fallback)."""
        self._exchange_works = False

    def link(self, src: str, dst: str) -> None:
        try:
            os.link(self._abs(src), self._abs(dst), follow_symlinks=False)
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.EXDEV, errno.EOPNOTSUPP, errno.EMLINK):
                raise LinkNotSupported(exc.errno, exc.strerror, src) from exc
            raise

    def copy_file(self, src: str, dst: str) -> None:
        shutil.copyfile(self._abs(src), self._abs(dst))

    def remove(self, path: str) -> None:
        os.remove(self._abs(path))

    def rmdir(self, path: str) -> None:
        os.rmdir(self._abs(path))

    def remove_tree(self, path: str) -> None:
        target = self._abs(path)
        if not os.path.lexists(target):
            return
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target, onerror=_ignore_missing)
        else:
            with suppress(FileNotFoundError):
                os.remove(target)

    def fsync(self, path: str) -> None:
        target = self._abs(path)
        flags = os.O_RDONLY | os.O_CLOEXEC
        if os.path.isdir(target):
            flags |= os.O_DIRECTORY
        fd = os.open(target, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def sync(self) -> None:
        """Flush the whole file system holding the root (syncfs): one call instead of an fsync per staged file."""
        if _syncfs is None:
            os.sync()
            return
        fd = os.open(self._root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            if _syncfs(fd) != 0:
                err = ctypes.get_errno()
                raise OSError(err, os.strerror(err), self._root)
        finally:
            os.close(fd)

    @contextmanager
    def lock(self, path: str, *, blocking: bool = True) -> Iterator[None]:
        target = self._abs(path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError as exc:
                raise LockBusy(errno.EWOULDBLOCK, "lock is held", target) from exc
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock
