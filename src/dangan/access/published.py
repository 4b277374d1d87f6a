"""The list of newly opened records (开放目录) as the portal shows it. The openness review part fills this in; until
then the portal shows no list."""

from __future__ import annotations

from typing import Any

from dangan.catalog.models import ArchivalUnit


def recently_opened(user: Any, limit: int = 10) -> list[ArchivalUnit]:
    """The units most recently opened by the openness review that ``user`` may see, newest first."""
    return []
