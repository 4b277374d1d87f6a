"""What OCR returns: a page of text lines in reading order, each with its box and its characters' boxes."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Box", "Glyph", "PageResult", "TextLine"]


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in pixels of the input image."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @classmethod
    def spanning(cls, left: float, top: float, right: float, bottom: float) -> Box:
        x, y = round(left), round(top)
        return cls(x, y, max(1, round(right) - x), max(1, round(bottom) - y))


@dataclass
class Glyph:
    """One recognised character."""

    text: str
    box: Box
    confidence: float


@dataclass
class TextLine:
    """A line of text (a column when ``vertical``), its characters in reading order."""

    id: str
    text: str
    box: Box
    glyphs: list[Glyph] = field(default_factory=list)
    vertical: bool = False
    confidence: float = 0.0


@dataclass
class PageResult:
    """A recognised page: its size, its lines in reading order, whether it is laid out in vertical columns."""

    width: int
    height: int
    lines: list[TextLine]
    vertical: bool
    engine: str

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)
