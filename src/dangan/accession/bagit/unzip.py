"""Unpacking a .zip that arrives as a SIP, safely: no entry may land outside the target folder (zip-slip), none may
be a link, a device or encrypted, and the number of files, the total size and the compression ratio are limited,
counting the bytes actually written rather than trusting the headers (zip bombs)."""

from __future__ import annotations

import hashlib
import os
import stat
import time
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .hashing import CHUNK_SIZE, Progress
from .problems import BagError
from .tagfiles import ALGORITHMS


@dataclass(frozen=True)
class ZipLimits:
    """What a SIP archive may hold. The ratio applies to entries over ``ratio_floor`` bytes (small files of one
    repeated byte compress enormously and harmlessly)."""

    max_files: int = 500_000
    max_total_bytes: int = 100 << 30
    max_ratio: float = 1000.0
    ratio_floor: int = 1 << 20


@dataclass(frozen=True)
class ZipEntry:
    info: zipfile.ZipInfo
    path: str  # decoded, '/'-separated, relative; no trailing slash
    is_dir: bool


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its creator meant it. Without the UTF-8 flag, Python reads names as CP437; Chinese
    Windows tools write GBK there, others write UTF-8 without setting the flag: try UTF-8, then GB18030."""
    name = info.filename
    if not info.flag_bits & 0x800:
        raw = name.encode("cp437")
        for encoding in ("utf-8", "gb18030"):
            try:
                name = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    return name


def _refuse(name: str, zh: str, en: str) -> BagError:
    return BagError(f"压缩包条目 {name} {zh}，已拒绝", f"zip entry {name} {en}; refused")


def inspect_zip(archive: zipfile.ZipFile, limits: ZipLimits) -> list[ZipEntry]:
    """Every entry checked against the rules and limits before anything is written."""
    entries: list[ZipEntry] = []
    seen: set[str] = set()
    files = 0
    declared = 0
    for info in archive.infolist():
        name = entry_name(info)
        path = name.replace("\\", "/")
        if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
            raise _refuse(name, "是绝对路径", "is an absolute path")
        segments = [s for s in path.split("/") if s not in ("", ".")]
        if ".." in segments:
            raise _refuse(name, "含 “..”，会写到目标目录之外", "contains '..' and would land outside the target")
        if not segments:
            continue
        if "\x00" in path:
            raise _refuse(name, "含 NUL 字符", "contains NUL")
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode)
        is_dir = info.is_dir()
        if info.create_system == 3 and kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            what = ("是符号链接", "is a symbolic link") if kind == stat.S_IFLNK else ("是特殊文件", "is a special file")
            raise _refuse(name, *what)
        if info.flag_bits & 0x1:
            raise _refuse(name, "已加密", "is encrypted")
        clean = unicodedata.normalize("NFC", "/".join(segments))
        if clean in seen:
            raise _refuse(name, "重复出现", "appears twice")
        seen.add(clean)
        if not is_dir:
            files += 1
            declared += info.file_size
            if files > limits.max_files:
                raise BagError(
                    f"压缩包文件数超过上限 {limits.max_files}", f"the archive holds more than {limits.max_files} files"
                )
            if declared > limits.max_total_bytes:
                raise BagError(
                    f"压缩包解压后超过上限 {limits.max_total_bytes} 字节",
                    f"the archive unpacks to more than {limits.max_total_bytes} bytes",
                )
            if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise _refuse(name, "压缩比异常（疑似压缩炸弹）", "has an implausible compression ratio (zip bomb?)")
        entries.append(ZipEntry(info, "/".join(segments), is_dir))
    return entries


def unpack_zip(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    limits: ZipLimits | None = None,
    algorithms: Sequence[str] = (),
    prefix: str = "",
    progress: Progress | None = None,
) -> dict[str, dict[str, str]]:
    """Unpack ``source`` into the folder ``target`` (created; must not exist) and return, for each file, the digests
    of ``algorithms`` computed while writing it, keyed by ``prefix`` + its path. Raises BagError on the first entry
    that breaks a rule or a limit, leaving ``target`` for the caller to remove."""
    limits = limits or ZipLimits()
    target = Path(target)
    digests: dict[str, dict[str, str]] = {}
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BagError("压缩包已损坏或不是 .zip 格式，无法读取", f"cannot read the archive: {exc}") from exc
    with archive:
        entries = inspect_zip(archive, limits)
        target.mkdir(parents=False)
        total_files = sum(not e.is_dir for e in entries)
        total_bytes = sum(e.info.file_size for e in entries if not e.is_dir)
        done_files = written_total = 0
        if progress:
            progress(0, total_files, 0, total_bytes)
        for entry in entries:
            destination = target.joinpath(*entry.path.split("/"))
            hashers = [(name, hashlib.new(ALGORITHMS[name])) for name in algorithms]
            written = 0
            try:
                if entry.is_dir:
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(entry.info) as f, open(destination, "xb") as out:
                    while chunk := f.read(CHUNK_SIZE):
                        written += len(chunk)
                        written_total += len(chunk)
                        if written > entry.info.file_size or written_total > limits.max_total_bytes:
                            raise _refuse(entry.path, "解压后比声明的大", "unpacks larger than it declares")
                        out.write(chunk)
                        for _, h in hashers:
                            h.update(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
                raise _refuse(entry.path, f"无法解压（{exc}）", f"cannot be unpacked ({exc})") from exc
            except (FileExistsError, NotADirectoryError) as exc:
                raise _refuse(entry.path, "与另一条目冲突", "collides with another entry") from exc
            mtime = _zip_time(entry.info)
            if mtime is not None:
                os.utime(destination, (mtime, mtime))
            digests[prefix + entry.path] = {name: h.hexdigest() for name, h in hashers}
            done_files += 1
            if progress:
                progress(done_files, total_files, written_total, total_bytes)
    return digests


def _zip_time(info: zipfile.ZipInfo) -> float | None:
    try:
        return time.mktime((*info.date_time, 0, 0, -1))
    except (OverflowError, ValueError):
        return None


def bag_root_in(entries: list[ZipEntry]) -> str | None:
    """Where a bag sits in an archive: '' when bagit.txt is at the top, 'X' when everything is under one folder X
    that holds bagit.txt; None when the archive is not a bag."""
    paths = {e.path for e in entries}
    if "bagit.txt" in paths:
        return ""
    tops = {p.split("/", 1)[0] for p in paths}
    if len(tops) == 1:
        top = tops.pop()
        if f"{top}/bagit.txt" in paths:
            return top
    return None
