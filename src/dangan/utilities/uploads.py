"""The resumable upload protocol that accession (packages) and digitization (batch scans) share: the client
declares a name and a size, then sends chunks (``PUT`` with ``Content-Range: bytes START-END/TOTAL``), each at the
offset the server has reached; after a broken connection it asks for the offset and goes on from there. Each app
keeps its own upload model and rules; this module holds the protocol's pieces: the safe file name, the chunk check,
the write, and reading the header."""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 1 << 40
BLOCK = 1 << 20
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class ByteSource(Protocol):
    """Where a chunk's bytes are read from: a request body, a file."""

    def read(self, size: int, /) -> bytes: ...


class OffsetMismatch(ValidationError):
    """A chunk for another offset than the one reached: the client resumes from ``offset``."""

    def __init__(self, offset: int) -> None:
        super().__init__(_("偏移量不符，应从第 %(offset)d 字节继续") % {"offset": offset}, code="conflict")
        self.offset = offset


def safe_file_name(name: str, default: str) -> str:
    """The last part of a client's file name, with only word characters, dots, dashes, brackets and spaces."""
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[^\w.\-()（）\[\]【】 ]", "_", base).strip(" .")[:200] or default


def check_upload_size(size: int) -> None:
    if size <= 0 or size > MAX_UPLOAD_BYTES:
        raise ValidationError({"size": _("文件大小无效。")})


def chunk_start(content_range: str, length: int, size: int) -> int:
    """The offset a chunk starts at, from its ``Content-Range`` header and body length; ValidationError (in Chinese)
    for a header that is missing, malformed or disagrees with the upload's size or the body."""
    match = _CONTENT_RANGE.fullmatch(content_range.strip())
    if match is None:
        raise ValidationError({"Content-Range": _("缺少或无法识别 Content-Range（bytes START-END/TOTAL）")})
    start, end, total = (int(g) for g in match.groups())
    if total != size or end - start + 1 != length:
        raise ValidationError({"Content-Range": _("Content-Range 与上传大小或数据长度不符")})
    return start


def write_chunk(path: Path | str, *, received: int, size: int, offset: int, stream: ByteSource, length: int) -> None:
    """Write ``length`` bytes from ``stream`` at ``offset`` of the partial file ``path``, which holds ``received``
    of ``size`` bytes. Call it with the upload's row locked; the caller then records ``received + length``."""
    if offset != received:
        raise OffsetMismatch(received)
    if length <= 0 or offset + length > size:
        raise ValidationError(_("数据块超出声明的文件大小。"))
    with open(path, "r+b") as out:
        out.truncate(offset)  # a chunk cut off mid-way earlier left bytes past the recorded offset
        out.seek(offset)
        copy_exactly(stream, out, length, _("数据块不完整：少了 %(n)d 字节"))


def copy_exactly(stream: ByteSource, out: BinaryIO, length: int, short: str) -> None:
    """Copy ``length`` bytes from ``stream`` into ``out`` in blocks; a stream that ends early raises ValidationError
    with ``short`` (a message with ``%(n)d``, the bytes missing)."""
    left = length
    while left:
        block = stream.read(min(BLOCK, left))
        if not block:
            raise ValidationError(short % {"n": left})
        out.write(block)
        left -= len(block)
