"""Format identification by content (PRONOM PUIDs with version and MIME type), in process, and the preservation
format policy. One FormatIdentifier is made once per worker and called per file; it reads only the first and
last few KB of most files (a PDF without a PDF/A claim up front is searched for its XMP packet).

    identify(Path("scan.pdf")).puid  # "fmt/354" for a PDF/A-1b
"""

from __future__ import annotations

import functools
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .containers import CONTAINER_CHECKS
from .media import MEDIA_CHECKS
from .pdf import check_pdf
from .policy import PRESERVATION_GROUPS, FormatPolicy, PolicyDecision
from .registry import FORMATS, LOCAL_PREFIX, FormatInfo, display_name, extension_formats, format_info
from .sample import Hit, Sample
from .text import check_text

__all__ = [
    "FORMATS",
    "LOCAL_PREFIX",
    "PRESERVATION_GROUPS",
    "FormatIdentification",
    "FormatIdentifier",
    "FormatInfo",
    "FormatPolicy",
    "PolicyDecision",
    "display_name",
    "format_info",
    "identify",
]


@dataclass(frozen=True)
class FormatIdentification:
    """What a file is. ``puid`` is empty when the format is unknown (then ``warning`` says so)."""

    puid: str
    mime_type: str
    format_name: str
    format_version: str
    basis: str  # why: the signature and fields that decided it
    warning: str = ""  # problems worth a person's attention, joined with "；"
    encoding: str = ""  # for text: UTF-8, GB18030, UTF-16LE …

    @property
    def identified(self) -> bool:
        return bool(self.puid)

    @property
    def name_zh(self) -> str:
        info = FORMATS.get(self.puid)
        return info.name_zh if info else (self.format_name or "未知格式")


UNKNOWN_MIME = "application/octet-stream"
# What a damaged file can make a structure reader raise (I/O errors are not among them: those propagate).
_MALFORMED = (struct.error, ValueError, IndexError, KeyError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError)


class FormatIdentifier:
    """Identifies files by their content. Build it once (the tables are prepared here) and reuse it."""

    def __init__(self, head_size: int = 8192, tail_size: int = 4096) -> None:
        self.head_size = head_size
        self.tail_size = tail_size
        # Order matters only where signatures could overlap: containers and PDF before the media checks,
        # MP3 (a weak frame-sync signature) last among them, text only when nothing binary matched.
        self._checks = (check_pdf, *CONTAINER_CHECKS, *MEDIA_CHECKS)
        self._extensions = extension_formats()

    def identify(self, path: Path | str) -> FormatIdentification:
        """Identify the file at ``path`` by its content; the name's extension only raises a warning if it disagrees."""
        path = Path(path)
        with open(path, "rb") as f:
            return self.identify_file(f, os.fstat(f.fileno()).st_size, path.name)

    def identify_file(self, f: BinaryIO, size: int, name: str = "") -> FormatIdentification:
        """Identify an open, seekable binary file of ``size`` bytes; ``name`` is used for the extension check."""
        if size == 0:
            return FormatIdentification("", UNKNOWN_MIME, "", "", "空文件", "文件为空（0 字节）")
        sample = Sample(f, size, name, self.head_size, self.tail_size)
        hit = None
        damaged = []
        for check in self._checks:
            try:
                hit = check(sample)
            except _MALFORMED as exc:
                # A signature matched but the structure behind it is broken: say so, and let later checks try.
                damaged.append(f"文件结构异常（{check.__name__.removeprefix('check_')}：{exc}）")
                hit = None
            if hit is not None:
                break
        if hit is None:
            hit = check_text(sample)
        if hit is None:
            hit = Hit("", "没有匹配的格式签名", ["未能识别文件格式"])
        hit.warnings[:0] = damaged
        return self._result(hit, name)

    def _result(self, hit: Hit, name: str) -> FormatIdentification:
        info = FORMATS.get(hit.puid)
        warnings = list(hit.warnings)
        extension = os.path.splitext(name)[1].lower()
        if extension and hit.puid and extension in self._extensions and info and extension not in info.extensions:
            warnings.append(f"扩展名 {extension} 与识别出的格式（{info.name_zh}）不符")
        return FormatIdentification(
            puid=hit.puid,
            mime_type=hit.mime_type or (info.mime_type if info else UNKNOWN_MIME),
            format_name=hit.name or (info.name if info else ""),
            format_version=hit.version or (info.version if info else ""),
            basis=hit.basis,
            warning="；".join(warnings),
            encoding=hit.encoding,
        )


@functools.cache
def default_identifier() -> FormatIdentifier:
    return FormatIdentifier()


def identify(path: Path | str) -> FormatIdentification:
    """Identify one file with the shared FormatIdentifier."""
    return default_identifier().identify(path)
