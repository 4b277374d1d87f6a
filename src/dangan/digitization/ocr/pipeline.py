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

from .detection import Region, detect_regions, page_scale
from .layout import reading_order
from .models import ENGINE, OcrModels, load_models
from .punctuation import restore_vertical_punctuation
from .recognition import EMPTY, LineReading, read_lines
from .results import Box, Glyph, PageResult, TextLine
from .script import consistent_script

__all__ = ["Layout", "load_image", "recognize"]

Layout = Literal["auto", "horizontal", "vertical"]
LAYOUTS = ("auto", "horizontal", "vertical")

VERTICAL_RATIO = 1.5  # a region this much taller than wide is a column of text
SAMPLE_LINES = 6
CONFIDENT = 0.9  # an orientation whose sample reads this well is taken without trying the others
MIN_LINE_CONFIDENCE = 0.5
RED_SHARE = 0.0003  # share of red pixels above which a page is searched for red text
SEAL_OVERLAP = 0.2
RULE_LENGTH = 150  # a red stroke this long (pixels of the million-pixel sample) is a rule, not part of a character


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


def _ink_images(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, list[tuple[int, int, int, int]]]:
    """(black ink, red ink or None, the red areas as (x0, y0, x1, y1)). Black ink is the red channel, where red seal
    ink, toned paper and most stains are light; red ink is the grey of the red pixels on white, made only where the
    page has some, and looked for only in the areas that hold it (a seal, a header)."""
    red, green, blue = cv2.split(rgb)
    black = np.ascontiguousarray(red)
    step = max(1, int(np.sqrt(red.size / 1_000_000)))  # red is well found on a million pixels
    small = rgb[::step, ::step].astype(np.int16)
    small_mask = (
        (small[:, :, 0] > 110) & (small[:, :, 0] - small[:, :, 1] > 60) & (small[:, :, 0] - small[:, :, 2] > 40)
    )
    if small_mask.mean() < RED_SHARE:
        return black, None, []
    grown = cv2.dilate(small_mask.astype(np.uint8), np.ones((15, 15), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grown)
    # red rules (ruled letter paper, red-ruled columns, a form's red grid) hold no text: an area whose red is all
    # long straight lines is not searched (a red header keeps its rule and its area)
    not_rules = small_mask.astype(np.uint8)
    rule_length = max(RULE_LENGTH, max(small_mask.shape) // 8)
    for kernel in (np.ones((1, rule_length), np.uint8), np.ones((rule_length, 1), np.uint8)):
        not_rules[cv2.morphologyEx(not_rules, cv2.MORPH_OPEN, kernel) > 0] = 0
    text_pixels = np.bincount(labels[not_rules > 0], minlength=count)
    height, width = red.shape
    areas = []
    for label, (x, y, w, h, pixels) in enumerate(stats[1:count].tolist(), start=1):
        if (
            pixels * step * step < RED_SHARE * red.size / 4
            or text_pixels[label] * step * step < RED_SHARE * red.size / 4
        ):
            continue
        margin = 8 * step
        areas.append(
            (
                max(0, x * step - margin),
                max(0, y * step - margin),
                min(width, (x + w) * step + margin),
                min(height, (y + h) * step + margin),
            )
        )
    red_mask = (red > 110) & (cv2.subtract(red, green) > 60) & (cv2.subtract(red, blue) > 40)
    # the faint rim of seal ink is lifted to paper: left light grey, it joins the text lines under the seal into one
    # blob that detection drops; black ink (dark in every channel) is never reddish, so it stays
    reddish = (red > 120) & (cv2.subtract(red, green) > 25) & (cv2.subtract(red, blue) > 15)
    black[reddish] = 255
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    grey[~red_mask] = 255
    return black, grey, areas


def _red_regions(models: OcrModels, red_ink: np.ndarray, areas: list[tuple[int, int, int, int]]) -> list[Region]:
    """Text regions in the red areas, detected at the page's scale, in page pixels."""
    scale = page_scale(*red_ink.shape[:2])
    regions = []
    for x0, y0, x1, y1 in areas:
        for region in detect_regions(models, red_ink[y0:y1, x0:x1], scale=scale):
            region.corners += np.array([x0, y0], dtype=np.float32)
            regions.append(region)
    return regions


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
    return (np.ascontiguousarray(np.rot90(crop, total)) if total else crop), total, vertical


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


Readings = dict[int, tuple[int, LineReading]]


def _choose_turns(models: OcrModels, crops: list[np.ndarray], layout: str) -> tuple[int, Readings]:
    """The quarter turns (counter-clockwise) that make the page upright, by reading a sample of the longest lines in
    each orientation; and the sample's readings (crop index → quarter turns it was read at, reading), kept."""
    chosen = sorted(range(len(crops)), key=lambda i: -max(crops[i].shape[:2]))[:SAMPLE_LINES]
    sample = [crops[i] for i in chosen]
    best_turns, best_score, best_readings, best_totals = 0, -1.0, [], []
    for turns in (0, 2, 1, 3):
        prepared = [_line_input(crop, turns, layout) for crop in sample]
        inputs = [line_input for line_input, _, _ in prepared]
        readings = read_lines(models, inputs)
        score = _score(readings, inputs)
        if score > best_score + 0.005:
            best_turns, best_score, best_readings = turns, score, readings
            best_totals = [total for _, total, _ in prepared]
        if turns == 0 and score >= CONFIDENT:
            break
    kept = {index: (total, reading) for index, total, reading in zip(chosen, best_totals, best_readings, strict=True)}
    if layout != "auto" or best_turns == 0:
        # an upright scan is the rule: a page that reads well as it is stays as it is
        return best_turns, kept
    # columns read at ``t`` look to the recogniser exactly like lines read at ``t + 1``: its reading cannot tell a
    # vertical page from a horizontal one turned a quarter. Single characters can: they read best upright.
    columns = sum(_line_input(crop, best_turns, layout)[2] for crop in sample) * 2 > len(sample)
    other = (best_turns + (1 if columns else -1)) % 4
    if (
        _upright_characters(models, sample, best_readings, other)
        > _upright_characters(models, sample, best_readings, best_turns) + 0.002
    ):
        return other, kept
    return best_turns, kept


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


def _read_short_columns(
    models: OcrModels,
    crops: list[np.ndarray],
    turns: int,
    layout: str,
    prepared: list[tuple[np.ndarray, int, bool]],
    readings: list[LineReading],
) -> None:
    """On a page of columns, a region taller than wide (a column's last character or two) is a column too: read
    again as one (in place)."""
    vertical = sum(len(r.characters) for r, p in zip(readings, prepared, strict=True) if p[2])
    horizontal = sum(len(r.characters) for r, p in zip(readings, prepared, strict=True) if not p[2])
    if layout == "horizontal" or vertical <= horizontal:
        return
    short = [
        i
        for i, (line_input, _, is_vertical) in enumerate(prepared)
        if not is_vertical and line_input.shape[0] > line_input.shape[1] * 0.9
    ]
    inputs = [np.ascontiguousarray(np.rot90(crops[i], (turns + 1) % 4)) for i in short]
    for index, line_input, reading in zip(short, inputs, read_lines(models, inputs), strict=True):
        prepared[index] = (line_input, (turns + 1) % 4, True)
        readings[index] = reading


def _deskewed(regions: list[Region], width: int, height: int) -> list[tuple[float, float, float, float]]:
    """The regions' bounds on the page turned back by its skew (the length-weighted median slant of its long
    regions), so that slanting columns and lines order as if straight."""
    slants: list[tuple[float, float]] = []
    for region in regions:
        frame = _corner_frame(region.corners)
        along, across = frame[1] - frame[0], frame[3] - frame[0]
        long_side, short_side = max(np.hypot(*along), np.hypot(*across)), min(np.hypot(*along), np.hypot(*across))
        if long_side > 3 * short_side:
            slants.append((float(np.arctan2(along[1], along[0])), float(long_side)))
    if not slants:
        return [region.bounds for region in regions]
    slants.sort()
    half, running, skew = sum(w for _, w in slants) / 2, 0.0, 0.0
    for angle, weight in slants:
        running += weight
        if running >= half:
            skew = angle
            break
    cos, sin = np.cos(-skew), np.sin(-skew)
    centre = np.array([width / 2, height / 2], dtype=np.float32)
    rotation = np.array([[cos, -sin], [sin, cos]], dtype=np.float32)
    bounds = []
    for region in regions:
        points = (region.corners - centre) @ rotation.T + centre
        bounds.append(
            (float(points[:, 0].min()), float(points[:, 1].min()), float(points[:, 0].max()), float(points[:, 1].max()))
        )
    return bounds


def recognize(image: Path | str | Image.Image | np.ndarray, *, layout: str = "auto") -> PageResult:
    """Read a page: its lines in reading order with line and character boxes in the input image's pixels."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout 应为 must be one of {', '.join(LAYOUTS)}: {layout!r}")
    rgb = load_image(image)
    height, width = rgb.shape[:2]
    models = load_models()
    black_ink, red_ink, red_areas = _ink_images(rgb)
    black = detect_regions(models, black_ink)
    candidates = [Candidate(region, black_ink) for region in black]
    if red_ink is not None:
        candidates += [
            Candidate(region, red_ink, red=True)
            for region in _red_regions(models, red_ink, red_areas)
            if not _overlaps_black(region, black)
        ]
    if not candidates:
        return PageResult(width, height, [], layout == "vertical", ENGINE)
    frames = [_corner_frame(candidate.region.corners) for candidate in candidates]
    crops = [_crop(candidate.ink, frame) for candidate, frame in zip(candidates, frames, strict=True)]
    turns, sampled = _choose_turns(models, crops, layout)
    prepared = [_line_input(crop, turns, layout) for crop in crops]
    unread = [i for i, (_, total, _) in enumerate(prepared) if i not in sampled or sampled[i][0] != total]
    readings = [sampled[i][1] if i in sampled else EMPTY for i in range(len(crops))]
    for index, reading in zip(unread, read_lines(models, [prepared[i][0] for i in unread]), strict=True):
        readings[index] = reading
    _read_short_columns(models, crops, turns, layout, prepared, readings)
    readings = consistent_script(readings)
    for index, (_, _, vertical) in enumerate(prepared):
        if vertical and readings[index].characters:
            column = np.rot90(crops[index], turns) if turns else crops[index]
            readings[index] = restore_vertical_punctuation(column, readings[index])
    lines: list[TextLine] = []
    kept_regions: list[Region] = []
    for candidate, reading, (_, total, vertical) in zip(candidates, readings, prepared, strict=True):
        if not reading.characters or reading.confidence < MIN_LINE_CONFIDENCE:
            continue
        glyph_boxes = _glyph_boxes(candidate.region, reading.spans, total)
        glyphs = [
            Glyph(character, box, round(confidence, 4))
            for character, box, confidence in zip(reading.characters, glyph_boxes, reading.confidences, strict=True)
        ]
        x0, y0, x1, y1 = candidate.region.bounds
        kept_regions.append(candidate.region)
        lines.append(
            TextLine(
                "", reading.text, Box.spanning(x0, y0, x1 + 1, y1 + 1), glyphs, vertical, round(reading.confidence, 4)
            )
        )
    ordered, vertical_page = reading_order(lines, turns, width, height, layout, _deskewed(kept_regions, width, height))
    for number, line in enumerate(ordered, start=1):
        line.id = f"line_{number}"
    return PageResult(width, height, ordered, vertical_page, ENGINE)
