"""Reading the report PDFs in tests: their text (decoded through each font's ToUnicode map, the way a viewer's
search does; pypdf's own extraction splits the two-byte codes of fpdf2's CID fonts), and their PDF/A parts."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ContentStream

_BFCHAR = re.compile(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_BFRANGE = re.compile(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
LINE_OPERATORS = {b"T*", b"Td", b"TD", b"ET", b"'", b'"'}


def _to_unicode(font: Any) -> dict[int, str]:
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    table: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in _BFCHAR.findall(block):
            table[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for start, end, first in _BFRANGE.findall(block):
            base = int(first, 16)
            for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                table[code] = chr(base + offset)
    return table


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    out: list[str] = []
    for page in reader.pages:
        fonts = {name: _to_unicode(font.get_object()) for name, font in page["/Resources"]["/Font"].items()}
        current: dict[int, str] = {}
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = fonts[operands[0]]
            elif operator in (b"Tj", b"TJ"):
                for part in operands[0] if operator == b"TJ" else [operands[0]]:
                    if isinstance(part, (int, float)):
                        continue
                    raw = part.original_bytes if hasattr(part, "original_bytes") else bytes(part)
                    out.append(
                        "".join(current.get(int.from_bytes(raw[i : i + 2], "big"), "") for i in range(0, len(raw), 2))
                    )
            elif operator in LINE_OPERATORS:
                out.append("\n")
        out.append("\f")
    return "".join(out)


def page_streams(data: bytes) -> list[bytes]:
    return [page.get_contents().get_data() for page in PdfReader(io.BytesIO(data)).pages]
