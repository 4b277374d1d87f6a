"""Measurements on a downsampled page (about 100 dpi): paper tone and ink, black borders, skew, chroma and the
perceptual hash. Pure numpy; each takes well under the time the page took to decode."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# A pixel is ink when it is darker than this share of the paper's tone (stains and paper texture are lighter).
INK_LEVEL = 0.7
# Border bands: a pixel darker than this share of the paper tone (and at most BORDER_DARKEST) is "scanner black";
# a column or row of the edge belongs to a band when most of its pixels are.
BORDER_LEVEL = 0.4
BORDER_DARKEST = 110
BORDER_COVER = 0.6
MARGIN = 0.02  # left out around the page (beyond the bands) when measuring ink and skew: edges of the paper
SKEW_RANGE = 15.0  # degrees searched either way
SKEW_MIN_POINTS = 150  # fewer ink pixels than this: nothing to measure the skew on
# A page whose 99th-percentile chroma is below this holds no colour at all: a grey scan saved as RGB (R = G = B, give
# or take JPEG's rounding). A colour scan's sensor noise and paper tint lie above it even on a black-and-white page.
GREY_CHROMA = 3
STRONG_CHROMA = 60  # red ink, seals: chroma far above paper tone


@dataclass(frozen=True)
class Borders:
    """Width of the dark band along each edge, in pixels of the measured image."""

    left: int
    top: int
    right: int
    bottom: int


def paper_tone(grey: np.ndarray) -> float:
    """The paper's brightness: the 90th percentile of the grey levels (text and borders are darker)."""
    counts = np.bincount(grey.ravel(), minlength=256)
    cumulative = np.cumsum(counts)
    return float(np.searchsorted(cumulative, 0.9 * cumulative[-1]))


def _edge_band(dark_share: np.ndarray) -> int:
    """Length of the run of band lines from the edge (index 0), tolerating two stray lines at the very edge."""
    is_band = dark_share >= BORDER_COVER
    start = 0
    while start < min(3, len(is_band)) and not is_band[start]:
        start += 1
    if start == len(is_band) or not is_band[start]:
        return 0
    stop = np.flatnonzero(~is_band[start:])
    return int(start + (stop[0] if len(stop) else len(is_band) - start))


def black_borders(grey: np.ndarray, paper: float) -> Borders:
    """Dark bands along the edges (the scanner's lid or bed around a smaller sheet)."""
    dark = grey < min(BORDER_DARKEST, paper * BORDER_LEVEL)
    columns = dark.mean(axis=0)
    rows = dark.mean(axis=1)
    return Borders(
        left=_edge_band(columns),
        top=_edge_band(rows),
        right=_edge_band(columns[::-1]),
        bottom=_edge_band(rows[::-1]),
    )


def interior(shape: tuple[int, int], borders: Borders) -> tuple[slice, slice]:
    """The page inside its black bands and a small margin."""
    height, width = shape
    mx, my = math.ceil(width * MARGIN), math.ceil(height * MARGIN)
    top, bottom = borders.top + my, height - borders.bottom - my
    left, right = borders.left + mx, width - borders.right - mx
    if bottom - top < 8 or right - left < 8:
        return slice(0, 0), slice(0, 0)
    return slice(top, bottom), slice(left, right)


def ink_mask(grey: np.ndarray, paper: float) -> np.ndarray:
    """Ink pixels, without specks: a dark pixel counts when at least two of its four neighbours are dark too."""
    dark = grey < paper * INK_LEVEL
    if dark.shape[0] < 3 or dark.shape[1] < 3:
        return dark
    neighbours = np.zeros(dark.shape, dtype=np.uint8)
    neighbours[1:, :] += dark[:-1, :]
    neighbours[:-1, :] += dark[1:, :]
    neighbours[:, 1:] += dark[:, :-1]
    neighbours[:, :-1] += dark[:, 1:]
    return dark & (neighbours >= 2)


def _profile_scores(ys: np.ndarray, xs: np.ndarray, angles: np.ndarray, bin_size: float) -> np.ndarray:
    """For each angle, how sharp the projection of the (centred) points across lines at that angle is (Postl's
    criterion: the energy of the profile's first differences)."""
    theta = np.radians(angles).astype(np.float32)[:, None]
    radius = float(np.sqrt(ys * ys + xs * xs).max()) + 1
    projected = ys[None, :] * np.cos(theta) - xs[None, :] * np.sin(theta)
    projected += radius
    projected *= 1 / bin_size
    width = int(2 * radius / bin_size) + 2
    bins = projected.astype(np.int32)
    bins += (np.arange(len(angles), dtype=np.int32) * width)[:, None]
    profiles = np.bincount(bins.ravel(), minlength=len(angles) * width).reshape(len(angles), width)
    differences = np.diff(profiles, axis=1).astype(np.float64)
    return np.einsum("ij,ij->i", differences, differences)


def _refine(scores: np.ndarray, angles: np.ndarray) -> float:
    """The best angle, interpolated on a parabola through the best score and its neighbours."""
    best = int(np.argmax(scores))
    if 0 < best < len(scores) - 1:
        left, middle, right = scores[best - 1], scores[best], scores[best + 1]
        curvature = left - 2 * middle + right
        if curvature < 0:
            step = float(angles[1] - angles[0])
            return float(angles[best]) + step * 0.5 * float(left - right) / float(curvature)
    return float(angles[best])


def _sample(count: int, size: int, rng: np.random.Generator) -> np.ndarray | slice:
    return rng.choice(count, size, replace=False) if count > size else slice(None)


def skew_angle(ink: np.ndarray) -> float | None:
    """The angle of the text lines (horizontal rows or vertical columns, whichever are sharper), in degrees,
    counter-clockwise positive; None when there is too little ink to tell.

    Three passes, each on more of the ink and a finer step: every degree over ±15° (rows and columns), every 0.2°
    over ±1° around the best, every 0.05° over ±0.25° around that, then a parabola through the best three."""
    found_rows, found_columns = np.nonzero(ink)
    if len(found_rows) < SKEW_MIN_POINTS:
        return None
    rng = np.random.default_rng(0)
    # Pixel centres lie on a grid: projected at exactly 0° they fall into bins without spreading, which would make
    # 0° look sharper than it is. Spreading each point over its pixel (dither) removes that bias.
    ys = found_rows + rng.random(len(found_rows), dtype=np.float32) - np.float32(found_rows.mean() + 0.5)
    xs = found_columns + rng.random(len(found_columns), dtype=np.float32) - np.float32(found_columns.mean() + 0.5)
    coarse = _sample(len(ys), 4_000, rng)
    angles = np.arange(-SKEW_RANGE, SKEW_RANGE + 0.01, 1.0)
    # Rows: project on y; columns: project on x (the same rotation turns both by the same angle).
    rows = _profile_scores(ys[coarse], xs[coarse], angles, 2.0)
    columns = _profile_scores(xs[coarse], -ys[coarse], angles, 2.0)
    vertical = columns.max() > rows.max()
    first, second = (xs, -ys) if vertical else (ys, xs)
    best = float(angles[int(np.argmax(columns if vertical else rows))])
    middle = _sample(len(ys), 8_000, rng)
    angles = np.arange(best - 1.0, best + 1.01, 0.2)
    best = float(angles[int(np.argmax(_profile_scores(first[middle], second[middle], angles, 1.5)))])
    fine = _sample(len(ys), 16_000, rng)
    angles = np.arange(best - 0.25, best + 0.26, 0.05)
    scores = _profile_scores(first[fine], second[fine], angles, 1.0)
    # Image rows grow downwards: a line rising to the right (counter-clockwise) projects at a negative angle here.
    return round(-_refine(scores, angles), 2)


def chroma_profile(rgb: np.ndarray) -> tuple[float, float]:
    """(99th percentile of the chroma, share of strongly coloured pixels) of an RGB page."""
    sample = rgb[::2, ::2]  # every other pixel of every other row is plenty at 100 dpi, and four times quicker
    red, green, blue = sample[..., 0], sample[..., 1], sample[..., 2]
    chroma = np.maximum(np.maximum(red, green), blue) - np.minimum(np.minimum(red, green), blue)
    counts = np.bincount(chroma.ravel(), minlength=256)
    cumulative = np.cumsum(counts)
    p99 = float(np.searchsorted(cumulative, 0.99 * cumulative[-1]))
    strong = float(counts[STRONG_CHROMA:].sum()) / float(cumulative[-1])
    return p99, strong


def content_box(ink: np.ndarray) -> tuple[slice, slice]:
    """The part of the page that holds its ink (0.5 % of the ink cut off at each side, so specks do not widen it):
    the perceptual hash is taken on it, so that pages with the same margins but different text differ."""
    total = int(ink.sum())
    if total == 0:
        return slice(None), slice(None)

    def span(profile: np.ndarray) -> slice:
        cumulative = np.cumsum(profile)
        low = int(np.searchsorted(cumulative, 0.005 * total))
        high = int(np.searchsorted(cumulative, 0.995 * total))
        return slice(low, max(high + 1, low + 1))

    return span(ink.sum(axis=1)), span(ink.sum(axis=0))


_DCT = np.array(
    [
        [
            math.cos(math.pi * (2 * n + 1) * k / 64) * (math.sqrt(1 / 32) if k == 0 else math.sqrt(2 / 32))
            for n in range(32)
        ]
        for k in range(32)
    ]
)


def perceptual_hash(small: np.ndarray) -> int:
    """The 64-bit DCT perceptual hash of a 32×32 grey image: the 8×8 lowest frequencies above or below their
    median (the DC term left out of the median)."""
    coefficients = _DCT @ small.astype(np.float64) @ _DCT.T
    low = coefficients[:8, :8].ravel()
    median = float(np.median(low[1:]))
    value = 0
    for bit in low > median:
        value = (value << 1) | int(bit)
    return value
