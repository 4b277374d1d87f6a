"""One script per page, as printed: where the recogniser hesitates between a character's simplified and traditional
forms, the form the rest of the page is printed in wins.

Nothing is converted: a character changes only to another of the recogniser's own candidates for that place (its
simplified or traditional counterpart, read with some probability), and only on a page that is clearly printed in
one script. The counterparts come from OpenCC's character tables (the package search already uses).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .recognition import LineReading

__all__ = ["consistent_script"]

MAJORITY = 2  # one script counts as the page's when its own characters outnumber the other's this many times
MIN_CHARACTERS = 8
MIN_PROBABILITY = 0.01  # the counterpart must be a real second reading, not noise in the softmax


@cache
def _table(name: str) -> dict[str, frozenset[str]]:
    import opencc

    path = Path(opencc.__file__).resolve().parent / "dictionary" / name
    table: dict[str, frozenset[str]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            key, _, values = line.rstrip("\n").partition("\t")
            if len(key) == 1 and values:
                table[key] = frozenset(values.split(" "))
    return table


def _traditional_only(character: str) -> bool:
    simplified = _table("TSCharacters.txt").get(character)
    return simplified is not None and character not in simplified


def _simplified_only(character: str) -> bool:
    traditional = _table("STCharacters.txt").get(character)
    return traditional is not None and character not in traditional


def _counterparts(character: str, *, to_simplified: bool) -> frozenset[str]:
    table = _table("TSCharacters.txt" if to_simplified else "STCharacters.txt")
    return table.get(character, frozenset())


def consistent_script(readings: list[LineReading]) -> list[LineReading]:
    """The readings with characters of the minority script replaced by a counterpart the recogniser also read."""
    characters = [c for reading in readings for c in reading.characters]
    traditional = sum(map(_traditional_only, characters))
    simplified = sum(map(_simplified_only, characters))
    if traditional + simplified < MIN_CHARACTERS:
        return readings
    if simplified >= MAJORITY * max(1, traditional):
        stray, to_simplified = _traditional_only, True
    elif traditional >= MAJORITY * max(1, simplified):
        stray, to_simplified = _simplified_only, False
    else:
        return readings  # a page of mixed forms keeps them
    result = []
    for reading in readings:
        changed = list(reading.characters)
        for index, character in enumerate(changed):
            if not stray(character) or index >= len(reading.alternatives):
                continue
            wanted = _counterparts(character, to_simplified=to_simplified)
            for candidate, probability in reading.alternatives[index]:
                if candidate in wanted and probability >= MIN_PROBABILITY:
                    changed[index] = candidate
                    break
        if changed != reading.characters:
            reading = LineReading(
                "".join(changed), reading.confidence, changed, reading.spans, reading.confidences, reading.alternatives
            )
        result.append(reading)
    return result
