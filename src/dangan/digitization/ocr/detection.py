"""Text detection: the DB network's probability map turned into text regions (rotated rectangles).

The page is scaled so that its longer side lies within [``SMALLEST_SIDE``, ``LARGEST_SIDE``] (a multiple of 32, as the
network needs), which keeps a 300-dpi A4 scan fast; a page whose lines come out thinner than ``SMALL_TEXT`` pixels
at that scale (small print) is detected again at the scale that makes them ``FINE_TEXT`` pixels.

The network runs only on the part of the scaled page that holds ink (blank margins are not computed): its rectangle,
grown by ``INK_MARGIN``, aligned to the network's 32-pixel grid, so the network gets the same pixels there as on the
whole page. Its squeeze-and-excitation layers average over the whole input, so the probabilities still shift a little:
the margin keeps the shift small, and a window that would save less than ``WINDOW_WORTH`` of the page is not used.
"""

from __future__ import annotations

import cv2
import numpy as np
import pyclipper

from .models import OcrModels

__all__ = ["Region", "detect_regions"]

SMALLEST_SIDE = 768
LARGEST_SIDE = 896
SMALL_TEXT = 12  # lines thinner than this at detection scale are detected again at a finer scale
FINE_TEXT = 22
FINEST_SIDE = 1600  # the network finds less, not more, on much larger inputs
PIXEL_THRESHOLD = 0.3
REGION_THRESHOLD = 0.5
UNCLIP_RATIO = 1.6
MIN_SIDE = 3
INK_MARGIN = 64  # blank paper kept around the ink (at detection scale): the network sees the text's surroundings
INK_CONTRAST = 0.75  # a pixel darker than this share of the paper's brightness may be ink (faint ink included)
WINDOW_WORTH = 0.2  # the share of the page a window must leave out to be used


class Region:
    """A detected text region: its four corners (clockwise from top-left, image pixels) and mean probability."""

    __slots__ = ("corners", "score")

    def __init__(self, corners: np.ndarray, score: float) -> None:
        self.corners = corners
        self.score = score

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        xs, ys = self.corners[:, 0], self.corners[:, 1]
        return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def page_scale(height: int, width: int) -> float:
    """The factor a page is scaled by for detection."""
    longer = max(height, width)
    return min(max(longer, SMALLEST_SIDE), LARGEST_SIDE) / longer


def _scaled_size(height: int, width: int, scale: float) -> tuple[int, int]:
    return max(32, round(height * scale / 32) * 32), max(32, round(width * scale / 32) * 32)


def _scaled(image: np.ndarray, height: int, width: int) -> np.ndarray:
    shrinking = height < image.shape[0]
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def _normalised(scaled: np.ndarray) -> np.ndarray:
    """The network's input: in [-1, 1], channels first; a grey image is given to all three channels."""
    batch = np.empty((1, 3, *scaled.shape[:2]), dtype=np.float32)
    planes = scaled.astype(np.float32) * (2.0 / 255.0) - 1.0
    batch[0] = planes[np.newaxis] if planes.ndim == 2 else planes.transpose(2, 0, 1)
    return batch


def ink_window(scaled: np.ndarray) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1): the part of a scaled page that may hold text — everything darker than the paper by more than
    faint ink is, specks of one pixel aside — grown by ``INK_MARGIN`` and aligned to 32 pixels. Unsure means the
    whole page (a dark scanner border, a page of stains): the window only saves work, it never decides."""
    height, width = scaled.shape[:2]
    grey = scaled if scaled.ndim == 2 else scaled.min(axis=2)
    paper = float(np.percentile(grey[::4, ::4], 90))
    ink = (grey < paper * INK_CONTRAST).astype(np.uint8)
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows):
        return 0, height, 0, width
    y0 = max(0, int(rows[0]) - INK_MARGIN) // 32 * 32
    x0 = max(0, int(columns[0]) - INK_MARGIN) // 32 * 32
    y1 = min(height, -(-(int(rows[-1]) + 1 + INK_MARGIN) // 32) * 32)
    x1 = min(width, -(-(int(columns[-1]) + 1 + INK_MARGIN) // 32) * 32)
    if (y1 - y0) * (x1 - x0) > (1 - WINDOW_WORTH) * height * width:
        return 0, height, 0, width
    return y0, y1, x0, x1


def _ordered(points: np.ndarray) -> np.ndarray:
    """Corners clockwise from the top-left."""
    by_x = points[np.argsort(points[:, 0], kind="stable")]
    left, right = by_x[:2], by_x[2:]
    top_left, bottom_left = left[np.argsort(left[:, 1], kind="stable")]
    top_right, bottom_right = right[np.argsort(right[:, 1], kind="stable")]
    return np.array([top_left, top_right, bottom_right, bottom_left], dtype=np.float32)


def _mean_score(probability: np.ndarray, points: np.ndarray) -> float:
    height, width = probability.shape
    x0 = int(np.clip(np.floor(points[:, 0].min()), 0, width - 1))
    x1 = int(np.clip(np.ceil(points[:, 0].max()), 0, width - 1))
    y0 = int(np.clip(np.floor(points[:, 1].min()), 0, height - 1))
    y1 = int(np.clip(np.ceil(points[:, 1].max()), 0, height - 1))
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    cv2.fillPoly(mask, [(points - (x0, y0)).astype(np.int32)], 1)
    return float(cv2.mean(probability[y0 : y1 + 1, x0 : x1 + 1], mask)[0])


def _unclipped(points: np.ndarray) -> np.ndarray | None:
    """The region grown by the DB unclip distance (the network predicts shrunk text kernels)."""
    area = cv2.contourArea(points)
    length = cv2.arcLength(points, True)
    if length == 0:
        return None
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(points.astype(np.int64).tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    grown = offset.Execute(area * UNCLIP_RATIO / length)
    if len(grown) != 1:
        return None
    return np.array(grown[0], dtype=np.float32)


def regions_from_probability(probability: np.ndarray, page_height: int, page_width: int) -> list[Region]:
    """DB post-processing: threshold, contours, score, unclip, scale back to page pixels."""
    map_height, map_width = probability.shape
    mask = cv2.dilate((probability > PIXEL_THRESHOLD).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    scale_x, scale_y = page_width / map_width, page_height / map_height
    regions = []
    for contour in contours[:2000]:
        rectangle = cv2.minAreaRect(contour)
        if min(rectangle[1]) < MIN_SIDE:
            continue
        points = cv2.boxPoints(rectangle)
        score = _mean_score(probability, points)
        if score < REGION_THRESHOLD:
            continue
        grown = _unclipped(points)
        if grown is None:
            continue
        rectangle = cv2.minAreaRect(grown)
        if min(rectangle[1]) < MIN_SIDE + 2:
            continue
        corners = _ordered(cv2.boxPoints(rectangle))
        corners[:, 0] = np.clip(corners[:, 0] * scale_x, 0, page_width - 1)
        corners[:, 1] = np.clip(corners[:, 1] * scale_y, 0, page_height - 1)
        if np.linalg.norm(corners[0] - corners[1]) <= 3 or np.linalg.norm(corners[0] - corners[3]) <= 3:
            continue
        regions.append(Region(corners, score))
    return regions


def detect_regions(models: OcrModels, image: np.ndarray, *, scale: float | None = None) -> list[Region]:
    """Text regions of a uint8 page image (grey, or three channels), detected at ``scale`` (by default the page's,
    made finer for small print)."""
    page_height, page_width = image.shape[:2]
    chosen = scale or page_scale(page_height, page_width)
    regions = _detect_at(models, image, chosen, window=scale is None)
    if scale is None:
        finest = FINEST_SIDE / max(page_height, page_width)
        finer = chosen
        if regions:  # small print: lines too thin to find them all at this scale
            thickness = float(np.median([min(_sides(region)) for region in regions])) * chosen
            if thickness < SMALL_TEXT:
                finer = min(chosen * FINE_TEXT / max(thickness, 1.0), finest)
        if finer > chosen * 1.2:
            regions = _detect_at(models, image, finer, window=True)
    return regions


def _sides(region: Region) -> tuple[float, float]:
    corners = region.corners
    return float(np.linalg.norm(corners[1] - corners[0])), float(np.linalg.norm(corners[3] - corners[0]))


def _detect_at(models: OcrModels, image: np.ndarray, scale: float, *, window: bool = False) -> list[Region]:
    page_height, page_width = image.shape[:2]
    height, width = _scaled_size(page_height, page_width, scale)
    scaled = _scaled(image, height, width)
    y0, y1, x0, x1 = ink_window(scaled) if window else (0, height, 0, width)
    probability = np.zeros((height, width), dtype=np.float32)
    if y1 > y0 and x1 > x0:
        probability[y0:y1, x0:x1] = models.detect(_normalised(scaled[y0:y1, x0:x1]))
    return regions_from_probability(probability, page_height, page_width)
