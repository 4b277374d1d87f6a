"""The Chinese font for generated PDFs: Noto Sans CJK SC as `make system-deps` installs it (fonts-noto-cjk), or the
file DANGAN_REPORT_FONT names."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
)
TTC_SC = 2  # Noto Sans CJK SC in the collection


class FontMissing(RuntimeError):
    """No Chinese font is installed; the message says how to install one."""


@dataclass(frozen=True)
class CjkFont:
    regular: str
    bold: str
    collection_index: int  # the face in a .ttc collection (0 for a plain .ttf/.otf)


def cjk_font() -> CjkFont:
    configured = getattr(settings, "REPORT_FONT", "")
    if configured:
        return CjkFont(configured, configured, TTC_SC if configured.endswith(".ttc") else 0)
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file():
            return CjkFont(regular, bold if Path(bold).is_file() else regular, TTC_SC)
    raise FontMissing(_("找不到中文字体（Noto Sans CJK）：请运行 make system-deps 或设置 DANGAN_REPORT_FONT"))


def printable(text: str) -> str:
    """``text`` with each character no font can draw (a control, private-use or unassigned character) written as
    ⟨U+XXXX⟩: the reader sees it is there, and the PDF references no missing glyph."""
    return "".join(
        f"⟨U+{ord(c):04X}⟩" if unicodedata.category(c) in ("Cc", "Co", "Cn", "Cs") and c not in "\n\t" else c
        for c in text
    )
