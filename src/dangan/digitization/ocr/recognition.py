"""Text recognition: line images (text running left to right) → characters with their positions along the line.

Crops are scaled to the network's height (48), sorted by width and batched only with crops of nearly the same width
(padding costs as much as text on a CPU); CTC greedy decoding keeps, for every character, the time steps it was read at, which give its position.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import cv2
import numpy as np

from .models import OcrModels

__all__ = ["LineReading", "read_lines"]

HEIGHT = 48
BATCH_SIZE = 8
WIDTH_SPREAD = 1.08
MIN_WIDTH = 64


@dataclass
class LineReading:
    """What the recogniser read in one crop. ``spans`` are each character's (start, end) as fractions of the crop's
    width, ``confidences`` its probability, ``alternatives`` the other characters it was read as (with their
    probabilities) at the same place."""

    text: str
    confidence: float
    characters: list[str]
    spans: list[tuple[float, float]]
    confidences: list[float]
    alternatives: list[list[tuple[str, float]]] = field(default_factory=list)


EMPTY = LineReading("", 0.0, [], [], [])
ALTERNATIVES = 4


def _scaled_width(crop: np.ndarray) -> int:
    height, width = crop.shape[:2]
    return max(8, int(np.ceil(HEIGHT * width / max(1, height))))


def _decode(probabilities: np.ndarray, used_steps: float, alphabet: list[str]) -> LineReading:
    """Greedy CTC over the time steps that cover the crop (the rest is padding)."""
    best = probabilities.argmax(axis=1)
    scores = probabilities[np.arange(len(best)), best]
    characters: list[str] = []
    runs: list[tuple[int, int]] = []
    confidences: list[float] = []
    peaks: list[int] = []
    previous = 0
    for step, index in enumerate(best.tolist()):
        if index != 0 and index != previous:
            characters.append(alphabet[index] if index < len(alphabet) else "")
            runs.append((step, step + 1))
            confidences.append(float(scores[step]))
            peaks.append(step)
        elif index != 0 and index == previous and runs:
            start, _ = runs[-1]
            runs[-1] = (start, step + 1)
            if float(scores[step]) > confidences[-1]:
                confidences[-1] = float(scores[step])
                peaks[-1] = step
        previous = index
    kept = [(c, r, p, k) for c, r, p, k in zip(characters, runs, confidences, peaks, strict=True) if c]
    while kept and not kept[0][0].strip():
        kept.pop(0)
    while kept and not kept[-1][0].strip():
        kept.pop()
    if not kept:
        return EMPTY
    characters = [c for c, _, _, _ in kept]
    centres = [((start + end) / 2) / used_steps for _, (start, end), _, _ in kept]
    confidences = [p for _, _, p, _ in kept]
    alternatives = []
    for _, _, _, step in kept:
        row = probabilities[step]
        top = np.argpartition(row, -ALTERNATIVES)[-ALTERNATIVES:]
        alternatives.append(
            [(alphabet[i], float(row[i])) for i in top.tolist() if 0 < i < len(alphabet) and i != best[step]]
        )
    return LineReading(
        "".join(characters), float(np.mean(confidences)), characters, _spans(centres), confidences, alternatives
    )


def _spans(centres: list[float]) -> list[tuple[float, float]]:
    """Each character's extent: halfway to its neighbours, the ends by the mean spacing."""
    if len(centres) == 1:
        return [(0.0, 1.0)]
    spacing = (centres[-1] - centres[0]) / (len(centres) - 1)
    bounds = [max(0.0, centres[0] - spacing / 2)]
    bounds += [(a + b) / 2 for a, b in itertools.pairwise(centres)]
    bounds.append(min(1.0, centres[-1] + spacing / 2))
    return [(min(bounds[i], 1.0), max(bounds[i + 1], 0.0)) for i in range(len(centres))]


def read_lines(models: OcrModels, crops: list[np.ndarray]) -> list[LineReading]:
    """Read every crop (uint8, grey or three channels, text left to right); the results in the crops' order."""
    readings: list[LineReading] = [EMPTY] * len(crops)
    widths = [_scaled_width(crop) for crop in crops]
    order = sorted(range(len(crops)), key=widths.__getitem__)
    batches: list[list[int]] = []
    for index in order:  # a batch holds crops within WIDTH_SPREAD of each other's width: little padding to compute
        if batches and len(batches[-1]) < BATCH_SIZE and widths[index] <= widths[batches[-1][0]] * WIDTH_SPREAD:
            batches[-1].append(index)
        else:
            batches.append([index])
    for members in batches:
        padded_width = max(MIN_WIDTH, max(widths[i] for i in members))
        padded_width = (padded_width + 7) // 8 * 8
        batch = np.zeros((len(members), 3, HEIGHT, padded_width), dtype=np.float32)
        for row, index in enumerate(members):
            scaled = cv2.resize(crops[index], (widths[index], HEIGHT), interpolation=cv2.INTER_LINEAR)
            # normalised to [-1, 1]; the padding stays 0, as the network was trained with
            planes = scaled.astype(np.float32) * (2.0 / 255.0) - 1.0
            batch[row, :, :, : widths[index]] = planes[np.newaxis] if planes.ndim == 2 else planes.transpose(2, 0, 1)
        probabilities = models.recognize(batch)
        steps = probabilities.shape[1]
        for row, index in enumerate(members):
            used = steps * widths[index] / padded_width
            readings[index] = _decode(probabilities[row, : int(np.ceil(used))], used, models.alphabet)
    return readings
