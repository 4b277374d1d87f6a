"""The list of newly opened records (开放目录) as the portal shows it: the units that a confirmed openness review
decision opened, newest first, through catalog.policy (an opened unit closed again since, or one above 公开, is
left out)."""

from __future__ import annotations

from typing import Any

from dangan.catalog.models import ArchivalUnit


def recently_opened(user: Any, limit: int = 10) -> list[ArchivalUnit]:
    """The units most recently opened by the openness review that ``user`` may see, newest first."""
    from dangan.access.filters.openness import OpenedFilter

    if limit <= 0:
        return []
    units: dict[int, ArchivalUnit] = {}
    # A unit opened, closed and opened again by a later round is listed once, at its latest opening.
    for row in OpenedFilter().apply(user)[: limit * 2].iterator():
        units.setdefault(row.unit_id, row.unit)
        if len(units) == limit:
            break
    return list(units.values())
