"""The storage backend on an S3-compatible object store: a storage root is a bucket and a key prefix; directories
are key prefixes, with an empty marker object ("dir/") where an empty directory must exist; a rename is a copy and a
delete (not atomic); locks are lock objects created with a conditional PUT, renewed while held, broken when
expired. See docs/development/preservation-storage.md ("S3") for what is and is not atomic."""

from __future__ import annotations

import errno
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, BinaryIO, TypeVar, cast

from dangan.preservation.storage.backend import Entry, EntryKind, LockBusy, StorageBackend, join
from dangan.preservation.storage.s3 import ObjectInfo, S3Client, S3Error, S3ObjectReader, S3ObjectWriter, parse_time

__all__ = ["S3Backend"]

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Statuses with which a conditional request says "the condition did not hold" (409: a concurrent conditional write
# on AWS S3).
_CONFLICT = (409, 412)


def _is_missing(exc: S3Error) -> bool:
    return exc.status == 404 and exc.code in ("NoSuchKey", "NotFound")


class _CreateOnlyWriter(S3ObjectWriter):
    """open_write's writer: a new object only, FileExistsError if one appeared meanwhile."""

    def __init__(self, backend: S3Backend, key: str, path: str) -> None:
        super().__init__(backend.client, backend.bucket, key, if_none_match=backend.conditional_writes)
        self._path = path
        self._describe = backend.describe

    def close(self) -> None:
        try:
            super().close()
        except S3Error as exc:
            if exc.status in _CONFLICT:
                raise FileExistsError(errno.EEXIST, "file exists", self._describe(self._path)) from exc
            raise


class S3Backend(StorageBackend):
    """A storage root at s3://bucket/prefix on the store the client talks to.

    lock_ttl: seconds after its last renewal at which a lock object counts as abandoned (its holder renews it every
    lock_ttl / 3 seconds); conditional_writes: the store honours If-None-Match: * on PUT (SeaweedFS ≥ 3.9x, AWS S3,
    MinIO do) — without it, creating a file checks first and writes second, and locks are not safe.
    """

    renames_atomically = False

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        prefix: str = "",
        *,
        lock_ttl: float = 60.0,
        lock_poll: float = 0.1,
        conditional_writes: bool = True,
        workers: int = 8,
    ) -> None:
        self.client = client
        self.bucket = bucket
        prefix = prefix.strip("/")
        self.prefix = prefix + "/" if prefix else ""
        self.lock_ttl = lock_ttl
        self.lock_poll = lock_poll
        self.conditional_writes = conditional_writes
        self.workers = workers

    def __repr__(self) -> str:
        return f"S3Backend({self.client.config.endpoint!r}, {self.bucket!r}, {self.prefix!r})"

    # -- keys -----------------------------------------------------------------------------------------------------

    def _key(self, path: str) -> str:
        if not path:
            return self.prefix
        if path.startswith("/") or path.endswith("/") or "\\" in path or "\0" in path:
            raise ValueError(f"not a relative storage path: {path!r}")
        for part in path.split("/"):
            if part in ("", ".", ".."):
                raise ValueError(f"not a relative storage path: {path!r}")
        return self.prefix + path

    def _dir_prefix(self, path: str) -> str:
        return self._key(path) + "/" if path else self.prefix

    def describe(self, path: str = "") -> str:
        return f"s3://{self.bucket}/{self._key(path)}"

    def _missing(self, path: str) -> FileNotFoundError:
        return FileNotFoundError(errno.ENOENT, "no such file or directory", self.describe(path))

    def _head(self, path: str) -> ObjectInfo | None:
        return self.client.head_object(self.bucket, self._key(path))

    def _keys_under(self, prefix: str) -> list[ObjectInfo]:
        return [o for o in self.client.list_objects(self.bucket, prefix) if isinstance(o, ObjectInfo)]

    def _has_keys(self, prefix: str) -> bool:
        return bool(self.client.list_page(self.bucket, prefix, max_keys=1).objects)

    def _parallel(self, function: Callable[[Any], T], items: list[Any]) -> list[T]:
        if len(items) < 2 or self.workers < 2:
            return [function(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(items)), thread_name_prefix="s3") as pool:
            return list(pool.map(function, items))

    def check(self) -> None:
        """Raise S3Error (NoSuchBucket, AccessDenied, InvalidAccessKeyId, …) or S3ConnectionError unless the bucket
        is there and these credentials may list it."""
        self.client.head_bucket(self.bucket)
        self.client.list_page(self.bucket, self.prefix, max_keys=1)

    # -- reading --------------------------------------------------------------------------------------------------

    def open_read(self, path: str) -> BinaryIO:
        try:
            reader = S3ObjectReader(self.client, self.bucket, self._key(path))
        except S3Error as exc:
            if _is_missing(exc):
                raise self._missing(path) from None
            raise
        return cast(BinaryIO, reader)

    def read_bytes(self, path: str) -> bytes:
        try:
            return self.client.get_object(self.bucket, self._key(path))
        except S3Error as exc:
            if _is_missing(exc):
                raise self._missing(path) from None
            raise

    def stat(self, path: str) -> Entry:
        if not path:
            return Entry("", EntryKind.DIR)
        info = self._head(path)
        if info is not None:
            return Entry(path.rpartition("/")[2], EntryKind.FILE, info.size)
        # A directory exists while some key is under its prefix (its marker, or anything below). A recursive listing
        # is asked, not a delimited one: some stores (SeaweedFS) list a directory emptied by deletes as a common
        # prefix for a while, but never as a key.
        if self._has_keys(self._dir_prefix(path)):
            return Entry(path.rpartition("/")[2], EntryKind.DIR)
        raise self._missing(path)

    def list_dir(self, path: str) -> list[Entry]:
        prefix = self._dir_prefix(path)
        files: list[Entry] = []
        candidates: list[str] = []
        for item in self.client.list_objects(self.bucket, prefix, delimiter="/"):
            if isinstance(item, str):
                candidates.append(item)
            elif item.key != prefix:
                files.append(Entry(item.key[len(prefix) :], EntryKind.FILE, item.size))
        # Common prefixes left behind by deletes (see stat) are not directories: keep those with a key below.
        present = self._parallel(self._has_keys, candidates)
        dirs = [Entry(p[len(prefix) : -1], EntryKind.DIR) for p, ok in zip(candidates, present, strict=True) if ok]
        entries = sorted(files + dirs, key=lambda e: e.name)
        if not entries and path and self.stat(path).is_file:
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", self.describe(path))
        return entries

    def walk(self, path: str = "") -> Iterator[tuple[str, list[Entry], list[Entry]]]:
        """One recursive listing of everything under path (one request per 1,000 keys, however deep), then the same
        top-down walk as the base class; pruning dirs skips those subtrees."""
        prefix = self._dir_prefix(path)
        tree: dict[str, tuple[set[str], list[Entry]]] = {path: (set(), [])}

        def node(directory: str) -> tuple[set[str], list[Entry]]:
            return tree.setdefault(directory, (set(), []))

        found = False
        for info in self._keys_under(prefix):
            found = True
            relative = info.key[len(prefix) :]
            marker = relative.endswith("/")
            parts = relative.rstrip("/").split("/") if relative else []
            if any(p in ("", ".", "..") for p in parts):
                logger.warning("S3: key %r is not a storage path; skipped", info.key)
                continue
            directory = path
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                if last and not marker:
                    node(directory)[1].append(Entry(part, EntryKind.FILE, info.size))
                else:
                    child = join(directory, part)
                    node(directory)[0].add(part)
                    node(child)
                    directory = child
        if not found and path:
            self.stat(path)  # FileNotFoundError, or an existing file
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", self.describe(path))
        stack = [path]
        while stack:
            current = stack.pop()
            subdirs, others = tree[current]
            dirs = [Entry(name, EntryKind.DIR) for name in sorted(subdirs)]
            others.sort(key=lambda e: e.name)
            yield current, dirs, others
            stack.extend(join(current, d.name) for d in reversed(dirs))

    # -- writing --------------------------------------------------------------------------------------------------

    def open_write(self, path: str) -> BinaryIO:
        # The parent need not exist (a prefix needs nothing above it); the file must not.
        if self._head(path) is not None:
            raise FileExistsError(errno.EEXIST, "file exists", self.describe(path))
        return cast(BinaryIO, _CreateOnlyWriter(self, self._key(path), path))

    def write_bytes(self, path: str, data: bytes, *, fsync: bool = False) -> None:
        key = self._key(path)
        if not self.conditional_writes and self._head(path) is not None:
            raise FileExistsError(errno.EEXIST, "file exists", self.describe(path))
        try:
            self.client.put_object(self.bucket, key, data, if_none_match=self.conditional_writes)
        except S3Error as exc:
            if exc.status in _CONFLICT:
                raise FileExistsError(errno.EEXIST, "file exists", self.describe(path)) from exc
            raise

    def replace_bytes(self, path: str, data: bytes) -> None:
        """One PUT: readers see the old object or the new one, never a mix."""
        self.client.put_object(self.bucket, self._key(path), data)

    def mkdir(self, path: str, *, parents: bool = False, exist_ok: bool = False) -> None:
        if not path:
            self.client.head_bucket(self.bucket)
            if not exist_ok and self._has_keys(self.prefix):
                raise FileExistsError(errno.EEXIST, "the storage root exists", self.describe(path))
            return
        if not exist_ok and self.exists(path):
            raise FileExistsError(errno.EEXIST, "file exists", self.describe(path))
        self.client.put_object(self.bucket, self._dir_prefix(path), b"", content_type="application/x-directory")

    def rename(self, src: str, dst: str, *, replace: bool = False) -> None:
        """A file: a server-side copy, then the delete of the source. A directory: every key copied, then every
        source key deleted. Neither is atomic (see the module docstring)."""
        info = self._head(src)
        if info is not None:
            if not replace and self.exists(dst):
                raise FileExistsError(errno.EEXIST, "target exists", self.describe(dst))
            self.client.copy_object(self.bucket, info.key, self._key(dst), size=info.size)
            self.client.delete_object(self.bucket, info.key)
            return
        source = self._dir_prefix(src)
        keys = self._keys_under(source)
        if not keys:
            raise self._missing(src)
        if self.exists(dst) and (not replace or self.is_file(dst) or self._has_keys_besides_marker(dst)):
            raise FileExistsError(errno.EEXIST, "target exists", self.describe(dst))
        target = self._dir_prefix(dst)
        self._parallel(lambda o: self._copy_key(o, target + o.key[len(source) :]), keys)
        self.client.delete_objects(self.bucket, [o.key for o in keys])

    def _copy_key(self, info: ObjectInfo, target: str) -> None:
        if info.key.endswith("/"):  # a directory marker: some stores (SeaweedFS) cannot copy one, so make a new one
            self.client.put_object(self.bucket, target, b"", content_type="application/x-directory")
        else:
            self.client.copy_object(self.bucket, info.key, target, size=info.size)

    def _has_keys_besides_marker(self, path: str) -> bool:
        prefix = self._dir_prefix(path)
        return any(o.key != prefix for o in self.client.list_page(self.bucket, prefix, max_keys=2).objects)

    def copy_file(self, src: str, dst: str) -> None:
        if self.exists(dst):
            raise FileExistsError(errno.EEXIST, "target exists", self.describe(dst))
        info = self._head(src)
        if info is None:
            raise self._missing(src)
        self.client.copy_object(self.bucket, info.key, self._key(dst), size=info.size)

    def remove(self, path: str) -> None:
        if self._head(path) is None:
            raise self._missing(path)
        self.client.delete_object(self.bucket, self._key(path))

    def rmdir(self, path: str) -> None:
        if not path:
            raise OSError(errno.EBUSY, "the storage root cannot be removed", self.describe(path))
        prefix = self._dir_prefix(path)
        keys = [o.key for o in self.client.list_page(self.bucket, prefix, max_keys=2).objects]
        if any(k != prefix for k in keys):
            raise OSError(errno.ENOTEMPTY, "directory not empty", self.describe(path))
        if not keys:
            if self._head(path) is not None:
                raise NotADirectoryError(errno.ENOTDIR, "not a directory", self.describe(path))
            raise self._missing(path)
        self.client.delete_object(self.bucket, prefix)

    def remove_tree(self, path: str) -> None:
        keys = [o.key for o in self._keys_under(self._dir_prefix(path))]
        if path and not keys and self._head(path) is not None:
            keys = [self._key(path)]
        if keys:
            self.client.delete_objects(self.bucket, keys)

    def fsync(self, path: str) -> None:
        """Nothing to do: the store has made an object durable when it answers the PUT."""

    def sync(self) -> None:
        """Nothing to do (see fsync)."""

    # -- locks ----------------------------------------------------------------------------------------------------

    @contextmanager
    def lock(self, name: str, *, blocking: bool = True) -> Iterator[None]:
        """A lock object created with If-None-Match: * (only one creator wins), renewed with If-Match while held,
        deleted with If-Match on release; a lock not renewed for lock_ttl seconds (by the store's clock) is broken,
        and so is one whose holder was a process of this machine that is gone (killed, crashed)."""
        key = self._key(name)
        token = uuid.uuid4().hex
        body = json.dumps(
            {
                "owner": token,
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "node": _node_identity(),
                "ttl": self.lock_ttl,
            }
        ).encode()
        delay = self.lock_poll
        while True:
            try:
                etag = self.client.put_object(
                    self.bucket, key, body, if_none_match=True, content_type="application/json"
                )
                break
            except S3Error as exc:
                if exc.status not in _CONFLICT:
                    raise
            current = self._read_lock(key)
            if current is None:
                continue  # released meanwhile
            holder, current_etag, expired = current
            if holder.get("owner") == token:
                etag = current_etag  # our PUT went through, its answer was lost and the retry found it
                break
            if expired or _holder_is_dead(holder):
                try:
                    self.client.delete_object(self.bucket, key, if_match=current_etag)
                    logger.warning("S3: broke the expired lock %s of %s", key, holder)
                except S3Error as exc:
                    if exc.status not in (*_CONFLICT, 404):
                        raise
                continue
            if not blocking:
                raise LockBusy(errno.EWOULDBLOCK, "lock is held", self.describe(name))
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        renewer = _Renewer(self, key, body, etag)
        renewer.start()
        try:
            yield
        finally:
            etag = renewer.stop()
            try:
                self.client.delete_object(self.bucket, key, if_match=etag)
            except S3Error as exc:
                if exc.status not in (*_CONFLICT, 404):
                    raise
                logger.error("S3: the lock %s was no longer ours when released", key)

    def _read_lock(self, key: str) -> tuple[dict[str, Any], str, bool] | None:
        """(the holder's record, the lock object's ETag, whether it has expired) or None if there is no lock."""
        try:
            response = self.client.request("GET", self.bucket, key, ok=(200,))
        except S3Error as exc:
            if _is_missing(exc):
                return None
            raise
        try:
            holder = json.loads(response.data)
        except ValueError:
            holder = {}
        holder = holder if isinstance(holder, dict) else {}
        modified = parse_time(response.headers.get("last-modified"))
        now = parse_time(response.headers.get("date"))
        try:
            ttl = float(holder.get("ttl", self.lock_ttl))
        except (TypeError, ValueError):
            ttl = self.lock_ttl
        expired = modified is not None and now is not None and (now - modified).total_seconds() > max(ttl, 1.0)
        return holder, response.headers.get("etag", ""), expired


def _node_identity() -> str:
    """Who can tell whether a lock holder's process still runs: the same kernel boot and the same process id
    namespace (Linux); '' elsewhere."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return ""
    return f"{socket.gethostname()}|{boot}|{namespace}"


def _holder_is_dead(holder: dict[str, Any]) -> bool:
    """A lock held by a process of this machine (and pid namespace) that no longer runs: no need to wait for its
    expiry."""
    node = _node_identity()
    pid = holder.get("pid")
    if not node or holder.get("node") != node or not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


class _Renewer(threading.Thread):
    """Rewrites a held lock object every ttl / 3 seconds (If-Match: only while it is still ours)."""

    def __init__(self, backend: S3Backend, key: str, body: bytes, etag: str) -> None:
        super().__init__(name=f"s3-lock-{key.rsplit('/', 1)[-1]}", daemon=True)
        self.backend = backend
        self.key = key
        self.body = body
        self.etag = etag
        self.lost = False
        self._stopping = threading.Event()

    def run(self) -> None:
        interval = max(self.backend.lock_ttl / 3, 0.05)
        while not self._stopping.wait(interval):
            try:
                self.etag = self.backend.client.put_object(
                    self.backend.bucket, self.key, self.body, if_match=self.etag, content_type="application/json"
                )
            except S3Error as exc:
                if exc.status in (*_CONFLICT, 404):
                    self.lost = True
                    logger.error("S3: lost the lock %s (broken by another process after expiring)", self.key)
                    return
                logger.warning("S3: could not renew the lock %s: %s", self.key, exc)

    def stop(self) -> str:
        self._stopping.set()
        self.join()
        return self.etag
