"""Template helpers of the utilization statistics."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def figure(figures: Any, key: str) -> int:
    """One figure of a ``statistics.Figures`` by its key in ``as_dict`` (visits, readers, units_used …)."""
    return int(figures.as_dict()[key])
