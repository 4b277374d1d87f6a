"""``{% unit_source unit as source %}``: the unit's 来源 for the viewing person (see catalog.sources)."""

from __future__ import annotations

from typing import Any

from django import template

from dangan.catalog.sources import UnitSource
from dangan.catalog.sources import unit_source as find_source

register = template.Library()


@register.simple_tag(takes_context=True)
def unit_source(context: template.Context, unit: Any) -> UnitSource | None:
    request = context.get("request")
    return find_source(getattr(request, "user", None), unit)
