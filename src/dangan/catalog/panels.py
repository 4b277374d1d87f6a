"""Sections that higher apps add to the unit detail page (preservation's 长期保存 …) without the catalog importing
them: each registers a function that renders its section for a request and a unit, or returns "" to show nothing.
The page itself has already asked catalog.policy whether the user may see the unit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from dangan.utilities.registry import Registry


@dataclass(frozen=True)
class UnitPanel:
    key: str
    render: Callable[[HttpRequest, Any], str]  # (request, unit) → HTML, already escaped
    order: int = 100


unit_panels = Registry[UnitPanel]("unit detail panels")


def register_unit_panel(panel: UnitPanel) -> UnitPanel:
    return unit_panels.register(panel.key, panel)


def render_unit_panels(request: HttpRequest, unit: Any) -> list[str]:
    rendered = (panel.render(request, unit) for panel in sorted(unit_panels, key=lambda p: p.order))
    return [html for html in rendered if html]
