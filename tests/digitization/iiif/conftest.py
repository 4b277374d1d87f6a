"""Fixtures of the IIIF Presentation tests: a storage root per test, units, and units with preserved pages."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from dangan.core.actors import CONSOLE
from dangan.core.choices import SecurityClassification

from .pages import draw_pages, preserve_masters


@pytest.fixture
def make_unit(fonds: Any, categories: Any) -> Callable[..., Any]:
    from dangan.catalog.actions.units import do_create_unit

    counter = itertools.count(1)

    def make(title: str = "", **extra: Any) -> Any:
        n = next(counter)
        data = {
            "title": title or f"中华苏维埃共和国临时中央政府布告（{n}）",
            "category": categories["WS"],
            "year": 1934,
            "retention": "Y",
            "organization": "BGS",
            "responsible": "中华苏维埃共和国临时中央政府",
            "page_count": 2,
            "classification": SecurityClassification.PUBLIC,
        }
        data.update(extra)
        return do_create_unit(CONSOLE, fonds, data)

    return make


@pytest.fixture
def digitized(storage: Any, make_unit: Callable[..., Any], tmp_path: Path) -> Callable[..., Any]:
    """digitized(sizes=[(w, h), …], **unit fields) → a unit whose masters are those pages, preserved."""
    counter = itertools.count(1)

    def make(sizes: Sequence[tuple[int, int]] = ((300, 420), (320, 400)), **extra: Any) -> Any:
        unit = make_unit(**extra)
        preserve_masters(unit, draw_pages(tmp_path / f"scans-{next(counter)}", sizes))
        return unit

    return make
