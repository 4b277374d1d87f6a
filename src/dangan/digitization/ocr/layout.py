"""Reading order of a page's lines, decided in the upright page (after the page's quarter turns).

Horizontal lines: top to bottom, and left to right within a band of lines that share their height (a table's row,
a form's label and value). Vertical columns: right to left, each top to bottom; columns stacked in one slot (the
same x range) read from the top one down. On a vertical page, horizontal lines above the columns (a title) come
first and the others after the columns.
"""

from __future__ import annotations

from .results import TextLine

__all__ = ["reading_order", "upright_bounds"]

Bounds = tuple[float, float, float, float]


def upright_bounds(box: Bounds, turns: int, width: int, height: int) -> Bounds:
    """A box (left, top, right, bottom) in the page turned ``turns`` quarters counter-clockwise."""
    left, top, right, bottom = box
    page_width = width
    for _ in range(turns % 4):
        # a quarter turn counter-clockwise: (x, y) → (y, page width - x)
        left, top, right, bottom = top, page_width - right, bottom, page_width - left
        page_width, height = height, page_width
    return left, top, right, bottom


def _bands(items: list[tuple[Bounds, TextLine]], *, axis: int) -> list[list[tuple[Bounds, TextLine]]]:
    """Group items whose extents along ``axis`` (1: y, 0: x) overlap by half of the smaller one."""
    groups: list[tuple[float, float, list[tuple[Bounds, TextLine]]]] = []
    for item in sorted(items, key=lambda it: (it[0][axis] + it[0][axis + 2]) / 2):
        start, end = item[0][axis], item[0][axis + 2]
        if groups:
            group_start, group_end, members = groups[-1]
            overlap = min(end, group_end) - max(start, group_start)
            if overlap > 0.5 * min(end - start, group_end - group_start):
                groups[-1] = (min(start, group_start), max(end, group_end), [*members, item])
                continue
        groups.append((start, end, [item]))
    return [members for _, _, members in groups]


def _horizontal_order(items: list[tuple[Bounds, TextLine]]) -> list[TextLine]:
    ordered: list[TextLine] = []
    for band in _bands(items, axis=1):
        ordered += [line for _, line in sorted(band, key=lambda it: it[0][0])]
    return ordered


def _vertical_order(items: list[tuple[Bounds, TextLine]]) -> list[TextLine]:
    ordered: list[TextLine] = []
    for slot in reversed(_bands(items, axis=0)):
        ordered += [line for _, line in sorted(slot, key=lambda it: it[0][1])]
    return ordered


def _short(bounds: Bounds) -> bool:
    left, top, right, bottom = bounds
    return right - left < 2.2 * (bottom - top)


def reading_order(
    lines: list[TextLine], turns: int, width: int, height: int, layout: str, boxes: list[Bounds] | None = None
) -> tuple[list[TextLine], bool]:
    """The lines in reading order, and whether the page is laid out in vertical columns. ``boxes`` (one per line)
    replace the lines' own boxes for ordering: those of a deskewed page, where a long slanting column is narrow."""
    if boxes is None:
        boxes = [(line.box.x, line.box.y, line.box.right, line.box.bottom) for line in lines]
    items = [(upright_bounds(box, turns, width, height), line) for box, line in zip(boxes, lines, strict=True)]
    vertical_characters = sum(len(line.text) for line in lines if line.vertical)
    horizontal_characters = sum(len(line.text) for line in lines if not line.vertical)
    vertical_page = layout == "vertical" or (layout == "auto" and vertical_characters > horizontal_characters)
    if not vertical_page:
        return _horizontal_order(items), False
    # on a vertical page only a line at least two characters long lying across is a horizontal line (a title);
    # a short piece (a column's last character or two) is a column
    columns = [item for item in items if item[1].vertical or _short(item[0])]
    others = [item for item in items if item not in columns]
    if not columns:
        return _vertical_order(others), True
    columns_top = min(bounds[1] for bounds, _ in columns)
    columns_bottom = max(bounds[3] for bounds, _ in columns)
    above = [
        item
        for item in others
        if item[0][3] <= columns_top + 0.25 * (columns_bottom - columns_top) and item[0][1] < columns_top
    ]
    rest = [item for item in others if item not in above]
    # short lines among the columns (one or two characters) are columns too
    among = [item for item in rest if item[0][1] < columns_bottom and item[0][3] > columns_top]
    below = [item for item in rest if item not in among]
    return _horizontal_order(above) + _vertical_order(columns + among) + _horizontal_order(below), True
