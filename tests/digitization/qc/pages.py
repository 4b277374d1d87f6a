"""Page images made for the quality-control tests: text rendered with a Chinese font, rotated, bordered, blank."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
TEXT = (
    "中华苏维埃共和国临时中央政府布告为发展生产保障供给各级政府应当切实组织群众开展春耕运动兴修水利"
    "调剂耕牛农具优待红军家属帮助缺乏劳动力之家庭按时完成耕种任务凡我工农群众务须踊跃参加不得延误此布"
)
A4_300 = (2480, 3508)


def render_page(
    *,
    size: tuple[int, int] = A4_300,
    vertical: bool = False,
    seed: int = 0,
    paper: tuple[int, int, int] = (255, 255, 255),
    ink: tuple[int, int, int] = (20, 20, 20),
    red_header: bool = False,
    lines: int | None = None,
) -> Image.Image:
    """A printed page at 300 dpi: horizontal lines, or vertical columns read right to left."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(image)
    em = max(12, width // 55)
    font = ImageFont.truetype(FONT, em)
    margin = width // 9
    text = TEXT * 20
    start = rng.randrange(len(TEXT))
    top = margin
    if red_header:
        big = ImageFont.truetype(FONT, em * 3)
        draw.text((margin, margin), "中央苏区政府文件", font=big, fill=(200, 30, 30))
        draw.line((margin, margin + em * 4, width - margin, margin + em * 4), fill=(200, 30, 30), width=em // 4)
        top = margin + em * 5
    if vertical:
        per_column = (height - top - margin) // em
        columns = (width - 2 * margin) // int(em * 1.8)
        for column in range(columns if lines is None else lines):
            x = width - margin - em - column * int(em * 1.8)
            length = per_column - rng.randrange(0, per_column // 3 + 1)
            for row in range(length):
                draw.text((x, top + row * em), text[start + column * per_column + row], font=font, fill=ink)
    else:
        per_line = (width - 2 * margin) // em
        count = (height - top - margin) // int(em * 1.8)
        for line in range(count if lines is None else lines):
            length = per_line - (rng.randrange(0, per_line // 2) if line % 5 == 4 else 0)
            segment = text[start + line * per_line : start + line * per_line + length]
            draw.text((margin, top + line * int(em * 1.8)), segment, font=font, fill=ink)
    return image


def rotate(image: Image.Image, degrees: float) -> Image.Image:
    """The page turned counter-clockwise by ``degrees`` (positive) on white, as a skewed sheet on the scanner."""
    fill = image.getpixel((0, 0))
    return image.rotate(degrees, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=fill)


def add_noise(image: Image.Image, amount: float, seed: int = 0) -> Image.Image:
    """Sensor noise of ``amount`` grey levels (standard deviation), per channel (a 509-pixel tile of noise repeated:
    drawing 26 million normal numbers would take longer than the checks)."""
    array = np.asarray(image, dtype=np.int16)
    tile = np.random.default_rng(seed).normal(0, amount, (509, 509, *array.shape[2:])).round().astype(np.int16)
    reps = (-(-array.shape[0] // 509), -(-array.shape[1] // 509), *([1] * (array.ndim - 2)))
    noise = np.tile(tile, reps)[: array.shape[0], : array.shape[1]]
    return Image.fromarray(np.clip(array + noise, 0, 255).astype(np.uint8), image.mode)


def save(image: Image.Image, path: Path, *, dpi: int = 300, **options: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, dpi=(dpi, dpi), **options)
    return path
