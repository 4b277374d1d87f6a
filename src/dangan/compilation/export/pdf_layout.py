"""The PDF's page layout, apart from drawing: the book is poured into pages of ops (lines of text, images) in
abstract coordinates — ``inline`` along the line, ``block`` across lines — so the same layout serves the horizontal
edition (lines top to bottom) and the vertical one (columns right to left); ``pdf.py`` maps them onto the page.

The page: 16开 (185 × 260 mm), margins mirrored for binding (inner 24 mm, outer 18 mm, top 26 mm, bottom 24 mm), the
body in 五号 (10.5 pt) with a leading of 1.8, a text block of 143 × 210 mm."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dangan.compilation.export.linebreak import Atom, Line, atoms, break_lines

MM_PER_PT = 25.4 / 72
PAGE_W, PAGE_H = 185.0, 260.0
INNER, OUTER, TOP, BOTTOM = 24.0, 18.0, 26.0, 24.0
BLOCK_W, BLOCK_H = PAGE_W - INNER - OUTER, PAGE_H - TOP - BOTTOM


@dataclass(frozen=True)
class Style:
    font: str  # "serif" (宋体: the body), "sans" (黑体: headings), "sansb" (the title)
    size: float  # pt
    leading: float = 1.8  # line advance, in multiples of the size
    align: str = "justify"  # justify | left | center | right
    indent: float = 0.0  # first-line indent, in ems

    @property
    def em(self) -> float:
        return self.size * MM_PER_PT

    @property
    def advance(self) -> float:
        return self.em * self.leading


BODY = Style("serif", 10.5, indent=2)
PLAIN = Style("serif", 10.5)
DATE = Style("serif", 9.5, align="center")
SOURCE = Style("serif", 9, align="right", leading=1.6)
NOTE = Style("serif", 9, leading=1.6)
NOTE_HEAD = Style("sans", 9, leading=1.6, align="left")
CAPTION = Style("serif", 9, align="center", leading=1.6)
DOC_HEADING = Style("sans", 12, leading=1.6, align="center")
CHAPTER = Style("sans", 16, leading=1.6, align="center")
PART = Style("sans", 20, leading=1.6, align="center")
TITLE = Style("sansb", 26, leading=1.5, align="center")
SUBTITLE = Style("sans", 15, leading=1.6, align="center")
EDITOR = Style("serif", 12, leading=1.8, align="center")
TOC_L0 = Style("sans", 11, leading=1.9, align="left")
TOC_L1 = Style("serif", 10.5, leading=1.8, align="left")
INDEX_HEAD = Style("sans", 12, leading=1.8, align="left")
INDEX = Style("serif", 10, leading=1.7, align="left")
HEAD = Style("serif", 8.5)  # running heads and page numbers


@dataclass
class TextOp:
    style: Style
    line: Line
    inline: float  # where the line starts along the measure
    block: float  # the top of the line's band across the block
    spacing: float = 0.0  # extra space after each character (justification), mm
    toc_key: str = ""  # a table of contents line waiting for its page number


@dataclass
class ImageOp:
    path: Path
    inline: float
    block: float
    along: float  # extent along the line (width horizontally, height vertically)
    across: float  # extent across lines


@dataclass
class Page:
    kind: str  # title | blank | part | body
    head: str = ""  # the running head of an odd page (the section's title)
    ops: list[TextOp | ImageOp] = field(default_factory=list)
    outline: list[tuple[int, str]] = field(default_factory=list)  # (level, title) bookmarks starting here


class Flow:
    """Pours paragraphs, headings and images into pages. ``widths[font]`` are the font's advance widths (1/1000
    em by code point); ``measure`` is the line length and ``extent`` the depth of the block (swapped in the vertical
    edition)."""

    def __init__(self, widths: dict[str, dict[int, float]], *, vertical: bool) -> None:
        self.widths = widths
        self.vertical = vertical
        self.measure = BLOCK_H if vertical else BLOCK_W
        self.extent = BLOCK_W if vertical else BLOCK_H
        self.pages: list[Page] = []
        self.cursor = 0.0
        self.head = ""
        self.toc: dict[str, int] = {}  # toc key -> page number (1-based)
        self._measures: dict[tuple[str, float], Callable[[str], float]] = {}

    # -- measuring ------------------------------------------------------------------------------------------------
    def width_of(self, style: Style) -> Callable[[str], float]:
        key = (style.font, style.size)
        if key not in self._measures:
            table = self.widths[style.font]
            em = style.em / 1000
            chars: dict[str, float] = {}

            def measure(text: str) -> float:
                if len(text) == 1:
                    width = chars.get(text)
                    if width is None:
                        width = chars[text] = table.get(ord(text), 1000.0) * em
                    return width
                return sum(table.get(ord(c), 1000.0) for c in text) * em

            self._measures[key] = measure
        return self._measures[key]

    def lines(self, text: str | list[tuple[str, bool]], style: Style, measure: float | None = None) -> list[Line]:
        """``text`` (or runs of (text, is a note marker)) broken into lines of ``measure``."""
        width = self.width_of(style)
        runs = [(text, False)] if isinstance(text, str) else text
        items: list[Atom] = []
        for run, sticky in runs:
            items.extend(atoms(run, width, sticky=sticky))
        if self.vertical:  # one or two digits stand across the column in one em (纵中横)
            for atom in items:
                if atom.latin and len(atom.text) <= 2 and atom.text.isdigit():
                    atom.upright, atom.width = True, style.em
        return break_lines(items, measure or self.measure, indent=style.indent * style.em, em=style.em)

    # -- pages ----------------------------------------------------------------------------------------------------
    @property
    def page(self) -> Page:
        return self.pages[-1]

    def new_page(self, kind: str = "body", *, odd: bool = False) -> Page:
        """A new page; ``odd`` starts on a recto, leaving a blank verso when needed."""
        if odd and len(self.pages) % 2 == 1:
            self.pages.append(Page("blank"))
        self.pages.append(Page(kind, head=self.head))
        self.cursor = 0.0
        return self.page

    def room(self) -> float:
        return self.extent - self.cursor

    def ensure(self, depth: float) -> None:
        if not self.pages or (self.room() < depth - 1e-6 and self.cursor > 0):
            self.new_page()

    def space(self, depth: float) -> None:
        if self.cursor > 0:
            self.cursor = min(self.cursor + depth, self.extent)

    # -- content --------------------------------------------------------------------------------------------------
    def place_line(self, line: Line, style: Style, measure: float | None = None, inline: float = 0.0) -> TextOp:
        full = measure or self.measure
        self.ensure(style.advance)
        free = full - line.indent - line.width
        start, spacing = inline + line.indent, 0.0
        count = len(line.text)
        if style.align == "center":
            start += free / 2
        elif style.align == "right":
            start += free
        elif style.align == "justify" and not line.last and count > 1 and -style.em < free < 4 * style.em:
            spacing = free / (count - 1)
        op = TextOp(style, line, start, self.cursor, spacing)
        self.page.ops.append(op)
        self.cursor += style.advance
        return op

    def paragraph(self, text: str | list[tuple[str, bool]], style: Style, *, keep: int = 2) -> list[TextOp]:
        """A paragraph; no widow of one line left at a page's foot (at least ``keep`` lines together)."""
        lines = self.lines(text, style)
        if not lines:
            return []
        self.ensure(style.advance * min(keep, len(lines)))
        return [self.place_line(line, style) for line in lines]

    def heading(
        self,
        text: str,
        style: Style,
        *,
        before: float = 0.0,
        after: float = 0.0,
        keep: float = 0.0,
        key: str = "",
        level: int = 0,
    ) -> None:
        """A heading kept with what follows (``keep``: the depth that must fit below it); ``key`` records its page
        for the table of contents and a bookmark at ``level``."""
        lines = self.lines(text, style)
        depth = before + after + style.advance * len(lines) + keep
        self.ensure(depth)
        if key:
            self.mark(key, level, text)
        self.space(before)
        for line in lines:
            self.place_line(line, style)
        self.space(after)

    def image(self, path: Path, width_px: int, height_px: int, caption: str) -> None:
        """An image scaled to the text block (at most 60 % of its depth), its caption under it (beside it, to the
        left, in the vertical edition)."""
        along_px, across_px = (height_px, width_px) if self.vertical else (width_px, height_px)
        scale = min(self.measure / max(along_px, 1), self.extent * 0.6 / max(across_px, 1))
        along, across = along_px * scale, across_px * scale
        caption_lines = self.lines(caption, CAPTION) if caption else []
        depth = across + 2 + CAPTION.advance * len(caption_lines)
        self.ensure(depth + 3)
        self.space(3)
        self.page.ops.append(ImageOp(path, (self.measure - along) / 2, self.cursor, along, across))
        self.cursor += across + 2
        for line in caption_lines:
            self.place_line(line, CAPTION)
        self.space(3)

    def toc_line(self, key: str, title: str, style: Style, indent: float) -> None:
        """A line of the table of contents: the title (wrapped short of the page number), a leader, and the page
        number filled in once the book is laid out."""
        number_room = 4 * style.em
        lines = self.lines(title, style, self.measure - indent - number_room)
        for n, line in enumerate(lines):
            op = self.place_line(line, style, self.measure - indent, inline=indent)
            op.spacing = 0.0
            if n == len(lines) - 1:
                op.toc_key = key

    def mark(self, key: str, level: int, title: str) -> None:
        """Where a table of contents entry points: the current page (a heading about to be placed)."""
        self.toc[key] = len(self.pages)
        self.page.outline.append((level, title))
