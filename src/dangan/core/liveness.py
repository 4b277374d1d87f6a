"""Whether the process that owns a job still runs, on this host or another: each process that runs jobs holds a lock
that dies with it, and others test the lock, never the process id.

A process id alone cannot say it: a worker killed with SIGKILL and not yet reaped by its parent is a zombie that
still answers ``kill(pid, 0)``, a dead worker's pid is soon given to an unrelated process, and a pid means nothing
on another host. A lock held by the process itself is released by the kernel when the process ends, however it ends
(kill -9, a crash, an abort in a C library), before it turns into a zombie:

- PostgreSQL: a session advisory lock ``(NAMESPACE, token)`` held by a connection of its own; the server drops it
  when that connection closes, and every host sees it in ``pg_locks``.
- SQLite: ``flock()`` on ``<database>.workers/<token>.lock`` beside the database file; SQLite is one host by nature
  (its file cannot be shared safely over a network file system), so a local lock is enough.

A process's identity is ``"<token>.<pid>@<host>"`` (at most 64 characters, what django-tasks keeps as a worker id);
the random token names the lock, the pid and host are there for people reading the task table.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import secrets
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connections

logger = logging.getLogger("dangan.liveness")

NAMESPACE = 0x64616E67  # "dang": the first key of the two-key advisory locks, apart from other advisory locks
_IDENTITY = re.compile(r"^(\d{1,10})\.\d+@")


@dataclass
class _Held:
    identity: str
    token: int
    pid: int
    vendor: str
    handle: Any  # the dedicated PostgreSQL connection, or the locked file's descriptor


_lock = threading.Lock()
_held: _Held | None = None
# A forked child inherits its parent's lock connection: closing it there would end the parent's session and so its
# lock. It is kept (never used, never closed) for the child's lifetime.
_inherited: list[_Held] = []


def token_of(identity: str) -> int | None:
    """The lock token an identity names; None for a worker id of another form (an older dangan's, say)."""
    match = _IDENTITY.match(identity or "")
    return int(match.group(1)) if match else None


def current() -> str:
    """This process's identity, taking its lock on first use (and again in a forked child, which must not pass
    for its parent)."""
    global _held
    with _lock:
        if _held is not None and _held.pid == os.getpid() and _held_still(_held):
            return _held.identity
        if _held is not None and _held.pid != os.getpid():
            _inherited.append(_held)
        _held = _acquire()
        return _held.identity


def is_current(identity: str) -> bool:
    """Whether ``identity`` is this process's (without taking a lock when it has none yet)."""
    held = _held
    return held is not None and held.pid == os.getpid() and held.identity == identity


def is_alive(identity: str) -> bool:
    """Whether the process with this identity still runs. An identity that names no lock is dead."""
    token = token_of(identity)
    if token is None:
        return False
    if is_current(identity):
        return True
    if connections["default"].vendor == "postgresql":
        return _pg_is_locked(token)
    return _file_is_locked(token)


def release() -> None:
    """Give up this process's lock (a clean shutdown; the tests, before the test database is dropped)."""
    global _held
    with _lock:
        held, _held = _held, None
    if held is None or held.pid != os.getpid():
        return
    with contextlib.suppress(Exception):
        if held.vendor == "postgresql":
            held.handle.close()
        else:
            fcntl.flock(held.handle, fcntl.LOCK_UN)
            os.close(held.handle)
            _lock_path(held.token).unlink(missing_ok=True)


# ---------------------------------------------------------------- taking the lock


def _acquire() -> _Held:
    vendor = connections["default"].vendor
    for _attempt in range(5):
        token = secrets.randbelow(2**31 - 2) + 1
        handle = _pg_lock(token) if vendor == "postgresql" else _file_lock(token)
        if handle is not None:
            identity = f"{token}.{os.getpid()}@{socket.gethostname()}"[:64]
            return _Held(identity, token, os.getpid(), vendor, handle)
    raise RuntimeError("could not take a liveness lock")  # five random tokens all taken: not plausible


def _held_still(held: _Held) -> bool:
    """Whether our lock is still ours: a PostgreSQL connection can be cut (a server restart) while we live."""
    if held.vendor != "postgresql":
        return True
    try:
        with held.handle.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.warning("the liveness connection was lost; taking a new lock")
        with contextlib.suppress(Exception):
            held.handle.close()
        return False


def _pg_lock(token: int) -> Any:
    wrapper = connections["default"]
    params = wrapper.get_connection_params()
    # Notice a dead peer in minutes rather than hours when the network, not the process, goes away.
    params.update(keepalives=1, keepalives_idle=60, keepalives_interval=10, keepalives_count=3)
    connection = wrapper.get_new_connection(params)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s::int4, %s::int4)", [NAMESPACE, token])
        (taken,) = cursor.fetchone()
    if not taken:
        connection.close()
        return None
    return connection


def _pg_is_locked(token: int) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid = %s::int8::oid AND objid = %s::int8::oid AND objsubid = 2)",
            [NAMESPACE, token],
        )
        return bool(cursor.fetchone()[0])


def _lock_dir() -> Path:
    name = str(connections["default"].settings_dict.get("NAME") or "")
    if name and name != ":memory:" and not name.startswith("file:"):
        database = Path(name)
        return database.with_name(database.name + ".workers")
    from django.conf import settings

    return Path(settings.DANGAN_HOME) / "workers"


def _lock_path(token: int) -> Path:
    return _lock_dir() / f"{token}.lock"


def _file_lock(token: int) -> int | None:
    path = _lock_path(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Readable by all: a web server running as another account must be able to test the lock (not to take it).
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _file_is_locked(token: int) -> bool:
    path = _lock_path(token)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except PermissionError:
        return True  # cannot tell: never take over a job on a guess
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing our descriptor drops our shared lock, if we got it
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)  # its owner is gone: nobody will take this token's lock again
    return False
