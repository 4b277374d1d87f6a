"""Lookups shared by the catalog views. Visibility is always asked of ``catalog.policy``; a unit the user may
not see is a 404, like one that does not exist, so its existence does not leak."""

from __future__ import annotations

import uuid as uuid_lib
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import can_view_unit, sees_every_unit, visible_units
from dangan.utilities.views import user_can

# Above this many, the fonds list shows "10000+" for users who see only part of a fonds (no full count).
COUNT_CAP = 10_000


def get_fonds(code: str) -> Fonds:
    return get_object_or_404(Fonds, code__iexact=code)


def get_visible_unit(request: HttpRequest, unit_uuid: Any) -> ArchivalUnit:
    """The unit with ``unit_uuid`` if the user may see it; otherwise 404."""
    unit = get_object_or_404(ArchivalUnit.objects.select_related("fonds", "category", "parent"), uuid=unit_uuid)
    if not can_view_unit(request.user, unit):
        raise Http404
    return unit


def find_visible_unit(user: Any, fonds: Fonds, reference: str) -> ArchivalUnit | None:
    """A unit of ``fonds`` that ``user`` may see, named by its 档号 or its UUID."""
    reference = reference.strip()
    if not reference:
        return None
    units = visible_units(user, ArchivalUnit.objects.filter(fonds=fonds))
    try:
        return units.get(uuid=uuid_lib.UUID(reference))
    except (ValueError, ArchivalUnit.DoesNotExist):
        pass
    return units.filter(reference_code=reference).first()


def visible_count(user: Any, fonds: Fonds) -> tuple[int, bool]:
    """How many units of ``fonds`` the user may see, and whether that number is capped.

    Users who see everything get the stored count; others a count that stops at COUNT_CAP, so the fonds list
    never scans a fonds of millions and never reveals how many units are hidden from the user.
    """
    if sees_every_unit(user):
        return fonds.unit_count, False
    count = visible_units(user, ArchivalUnit.objects.filter(fonds=fonds))[: COUNT_CAP + 1].count()
    return min(count, COUNT_CAP), count > COUNT_CAP


def can(request: HttpRequest, capability: str) -> bool:
    return user_can(request.user, capability)
