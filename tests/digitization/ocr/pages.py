"""Small test pages drawn with Pillow and the system's CJK fonts, with their true text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

MING = Path("/usr/share/fonts/truetype/arphic/uming.ttc")
KAI = Path("/usr/share/fonts/truetype/arphic/ukai.ttc")
SANS = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")


def font(size: int, path: Path = SERIF, index: int = 0) -> ImageFont.FreeTypeFont:
    candidates = [path, SERIF, SANS, MING]
    for candidate in candidates:
        if candidate.exists():
            return ImageFont.truetype(str(candidate), size, index=index if candidate == path else 0)
    raise FileNotFoundError("no CJK font installed (fonts-noto-cjk / fonts-arphic-uming)")


def horizontal_page(lines: list[str], *, size: int = 28, margin: int = 40, spacing: float = 1.8) -> Image.Image:
    typeface = font(size)
    width = margin * 2 + size * max(len(line) for line in lines)
    height = margin * 2 + int(size * spacing * len(lines))
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(lines):
        draw.text((margin, margin + int(number * size * spacing)), line, font=typeface, fill="black")
    return page


def vertical_page(
    columns: list[str], *, size: int = 28, margin: int = 40, spacing: float = 1.9, path: Path = MING
) -> Image.Image:
    """Columns drawn right to left, each character under the previous one (the first column is the rightmost)."""
    typeface = font(size, path)
    step = int(size * spacing)
    width = margin * 2 + step * len(columns)
    height = margin * 2 + int(size * 1.1) * max(len(column) for column in columns)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    for number, column in enumerate(columns):
        x = width - margin - step * (number + 1) + (step - size) // 2
        for row, character in enumerate(column):
            y = margin + int(row * size * 1.1)
            if character in "，。、":  # vertical typesetting: the mark stands in the upper right of its cell
                mark = Image.new("L", (size * 2, size * 2), 0)
                ImageDraw.Draw(mark).text((size, size), character, font=typeface, fill=255, anchor="mm")
                box = mark.getbbox()
                if box:
                    mark = mark.crop(box)
                    page.paste("black", (x + size * 3 // 4 - mark.width // 2, y + size // 4 - mark.height // 2), mark)
                continue
            draw.text((x, y), character, font=typeface, fill="black")
    return page


def stamp_seal(page: Image.Image, centre: tuple[int, int], radius: int, text: str = "档案馆印") -> Image.Image:
    """A red round seal (ring, star, characters) printed over the page, as ink: it darkens, never lightens."""
    seal = Image.new("RGB", page.size, "white")
    draw = ImageDraw.Draw(seal)
    x, y = centre
    red = (215, 35, 40)
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=red, width=max(3, radius // 12))
    draw.regular_polygon((x, y, radius // 4), 5, fill=red)
    size = radius // 3
    typeface = font(size, SANS)
    draw.text((x - size * len(text) // 2, y + radius // 3), text, font=typeface, fill=red)
    draw.text((x - size * 2, y - radius * 2 // 3), "中央人民", font=typeface, fill=red)
    return Image.fromarray(np.minimum(np.asarray(page), np.asarray(seal)))


def red_header_page(header: str, body: list[str], *, size: int = 28) -> Image.Image:
    """A red-headed document: a large red title, a red rule, black body lines."""
    body_page = horizontal_page(body, size=size)
    title = font(int(size * 1.6))
    height = body_page.height + int(size * 3)
    page = Image.new("RGB", (max(body_page.width, 80 + int(size * 1.6) * len(header)), height), "white")
    draw = ImageDraw.Draw(page)
    draw.text((40, 30), header, font=title, fill=(220, 30, 30))
    draw.line((30, int(size * 2.6), page.width - 30, int(size * 2.6)), fill=(220, 30, 30), width=3)
    page.paste(body_page, (0, int(size * 3)))
    return page


def form_page(rows: list[list[str]], *, size: int = 26, cell: int = 200) -> Image.Image:
    """A ruled table: one cell per item, rows top to bottom."""
    typeface = font(size, SANS)
    height = int(size * 2.2)
    columns = max(len(row) for row in rows)
    page = Image.new("RGB", (40 + cell * columns, 40 + height * len(rows)), "white")
    draw = ImageDraw.Draw(page)
    for r, row in enumerate(rows):
        for c, item in enumerate(row):
            x, y = 20 + c * cell, 20 + r * height
            draw.rectangle((x, y, x + cell, y + height), outline="black", width=2)
            draw.text((x + 12, y + (height - size) // 2 - 2), item, font=typeface, fill="black")
    return page
