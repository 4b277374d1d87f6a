"""The OCR pipeline: image → ink images → text regions → page orientation → line readings → lines in reading order.

Black ink is read from the red channel, where red seal ink (and yellowed paper, most stains) is light: text under a
seal reads as if the seal were not there. Red ink (headers, red titles) is found on its own image, and kept where it
does not lie over black text (that is a seal). The page's orientation (0/90/180/270) is decided by reading a sample
of its longest lines in each orientation and keeping the one read with the highest confidence: no orientation
classifier is trusted blindly. Tall regions are vertical columns, turned a quarter for the recogniser, and the
characters' positions are turned back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from PIL import Image, ImageOps

from .detection import Region, detect_regions
from .layout import reading_order
from .models import ENGINE, OcrModels, load_models
from .recognition import LineReading, read_lines
from .results import Box, Glyph, PageResult, TextLine

__all__ = ["Layout", "load_image", "recognize"]

Layout = Literal["auto", "horizontal", "vertical"]
LAYOUTS = ("auto", "horizontal", "vertical")

VERTICAL_RATIO = 1.5  # a region this much taller than wide is a column of text
SAMPLE_LINES = 6
CONFIDENT = 0.9  # an orientation whose sample reads this well is taken without trying the others
MIN_LINE_CONFIDENCE = 0.5
RED_SHARE = 0.0003  # share of red pixels above which a page is searched for red text
SEAL_OVERLAP = 0.2


def load_image(image: Path | str | Image.Image | np.ndarray) -> np.ndarray:
    """An RGB uint8 array of the image (a file's EXIF orientation applied; an array is taken as RGB or grey)."""
    if isinstance(image, np.ndarray):
        array = image
        if array.dtype != np.uint8:
            top = float(array.max()) if array.size else 1.0
            array = (array.astype(np.float32) * (255.0 / (65535.0 if top > 255 else max(top, 1.0)))).astype(np.uint8)
        if array.ndim == 2:
            return np.ascontiguousarray(np.stack([array] * 3, axis=2))
        if array.ndim == 3 and array.shape[2] >= 3:
            return np.ascontiguousarray(array[:, :, :3])
        raise ValueError(f"不支持的图像数组形状 unsupported image array shape: {array.shape}")
    if isinstance(image, str | Path):
        with Image.open(image) as opened:
            opened.load()
            picture = ImageOps.exif_transpose(opened)
    else:
        picture = image
    if picture.mode not in ("RGB", "L"):
        if picture.mode in ("I;16", "I;16B", "I;16L", "I"):
            return load_image(np.asarray(picture))
        picture = picture.convert("RGBA").convert("RGB") if "A" in picture.getbands() else picture.convert("RGB")
    return load_image(np.asarray(picture))


@dataclass
class Candidate:
    """A region to read and the ink image it is read from."""

    region: Region
    ink: np.ndarray
    red: bool = False


def _ink_images(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(black ink, red ink or None): 3-channel grey images for the networks."""
    red, green, blue = (rgb[:, :, index].astype(np.int16) for index in range(3))
    black = np.ascontiguousarray(np.repeat(rgb[:, :, :1], 3, axis=2))
    red_mask = (red > 110) & (red - green > 60) & (red - blue > 40)
    if red_mask.mean() < RED_SHARE:
        return black, None
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    red_ink = np.where(red_mask, grey, 255).astype(np.uint8)
    return black, np.ascontiguousarray(np.repeat(red_ink[:, :, np.newaxis], 3, axis=2))


def _corner_frame(corners: np.ndarray) -> np.ndarray:
    """The region's corners as top-left, top-right, bottom-right, bottom-left along its own axes (robust to skew)."""
    centre = corners.mean(axis=0)
    edge_a, edge_b = corners[1] - corners[0], corners[2] - corners[1]
    along = edge_a if abs(edge_a[0]) >= abs(edge_a[1]) else edge_b
    across = edge_b if along is edge_a else edge_a
    along = along if along[0] >= 0 else -along
    across = across if across[1] >= 0 else -across
    labelled = {}
    for point in corners:
        offset = point - centre
        labelled[(offset @ along >= 0, offset @ across >= 0)] = point
    if len(labelled) != 4:
        return corners
    return np.array(
        [labelled[(False, False)], labelled[(True, False)], labelled[(True, True)], labelled[(False, True)]],
        dtype=np.float32,
    )


def _crop(ink: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The region straightened into an upright rectangle (in the image's own frame)."""
    width = max(1, round(float(np.linalg.norm(corners[1] - corners[0]))))
    height = max(1, round(float(np.linalg.norm(corners[3] - corners[0]))))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    transform = cv2.getPerspectiveTransform(corners, target)
    return cv2.warpPerspective(ink, transform, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _is_vertical(height: int, width: int, layout: str) -> bool:
    if layout == "horizontal":
        return False
    if layout == "vertical":
        return height > width
    return height >= VERTICAL_RATIO * width


def _line_input(crop: np.ndarray, turns: int, layout: str) -> tuple[np.ndarray, int, bool]:
    """The crop as the recogniser wants it (text left to right), the quarter turns that made it, vertical or not."""
    upright = np.rot90(crop, turns) if turns else crop
    vertical = _is_vertical(upright.shape[0], upright.shape[1], layout)
    total = (turns + (1 if vertical else 0)) % 4
    return np.ascontiguousarray(np.rot90(crop, total) if total else crop), total, vertical


def _score(readings: list[LineReading], inputs: list[np.ndarray]) -> float:
    """How well a sample reads: confidence × coverage, weighted by each line's expected length in characters (a
    line of Chinese holds about width / height characters). Reading a few sideways characters confidently scores low."""
    total = weight = 0.0
    for reading, line_input in zip(readings, inputs, strict=True):
        expected = max(1.0, line_input.shape[1] / max(1, line_input.shape[0]))
        coverage = min(1.0, len(reading.characters) / (0.6 * expected))
        total += reading.confidence * coverage * expected
        weight += expected
    return total / weight if weight else 0.0


def _choose_turns(models: OcrModels, crops: list[np.ndarray], layout: str) -> int:
    """The quarter turns (counter-clockwise) that make the page upright, by reading a sample in each orientation."""
    sample = [crops[i] for i in sorted(range(len(crops)), key=lambda i: -max(crops[i].shape[:2]))[:SAMPLE_LINES]]
    best_turns, best_score, best_readings = 0, -1.0, []
    for turns in (0, 2, 1, 3):
        prepared = [_line_input(crop, turns, layout) for crop in sample]
        inputs = [line_input for line_input, _, _ in prepared]
        readings = read_lines(models, inputs)
        score = _score(readings, inputs)
        if score > best_score + 0.005:
            best_turns, best_score, best_readings = turns, score, readings
        if turns == 0 and score >= CONFIDENT:
            break
    if layout != "auto":
        return best_turns
    # columns read at ``t`` look to the recogniser exactly like lines read at ``t + 1``: its reading cannot tell a
    # vertical page from a horizontal one turned a quarter. Single characters can: they read best upright.
    columns = sum(_line_input(crop, best_turns, layout)[2] for crop in sample) * 2 > len(sample)
    other = (best_turns + (1 if columns else -1)) % 4
    if (
        _upright_characters(models, sample, best_readings, other)
        > _upright_characters(models, sample, best_readings, best_turns) + 0.002
    ):
        return other
    return best_turns


def _upright_characters(models: OcrModels, sample: list[np.ndarray], readings: list[LineReading], turns: int) -> float:
    """Mean confidence of single characters of the sample read when the page is turned ``turns`` quarters."""
    characters: list[np.ndarray] = []
    for crop, reading in zip(sample, readings, strict=False):
        height, width = crop.shape[:2]
        vertical = height >= width
        for start, end in reading.spans[:4]:
            if vertical:
                piece = crop[int(start * height) : max(int(start * height) + 1, int(end * height)), :]
            else:
                piece = crop[:, int(start * width) : max(int(start * width) + 1, int(end * width))]
            characters.append(np.ascontiguousarray(np.rot90(piece, turns % 4)))
    if not characters:
        return 0.0
    return float(np.mean([reading.confidence for reading in read_lines(models, characters)]))


def _unturn(u: float, v: float, turns: int) -> tuple[float, float]:
    """A point of a crop turned ``turns`` quarters counter-clockwise, in the unturned crop (unit coordinates)."""
    for _ in range(turns):
        u, v = 1.0 - v, u
    return u, v


def _glyph_boxes(region: Region, spans: list[tuple[float, float]], turns: int) -> list[Box]:
    x0, y0, x1, y1 = region.bounds
    boxes = []
    for start, end in spans:
        (a, b), (c, d) = _unturn(start, 0.0, turns), _unturn(end, 1.0, turns)
        left, right = sorted((a, c))
        top, bottom = sorted((b, d))
        boxes.append(
            Box.spanning(x0 + left * (x1 - x0), y0 + top * (y1 - y0), x0 + right * (x1 - x0), y0 + bottom * (y1 - y0))
        )
    return boxes


def _overlaps_black(region: Region, black: list[Region]) -> bool:
    x0, y0, x1, y1 = region.bounds
    area = max(1.0, (x1 - x0) * (y1 - y0))
    for other in black:
        a0, b0, a1, b1 = other.bounds
        overlap = max(0.0, min(x1, a1) - max(x0, a0)) * max(0.0, min(y1, b1) - max(y0, b0))
        if overlap > SEAL_OVERLAP * area:
            return True
    return False


def recognize(image: Path | str | Image.Image | np.ndarray, *, layout: str = "auto") -> PageResult:
    """Read a page: its lines in reading order with line and character boxes in the input image's pixels."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout 应为 must be one of {', '.join(LAYOUTS)}: {layout!r}")
    rgb = load_image(image)
    height, width = rgb.shape[:2]
    models = load_models()
    black_ink, red_ink = _ink_images(rgb)
    black = detect_regions(models, black_ink)
    candidates = [Candidate(region, black_ink) for region in black]
    if red_ink is not None:
        candidates += [
            Candidate(region, red_ink, red=True)
            for region in detect_regions(models, red_ink)
            if not _overlaps_black(region, black)
        ]
    if not candidates:
        return PageResult(width, height, [], layout == "vertical", ENGINE)
    frames = [_corner_frame(candidate.region.corners) for candidate in candidates]
    crops = [_crop(candidate.ink, frame) for candidate, frame in zip(candidates, frames, strict=True)]
    turns = _choose_turns(models, crops, layout)
    prepared = [_line_input(crop, turns, layout) for crop in crops]
    readings = read_lines(models, [line_input for line_input, _, _ in prepared])
    lines: list[TextLine] = []
    for candidate, reading, (_, total, vertical) in zip(candidates, readings, prepared, strict=True):
        if not reading.characters or reading.confidence < MIN_LINE_CONFIDENCE:
            continue
        glyph_boxes = _glyph_boxes(candidate.region, reading.spans, total)
        glyphs = [
            Glyph(character, box, round(confidence, 4))
            for character, box, confidence in zip(reading.characters, glyph_boxes, reading.confidences, strict=True)
        ]
        x0, y0, x1, y1 = candidate.region.bounds
        lines.append(
            TextLine(
                "", reading.text, Box.spanning(x0, y0, x1 + 1, y1 + 1), glyphs, vertical, round(reading.confidence, 4)
            )
        )
    ordered, vertical_page = reading_order(lines, turns, width, height, layout)
    for number, line in enumerate(ordered, start=1):
        line.id = f"line_{number}"
    return PageResult(width, height, ordered, vertical_page, ENGINE)
