"""Part stacks of the conservation API (under /api/conservation/): the stacks tree and what each location holds
(CONSERVATION_VIEW; units and counts only as far as ``catalog.policy`` lets the caller see), a unit's place and
moves, and placing or moving units by 档号 (CONSERVATION_WORK)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Schema

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.conservation.actions import stacks as actions
from dangan.conservation.models import Location, Move, Placement
from dangan.core.api import ERROR_RESPONSES, require_capability
from dangan.core.roles import Capability

from . import router


class LocationOut(Schema):
    full_code: str
    code: str
    kind: str
    name: str
    capacity: int | None
    used: int
    free: int | None
    units: int  # on it and below it, as counted for the caller


class UnitRef(Schema):
    uuid: UUID
    reference_code: str | None
    title: str


class LocationDetail(LocationOut):
    parent: str | None
    children: list[LocationOut]
    placed: list[UnitRef]


class MoveOut(Schema):
    unit: UUID
    reference_code: str | None
    from_code: str
    to_code: str
    moved_at: datetime
    moved_by: str | None
    reason: str


class UnitLocationOut(Schema):
    location: str | None
    placed_at: datetime | None
    moves: list[MoveOut]


class PlaceIn(Schema):
    units: list[str]  # 档号
    reason: str = ""


def _out(row: actions.Occupancy) -> dict[str, Any]:
    loc = row.location
    return {
        "full_code": loc.full_code,
        "code": loc.code,
        "kind": loc.kind,
        "name": loc.name,
        "capacity": loc.capacity,
        "used": row.used,
        "free": row.free,
        "units": row.below,
    }


def _move(move: Move) -> dict[str, Any]:
    return {
        "unit": move.unit.uuid,
        "reference_code": move.unit.reference_code,
        "from_code": move.from_code,
        "to_code": move.to_code,
        "moved_at": move.moved_at,
        "moved_by": move.moved_by.get_username() if move.moved_by else None,
        "reason": move.reason,
    }


@router.get(
    "/conservation/locations",
    response={200: list[LocationOut], **ERROR_RESPONSES},
    summary="库房位置 / locations (the stacks, or a location's children)",
)
def list_locations(request: HttpRequest, parent: str = "") -> Any:
    require_capability(request, Capability.CONSERVATION_VIEW)
    if parent:
        locations = get_object_or_404(Location, full_code=parent).children.order_by("code")
    else:
        locations = Location.objects.filter(parent__isnull=True).order_by("code")
    return [_out(row) for row in actions.occupancy(request.user, locations)]


@router.get(
    "/conservation/locations/{full_code}",
    response={200: LocationDetail, **ERROR_RESPONSES},
    summary="库房位置及其存放的档案 / a location and its units",
)
def get_location(request: HttpRequest, full_code: str) -> Any:
    require_capability(request, Capability.CONSERVATION_VIEW)
    location = get_object_or_404(Location, full_code=full_code)
    row = actions.occupancy(request.user, [location])[0]
    placed = visible_units(request.user, ArchivalUnit.objects.filter(placement__location=location)).order_by(
        "reference_code", "pk"
    )
    return {
        **_out(row),
        "parent": location.parent.full_code if location.parent else None,
        "children": [_out(r) for r in actions.occupancy(request.user, location.children.order_by("code"))],
        "placed": [{"uuid": u.uuid, "reference_code": u.reference_code, "title": u.title} for u in placed],
    }


@router.post(
    "/conservation/locations/{full_code}/units",
    response={200: list[MoveOut], **ERROR_RESPONSES},
    summary="上架或移入此位置 / place or move units here (by 档号)",
)
def place_units(request: HttpRequest, full_code: str, payload: PlaceIn) -> Any:
    require_capability(request, Capability.CONSERVATION_WORK)
    location = get_object_or_404(Location, full_code=full_code)
    units = actions.resolve_units(request.user, payload.units)
    return [_move(m) for m in actions.do_move_units(request.user, units, location, payload.reason)]


@router.get(
    "/conservation/units/{uuid:unit_id}/location",
    response={200: UnitLocationOut, **ERROR_RESPONSES},
    summary="档案的存放位置与移库记录 / a unit's place and moves",
)
def unit_location(request: HttpRequest, unit_id: UUID) -> Any:
    require_capability(request, Capability.CONSERVATION_VIEW)
    unit = ArchivalUnit.objects.filter(uuid=unit_id).first()
    if unit is None or not can_view_unit(request.user, unit):
        raise Http404
    placement = Placement.objects.filter(unit=unit).select_related("location").first()
    moves = Move.objects.filter(unit=unit).select_related("unit", "moved_by")
    return {
        "location": placement.location.full_code if placement else None,
        "placed_at": placement.placed_at if placement else None,
        "moves": [_move(m) for m in moves],
    }
