"""API of the reading room (阅览室), under /api/access/: bookings (a reader's own; the desk's all), availability,
check-in, no-show and cancellation; visits (walk-in check-in, check-out); the retrieval list (调卷) and its steps.

The same actions as the pages. A reader sees only their own bookings (another's is a 404); the desk
(READING_ROOM) sees every booking, visit and retrieval, the latter only of units it sees (catalog.policy)."""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from dangan.access.actions.reading_room import (
    RETRIEVAL_STEPS,
    availability,
    do_add_retrieval,
    do_book,
    do_cancel_booking,
    do_check_in,
    do_check_out,
    do_mark_no_show,
    do_retrieval_step,
    do_walk_in,
    find_reader,
    may_staff,
    retrievals_on,
)
from dangan.access.models import Booking, Retrieval, TimeSlot, Visit
from dangan.access.models.reading_room import BookingStatus
from dangan.catalog.api.common import unit_or_404
from dangan.catalog.policy import can_view_unit
from dangan.core.actors import signed_in
from dangan.core.api import ERROR_RESPONSES, ActionRouter, PageOut, PageQuery, error_response, paged
from dangan.core.roles import is_reader
from dangan.utilities.concurrency import EditConflict

router = ActionRouter(tags=["阅览室 reading room"])


# ---------------------------------------------------------------- schemas


class BookingOut(Schema):
    uuid: UUID
    reader: str
    date: datetime.date
    slot: int
    slot_name: str
    starts: str
    ends: str
    room: str
    seat: str
    seat_kind: str
    status: str
    status_display: str
    purpose: str
    note: str
    request_uuid: UUID | None
    visit: int | None
    version: int


class BookingPage(PageOut):
    items: list[BookingOut]


class BookingIn(Schema):
    date: datetime.date = Field(description="日期（YYYY-MM-DD）")
    slot: int = Field(description="时段的编号（见 /api/access/bookings/availability）")
    kind: str = Field("", description="座位类型：ordinary 普通、microfilm 缩微、computer 电脑；空为不限")
    purpose: str = Field("", description="利用目的")
    note: str = Field("", max_length=300)
    request_uuid: UUID | None = Field(None, description="所服务的查档申请")


class BookingVersionIn(Schema):
    version: int | None = None


class BookingQuery(PageQuery):
    date: datetime.date | None = None
    status: str | None = None


class SlotFreeOut(Schema):
    slot: int
    name: str
    starts: str
    ends: str
    started: bool
    free: dict[str, int]


class VisitOut(Schema):
    id: int
    reader: str
    checked_in_at: datetime.datetime
    checked_out_at: datetime.datetime | None
    purpose: str
    note: str


class VisitPage(PageOut):
    items: list[VisitOut]


class VisitQuery(PageQuery):
    date: datetime.date | None = None
    open: bool | None = None


class WalkInIn(Schema):
    reader: str = Field(description="查档人的账号名（或唯一的真实姓名）")
    purpose: str = ""
    note: str = Field("", max_length=300)


class RetrievalOut(Schema):
    uuid: UUID
    unit: UUID
    reference_code: str
    title: str
    fonds: str
    reader: str
    date: datetime.date
    status: str
    status_display: str
    fetched_at: datetime.datetime | None
    handed_at: datetime.datetime | None
    returned_at: datetime.datetime | None
    version: int


class RetrievalIn(Schema):
    reader: str = Field(description="查档人的账号名（或唯一的真实姓名）")
    unit: UUID
    date: datetime.date | None = None
    note: str = Field("", max_length=300)


class DateQuery(Schema):
    date: datetime.date | None = None


# ---------------------------------------------------------------- helpers


def _staff(request: HttpRequest) -> Any:
    user = signed_in(request)
    if not may_staff(user):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    return user


def _conflict(exc: EditConflict) -> JsonResponse:
    return error_response(409, str(exc), {"version": str(exc.current_version)})


def booking_out(b: Booking) -> dict[str, Any]:
    return {
        "uuid": b.uuid,
        "reader": str(b.reader),
        "date": b.date,
        "slot": b.slot_id,
        "slot_name": b.slot.name,
        "starts": f"{b.slot.start:%H:%M}",
        "ends": f"{b.slot.end:%H:%M}",
        "room": b.seat.room.name,
        "seat": b.seat.label,
        "seat_kind": b.seat.kind,
        "status": b.status,
        "status_display": str(b.get_status_display()),
        "purpose": b.purpose,
        "note": b.note,
        "request_uuid": b.request_uuid,
        "visit": b.visit_id,
        "version": b.version,
    }


def visit_out(v: Visit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "reader": str(v.reader),
        "checked_in_at": v.checked_in_at,
        "checked_out_at": v.checked_out_at,
        "purpose": v.purpose,
        "note": v.note,
    }


def retrieval_out(r: Retrieval) -> dict[str, Any]:
    return {
        "uuid": r.uuid,
        "unit": r.unit.uuid,
        "reference_code": r.unit.reference_code or "",
        "title": r.unit.title,
        "fonds": r.unit.fonds.code if r.unit.fonds else "",
        "reader": str(r.reader or ""),
        "date": r.date,
        "status": r.status,
        "status_display": str(r.get_status_display()),
        "fetched_at": r.fetched_at,
        "handed_at": r.handed_at,
        "returned_at": r.returned_at,
        "version": r.version,
    }


def _booking_for(request: HttpRequest, uuid: UUID) -> Booking:
    """The booking, for its reader or the desk; a 404 for anybody else (as an unknown one)."""
    user = signed_in(request)
    rows = Booking.objects.select_related("reader", "seat__room", "slot")
    if not may_staff(user):
        if not is_reader(user):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        rows = rows.filter(reader=user)
    booking = rows.filter(uuid=uuid).first()
    if booking is None:
        raise Http404(_("预约不存在。"))
    return booking


# ---------------------------------------------------------------- bookings


@router.get("/bookings", response={200: BookingPage, **ERROR_RESPONSES}, summary="阅览室预约列表")
def list_bookings(request: HttpRequest, query: Query[BookingQuery]) -> Any:
    """A reader's own bookings; for the desk (READING_ROOM) every booking, by ``date`` and ``status``."""
    user = signed_in(request)
    rows = Booking.objects.select_related("reader", "seat__room", "slot").order_by("-date", "slot__start", "pk")
    if may_staff(user):
        pass
    elif is_reader(user):
        rows = rows.filter(reader=user)
    else:
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    if query.date is not None:
        rows = rows.filter(date=query.date)
    if query.status:
        if query.status not in BookingStatus.values:
            raise ValidationError({"status": _("预约状态有误：%(value)s") % {"value": query.status}})
        rows = rows.filter(status=query.status)
    return paged(rows, query, booking_out)


@router.get(
    "/bookings/availability", response={200: list[SlotFreeOut], **ERROR_RESPONSES}, summary="某日各时段的空余座位"
)
def booking_availability(request: HttpRequest, query: Query[DateQuery]) -> Any:
    signed_in(request)
    day = query.date or timezone.localdate()
    return [
        {
            "slot": a.slot.pk,
            "name": a.slot.name,
            "starts": f"{a.slot.start:%H:%M}",
            "ends": f"{a.slot.end:%H:%M}",
            "started": a.started,
            "free": a.free,
        }
        for a in availability(day)
    ]


@router.post("/bookings", response={201: BookingOut, **ERROR_RESPONSES}, summary="预约座位（查档人）")
def create_booking(request: HttpRequest, body: BookingIn) -> Any:
    reader = signed_in(request)
    if not is_reader(reader):
        raise PermissionDenied(_("只有查档人账号可以预约阅览室座位。"))
    slot = TimeSlot.objects.filter(pk=body.slot, active=True).first()
    if slot is None:
        raise ValidationError({"slot": _("没有这个预约时段。")})
    booking = do_book(
        reader,
        reader,
        body.date,
        slot,
        kind=body.kind,
        purpose=body.purpose,
        note=body.note,
        request_uuid=body.request_uuid,
    )
    return Status(201, booking_out(booking))


@router.get("/bookings/{uuid}", response={200: BookingOut, **ERROR_RESPONSES}, summary="一条预约")
def get_booking(request: HttpRequest, uuid: UUID) -> Any:
    return booking_out(_booking_for(request, uuid))


@router.post("/bookings/{uuid}/cancel", response={200: BookingOut, **ERROR_RESPONSES}, summary="取消预约")
def cancel_booking(request: HttpRequest, uuid: UUID, body: BookingVersionIn) -> Any:
    booking = _booking_for(request, uuid)
    try:
        return booking_out(do_cancel_booking(signed_in(request), booking, version=body.version))
    except EditConflict as exc:
        return _conflict(exc)


@router.post("/bookings/{uuid}/check-in", response={200: VisitOut, **ERROR_RESPONSES}, summary="按预约签到")
def check_in_booking(request: HttpRequest, uuid: UUID, body: BookingVersionIn) -> Any:
    staff = _staff(request)
    booking = _booking_for(request, uuid)
    try:
        return visit_out(do_check_in(staff, booking, version=body.version))
    except EditConflict as exc:
        return _conflict(exc)


@router.post("/bookings/{uuid}/no-show", response={200: BookingOut, **ERROR_RESPONSES}, summary="标记未到")
def no_show_booking(request: HttpRequest, uuid: UUID, body: BookingVersionIn) -> Any:
    staff = _staff(request)
    booking = _booking_for(request, uuid)
    try:
        return booking_out(do_mark_no_show(staff, booking, version=body.version))
    except EditConflict as exc:
        return _conflict(exc)


# ---------------------------------------------------------------- visits


@router.get("/visits", response={200: VisitPage, **ERROR_RESPONSES}, summary="到馆记录（服务台）")
def list_visits(request: HttpRequest, query: Query[VisitQuery]) -> Any:
    _staff(request)
    rows = Visit.objects.select_related("reader").order_by("-checked_in_at", "-pk")
    if query.date is not None:
        rows = rows.filter(checked_in_at__date=query.date)
    if query.open is not None:
        rows = rows.filter(checked_out_at__isnull=query.open)
    return paged(rows, query, visit_out)


@router.post("/visits", response={201: VisitOut, **ERROR_RESPONSES}, summary="未预约到馆签到")
def create_visit(request: HttpRequest, body: WalkInIn) -> Any:
    staff = _staff(request)
    reader = find_reader(body.reader)
    if reader is None:
        raise ValidationError({"reader": _("没有找到这个查档人（请输入账号名，或唯一的真实姓名）。")})
    return Status(201, visit_out(do_walk_in(staff, reader, purpose=body.purpose, note=body.note)))


@router.post("/visits/{visit_id}/check-out", response={200: VisitOut, **ERROR_RESPONSES}, summary="离馆")
def check_out_visit(request: HttpRequest, visit_id: int) -> Any:
    staff = _staff(request)
    visit = Visit.objects.select_related("reader").filter(pk=visit_id).first()
    if visit is None:
        raise Http404(_("到馆记录不存在。"))
    return visit_out(do_check_out(staff, visit))


# ---------------------------------------------------------------- retrievals


@router.get("/retrievals", response={200: list[RetrievalOut], **ERROR_RESPONSES}, summary="调卷单")
def list_retrievals(request: HttpRequest, query: Query[DateQuery]) -> Any:
    """The day's retrieval list (today unless ``date``), by fonds and 档号, with earlier items still out."""
    staff = _staff(request)
    return [retrieval_out(r) for r in retrievals_on(staff, query.date or timezone.localdate())]


@router.post("/retrievals", response={201: RetrievalOut, **ERROR_RESPONSES}, summary="登记调卷")
def create_retrieval(request: HttpRequest, body: RetrievalIn) -> Any:
    staff = _staff(request)
    unit = unit_or_404(staff, body.unit)
    reader = find_reader(body.reader)
    if reader is None:
        raise ValidationError({"reader": _("没有找到这个查档人（请输入账号名，或唯一的真实姓名）。")})
    return Status(201, retrieval_out(do_add_retrieval(staff, reader, unit, day=body.date, note=body.note)))


@router.post(
    "/retrievals/{uuid}/{step}", response={200: RetrievalOut, **ERROR_RESPONSES}, summary="调出、交阅、归还或撤销"
)
def retrieval_step(request: HttpRequest, uuid: UUID, step: str, body: BookingVersionIn) -> Any:
    """``step``: fetched (调出), handed (交阅: registered as a use of the unit), returned (归还), cancelled (撤销,
    before it was fetched)."""
    staff = _staff(request)
    if step not in RETRIEVAL_STEPS:
        raise Http404(_("没有这个操作。"))
    item = Retrieval.objects.select_related("unit__fonds", "reader").filter(uuid=uuid).first()
    if item is None or not can_view_unit(staff, item.unit):
        raise Http404(_("调卷记录不存在。"))
    try:
        return retrieval_out(do_retrieval_step(staff, item, step, version=body.version))
    except EditConflict as exc:
        return _conflict(exc)
