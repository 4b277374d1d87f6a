"""The OCR text of a unit's pages as the IIIF services need it: the stored rows (``dangan.digitization.ocr_text``),
each page's ALTO read back into lines and glyph boxes, and whether the document is written in vertical columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dangan.digitization.ocr import PageResult, parse_alto
from dangan.digitization.ocr_text import page_texts

ALTO_NAMESPACE = "http://www.loc.gov/standards/alto/ns-v4#"


@dataclass(frozen=True)
class StoredPageText:
    number: int
    text: str
    alto: str


def stored_texts(unit: Any) -> dict[int, StoredPageText]:
    """Page number → the unit's current OCR text of that page (none before OCR)."""
    rows = page_texts(unit)
    return {row.page: StoredPageText(row.page, row.text or "", row.alto or "") for row in rows}


def read_alto(alto: str) -> PageResult | None:
    """The ALTO of a page read back as a ``PageResult`` (None when it cannot be read)."""
    if not alto:
        return None
    try:
        return parse_alto(alto.encode("utf-8"))
    except (ValueError, SyntaxError):  # lxml's XMLSyntaxError is a SyntaxError
        return None


def is_vertical(texts: dict[int, StoredPageText]) -> bool:
    """Whether the unit reads as vertical columns, right to left: when most of its OCR'd pages were recognized as
    vertical (a page's ``PageResult.vertical``, decided per page by the OCR). Without OCR text: not vertical."""
    votes = [page.vertical for page in (read_alto(t.alto) for t in texts.values()) if page is not None]
    return bool(votes) and sum(votes) * 2 > len(votes)
