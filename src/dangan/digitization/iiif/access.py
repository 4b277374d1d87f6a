"""Who may see what through the IIIF services: the one policy (``catalog.policy``), asked for every request."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit


def can_view_pages(user: Any, unit: ArchivalUnit) -> bool:
    """Whether ``user`` may see the unit's page images and text: exactly when the policy shows them the unit among
    the holdings (the public: 公开 and 开放 units only; a disposed-of unit: no one)."""
    return can_view_unit(user, unit)


def visible_unit(user: Any, unit_uuid: Any) -> ArchivalUnit:
    """The unit, or Http404 when there is none or ``user`` may not see it (the same answer for both)."""
    unit = get_object_or_404(ArchivalUnit.objects.select_related("fonds"), uuid=unit_uuid)
    if not can_view_pages(user, unit):
        raise Http404
    return unit
