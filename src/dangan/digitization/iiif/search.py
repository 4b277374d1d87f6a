"""IIIF Content Search API 2.0 over a unit's OCR text: the query is matched in each page's text (as read back from
its ALTO) by the search app's own analyzer (``match_spans``: 繁简 and full-width folding), and every match becomes a
``highlighting`` annotation whose target is the canvas with the box of the matched characters (one box per text
line the match runs over)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dangan.digitization.ocr import Box, PageResult
from dangan.search.fulltext import match_spans

from .text import StoredPageText, load_alto, read_alto

SEARCH_CONTEXT = "http://iiif.io/api/search/2/context.json"
# The parameters of Content Search 2.0 this service does not implement: named in "ignored" when given.
UNSUPPORTED_PARAMETERS = ("motivation", "date", "user")
MAX_HITS = 500
PAGE_BREAK = "\n\n"  # between pages, as the search app joins a unit's full text
ALTO_BATCH = 20  # pages whose ALTO is loaded at once (a dense page's is about 150 kB)


@dataclass(frozen=True)
class Hit:
    page: int
    text: str
    boxes: list[tuple[int, int, int, int]]  # x, y, w, h in canvas pixels


def _union(boxes: Sequence[Box]) -> tuple[int, int, int, int]:
    left = min(b.x for b in boxes)
    top = min(b.y for b in boxes)
    right = max(b.x + b.width for b in boxes)
    bottom = max(b.y + b.height for b in boxes)
    return left, top, right - left, bottom - top


def _character_boxes(page: PageResult) -> tuple[str, list[tuple[int, Box | None]]]:
    """The page's text (lines joined by "\\n") and, per character, (line index, its box): the glyph's box, or for
    a line whose glyphs do not match its text one by one, the line's box."""
    boxes: list[tuple[int, Box | None]] = []
    parts = []
    for index, line in enumerate(page.lines):
        if index:
            boxes.append((-1, None))  # the "\n" between lines
        glyphs = list(line.glyphs)
        exact = len(glyphs) == len(line.text) and all(g.text == c for g, c in zip(glyphs, line.text, strict=True))
        boxes.extend((index, glyphs[i].box if exact else line.box) for i in range(len(line.text)))
        parts.append(line.text)
    return "\n".join(parts), boxes


def page_hits(number: int, page: PageResult, query: str, scale: tuple[float, float]) -> list[Hit]:
    """The matches of ``query`` in one page (a ``PageResult``), boxes scaled by ``scale``."""
    text, boxes = _character_boxes(page)
    hits = []
    for start, end in match_spans(text, query):
        by_line: dict[int, list[Box]] = {}
        for line, box in boxes[start:end]:
            if box is not None:
                by_line.setdefault(line, []).append(box)
        scaled = []
        for line_boxes in by_line.values():
            x, y, w, h = _union(line_boxes)
            sx, sy = scale
            scaled.append((round(x * sx), round(y * sy), max(1, round(w * sx)), max(1, round(h * sy))))
        if scaled:
            hits.append(Hit(number, text[start:end], scaled))
    return hits


def search_unit(
    unit: Any, texts: dict[int, StoredPageText], query: str, canvas_sizes: dict[int, tuple[int, int]]
) -> list[Hit]:
    """The hits of ``query`` in the pages' text (``texts`` with their text), in page order. ALTO coordinates are
    scaled onto the canvas when the OCR read the page at another size than the master's."""
    hits: list[Hit] = []
    matching = matching_pages({n: t.text for n, t in texts.items() if n in canvas_sizes}, query)
    for start in range(0, len(matching), ALTO_BATCH):
        batch = matching[start : start + ALTO_BATCH]
        alto = load_alto(unit, batch)
        for number in batch:
            hits.extend(_hits_on(number, alto.get(number, ""), query, canvas_sizes[number]))
            if len(hits) >= MAX_HITS:
                return hits[:MAX_HITS]
    return hits


def matching_pages(texts: dict[int, str], query: str) -> list[int]:
    """The pages (numbers, in order) whose stored text the query matches: the pages worth reading the ALTO of. One
    pass of the analyzer over all the pages' text together (a call per page costs more in parsing the query and
    setting up than in matching); a match running over a page break counts for the page it starts on."""
    numbers = sorted(texts)
    starts, parts, offset = [], [], 0
    for number in numbers:
        starts.append(offset)
        parts.append(texts[number])
        offset += len(texts[number]) + len(PAGE_BREAK)
    found = {numbers[bisect_right(starts, start) - 1] for start, _end in match_spans(PAGE_BREAK.join(parts), query)}
    return sorted(found)


def _hits_on(number: int, alto: str, query: str, canvas_size: tuple[int, int]) -> list[Hit]:
    page = read_alto(alto)
    if page is None:
        return []
    width, height = canvas_size
    scale = (width / page.width if page.width else 1.0, height / page.height if page.height else 1.0)
    return page_hits(number, page, query, scale)


def annotation_page(request_id: str, hits: Sequence[Hit], canvas_id: Any, ignored: Sequence[str]) -> dict[str, Any]:
    """The Content Search 2.0 response: an AnnotationPage of ``highlighting`` annotations."""
    items = []
    for index, hit in enumerate(hits, start=1):
        for part, (x, y, w, h) in enumerate(hit.boxes, start=1):
            items.append(
                {
                    "id": f"{request_id}#hit-{index}-{part}",
                    "type": "Annotation",
                    "motivation": "highlighting",
                    "body": {"type": "TextualBody", "value": hit.text, "format": "text/plain", "language": "zh"},
                    "target": f"{canvas_id(hit.page)}#xywh={x},{y},{w},{h}",
                }
            )
    result: dict[str, Any] = {"@context": SEARCH_CONTEXT, "id": request_id, "type": "AnnotationPage", "items": items}
    if ignored:
        result["ignored"] = list(ignored)
    return result
