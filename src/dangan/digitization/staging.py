"""Staging one page image and checking it, with no Django: the unit of work of an import, run on a pool of threads
or, for larger imports, of processes (forked: a child calls this module and the qc package only, never Django or a
database connection). Checking a page is partly Python holding the GIL; processes use every core."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from dangan.digitization.qc import PageCheck, ScanSpec, check_page

CHUNK = 1 << 20


def copy_hashing(source: Path, target: Path) -> tuple[str, int]:
    """Copy ``source`` to ``target`` (through a temporary name, so a kill leaves no half file under the real one)
    and return its SHA-256 and size, read once."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as src, open(partial, "wb") as out:
        while block := src.read(CHUNK):
            digest.update(block)
            out.write(block)
            size += len(block)
    os.replace(partial, target)
    return digest.hexdigest(), size


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def stage_and_check(source: Path, target: Path, spec: ScanSpec, name: str) -> tuple[str, int, PageCheck]:
    """Copy ``source`` to ``target`` and check the copy: (sha256, size, the page's checks)."""
    sha256, size = copy_hashing(source, target)
    return sha256, size, check_page(target, spec, name=name)
