"""Who may see what through the IIIF services: the one policy (``catalog.policy``), asked for every request."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit_files


def can_view_pages(user: Any, unit: ArchivalUnit) -> bool:
    """Whether ``user`` may see the unit's page images and their text: exactly when the policy lets them see the
    unit's files (``can_view_unit_files``: its record, by 密级 and clearance, and files at all — not the public,
    for now, nor the roles that read no catalog)."""
    return can_view_unit_files(user, unit)


def visible_unit(user: Any, unit_uuid: Any) -> ArchivalUnit:
    """The unit, or Http404 when there is none or ``user`` may not see it (the same answer for both)."""
    unit = get_object_or_404(ArchivalUnit.objects.select_related("fonds"), uuid=unit_uuid)
    if not can_view_pages(user, unit):
        raise Http404
    return unit
