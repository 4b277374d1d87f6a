"""The reading room's API under /api/access/: a reader's own bookings (another's is a 404), availability, the desk's
check-in, walk-ins and check-out, and the retrieval list with its steps; errors in Chinese."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from dangan.access.actions.reading_room import do_add_seats, do_book, do_save_room, do_save_slot
from dangan.access.choices import UseKind
from dangan.access.models import Booking, UseRecord, Visit
from dangan.core.actors import CONSOLE
from dangan.core.choices import SecurityClassification
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def slot(db: Any) -> Any:
    room = do_save_room(CONSOLE, None, {"name": "第一阅览室"})
    do_add_seats(CONSOLE, room, "A", 2, "ordinary")
    return do_save_slot(
        CONSOLE,
        None,
        {"name": "全天", "start": datetime.time(0, 0), "end": datetime.time(23, 59), "weekdays": "1234567"},
    )


def tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


def test_a_reader_books_lists_and_cancels_through_the_api(reader, other_reader, slot):
    client = client_for(reader)
    free = client.get("/api/access/bookings/availability", {"date": tomorrow()}).json()
    assert free == [
        {"slot": slot.pk, "name": "全天", "starts": "00:00", "ends": "23:59", "started": False, "free": {"ordinary": 2}}
    ]
    response = client.post("/api/access/bookings", {"date": tomorrow(), "slot": slot.pk}, content_type=JSON)
    assert response.status_code == 201
    booking = response.json()
    assert booking["seat"] == "A01" and booking["status"] == "booked"
    again = client.post("/api/access/bookings", {"date": tomorrow(), "slot": slot.pk}, content_type=JSON)
    assert again.status_code == 409 and "同一时段只能预约一个座位" in again.json()["detail"]
    wrong = client.post("/api/access/bookings", {"date": tomorrow(), "slot": 999}, content_type=JSON)
    assert wrong.status_code == 422 and "没有这个预约时段" in wrong.json()["errors"]["slot"]
    listing = client.get("/api/access/bookings").json()
    assert listing["total"] == 1 and listing["items"][0]["uuid"] == booking["uuid"]
    # Another reader neither lists nor reads nor cancels it.
    other = client_for(other_reader)
    assert other.get("/api/access/bookings").json()["total"] == 0
    assert other.get(f"/api/access/bookings/{booking['uuid']}").status_code == 404
    assert other.post(f"/api/access/bookings/{booking['uuid']}/cancel", {}, content_type=JSON).status_code == 404
    stale = client.post(f"/api/access/bookings/{booking['uuid']}/cancel", {"version": 7}, content_type=JSON)
    assert stale.status_code == 409 and stale.json()["errors"]["version"] == "1"
    done = client.post(f"/api/access/bookings/{booking['uuid']}/cancel", {"version": 1}, content_type=JSON)
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    # A reader may not check in themself.
    assert client.post(f"/api/access/bookings/{booking['uuid']}/check-in", {}, content_type=JSON).status_code == 403


def test_the_desk_checks_in_and_out_through_the_api(access_staff, reader, slot):
    booking = do_book(reader, reader, timezone.localdate() + datetime.timedelta(days=1), slot)
    Booking.objects.filter(pk=booking.pk).update(date=timezone.localdate())  # the day came
    client = client_for(access_staff)
    listing = client.get("/api/access/bookings", {"date": timezone.localdate().isoformat()}).json()
    assert [b["reader"] for b in listing["items"]] == ["张三"]
    visit = client.post(f"/api/access/bookings/{booking.uuid}/check-in", {}, content_type=JSON)
    assert visit.status_code == 200
    assert client.get("/api/access/visits", {"open": "true"}).json()["total"] == 1
    walk_in = client.post("/api/access/visits", {"reader": "reader-zhang"}, content_type=JSON)
    assert walk_in.status_code == 409 and "今天已签到" in walk_in.json()["detail"]
    out = client.post(f"/api/access/visits/{visit.json()['id']}/check-out", {}, content_type=JSON)
    assert out.status_code == 200 and out.json()["checked_out_at"] is not None
    assert not Visit.objects.get().is_open
    assert client.get("/api/access/bookings", {"status": "nonsense"}).status_code == 422


def test_retrievals_through_the_api(access_staff, reader, make_unit):
    unit = make_unit("关于农村饮水工程的批复", openness="open")
    secret = make_unit("关于某工程的秘密批复", classification=SecurityClassification.SECRET, openness="open")
    client = client_for(access_staff)
    hidden = client.post(
        "/api/access/retrievals", {"reader": "reader-zhang", "unit": str(secret.uuid)}, content_type=JSON
    )
    assert hidden.status_code == 404 and "秘密批复" not in hidden.content.decode()
    created = client.post(
        "/api/access/retrievals", {"reader": "reader-zhang", "unit": str(unit.uuid)}, content_type=JSON
    )
    assert created.status_code == 201
    uuid = created.json()["uuid"]
    assert [r["reference_code"] for r in client.get("/api/access/retrievals").json()] == [unit.reference_code]
    refused = client.post(f"/api/access/retrievals/{uuid}/handed", {}, content_type=JSON)
    assert refused.status_code == 409 and "尚未签到" in refused.json()["detail"]
    client.post("/api/access/visits", {"reader": "reader-zhang", "purpose": "work"}, content_type=JSON)
    handed = client.post(f"/api/access/retrievals/{uuid}/handed", {}, content_type=JSON)
    assert handed.status_code == 200 and handed.json()["status"] == "handed"
    assert UseRecord.objects.filter(kind=UseKind.VIEW, unit=unit, purpose="work").count() == 1
    assert client.post(f"/api/access/retrievals/{uuid}/returned", {}, content_type=JSON).json()["status"] == "returned"
    assert client.post(f"/api/access/retrievals/{uuid}/bogus", {}, content_type=JSON).status_code == 404
    # Readers have no access to the desk's lists.
    assert client_for(reader).get("/api/access/retrievals").status_code == 403
    assert client_for(reader).get("/api/access/visits").status_code == 403
