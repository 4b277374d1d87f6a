"""Digests of files read in blocks: one file, or one digest over several files in order (the fingerprint of a
catalog that spans several sheets). Package fixity has its own, faster path in preservation.ocfl.digests."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

__all__ = ["file_digest", "files_digest"]

BLOCK = 1 << 20


def file_digest(path: str | os.PathLike[str], algorithm: str = "sha256") -> str:
    """The hex digest of the file at ``path`` (any algorithm hashlib knows)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()


def files_digest(paths: Iterable[str | os.PathLike[str]], algorithm: str = "sha256") -> str:
    """One hex digest over the bytes of ``paths`` read one after the other, in the order given."""
    digest = hashlib.new(algorithm)
    for path in paths:
        with open(path, "rb") as handle:
            while block := handle.read(BLOCK):
                digest.update(block)
    return digest.hexdigest()
