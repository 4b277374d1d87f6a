"""Template helpers of the workspace design system: capability checks, status badges, readable audit data."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import format_html

from dangan.utilities.views import user_can

register = template.Library()


@register.filter
def has_cap(user: Any, capability: str) -> bool:
    """``{% if request.user|has_cap:"catalog.change" %}``."""
    return user_can(user, capability)


@register.simple_tag
def badge(kind: str, value: Any, label: Any) -> str:
    """A status badge, e.g. ``{% badge "classification" unit.classification unit.get_classification_display %}``.

    The CSS class ``badge--<kind>-<value>`` gives the colour; the label is always written, never colour alone.
    """
    return format_html('<span class="badge badge--{}-{}">{}</span>', kind, value or "none", label)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value if value else "“”"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


@register.filter
def pretty_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@register.filter
def change_rows(data: Any) -> list[tuple[str, str, str]]:
    """An audit entry's ``{"before": {…}, "after": {…}}`` as rows of (field, before, after); empty if not that shape."""
    if not isinstance(data, dict):
        return []
    before, after = data.get("before"), data.get("after")
    if not isinstance(before, dict | None) or not isinstance(after, dict | None) or (before is None and after is None):
        return []
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return [(k, _text(before.get(k)) if k in before else "", _text(after.get(k)) if k in after else "") for k in keys]


@register.filter
def other_data(data: Any) -> dict[str, Any]:
    """An audit entry's data except the before/after parts shown by ``change_rows``."""
    if not isinstance(data, dict):
        return {}
    rows = change_rows(data)
    return {k: v for k, v in data.items() if not (rows and k in ("before", "after"))}
