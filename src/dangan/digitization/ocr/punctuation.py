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
GAP = 1.4  # a step between two characters this many cells long leaves a cell unread
INK = 140


def _mark(cell: np.ndarray) -> str | None:
    """The punctuation mark a cell holds, or None when it is empty or holds more than a mark."""
    ink = (cell < INK).astype(np.uint8)
    count = int(ink.sum())
    side = min(cell.shape)
    if count < max(4, 0.004 * cell.size) or count > 0.15 * cell.size:
        return None
    ys, xs = np.nonzero(ink)
    if ys.max() - ys.min() > 0.6 * side or xs.max() - xs.min() > 0.6 * side:
        return None
    contours, hierarchy = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is not None and any(h[3] >= 0 for h in hierarchy[0]):
        return "。"
    if len(contours) > 1:
        return None
    covariance = float(np.mean((xs - xs.mean()) * (ys - ys.mean())))
    return "、" if covariance > 0.15 * float(np.std(xs) * np.std(ys)) else "，"


def restore_vertical_punctuation(column: np.ndarray, reading: LineReading) -> LineReading:
    """``reading`` of an upright vertical ``column`` (grey, top to bottom) with its punctuation restored."""
    characters = [TURNED.get(c, c) for c in reading.characters]
    spans = list(reading.spans)
    confidences = list(reading.confidences)
    height, width = column.shape[:2]
    centres = [(start + end) / 2 * height for start, end in spans]
    if len(centres) >= 2:
        steps = np.diff(centres)
        pitch = float(np.median(steps))
    else:
        pitch = float(width) * 0.9
    if pitch <= 4:
        return LineReading("".join(characters), reading.confidence, characters, spans, confidences)
    found: list[tuple[int, float]] = []  # (insert before index, centre)
    for index in range(len(centres) - 1):
        step = centres[index + 1] - centres[index]
        if step > GAP * pitch:
            for k in range(1, round(step / pitch)):
                found.append((index + 1, centres[index] + k * pitch))
    if centres:
        position = centres[-1] + pitch
        while position - 0.2 * pitch < height:
            found.append((len(centres), position))
            position += pitch
    inserted = 0
    for before, centre in found:
        top, bottom = int(max(0, centre - pitch / 2)), int(min(height, centre + pitch / 2))
        if bottom - top < 4:
            continue
        mark = _mark(column[top:bottom])
        if mark is None:
            if before == len(centres):
                break  # past the last character: nothing further down belongs to the column
            continue
        at = before + inserted
        characters.insert(at, mark)
        spans.insert(at, (top / height, bottom / height))
        confidences.insert(at, 0.5)
        inserted += 1
    return LineReading("".join(characters), reading.confidence, characters, spans, confidences)
