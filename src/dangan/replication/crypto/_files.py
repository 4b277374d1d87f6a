"""Secret files: written whole or not at all, mode 0600, never over an existing file; refused when others can
read them."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from dangan.replication.crypto.errors import KeyFileError, KeyFileExists, KeyFileExposed


def write_secret_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file (0600) beside ``path``, fsync it, then link it into place, which fails
    if ``path`` exists: a crash leaves no half-written key and a second node never overwrites the first one's."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.write(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise KeyFileExists(path=path) from None
    finally:
        temporary.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_secret_file(path: Path) -> bytes:
    """The bytes of a secret file; KeyFileExposed when its group or others may read or write it."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileExposed(path=path, mode=oct(stat.S_IMODE(mode)))
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(path=path, reason=exc.strerror or exc.__class__.__name__) from exc
