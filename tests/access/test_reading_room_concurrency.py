"""Two readers booking the same seat at the same moment, with real threads and real database connections (run this
file on PostgreSQL too: DANGAN_TEST_DATABASE_URL). The database's unique constraint decides: one reader gets the
seat, the other a clear message (or another seat, while one is free); a seat is never booked twice."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from dangan.access.actions.reading_room import do_add_seats, do_book, do_save_room, do_save_slot
from dangan.access.models import Booking, Seat
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role
from tests.helpers import account, run_together

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3


@pytest.fixture
def setup(db: Any) -> dict[str, Any]:
    room = do_save_room(CONSOLE, None, {"name": "第一阅览室"})
    do_add_seats(CONSOLE, room, "A", 1, "ordinary")
    slot = do_save_slot(
        CONSOLE,
        None,
        {"name": "全天", "start": datetime.time(0, 0), "end": datetime.time(23, 59), "weekdays": "1234567"},
    )
    readers = [account(Role.READER, username=f"reader-{n}") for n in range(2)]
    return {"room": room, "slot": slot, "readers": readers, "seat": Seat.objects.get(room=room)}


def test_two_readers_racing_for_one_named_seat(setup):
    slot, seat = setup["slot"], setup["seat"]
    for n in range(ROUNDS):
        day = timezone.localdate() + datetime.timedelta(days=1 + n)
        results = run_together([lambda r=r, d=day: do_book(r, r, d, slot, seat=seat) for r in setup["readers"]])
        won = [r for r in results if isinstance(r, Booking)]
        lost = [r for r in results if isinstance(r, ValidationError)]
        assert len(won) == 1 and len(lost) == 1, results
        assert "刚刚被他人预约" in lost[0].messages[0]
        assert Booking.objects.filter(seat=seat, date=day, slot=slot).count() == 1


def test_two_readers_racing_for_the_last_seat_through_the_api(setup):
    slot = setup["slot"]
    clients = []
    for reader in setup["readers"]:
        client = Client()
        client.force_login(reader)
        clients.append(client)
    for n in range(ROUNDS):
        day = (timezone.localdate() + datetime.timedelta(days=1 + n)).isoformat()
        body = {"date": day, "slot": slot.pk, "purpose": "research"}
        results = run_together(
            [lambda c=c, b=body: c.post("/api/access/bookings", b, content_type="application/json") for c in clients]
        )
        statuses = sorted(r.status_code for r in results)
        assert statuses == [201, 409], [r.content for r in results]
        refused = next(r for r in results if r.status_code == 409).json()["detail"]
        assert "约满" in refused
        assert Booking.objects.filter(date=day, slot=slot).count() == 1
