"""A folder target (kind ``folder``): a NAS share, a mounted disk, or tape under LTFS. Each envelope is a file
``<location>/<name>``, written through ``<name>.partial`` (a resumed upload continues from that file's size),
fsynced, and renamed into place once complete, so a name that exists is a whole envelope.

The receipt's SHA-256 is computed by reading back what is on the medium after the rename — not from the bytes as
they were sent — so a write the medium did not keep (a full share, a failing disk) is found at once. On tape
(LTFS) that read-back costs a second pass over the bytes, which is the point.

The folder itself must exist: a share that is not mounted must not quietly fill the local disk under its mount
point. That case, and every other OSError, is a StoreError with ``retry`` (the medium may come back).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from dangan.replication.models import Target

from .base import Pieces, Receipt, StoredObject, StoreError, TargetStore, Usage, check_name

__all__ = ["FolderStore", "folder_store"]

PARTIAL = ".partial"
_BLOCK = 1024 * 1024


class FolderStore(TargetStore):
    """Envelopes as files under one folder."""

    def __init__(self, location: str | Path) -> None:
        if not str(location).strip():
            raise StoreError(_("文件夹型备份目标未设置位置（目录）"))
        self.root = Path(location)

    def describe(self) -> str:
        return str(self.root)

    # -- paths ------------------------------------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        check_name(name)
        if name.endswith(PARTIAL):
            raise ValueError(f"密文对象名称不合规：{name!r}")
        return self.root / name

    def _ready(self) -> None:
        if not self.root.is_dir():
            raise StoreError(
                _("备份目录 %(path)s 不存在或不是目录（共享盘或磁带未挂载？）") % {"path": self.root}, retry=True
            )

    # -- the interface ----------------------------------------------------------------------------------------

    def stat(self, name: str) -> StoredObject | None:
        path = self._path(name)
        try:
            return StoredObject(name, path.stat().st_size, True)
        except FileNotFoundError:
            pass
        try:
            return StoredObject(name, path.with_name(path.name + PARTIAL).stat().st_size, False)
        except FileNotFoundError:
            return None

    def put(self, name: str, size: int, pieces: Pieces) -> Receipt:
        path = self._path(name)
        self._ready()
        try:
            if path.exists():
                held = path.stat().st_size
                if held != size:
                    raise StoreError(
                        _("%(path)s 已有 %(held)d 字节的同名文件，与要写入的 %(size)d 字节不符")
                        % {"path": path, "held": held, "size": size}
                    )
                return self._receipt(name, path)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + PARTIAL)
            offset = partial.stat().st_size if partial.exists() else 0
            if offset > size:  # not a prefix of this envelope: start again
                partial.unlink()
                offset = 0
            with open(partial, "ab") as out:
                written = offset
                if offset < size:
                    for piece in pieces(offset):
                        if written + len(piece) > size:
                            raise StoreError(
                                _("%(name)s 的数据超出声明的 %(size)d 字节") % {"name": name, "size": size}
                            )
                        out.write(piece)
                        written += len(piece)
                out.flush()
                os.fsync(out.fileno())
            if written != size:
                raise StoreError(
                    _("%(name)s 只收到 %(written)d / %(size)d 字节") % {"name": name, "written": written, "size": size},
                    retry=True,
                )
            os.replace(partial, path)
            _fsync_dir(path.parent)
            return self._receipt(name, path)
        except OSError as exc:
            raise StoreError(_("写入 %(path)s 失败：%(error)s") % {"path": path, "error": exc}, retry=True) from exc

    def _receipt(self, name: str, path: Path) -> Receipt:
        """Size and SHA-256 of the envelope as read back from the medium."""
        digest = hashlib.sha256()
        size = 0
        with open(path, "rb") as handle:
            while block := handle.read(_BLOCK):
                digest.update(block)
                size += len(block)
        return Receipt(name, size, digest.hexdigest())

    def read(self, name: str, offset: int = 0, length: int | None = None) -> bytes:
        path = self._path(name)
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read() if length is None else handle.read(length)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        self._ready()
        found: list[StoredObject] = []
        for directory, _dirs, files in os.walk(self.root):
            relative = Path(directory).relative_to(self.root).as_posix()
            for file_name in files:
                name = file_name if relative == "." else f"{relative}/{file_name}"
                complete = not name.endswith(PARTIAL)
                name = name if complete else name[: -len(PARTIAL)]
                if not name.startswith(prefix):
                    continue
                try:
                    check_name(name)
                    size = (Path(directory) / file_name).stat().st_size
                except (ValueError, FileNotFoundError):
                    continue  # not ours, or gone meanwhile
                found.append(StoredObject(name, size, complete))
        # A complete envelope hides a stale partial of the same name (a rename raced with a crash).
        by_name: dict[str, StoredObject] = {}
        for item in found:
            if item.name not in by_name or item.complete:
                by_name[item.name] = item
        yield from (by_name[name] for name in sorted(by_name))

    def delete(self, name: str) -> None:
        path = self._path(name)
        for candidate in (path, path.with_name(path.name + PARTIAL)):
            try:
                candidate.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise StoreError(_("删除 %(path)s 失败：%(error)s") % {"path": candidate, "error": exc}) from exc

    def usage(self) -> Usage:
        return Usage(sum(item.size for item in self.list()))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def folder_store(target: Target) -> FolderStore:
    """The store of a folder target (stores.registry factory)."""
    return FolderStore(target.location)
