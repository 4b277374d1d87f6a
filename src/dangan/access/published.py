"""The list of newly opened records (开放目录) as the portal shows it: the units that a confirmed openness review
decision opened, newest first, through catalog.policy (an opened unit closed again since, or one above 公开, is
left out)."""

from __future__ import annotations

from typing import Any

from dangan.catalog.models import ArchivalUnit


def recently_opened(user: Any, limit: int = 10) -> list[ArchivalUnit]:
    """The units most recently opened by the openness review that ``user`` may see, newest first."""
    from dangan.access.filters.openness import OpenedFilter

    rows = OpenedFilter().apply(user)[: max(0, limit)]
    return [row.unit for row in rows]
