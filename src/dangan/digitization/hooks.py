"""Registers digitization's audit action types, menu entry, search full-text provider and deletion holds."""

from __future__ import annotations

from typing import Any

from dangan.catalog.panels import UnitPanel, register_unit_panel


def _pages_panel(request: Any, unit: Any) -> str:
    from .iiif.panel import unit_panel

    return unit_panel(request, unit)


# The unit's pages in the IIIF viewer, above its preserved package (preservation's panel has order 50).
register_unit_panel(UnitPanel("digitization.pages", _pages_panel, order=40))
