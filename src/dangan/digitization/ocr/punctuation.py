"""Punctuation of vertical columns, which the recogniser (reading a column turned a quarter) misses or misreads.

In vertical typesetting 。，、 stand in the upper right of their cell. Turned for the recogniser they look like
quotes and degree signs (’ °), or are not read at all. Misreadings are mapped back; a cell the recogniser skipped
(its neighbours' positions leave a gap of a whole cell) that holds a small mark of ink is read by the mark's shape:
a ring is 。, a stroke falling to the right 、, another mark ，.
"""

from __future__ import annotations

import cv2
import numpy as np

from .recognition import LineReading

__all__ = ["restore_vertical_punctuation"]

TURNED = {"’": "，", "'": "，", "‘": "，", "`": "，", ",": "，", "°": "。", "º": "。", "…": "：", "‥": "："}
MARKS = "，。、"
INK = 140


def _mark(piece: np.ndarray, size: float) -> str | None:
    """The punctuation mark a piece of a column holds (a character is ``size`` pixels), or None when it holds
    nothing or more than a mark."""
    ink = (piece < INK).astype(np.uint8)
    count = int(ink.sum())
    if count < 4 or count > 0.15 * size * size:
        return None
    ys, xs = np.nonzero(ink)
    extent = max(ys.max() - ys.min(), xs.max() - xs.min()) + 1
    if extent > 0.6 * size or extent < 0.16 * size or count < 0.008 * size * size:
        return None  # more than a mark, or a speck of dirt
    contours, hierarchy = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is not None and any(h[3] >= 0 for h in hierarchy[0]):
        return "。"
    height, width = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
    middle = ink[ys.min() + height // 3 : ys.max() + 1 - height // 3, xs.min() + width // 3 : xs.max() + 1 - width // 3]
    if 0.75 < height / width < 1.33 and middle.size and not middle.any():
        return "。"  # a ring broken open by worn ink: round, and empty in its middle
    if len(contours) > 2:  # a comma's tail may come apart from its dot, but no mark has three pieces
        return None
    spread = float(np.std(xs) * np.std(ys))
    correlation = float(np.mean((xs - xs.mean()) * (ys - ys.mean()))) / spread if spread else 0.0
    return "、" if correlation > 0.3 else "，"


def _marks(column: np.ndarray, size: float) -> list[tuple[float, float, str]]:
    """Small isolated marks of ink in the column's right part: (top, bottom, mark), top to bottom."""
    ink = column < INK
    rows = ink.sum(axis=1) > 0
    runs: list[tuple[int, int]] = []
    start = None
    for y, inked in enumerate(rows.tolist()):
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            runs.append((start, y))
            start = None
    if start is not None:
        runs.append((start, len(rows)))
    joined: list[tuple[int, int]] = []
    for run in runs:  # a thin stroke (a comma's tail) may leave a blank row inside one mark
        if joined and run[0] - joined[-1][1] <= max(2.0, 0.08 * size):
            joined[-1] = (joined[-1][0], run[1])
        else:
            joined.append(run)
    runs = joined
    columns_with_ink = np.nonzero(ink.any(axis=0))[0]
    if not len(columns_with_ink):
        return []
    middle = (columns_with_ink[0] + columns_with_ink[-1]) / 2
    marks = []
    for index, (top, bottom) in enumerate(runs):
        if bottom - top > 0.45 * size:
            continue
        xs = np.nonzero(ink[top:bottom].any(axis=0))[0]
        if xs[-1] - xs[0] > 0.45 * size or (xs[0] + xs[-1]) / 2 < middle:
            continue
        below = runs[index + 1][0] - bottom if index + 1 < len(runs) else size
        above = top - runs[index - 1][1] if index else size
        if below < 0.3 * size or above < 0.04 * size:
            continue
        mark = _mark(np.pad(column[top:bottom, xs[0] : xs[-1] + 1], 1, constant_values=255), size)
        if mark is not None:
            marks.append((float(top), float(bottom), mark))
    return marks


def restore_vertical_punctuation(column: np.ndarray, reading: LineReading) -> LineReading:
    """``reading`` of an upright vertical ``column`` (grey, top to bottom) with its punctuation restored."""
    characters = [TURNED.get(c, c) for c in reading.characters]
    spans = list(reading.spans)
    confidences = list(reading.confidences)
    height, width = column.shape[:2]
    centres = [(start + end) / 2 * height for start, end in spans]
    pitch = float(np.median(np.diff(centres))) if len(centres) >= 2 else width * 0.8
    size = min(pitch, width * 0.85)
    if size <= 6:
        return LineReading("".join(characters), reading.confidence, characters, spans, confidences)
    for top, bottom, mark in _marks(column, size):
        centre = (top + bottom) / 2
        if any(c in MARKS and abs(y - centre) < 0.6 * pitch for c, y in zip(characters, centres, strict=True)):
            continue  # read already
        at = sum(1 for y in centres if y < centre)
        if at == 0:
            continue  # a column never starts with a mark
        characters.insert(at, mark)
        spans.insert(at, (top / height, bottom / height))
        confidences.insert(at, 0.5)
        centres.insert(at, centre)
    return LineReading("".join(characters), reading.confidence, characters, spans, confidences)
