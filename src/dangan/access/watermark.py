"""The visible watermark of copies (复制件) and the files a copy is delivered as, in plain Python (Pillow, fpdf2).

Every page image of a copy carries the same line — the reader's name, the date, "仅供查档使用" and the archives'
name — drawn in red, semi-transparent, tiled diagonally over the whole page, so that no part of the page can be
cut out without it. The PDF carries the same line again as text at the foot of each page (so it can be found and
read by software too) and in its metadata. Nothing here touches the database or the masters: ``access.actions.
copies`` reads the masters and hands the page images in.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageDraw, ImageFont

from dangan.utilities.fonts import cjk_font

__all__ = [
    "WATERMARK_COLOUR",
    "WATERMARK_OPACITY",
    "CopyPage",
    "apply_watermark",
    "jpeg_bytes",
    "watermark_text",
    "write_pdf",
    "write_zip",
]

WATERMARK_COLOUR = (190, 30, 30)
WATERMARK_OPACITY = 0.35
WATERMARK_ANGLE = 30
JPEG_QUALITY = 85
DEFAULT_DPI = 200.0


@dataclass
class CopyPage:
    """One page of a copy: its (watermarked) image and the resolution that gives its printed size."""

    number: int  # the page's number in the unit (1-based)
    image: Image.Image
    dpi: float = DEFAULT_DPI


def watermark_text(reader_name: str, day: date, institution: str) -> str:
    """The watermark's line, e.g. "张三 2026-12-07 仅供查档使用 · 某省档案馆"."""
    parts = [reader_name.strip(), day.isoformat(), "仅供查档使用"]
    line = " ".join(p for p in parts if p)
    return f"{line} · {institution.strip()}" if institution.strip() else line


def _font(size: int) -> ImageFont.FreeTypeFont:
    font = cjk_font()
    return ImageFont.truetype(font.regular, size, index=font.collection_index)


def apply_watermark(image: Image.Image, text: str, *, opacity: float = WATERMARK_OPACITY) -> Image.Image:
    """A new RGB image: ``image`` with ``text`` tiled diagonally over all of it, in WATERMARK_COLOUR at
    ``opacity``. The text's size follows the page's (about 1/22 of its shorter side), so it reads the same on a
    small and a large scan. Raises ``FontMissing`` when no Chinese font is installed."""
    base = image.convert("RGB")
    width, height = base.size
    size = max(12, round(min(width, height) / 22))
    font = _font(size)
    side = int(math.hypot(width, height)) + 4 * size
    mask = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(mask)
    step_x = int(draw.textlength(text, font=font)) + 3 * size
    step_y = 4 * size
    for row, y in enumerate(range(0, side, step_y)):
        offset = (row % 2) * (step_x // 2)
        for x in range(-step_x + offset, side, step_x):
            draw.text((x, y), text, font=font, fill=255)
    mask = mask.rotate(WATERMARK_ANGLE, resample=Image.Resampling.BICUBIC)
    left, top = (side - width) // 2, (side - height) // 2
    mask = mask.crop((left, top, left + width, top + height))
    level = max(0.0, min(1.0, opacity))
    mask = mask.point(lambda value: round(value * level))
    base.paste(Image.new("RGB", base.size, WATERMARK_COLOUR), (0, 0), mask)
    return base


def jpeg_bytes(image: Image.Image, dpi: float = DEFAULT_DPI) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, dpi=(round(dpi), round(dpi)))
    return buffer.getvalue()


def write_pdf(target: BinaryIO, pages: Iterable[CopyPage], text: str, *, title: str, author: str) -> int:
    """Write the pages as a PDF to ``target``: one PDF page per image at its printed size, the watermark line as
    text at the foot of every page and in the document's subject. Returns the number of pages."""
    from fpdf import FPDF

    font = cjk_font()
    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("cjk", fname=font.regular, collection_font_number=font.collection_index)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_subject(text)
    pdf.set_creator("dangan")
    pdf.set_lang("zh-CN")
    count = 0
    for page in pages:
        width_pt = page.image.width * 72 / page.dpi
        height_pt = page.image.height * 72 / page.dpi
        pdf.add_page(format=(width_pt, height_pt))
        pdf.image(io.BytesIO(jpeg_bytes(page.image, page.dpi)), x=0, y=0, w=width_pt, h=height_pt)
        size = max(6.0, min(10.0, width_pt / 60))
        pdf.set_font("cjk", size=size)
        with pdf.local_context(fill_opacity=0.8, text_color=WATERMARK_COLOUR):
            pdf.text(x=size, y=height_pt - size, text=f"{text} · 第 {page.number} 页")
        count += 1
    pdf.output(target)  # fpdf2 writes to a binary file object
    return count


def write_zip(target: BinaryIO, pages: Iterable[CopyPage], stem: str) -> int:
    """Write the pages as JPEG images ``<stem>-p0001.jpg`` … in a zip (stored: JPEG does not shrink further).
    Returns the number of pages."""
    count = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for page in pages:
            archive.writestr(f"{stem}-p{page.number:04d}.jpg", jpeg_bytes(page.image, page.dpi))
            count += 1
    return count


def zip_pages(path: Path) -> Iterator[tuple[str, bytes]]:
    """The images in a copy's zip, by name (the tests and the staff's check read them)."""
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            yield name, archive.read(name)
