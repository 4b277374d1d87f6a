"""Template helpers of the preservation pages: PREMIS event and outcome labels, short digests."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from dangan.preservation.premis import EventType

register = template.Library()


@register.filter
def event_label(value: str) -> str:
    """The Chinese label of a PREMIS event type (the value itself when it is not one of the vocabulary's)."""
    try:
        return _(EventType(value).label_zh)
    except ValueError:
        return value


@register.filter
def outcome_label(value: str) -> str:
    return {"success": _("成功"), "warning": _("警告"), "fail": _("失败")}.get(value, value or "—")


@register.filter
def short_digest(value: str) -> str:
    """The first and last eight characters of a long digest, for tables (the whole one goes in a title attribute)."""
    return f"{value[:8]}…{value[-8:]}" if value and len(value) > 20 else value
