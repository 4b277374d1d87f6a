"""Digests for OCFL: sha512 addresses content, sha256 and sm3 (国密 SM3) are recorded as fixity. All of a file's
digests come from one read pass; hashlib releases the GIL, so the slowest hasher runs on a helper thread while the
reading thread feeds the others and writes the copy."""

from __future__ import annotations

import hashlib
import os
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from dangan.preservation.storage.backend import StorageBackend

# The inventory's content-addressing algorithm and the two fixity algorithms every content file gets.
CONTENT_ALGORITHM = "sha512"
FIXITY_ALGORITHMS = ("sha256", "sm3")
ALGORITHMS = (CONTENT_ALGORITHM, *FIXITY_ALGORITHMS)

# 256 KiB reads: two buffers in flight stay in the CPU caches while three hashers read them (measured faster
# than 1 MiB on the 2-core reference machine); still few enough system calls.
CHUNK_SIZE = 256 << 10
# Below this a file is hashed inline: handing a chunk to another thread costs more than it saves.
INLINE_LIMIT = 64 << 10


def default_workers() -> int:
    """Files processed at once: one per CPU (each file may add a helper thread for its slowest hasher)."""
    return max(1, os.cpu_count() or 1)


class Hasher(Protocol):
    def update(self, data: Any, /) -> None: ...

    def hexdigest(self) -> str: ...


class _Size:
    """The 'size' pseudo-digest of OCFL extension 0001-digest-algorithms."""

    def __init__(self) -> None:
        self.n = 0

    def update(self, data: Any) -> None:
        self.n += len(data)

    def hexdigest(self) -> str:
        return str(self.n)


class _Crc32:
    def __init__(self) -> None:
        self.value = 0

    def update(self, data: Any) -> None:
        self.value = zlib.crc32(data, self.value)

    def hexdigest(self) -> str:
        return f"{self.value:08x}"


# name → (factory, number of hex digits or None for 'size', relative cost per byte: the costliest goes to a helper)
_ALGORITHMS: dict[str, tuple[Callable[[], Hasher], int | None, float]] = {
    "md5": (hashlib.md5, 32, 1.2),
    "sha1": (hashlib.sha1, 40, 0.8),
    "sha256": (hashlib.sha256, 64, 0.7),
    "sha512": (hashlib.sha512, 128, 1.3),
    "blake2b-512": (hashlib.blake2b, 128, 1.0),
    # OCFL community extension 0001-digest-algorithms
    "blake2b-160": (lambda: hashlib.blake2b(digest_size=20), 40, 1.0),
    "blake2b-256": (lambda: hashlib.blake2b(digest_size=32), 64, 1.0),
    "blake2b-384": (lambda: hashlib.blake2b(digest_size=48), 96, 1.0),
    "sha512/256": (lambda: hashlib.new("sha512_256"), 64, 1.3),
    "size": (_Size, None, 0.0),
    "crc32": (_Crc32, 8, 0.3),
    # GB/T 32905-2016 SM3, required by Chinese archival rules; not in the OCFL registry (see the design note).
    "sm3": (lambda: hashlib.new("sm3"), 64, 3.0),
}

KNOWN_ALGORITHMS = frozenset(_ALGORITHMS)


def new_hasher(algorithm: str) -> Hasher:
    """A fresh hasher for an OCFL digest algorithm name (ValueError for an unknown name)."""
    try:
        return _ALGORITHMS[algorithm][0]()
    except KeyError:
        raise ValueError(f"unknown digest algorithm {algorithm!r}") from None


def is_digest(algorithm: str, value: str) -> bool:
    """Whether value has the form of a digest of algorithm (hex of the right length, either case)."""
    length = _ALGORITHMS[algorithm][1]
    if length is None:
        return value.isascii() and value.isdigit()
    if len(value) != length:
        return False
    try:
        int(value, 16)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class FileDigests:
    """A file's size and digests (lower-case hex); a digest not computed is None."""

    size: int
    sha512: str
    sha256: str | None = None
    sm3: str | None = None

    @classmethod
    def from_mapping(cls, size: int, digests: dict[str, str]) -> FileDigests:
        return cls(size, digests["sha512"], digests.get("sha256"), digests.get("sm3"))

    def get(self, algorithm: str) -> str | None:
        return {"sha512": self.sha512, "sha256": self.sha256, "sm3": self.sm3}.get(algorithm)


_helper_lock = threading.Lock()
_helper: ThreadPoolExecutor | None = None


def _helper_pool() -> ThreadPoolExecutor:
    global _helper
    with _helper_lock:
        if _helper is None:
            _helper = ThreadPoolExecutor(max_workers=4 * default_workers(), thread_name_prefix="ocfl-digest")
        return _helper


def _update_all(hashers: Sequence[Hasher], view: memoryview) -> None:
    for h in hashers:
        h.update(view)


def pump(
    src: BinaryIO,
    algorithms: Iterable[str],
    *,
    write: Callable[[memoryview], Any] | None = None,
    size_hint: int | None = None,
) -> tuple[int, dict[str, str]]:
    """Read src to the end once, feeding every hasher (and write, if given); return (size, {algorithm: hex})."""
    names = list(dict.fromkeys(algorithms))
    hashers = [new_hasher(n) for n in names]
    readinto = getattr(src, "readinto", None)
    split = len(hashers) > 1 and (size_hint is None or size_hint > INLINE_LIMIT)
    if split:
        costliest = max(range(len(names)), key=lambda i: _ALGORITHMS[names[i]][2])
        side = [hashers[costliest]]
        main = [h for i, h in enumerate(hashers) if i != costliest]
    else:
        side, main = [], hashers
    buffers = (bytearray(CHUNK_SIZE), bytearray(CHUNK_SIZE)) if split else (bytearray(CHUNK_SIZE),)
    pool = _helper_pool() if split else None
    pending: Future[None] | None = None
    total = 0
    turn = 0
    try:
        while True:
            buf = buffers[turn % len(buffers)]
            if readinto is not None:
                n = readinto(buf)
                if not n:
                    break
                view = memoryview(buf)[:n]
            else:
                data = src.read(CHUNK_SIZE)
                if not data:
                    break
                n, view = len(data), memoryview(data)
            total += n
            if pool is not None:
                if pending is not None:
                    pending.result()  # the helper is done with the other buffer's chunk: order kept, buffer free
                pending = pool.submit(_update_all, side, view)
            for h in main:
                h.update(view)
            if write is not None:
                write(view)
            turn += 1
    finally:
        if pending is not None:
            pending.result()
    return total, {name: h.hexdigest() for name, h in zip(names, hashers, strict=True)}


def digest_file(
    source: Path | str,
    *,
    backend: StorageBackend | None = None,
    algorithms: Iterable[str] = ALGORITHMS,
) -> FileDigests:
    """Digest a local file (or, with backend, a file in storage) in one read pass."""
    size, digests = hash_file(source, backend=backend, algorithms=algorithms)
    return FileDigests.from_mapping(size, digests)


def hash_file(
    source: Path | str, *, backend: StorageBackend | None = None, algorithms: Iterable[str] = ALGORITHMS
) -> tuple[int, dict[str, str]]:
    """Like digest_file for any known algorithms: (size, {algorithm: hex})."""
    if backend is None:
        with open(source, "rb", buffering=0) as f:
            return pump(f, algorithms, size_hint=os.fstat(f.fileno()).st_size)
    path = str(source)
    with backend.open_read(path) as f:
        return pump(f, algorithms)


def digest_bytes(data: bytes, algorithms: Iterable[str] = ALGORITHMS) -> FileDigests:
    digests = {}
    for name in dict.fromkeys(algorithms):
        h = new_hasher(name)
        h.update(data)
        digests[name] = h.hexdigest()
    return FileDigests.from_mapping(len(data), digests)


def copy_and_digest(src: Path | str, backend: StorageBackend, dest: str) -> FileDigests:
    """Copy a local file to a new storage path while computing sha512, sha256 and sm3 from the same reads."""
    with open(src, "rb", buffering=0) as fin, backend.open_write(dest) as fout:
        size, digests = pump(fin, ALGORITHMS, write=fout.write, size_hint=os.fstat(fin.fileno()).st_size)
    return FileDigests.from_mapping(size, digests)


def write_and_digest(data: bytes, backend: StorageBackend, dest: str) -> FileDigests:
    """Write bytes to a new storage path and digest them."""
    backend.write_bytes(dest, data)
    return digest_bytes(data)


_copy_pools: dict[int, ThreadPoolExecutor] = {}


def _copy_pool(workers: int) -> ThreadPoolExecutor:
    """One lasting pool per size for copy_and_digest_many: it runs once per preserved package, and starting and
    joining threads each time cost more than copying a small package. Its jobs never submit to it (no deadlock)."""
    with _helper_lock:
        pool = _copy_pools.get(workers)
        if pool is None:
            pool = _copy_pools[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocfl-copy")
        return pool


def run_parallel(
    jobs: Sequence[Callable[[], Any]],
    *,
    workers: int | None = None,
    on_done: Callable[[int, Any], None] | None = None,
    pool: ThreadPoolExecutor | None = None,
) -> list[Any]:
    """Run jobs on a thread pool; on_done(index, result) is called in the calling thread as each finishes.
    The first failure cancels what has not started and is raised. ``pool``: an executor to use (and leave running)
    instead of a new one; its threads must not be the callers of this function."""
    results: list[Any] = [None] * len(jobs)
    if not jobs:
        return results
    workers = workers or default_workers()
    if workers == 1 or len(jobs) == 1:
        for i, job in enumerate(jobs):
            results[i] = job()
            if on_done is not None:
                on_done(i, results[i])
        return results
    with ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocfl-file"))
        futures = {pool.submit(job): i for i, job in enumerate(jobs)}
        remaining = set(futures)
        try:
            while remaining:
                done, remaining = wait(remaining, return_when=FIRST_EXCEPTION)
                for fut in done:
                    i = futures[fut]
                    results[i] = fut.result()
                    if on_done is not None:
                        on_done(i, results[i])
        except BaseException:
            for fut in remaining:
                fut.cancel()
            wait(remaining)  # none still writes into staging when the caller cleans it up
            raise
    return results


def copy_and_digest_many(
    items: Sequence[tuple[Path | str, str]],
    backend: StorageBackend,
    *,
    workers: int | None = None,
    on_done: Callable[[int, FileDigests], None] | None = None,
) -> list[FileDigests]:
    """copy_and_digest for many (source, dest) pairs, several files at once; results in the order given."""
    jobs = [lambda s=src, d=dest: copy_and_digest(s, backend, d) for src, dest in items]
    workers = workers or default_workers()
    return run_parallel(jobs, workers=workers, on_done=on_done, pool=_copy_pool(workers) if len(jobs) > 1 else None)
