"""Offline Chinese OCR (no Django here): pages in, text in reading order and ALTO XML out.

``recognize(image)`` reads a page (simplified and traditional characters as printed, horizontal lines and vertical
columns, red text, text under seals); ``to_alto`` / ``parse_alto`` write and read ALTO 4.4. See
docs/development/ocr.md.
"""

from __future__ import annotations

from .alto import parse_alto, to_alto
from .pipeline import load_image, recognize
from .results import Box, Glyph, PageResult, TextLine

__all__ = ["Box", "Glyph", "PageResult", "TextLine", "load_image", "parse_alto", "recognize", "to_alto"]
