"""The OCR text of a unit's pages as the IIIF services need it: the stored rows (``PageText`` of the OCR store), each
page's ALTO read back into lines and glyph boxes, and whether the document is written in vertical columns. A page's
ALTO is large (a dense page: 150 kB, 30 ms to read back), so it is loaded only for the pages that need it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dangan.digitization.models import PageText
from dangan.digitization.ocr import PageResult, parse_alto
from dangan.digitization.ocr.alto import VERTICAL_TAG
from dangan.digitization.pages import Page

ALTO_NAMESPACE = "http://www.loc.gov/standards/alto/ns-v4#"
# How many OCR'd pages decide a unit's reading direction: a document is written one way throughout, and reading a
# few pages' ALTO keeps a manifest of hundreds of pages fast.
DIRECTION_SAMPLE = 12
_TEXT_BLOCK = re.compile(r"<(?:[\w.-]+:)?TextBlock\b([^>]*)>")
_TAGREFS = re.compile(r"""\bTAGREFS\s*=\s*(["'])(.*?)\1""")


@dataclass(frozen=True)
class StoredPageText:
    number: int
    master_sha256: str  # the master the text was read from
    text: str = ""  # loaded on request (stored_texts(…, with_text=True))


def stored_texts(unit: Any, *, with_text: bool = False) -> dict[int, StoredPageText]:
    """Page number → the unit's OCR text of that page (none before OCR), without the ALTO."""
    rows = PageText.objects.filter(unit=unit).order_by("page")
    if not with_text:
        return {page: StoredPageText(page, sha) for page, sha in rows.values_list("page", "master_sha256")}
    found = rows.values_list("page", "master_sha256", "text")
    return {page: StoredPageText(page, sha, text or "") for page, sha, text in found}


def load_alto(unit: Any, numbers: Sequence[int]) -> dict[int, str]:
    """Page number → the stored ALTO of those pages of ``unit``."""
    rows = PageText.objects.filter(unit=unit, page__in=list(numbers)).values_list("page", "alto")
    return {page: alto or "" for page, alto in rows}


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


def page_is_vertical(alto: str) -> bool:
    """``PageResult.vertical`` of a page's ALTO — one of its text blocks refers to the layout tag ``vertical`` — read
    from the start tags of its TextBlocks alone: parsing a dense page's ALTO costs milliseconds, this microseconds,
    and a manifest asks it of several pages."""
    for attributes in _TEXT_BLOCK.findall(alto):
        references = _TAGREFS.search(attributes)
        if references and VERTICAL_TAG in references.group(2).split():
            return True
    return False


def is_vertical(unit: Any, texts: dict[int, StoredPageText]) -> bool:
    """Whether the unit reads as vertical columns, right to left: when most of its first OCR'd pages (up to
    DIRECTION_SAMPLE) were recognized as vertical, as the OCR decides per page. Without OCR text: not vertical."""
    sample = load_alto(unit, sorted(texts)[:DIRECTION_SAMPLE])
    votes = [page_is_vertical(alto) for alto in sample.values() if alto]
    return bool(votes) and sum(votes) * 2 > len(votes)
