"""Digitized units for the IIIF tests (the sweep's world and the browser test too): page images drawn with Pillow,
preserved as the unit's masters (``content/masters/0001.png`` …) as a batch's acceptance stores them, and their OCR
text from hand-made recognition results (lines and glyph boxes), its ALTO written by the OCR package."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from dangan.core.actors import CONSOLE
from dangan.digitization.ocr import Box, Glyph, PageResult, TextLine, to_alto


def draw_pages(folder: Path, sizes: Sequence[tuple[int, int]]) -> dict[str, Path]:
    """One PNG per size, each distinct (its number drawn as bars), under ``folder``: logical path → file."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for number, (width, height) in enumerate(sizes, start=1):
        image = Image.new("RGB", (width, height), (245, 240, 228))
        draw = ImageDraw.Draw(image)
        for bar in range(number):
            draw.rectangle((10 + bar * 14, 10, 18 + bar * 14, height // 3), fill=(40, 30, 30))
        draw.rectangle((width // 2, height // 2, width // 2 + 20, height // 2 + 20), fill=(190, 30, 30))
        path = folder / f"{number:04d}.png"
        image.save(path)
        files[f"content/masters/{number:04d}.png"] = path
    return files


def preserve_masters(unit: Any, files: dict[str, Path]) -> Any:
    """Preserve ``files`` (logical path → source) as a new version of the unit's package; the package."""
    from dangan.preservation.actions.preserving import do_preserve

    return do_preserve(CONSOLE, unit, files, message="数字化成果").package


GLYPH = 40


def column(line_id: str, text: str, x: int, y: int) -> TextLine:
    """A vertical column: its characters stacked from the top."""
    glyphs = [Glyph(c, Box(x, y + i * GLYPH, GLYPH, GLYPH), 0.99) for i, c in enumerate(text)]
    return TextLine(line_id, text, Box(x, y, GLYPH, GLYPH * len(text)), glyphs, vertical=True, confidence=0.99)


def row(line_id: str, text: str, x: int, y: int) -> TextLine:
    glyphs = [Glyph(c, Box(x + i * GLYPH, y, GLYPH, GLYPH), 0.99) for i, c in enumerate(text)]
    return TextLine(line_id, text, Box(x, y, GLYPH * len(text), GLYPH), glyphs, vertical=False, confidence=0.99)


def store_text(unit: Any, number: int, page: PageResult) -> None:
    """The page's OCR text as the OCR store keeps it (a PageText row with the text and the ALTO)."""
    from dangan.digitization.models import PageText
    from dangan.digitization.pages import unit_pages

    master = unit_pages(unit)[number - 1].file
    PageText.objects.create(
        unit=unit,
        page=number,
        master_path=master.logical_path,
        master_sha256=master.sha256,
        text=page.text,
        alto=to_alto(page, image_name=master.name).decode("utf-8"),
        engine="hand-made",
    )
