"""The reading room (阅览室) as readers and the desk use it: configuring rooms, seats and slots; booking a seat (one
per slot per reader, within the days allowed, never a seat twice); the desk's check-in (by booking or walk-in),
check-out and no-shows, each registered in the utilization register; the retrieval list (调卷) for the stacks, its
steps and its export; and the personal data kept about a reader.

Days pass in these tests the way they do for people: a booking made for tomorrow is moved to today (the day came),
so that nothing depends on the hour the tests run at."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangan.access.actions.reading_room import (
    do_add_seats,
    do_book,
    do_save_room,
    do_save_slot,
    reader_reading_room_data,
)
from dangan.access.choices import UseKind
from dangan.access.models import Booking, Retrieval, UseRecord, Visit
from dangan.core.actors import CONSOLE
from dangan.core.choices import SecurityClassification
from dangan.core.models import AuditEntry
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(db: Any) -> Any:
    """One room with two ordinary seats and one computer seat, and a slot that runs all day, every day."""
    room = do_save_room(CONSOLE, None, {"name": "第一阅览室", "location": "档案馆二楼", "hours": "9:00–17:00"})
    do_add_seats(CONSOLE, room, "A", 2, "ordinary")
    do_add_seats(CONSOLE, room, "C", 1, "computer")
    return room


@pytest.fixture
def slot(db: Any) -> Any:
    return do_save_slot(
        CONSOLE,
        None,
        {"name": "全天", "start": datetime.time(0, 0), "end": datetime.time(23, 59, 59), "weekdays": "1234567"},
    )


def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


def day_comes(booking: Booking) -> Booking:
    """The day of a booking made for tomorrow comes: it is today's booking now (its slot has started)."""
    Booking.objects.filter(pk=booking.pk).update(date=timezone.localdate())
    booking.refresh_from_db()
    return booking


def book_page(client: Any, day: datetime.date, slot: Any, **extra: str) -> Any:
    data = {"date": day.isoformat(), "slot": str(slot.pk), "kind": "", "purpose": "research", "note": "", **extra}
    return client.post(reverse("account:booking_new"), data)


# ---------------------------------------------------------------- configuration


def test_the_desk_configures_rooms_seats_and_slots(access_staff):
    client = client_for(access_staff)
    url = reverse("access:reading_room_settings")
    assert client.get(url).status_code == 200
    response = client.post(url, {"form": "room", "name": "缩微阅览室", "location": "三楼", "hours": "", "active": "on"})
    assert response.status_code == 302
    from dangan.access.models import ReadingRoom, Seat, TimeSlot

    room = ReadingRoom.objects.get(name="缩微阅览室")
    client.post(url, {"form": "seats", "room": room.pk, "seat_prefix": "M", "count": "3", "kind": "microfilm"})
    assert list(Seat.objects.filter(room=room).values_list("label", flat=True)) == ["M01", "M02", "M03"]
    response = client.post(
        url, {"form": "slot", "name": "上午", "start": "09:00", "end": "12:00", "weekdays": "1,2,3,4,5", "active": "on"}
    )
    assert response.status_code == 302
    assert TimeSlot.objects.get(name="上午").weekdays == "12345"
    # A slot that ends before it starts is refused in the page, in Chinese; nothing is stored.
    response = client.post(
        url, {"form": "slot", "name": "下午", "start": "17:00", "end": "14:00", "weekdays": "12345", "active": "on"}
    )
    assert response.status_code == 400
    assert "结束时间应晚于开始时间" in response.content.decode()
    assert not TimeSlot.objects.filter(name="下午").exists()
    # Editing a seat: the audit entry says what it was and what it became.
    seat = Seat.objects.get(room=room, label="M02")
    edit = reverse("access:reading_room_edit", args=["seat", seat.pk])
    response = client.post(edit, {"room": room.pk, "label": "M02", "kind": "microfilm"})  # active unticked
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.active is False
    entry = AuditEntry.objects.filter(action="access.reading_room.seat").order_by("-id").first()
    assert entry.data["before"]["active"] == "True" and entry.data["after"]["active"] == "False"


def test_only_the_reading_room_desk_configures_it(archivist, reader, room):
    assert client_for(reader).get(reverse("access:reading_room_settings")).status_code == 403
    from dangan.core.choices import Role

    assert client_for(Role.SECURITY_ADMIN).get(reverse("access:reading_room_settings")).status_code == 403
    # Archivists hold READING_ROOM too.
    assert client_for(archivist).get(reverse("access:reading_room_settings")).status_code == 200


# ---------------------------------------------------------------- booking


def test_a_reader_books_sees_and_cancels_a_seat(reader, room, slot):
    client = client_for(reader)
    page = client.get(reverse("account:booking_new"), {"date": tomorrow().isoformat()})
    assert page.status_code == 200
    assert "普通：空余 2 个" in page.content.decode() and "电脑：空余 1 个" in page.content.decode()
    response = book_page(client, tomorrow(), slot, kind="computer")
    assert response.status_code == 302
    booking = Booking.objects.get(reader=reader)
    assert (booking.seat.label, booking.status, booking.purpose) == ("C01", "booked", "research")
    listing = client.get(reverse("account:bookings")).content.decode()
    assert "C01" in listing and "已预约" in listing
    assert AuditEntry.objects.filter(action="access.reading_room.book", object_id=str(booking.uuid)).exists()
    # One booking per slot per reader.
    again = book_page(client, tomorrow(), slot)
    assert again.status_code == 400
    assert "同一时段只能预约一个座位" in again.content.decode()
    assert Booking.objects.filter(reader=reader).count() == 1
    # Cancel (until the slot starts).
    response = client.post(reverse("account:booking_cancel", args=[booking.uuid]), {"version": booking.version})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    # The seat is free again: the same reader books it anew.
    assert book_page(client, tomorrow(), slot, kind="computer").status_code == 302


def test_dates_outside_the_window_and_started_slots_are_refused(reader, room, slot, settings):
    settings.BOOKING_DAYS_AHEAD = 3
    client = client_for(reader)
    far = timezone.localdate() + datetime.timedelta(days=4)
    response = book_page(client, far, slot)
    assert response.status_code == 400  # not among the dates offered
    assert not Booking.objects.exists()
    started = book_page(client, timezone.localdate(), slot)  # today's 全天 began at midnight
    assert started.status_code == 400
    assert "该时段已经开始" in started.content.decode()
    assert not Booking.objects.exists()


def test_a_full_slot_says_so_and_a_booked_seat_is_not_given_twice(reader, other_reader, room, slot):
    from tests.helpers import account

    third = account("reader", username="reader-wang")
    for who in (reader, other_reader):
        do_book(who, who, tomorrow(), slot, kind="ordinary")
    seats = set(Booking.objects.values_list("seat__label", flat=True))
    assert seats == {"A01", "A02"}
    response = book_page(client_for(third), tomorrow(), slot, kind="ordinary")
    assert response.status_code == 400
    assert "座位已约满" in response.content.decode()


def test_a_reader_cannot_cancel_after_the_slot_started_nor_touch_anothers_booking(reader, other_reader, room, slot):
    booking = day_comes(do_book(reader, reader, tomorrow(), slot))
    client = client_for(reader)
    response = client.post(reverse("account:booking_cancel", args=[booking.uuid]), follow=True)
    assert "时段开始后不能再取消预约" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "booked"
    theirs = do_book(other_reader, other_reader, tomorrow(), slot)
    assert client.post(reverse("account:booking_cancel", args=[theirs.uuid])).status_code == 404


def test_staff_have_no_bookings_and_the_public_signs_in_first(access_staff, room, slot):
    assert client_for(access_staff).get(reverse("account:bookings")).status_code == 403
    response = client_for(None).get(reverse("account:booking_new"))
    assert response.status_code == 302 and "login" in response["Location"]


# ---------------------------------------------------------------- the desk


def test_check_in_by_booking_opens_a_visit_and_registers_it(access_staff, reader, room, slot):
    booking = day_comes(do_book(reader, reader, tomorrow(), slot, purpose="history"))
    client = client_for(access_staff)
    desk = client.get(reverse("access:reading_room")).content.decode()
    assert "张三" in desk and "已预约" in desk
    response = client.post(reverse("access:booking_check_in", args=[booking.uuid]), {"version": booking.version})
    assert response.status_code == 302
    booking.refresh_from_db()
    visit = Visit.objects.get(reader=reader)
    assert booking.status == "checked_in" and booking.visit == visit and visit.is_open
    assert visit.checked_in_by == access_staff and visit.purpose == "history"
    use = UseRecord.objects.get(kind=UseKind.VISIT)
    assert (use.reader, use.staff, use.purpose) == (reader, access_staff, "history")
    # Twice is refused: the booking is no longer 已预约.
    again = client.post(reverse("access:booking_check_in", args=[booking.uuid]), follow=True)
    assert "不能签到" in again.content.decode()
    assert UseRecord.objects.filter(kind=UseKind.VISIT).count() == 1
    # Check-out closes the visit.
    client.post(reverse("access:visit_check_out", args=[visit.pk]))
    visit.refresh_from_db()
    assert not visit.is_open
    again = client.post(reverse("access:visit_check_out", args=[visit.pk]), follow=True)
    assert "已离馆" in again.content.decode()


def test_a_stale_version_is_refused(access_staff, reader, room, slot):
    booking = day_comes(do_book(reader, reader, tomorrow(), slot))
    response = client_for(access_staff).post(
        reverse("access:booking_check_in", args=[booking.uuid]), {"version": booking.version + 5}, follow=True
    )
    assert "已被他人修改" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_no_show_only_once_the_slot_started(access_staff, reader, room, slot):
    client = client_for(access_staff)
    ahead = do_book(reader, reader, tomorrow(), slot)
    response = client.post(reverse("access:booking_no_show", args=[ahead.uuid]), follow=True)
    assert "时段开始后才能标记未到" in response.content.decode()
    today = day_comes(ahead)
    client.post(reverse("access:booking_no_show", args=[today.uuid]))
    today.refresh_from_db()
    assert today.status == "no_show"
    assert not Visit.objects.exists()


def test_a_walk_in_is_checked_in_by_account_or_real_name(access_staff, reader, other_reader):
    client = client_for(access_staff)
    response = client.post(reverse("access:walk_in"), {"reader": "张三", "purpose": "rights", "note": "补办证明"})
    assert response.status_code == 302
    visit = Visit.objects.get(reader=reader)
    assert visit.purpose == "rights" and visit.note == "补办证明"
    again = client.post(reverse("access:walk_in"), {"reader": "reader-zhang"}, follow=True)
    assert "今天已签到" in again.content.decode()
    unknown = client.post(reverse("access:walk_in"), {"reader": "王五"}, follow=True)
    assert "没有找到这个查档人" in unknown.content.decode()
    assert Visit.objects.count() == 1
    assert UseRecord.objects.filter(kind=UseKind.VISIT).count() == 1


def test_readers_never_reach_the_desk(reader):
    for name in ("access:reading_room", "access:retrieval"):
        assert client_for(reader).get(reverse(name)).status_code == 403


# ---------------------------------------------------------------- retrieval (调卷)


def test_retrieval_from_the_list_to_the_reader_and_back(access_staff, reader, make_unit):
    opened = make_unit("关于乡村公路建设的请示", openness="open")
    closed = make_unit("关于困难户补助名单的通知")  # 公开 but not yet opened: the reader may not see it
    client = client_for(access_staff)
    add = reverse("access:retrieval_add")
    today = timezone.localdate().isoformat()
    response = client.post(add, {"reader": "reader-zhang", "codes": closed.reference_code, "date": today})
    assert response.status_code == 400
    assert "无权查阅" in response.content.decode()
    response = client.post(add, {"reader": "reader-zhang", "codes": f"{opened.reference_code}\n", "date": today})
    assert response.status_code == 302
    item = Retrieval.objects.get()
    assert (item.unit, item.reader, item.status) == (opened, reader, "pending")
    sheet = client.get(reverse("access:retrieval")).content.decode()
    assert opened.reference_code in sheet and "待调卷" in sheet
    step = lambda name: client.post(reverse("access:retrieval_step", args=[item.uuid, name]), follow=True)  # noqa: E731
    step("fetched")
    item.refresh_from_db()
    assert item.status == "fetched" and item.fetched_by == access_staff
    # Handing over needs the reader checked in.
    assert "尚未签到" in step("handed").content.decode()
    client.post(reverse("access:walk_in"), {"reader": "reader-zhang", "purpose": "research"})
    step("handed")
    item.refresh_from_db()
    assert item.status == "handed" and item.visit == Visit.objects.get(reader=reader)
    use = UseRecord.objects.get(kind=UseKind.VIEW)
    assert (use.unit, use.reader, use.purpose, use.channel) == (opened, reader, "research", "reading_room")
    # Not returned yet: outstanding, highlighted.
    sheet = client.get(reverse("access:retrieval")).content.decode()
    assert "rr-outstanding" in sheet and "尚未归还：1 件" in sheet
    step("returned")
    item.refresh_from_db()
    assert item.status == "returned" and item.returned_by == access_staff and item.returned_at is not None
    assert "rr-outstanding" not in client.get(reverse("access:retrieval")).content.decode()
    # The day's list as .xlsx, in the order of the stacks.
    xlsx = client.get(reverse("access:retrieval"), {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("全宗号", "档号", "题名")
    assert rows[1][:3] == ("Z109", opened.reference_code, "关于乡村公路建设的请示")


def test_the_desk_cannot_fetch_what_it_may_not_see(access_staff, reader, make_unit):
    secret = make_unit("关于某专项的秘密报告", classification=SecurityClassification.SECRET, openness="open")
    response = client_for(access_staff).post(
        reverse("access:retrieval_add"),
        {"reader": "reader-zhang", "codes": secret.reference_code, "date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "没有这些档号（或您无权查看）" in body and "秘密报告" not in body
    assert not Retrieval.objects.exists()


# ---------------------------------------------------------------- personal data


def test_reader_reading_room_data_lists_bookings_visits_and_retrievals(access_staff, reader, room, slot, make_unit):
    do_book(reader, reader, tomorrow(), slot, purpose="history", note="需要放大镜")
    client_for(access_staff).post(reverse("access:walk_in"), {"reader": "reader-zhang"})
    unit = make_unit("关于扶贫项目验收的报告", openness="open")
    client_for(access_staff).post(
        reverse("access:retrieval_add"),
        {"reader": "reader-zhang", "codes": unit.reference_code, "date": timezone.localdate().isoformat()},
    )
    data = reader_reading_room_data(reader)
    assert [row["type"] for row in data] == ["booking", "visit", "retrieval"]
    assert data[0]["note"] == "需要放大镜" and data[0]["seat"] == "A01"
    assert data[2]["unit"] == unit.reference_code


# ---------------------------------------------------------------- grants that depend on the visit

GRANT_READER = "reader-rr-grant"
GRANT_TITLE = "关于阅览室内查阅的档案"


def _reading_room_only(reader: Any) -> Any:
    """A provider like the requests part's for a reading-room-only approval: the record always, its files only
    while the reader's visit of today is open."""
    from dangan.access.actions.reading_room import open_visit
    from dangan.catalog.grants import Grants
    from dangan.catalog.models import ArchivalUnit

    if reader.username != GRANT_READER:
        return Grants()
    ids = frozenset(ArchivalUnit.objects.filter(title=GRANT_TITLE).values_list("pk", flat=True))
    return Grants(records=ids, files=ids if open_visit(reader) is not None else frozenset())


def test_check_in_and_out_open_and_close_a_reading_room_only_grant_at_once(access_staff, make_unit):
    from dangan.catalog.grants import register_grant_provider
    from dangan.catalog.policy import can_view_unit, can_view_unit_files
    from tests.helpers import account

    register_grant_provider(_reading_room_only)
    reader = account("reader", username=GRANT_READER)
    unit = make_unit(GRANT_TITLE)  # 公开, not opened: only the grant shows it
    assert can_view_unit(reader, unit) and not can_view_unit_files(reader, unit)
    desk = client_for(access_staff)
    desk.post(reverse("access:walk_in"), {"reader": GRANT_READER})
    assert can_view_unit_files(reader, unit)  # the same user object: its cached grants were dropped
    desk.post(reverse("access:visit_check_out", args=[Visit.objects.get(reader=reader).pk]))
    assert not can_view_unit_files(reader, unit)


def test_the_desk_and_the_readers_find_the_reading_room_from_their_start_pages(access_staff, reader):
    home = client_for(access_staff).get(reverse("access:home")).content.decode()
    assert reverse("access:reading_room") in home and reverse("access:retrieval") in home
    bookings = client_for(reader).get(reverse("account:bookings")).content.decode()
    assert f'href="{reverse("account:bookings")}"' in bookings


def test_a_retrieval_not_yet_fetched_can_be_withdrawn(access_staff, reader, make_unit):
    unit = make_unit("关于修建村小学的报告", openness="open")
    client = client_for(access_staff)
    client.post(
        reverse("access:retrieval_add"),
        {"reader": "reader-zhang", "codes": unit.reference_code, "date": timezone.localdate().isoformat()},
    )
    item = Retrieval.objects.get()
    client.post(reverse("access:retrieval_step", args=[item.uuid, "cancelled"]))
    item.refresh_from_db()
    assert item.status == "cancelled"
    assert AuditEntry.objects.filter(action="access.reading_room.retrieval_cancelled").count() == 1
    # Withdrawn, it may be listed again; a fetched one can no longer be withdrawn.
    client.post(
        reverse("access:retrieval_add"),
        {"reader": "reader-zhang", "codes": unit.reference_code, "date": timezone.localdate().isoformat()},
    )
    again = Retrieval.objects.exclude(pk=item.pk).get()
    client.post(reverse("access:retrieval_step", args=[again.uuid, "fetched"]))
    refused = client.post(reverse("access:retrieval_step", args=[again.uuid, "cancelled"]), follow=True)
    assert "不能执行此操作" in refused.content.decode()


def test_a_unit_classified_after_it_was_listed_disappears_from_the_desk(access_staff, reader, make_unit):
    """The list asks catalog.policy every time: a unit raised to 秘密 after it was put on the list is gone for the
    desk cleared 公开 only — from the page, the .xlsx and the API — and its steps answer 404."""
    from dangan.catalog.actions.units import do_update_unit

    unit = make_unit("关于移民安置的调查报告", openness="open")
    client = client_for(access_staff)
    client.post(
        reverse("access:retrieval_add"),
        {"reader": "reader-zhang", "codes": unit.reference_code, "date": timezone.localdate().isoformat()},
    )
    item = Retrieval.objects.get()
    assert "移民安置" in client.get(reverse("access:retrieval")).content.decode()
    do_update_unit(CONSOLE, unit, {"classification": SecurityClassification.SECRET})
    page = client.get(reverse("access:retrieval")).content.decode()
    assert "移民安置" not in page and unit.reference_code not in page
    xlsx = client.get(reverse("access:retrieval"), {"format": "xlsx"})
    assert "移民安置" not in str(list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)))
    assert client.get("/api/access/retrievals").json() == []
    assert (
        client.post(f"/api/access/retrievals/{item.uuid}/fetched", {}, content_type="application/json").status_code
        == 404
    )
    assert client.post(reverse("access:retrieval_step", args=[item.uuid, "fetched"])).status_code == 404
    item.refresh_from_db()
    assert item.status == "pending"


def test_the_desk_opens_a_readers_retrieval_from_their_visit(access_staff, reader):
    client = client_for(access_staff)
    client.post(reverse("access:walk_in"), {"reader": "reader-zhang"})
    desk = client.get(reverse("access:reading_room")).content.decode()
    link = f"{reverse('access:retrieval')}?date={timezone.localdate().isoformat()}&amp;reader=reader-zhang"
    assert link in desk
    sheet = client.get(reverse("access:retrieval"), {"reader": "reader-zhang"}).content.decode()
    assert 'value="reader-zhang"' in sheet


def test_a_booking_made_from_an_access_request_remembers_it(reader, room, slot):
    import uuid

    request_uuid = uuid.uuid4()
    client = client_for(reader)
    page = client.get(reverse("account:booking_new"), {"request": str(request_uuid)}).content.decode()
    assert f'value="{request_uuid}"' in page
    book_page(client, tomorrow(), slot, request_uuid=str(request_uuid))
    assert Booking.objects.get(reader=reader).request_uuid == request_uuid
