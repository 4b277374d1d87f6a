"""Sweep declarations of the reading room (gathered by tests/access/sweep.py): readers' bookings under /account/,
the desk, the retrieval list and the settings under /manage/access/reading-room/, and the API. The desk's routes
belong to READING_ROOM (archivists and the access staff); a reader's bookings to readers only (their own: another
reader's booking is a 404)."""

from __future__ import annotations

import datetime
from typing import Any

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder


def _build(world: World) -> None:
    """A room with two seats and an all-day slot; the sweep reader's booking for tomorrow and another reader's; a
    walk-in visitor checked in today, with an opened unit on the retrieval list for them."""
    from django.utils import timezone

    from dangan.access.actions.reading_room import (
        do_add_retrieval,
        do_add_seats,
        do_book,
        do_save_room,
        do_save_slot,
        do_walk_in,
    )
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import Fonds, RecordCategory
    from dangan.core.actors import CONSOLE
    from dangan.core.choices import Role, SecurityClassification
    from tests.helpers import account

    world["@fonds"]
    room = do_save_room(CONSOLE, None, {"name": "巡检阅览室", "location": "二楼"})
    do_add_seats(CONSOLE, room, "A", 2, "ordinary")
    slot = do_save_slot(
        CONSOLE,
        None,
        {"name": "全天", "start": datetime.time(0, 0), "end": datetime.time(23, 59), "weekdays": "1234567"},
    )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    reader = world.user("reader")
    other = account(Role.READER, username="sweep-reader-other")
    visitor = account(Role.READER, username="sweep-reader-visitor")
    world.objects["rr.room"] = room.pk
    world.objects["rr.seat"] = room.seats.first().pk  # type: ignore[union-attr]
    world.objects["rr.slot"] = slot.pk
    world.objects["rr.booking"] = do_book(reader, reader, tomorrow, slot)
    world.objects["rr.booking_other"] = do_book(other, other, tomorrow, slot)
    world.objects["rr.visit"] = do_walk_in(CONSOLE, visitor, purpose="research").pk
    fonds = Fonds.objects.get(code=world.objects["fonds"])
    data: dict[str, Any] = {
        "title": "巡检阅览室调卷公开已开放",
        "classification": SecurityClassification.PUBLIC,
        "openness": "open",
        "category": RecordCategory.objects.get(code="WS"),
        "year": 2011,
        "retention": "Y",
        "organization": "BGS",
    }
    unit = do_create_unit(CONSOLE, fonds, data)
    world.objects["rr.retrieval"] = do_add_retrieval(CONSOLE, visitor, unit)


register_builder("rr", _build)

# Readers' pages: readers only; staff accounts have no bookings.
READER_ONLY = expect(403, reader=200, access_staff=403)
READER_POSTED = expect(403, reader=302, access_staff=403)
# The desk (READING_ROOM): archivists and the access staff.
DESK = expect(403, archivists=200, access_staff=200)
DESK_POSTED = expect(403, archivists=302, access_staff=302)
DESK_INVALID = expect(403, archivists=400, access_staff=400)

PAGES = [
    Page("account:bookings", READER_ONLY, needs=("@rr.booking",)),
    Page("account:booking_new", READER_ONLY, needs=("@rr.slot",)),
    Page("account:booking_cancel", READER_POSTED, method="POST", uuid="@rr.booking", note="the reader's own"),
    Page(
        "account:booking_cancel",
        expect(403, reader=404, access_staff=403),
        method="POST",
        uuid="@rr.booking_other",
        note="another reader's",
    ),
    Page("access:reading_room", DESK, needs=("@rr.booking",)),
    Page("access:walk_in", DESK_POSTED, method="POST", data={"reader": ""}, note="no reader"),
    Page("access:booking_check_in", DESK_POSTED, method="POST", uuid="@rr.booking", note="tomorrow's: refused"),
    Page("access:booking_no_show", DESK_POSTED, method="POST", uuid="@rr.booking", note="not started: refused"),
    Page("access:booking_cancel_desk", DESK_POSTED, method="POST", uuid="@rr.booking"),
    Page("access:visit_check_out", DESK_POSTED, method="POST", pk="@rr.visit"),
    Page("access:retrieval", DESK, needs=("@rr.retrieval",)),
    Page("access:retrieval", DESK, query={"format": "xlsx"}, needs=("@rr.retrieval",), note=".xlsx"),
    Page("access:retrieval_add", DESK_INVALID, method="POST", data={}, note="empty form"),
    Page("access:retrieval_step", DESK_POSTED, method="POST", uuid="@rr.retrieval", step="fetched"),
    Page(
        "access:retrieval_step",
        expect(403, archivists=404, access_staff=404),
        method="POST",
        uuid="@rr.retrieval",
        step="lost",
        note="no such step",
    ),
    Page("access:reading_room_settings", DESK, needs=("@rr.room",)),
    Page(
        "access:reading_room_settings",
        DESK_INVALID,
        method="POST",
        data={"form": "room", "name": ""},
        note="a room without a name",
    ),
    Page("access:reading_room_edit", DESK, kind="room", pk="@rr.room"),
    Page("access:reading_room_edit", DESK, kind="seat", pk="@rr.seat"),
    Page("access:reading_room_edit", DESK, kind="slot", pk="@rr.slot"),
]

# API: readers and the desk; the other staff roles are refused (403).
SIGNED_IN = expect(200, reader=200, access_staff=200)
OWN_OR_DESK = expect(403, archivists=200, reader=200, access_staff=200)
API_DESK = expect(403, archivists=200, access_staff=200)
API_DESK_CONFLICT = expect(403, archivists=409, access_staff=409)
INVALID_BODY = expect(422, reader=422, access_staff=422)

ENDPOINTS = [
    Api("GET /api/access/bookings", OWN_OR_DESK, needs=("@rr.booking",)),
    Api("GET /api/access/bookings/availability", SIGNED_IN, needs=("@rr.slot",)),
    Api("POST /api/access/bookings", INVALID_BODY, data={}, note="no date, no slot"),
    Api("GET /api/access/bookings/{uuid}", OWN_OR_DESK, uuid="@rr.booking"),
    Api(
        "GET /api/access/bookings/{uuid}",
        expect(403, archivists=200, reader=404, access_staff=200),
        uuid="@rr.booking_other",
        note="another reader's",
    ),
    Api("POST /api/access/bookings/{uuid}/cancel", OWN_OR_DESK, uuid="@rr.booking"),
    Api("POST /api/access/bookings/{uuid}/check-in", API_DESK_CONFLICT, uuid="@rr.booking", note="tomorrow's"),
    Api("POST /api/access/bookings/{uuid}/no-show", API_DESK_CONFLICT, uuid="@rr.booking", note="not started"),
    Api("GET /api/access/visits", API_DESK, needs=("@rr.visit",)),
    Api("POST /api/access/visits", INVALID_BODY, data={}, note="no reader"),
    Api("POST /api/access/visits/{visit_id}/check-out", API_DESK, visit_id="@rr.visit"),
    Api("GET /api/access/retrievals", API_DESK, needs=("@rr.retrieval",)),
    Api("POST /api/access/retrievals", INVALID_BODY, data={}, note="no reader, no unit"),
    Api("POST /api/access/retrievals/{uuid}/{step}", API_DESK, uuid="@rr.retrieval", step="fetched"),
]
EXCLUDED: dict[str, str] = {}
