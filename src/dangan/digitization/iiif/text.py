"""The OCR text of a unit's pages as the IIIF services need it: the stored rows (``dangan.digitization.ocr_text``),
each page's ALTO read back into lines and glyph boxes, and whether the document is written in vertical columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from dangan.digitization.ocr import PageResult, parse_alto
from dangan.digitization.ocr.alto import VERTICAL_TAG
from dangan.digitization.ocr_text import page_texts
from dangan.digitization.pages import Page

ALTO_NAMESPACE = "http://www.loc.gov/standards/alto/ns-v4#"
# How many OCR'd pages decide a unit's reading direction: a document is written one way throughout, and reading a
# few pages' ALTO keeps a manifest of hundreds of pages fast.
DIRECTION_SAMPLE = 12
_PARSER = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)


@dataclass(frozen=True)
class StoredPageText:
    number: int
    text: str
    alto: str
    master_sha256: str  # the master the text was read from


def stored_texts(unit: Any) -> dict[int, StoredPageText]:
    """Page number → the unit's current OCR text of that page (none before OCR)."""
    rows = page_texts(unit)
    return {row.page: StoredPageText(row.page, row.text or "", row.alto or "", row.master_sha256) for row in rows}


def current_texts(texts: dict[int, StoredPageText], pages: Sequence[Page]) -> dict[int, StoredPageText]:
    """The texts read from the page's present master: a page scanned again since its OCR has no text (its boxes
    would not fit the new image) until it is recognized again."""
    digests = {page.number: page.file.sha256 for page in pages}
    return {n: t for n, t in texts.items() if digests.get(n) and digests[n] == t.master_sha256}


def read_alto(alto: str) -> PageResult | None:
    """The ALTO of a page read back as a ``PageResult`` (None when it cannot be read)."""
    if not alto:
        return None
    try:
        return parse_alto(alto.encode("utf-8"))
    except (ValueError, SyntaxError):  # lxml's XMLSyntaxError is a SyntaxError
        return None


def page_is_vertical(alto: str) -> bool | None:
    """``PageResult.vertical`` of a page's ALTO (a text block tagged vertical), read without building the page's
    lines; None when the ALTO cannot be read."""
    try:
        root = etree.fromstring(alto.encode("utf-8"), _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    blocks = root.iter(f"{{{ALTO_NAMESPACE}}}TextBlock")
    return any(VERTICAL_TAG in (block.get("TAGREFS") or "").split() for block in blocks)


def is_vertical(texts: dict[int, StoredPageText]) -> bool:
    """Whether the unit reads as vertical columns, right to left: when most of its first OCR'd pages (up to
    DIRECTION_SAMPLE) were recognized as vertical, as the OCR decides per page. Without OCR text: not vertical."""
    sample = [texts[n].alto for n in sorted(texts)[:DIRECTION_SAMPLE] if texts[n].alto]
    votes = [v for v in (page_is_vertical(alto) for alto in sample) if v is not None]
    return bool(votes) and sum(votes) * 2 > len(votes)
