"""Small test pages drawn with Pillow and the system's CJK fonts, with their true text."""

from __future__ import annotations

from pathlib import Path

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
            draw.text((x, margin + int(row * size * 1.1)), character, font=typeface, fill="black")
    return page
