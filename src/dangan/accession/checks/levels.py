"""The 密级 of every finding of a check, so that a report shows each person only what ``catalog.policy`` lets them
see (see accession.actions.access).

A finding about a catalog row carries that row's 密级; a finding about a content file, the highest 密级 among the
rows that list the file; any other finding (the bag, its tag files, a file no row lists) none. A row whose 密级 cell
could not be read counts as the highest level: nobody below it learns what that row says. The transfer as a whole
is at the highest level of its rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dangan.accession.profile import normalize_path
from dangan.core.choices import SecurityClassification

from .context import CheckContext

LEVEL_KEY = "classification"  # the key a stored finding keeps its 密级 under ("" for none)
HIGHEST = SecurityClassification.TOP_SECRET.value


def highest(levels: Iterable[str]) -> str:
    """The most sensitive of ``levels`` ("" when there is none)."""
    found = [level for level in levels if level]
    return max(found, key=SecurityClassification.rank) if found else ""


class EvidenceLevels:
    """The 密级 of the rows and files of one checked package."""

    def __init__(self, ctx: CheckContext) -> None:
        self.rows: dict[int, str] = {}
        self.files: dict[str, str] = {}
        if ctx.plan is None:
            return
        column = ctx.plan.column("classification", "密级")
        unreadable = {e.row for e in ctx.plan.errors if e.column == column}
        for row in ctx.plan.rows:
            level = HIGHEST if row.number in unreadable else (row.values["classification"] or "")
            self.rows[row.number] = level
            for written in ctx.catalog.files.get(row.number, []):
                path = normalize_path(written)
                if path:
                    key = "data/" + path
                    self.files[key] = highest((self.files.get(key, ""), level))

    @property
    def transfer(self) -> str:
        """The highest 密级 of the package's rows ("" when no row could be read)."""
        return highest(self.rows.values())

    def of(self, evidence: dict[str, Any]) -> str:
        levels = []
        if evidence.get("row") is not None:
            levels.append(self.rows.get(int(evidence["row"]), ""))
        if evidence.get("file"):
            levels.append(self.files.get(str(evidence["file"]), ""))
        return highest(levels)

    def annotate(self, evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``evidence`` (dicts as stored), each with its 密级 under LEVEL_KEY."""
        return [{**e, LEVEL_KEY: self.of(e)} for e in evidence]
