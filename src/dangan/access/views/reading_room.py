"""Pages of the reading room (阅览室): a reader's bookings (/account/bookings/), the desk of the day
(/manage/access/reading-room/: bookings per slot, check-in by booking or walk-in, check-out, no-shows), the retrieval
list for the stacks (调卷单, printable and as .xlsx) and the configuration of rooms, seats and time slots.

Thin shells over ``actions.reading_room``: every button posts to an action, whose refusal comes back as a message.
The retrieval list shows only units the staff member sees (catalog.policy)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from itertools import groupby
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dangan.access.actions.reading_room import (
    RETRIEVAL_STEPS,
    availability,
    bookable_dates,
    do_add_retrieval,
    do_add_seats,
    do_book,
    do_cancel_booking,
    do_check_in,
    do_check_out,
    do_mark_no_show,
    do_retrieval_step,
    do_save_room,
    do_save_seat,
    do_save_slot,
    do_walk_in,
    find_reader,
    reader_verification,
    retrievals_on,
    slots_on,
    units_by_codes,
)
from dangan.access.forms.reading_room import (
    BookingForm,
    RetrievalAddForm,
    RoomForm,
    SeatForm,
    SeatsForm,
    SlotForm,
    WalkInForm,
)
from dangan.access.models import Booking, ReadingRoom, Retrieval, Seat, TimeSlot, Visit
from dangan.access.models.reading_room import ACTIVE_BOOKING, BookingStatus
from dangan.access.views.guards import reader_required
from dangan.core.actors import signed_in
from dangan.core.roles import Capability
from dangan.utilities.concurrency import EditConflict, parse_version
from dangan.utilities.views import capability_required, form_errors_from

READING_ROOM = Capability.READING_ROOM
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refused(request: HttpRequest, exc: Exception) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


def _version(request: HttpRequest) -> int | None:
    try:
        return parse_version(request.POST.get("version"))
    except ValueError:
        return None


def _day(request: HttpRequest) -> datetime.date:
    """The ``?date=`` asked for (YYYY-MM-DD), today when absent or malformed."""
    try:
        return datetime.date.fromisoformat(request.GET.get("date") or "")
    except ValueError:
        return timezone.localdate()


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page the button was on (``next``, a local path only), else ``fallback``."""
    target = request.POST.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = fallback
    return redirect(target)


# ---------------------------------------------------------------- readers: /account/bookings/


@require_safe
@reader_required
def bookings(request: HttpRequest) -> HttpResponse:
    reader = signed_in(request)
    today = timezone.localdate()
    rows = Booking.objects.filter(reader=reader).select_related("seat__room", "slot")
    upcoming = rows.filter(date__gte=today).order_by("date", "slot__start")
    past = rows.filter(date__lt=today).order_by("-date", "-slot__start")[:50]
    now = timezone.now()
    cancellable = {b.pk for b in upcoming if b.status == BookingStatus.BOOKED and b.starts_at > now}
    context = {"upcoming": upcoming, "past": past, "cancellable": cancellable}
    return render(request, "access/reading_room/bookings.html", context)


@reader_required
def booking_new(request: HttpRequest) -> HttpResponse:
    reader = signed_in(request)
    dates = bookable_dates()
    data = request.POST if request.method == "POST" else None
    chosen = _day(request) if request.method != "POST" else None
    if chosen not in dates:
        chosen = dates[0]
    initial: dict[str, Any] = {"date": chosen.isoformat()} if chosen else {}
    if request.method != "POST" and request.GET.get("slot"):
        initial["slot"] = request.GET.get("slot")
    if request.method != "POST" and request.GET.get("request"):
        initial["request_uuid"] = request.GET.get("request")
    form = BookingForm(data, dates=dates, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            cleaned = form.cleaned_data
            chosen = cleaned["date"]
            try:
                do_book(
                    reader,
                    reader,
                    cleaned["date"],
                    cleaned["slot"],
                    kind=cleaned["kind"],
                    purpose=cleaned["purpose"],
                    note=cleaned["note"],
                    request_uuid=cleaned["request_uuid"],
                )
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("已预约。请按时到馆，在服务台出示证件签到。"))
                return redirect("account:bookings")
        else:
            try:
                chosen = datetime.date.fromisoformat(request.POST.get("date") or "")
            except ValueError:
                chosen = dates[0]
    day = chosen if chosen in dates else dates[0]
    context = {
        "form": form,
        "day": day,
        "dates": dates,
        "slots": availability(day),
    }
    return render(request, "access/reading_room/booking_new.html", context, status=400 if form.errors else 200)


@require_POST
@reader_required
def booking_cancel(request: HttpRequest, uuid: UUID) -> HttpResponse:
    reader = signed_in(request)
    booking = Booking.objects.filter(uuid=uuid, reader=reader).first()
    if booking is None:
        raise Http404(_("预约不存在。"))
    try:
        do_cancel_booking(reader, booking, version=_version(request))
    except (ValidationError, EditConflict) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已取消预约。"))
    return redirect("account:bookings")


# ---------------------------------------------------------------- the desk: /manage/access/reading-room/


@require_safe
@capability_required(READING_ROOM)
def desk(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    rows = list(
        Booking.objects.filter(date=day)
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("reader", "seat__room", "slot", "visit")
        .order_by("slot__start", "seat__room__name", "seat__label")
    )
    now = timezone.now()
    verified = {r.reader_id: reader_verification(r.reader) for r in rows}
    per_slot = []
    for slot, group in groupby(rows, key=lambda b: b.slot):
        items = list(group)
        per_slot.append({"slot": slot, "bookings": items, "started": slot.starts_at(day) <= now})
    known = {entry["slot"].pk for entry in per_slot}
    for slot in slots_on(day):
        if slot.pk not in known:
            per_slot.append({"slot": slot, "bookings": [], "started": slot.starts_at(day) <= now})
    per_slot.sort(key=lambda e: (e["slot"].start, e["slot"].pk))
    visits = list(
        Visit.objects.filter(checked_in_at__date=day)
        .select_related("reader", "checked_in_by")
        .order_by("checked_in_at")
    )
    for booking in rows:
        booking.unverified = verified.get(booking.reader_id) is False  # type: ignore[attr-defined]
    for visit in visits:
        verified.setdefault(visit.reader_id, reader_verification(visit.reader))
        visit.unverified = verified.get(visit.reader_id) is False  # type: ignore[attr-defined]
    context = {
        "day": day,
        "today": timezone.localdate(),
        "per_slot": per_slot,
        "visits": visits,
        "verified": verified,
        "unverified": sorted(
            {str(b.reader) for b in rows if verified.get(b.reader_id) is False}
            | {str(v.reader) for v in visits if verified.get(v.reader_id) is False}
        ),
        "walk_in_form": WalkInForm(),
        "active": ACTIVE_BOOKING,
        "next": request.get_full_path(),
    }
    return render(request, "access/reading_room/desk.html", context)


def _booking_action(request: HttpRequest, uuid: UUID, action: Callable[..., Any], done: str) -> HttpResponse:
    booking = get_object_or_404(Booking, uuid=uuid)
    try:
        action(signed_in(request), booking, version=_version(request))
    except (ValidationError, EditConflict) as exc:
        _refused(request, exc)
    else:
        messages.success(request, done)
    return _back(request, reverse("access:reading_room"))


@require_POST
@capability_required(READING_ROOM)
def booking_check_in(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _booking_action(request, uuid, do_check_in, _("已签到。"))


@require_POST
@capability_required(READING_ROOM)
def booking_no_show(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _booking_action(request, uuid, do_mark_no_show, _("已标记为未到。"))


@require_POST
@capability_required(READING_ROOM)
def booking_cancel_desk(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _booking_action(request, uuid, do_cancel_booking, _("已取消预约。"))


@require_POST
@capability_required(READING_ROOM)
def walk_in(request: HttpRequest) -> HttpResponse:
    form = WalkInForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("access:reading_room")
    reader = find_reader(form.cleaned_data["reader"])
    if reader is None:
        messages.error(request, _("没有找到这个查档人（请输入账号名，或唯一的真实姓名）。"))
        return redirect("access:reading_room")
    try:
        do_walk_in(signed_in(request), reader, purpose=form.cleaned_data["purpose"], note=form.cleaned_data["note"])
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("%(reader)s 已签到。") % {"reader": reader})
    return redirect("access:reading_room")


@require_POST
@capability_required(READING_ROOM)
def visit_check_out(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(Visit, pk=pk)
    try:
        do_check_out(signed_in(request), visit)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("%(reader)s 已离馆。") % {"reader": visit.reader})
    return _back(request, reverse("access:reading_room"))


# ---------------------------------------------------------------- retrieval: /manage/access/reading-room/retrieval/


def _retrieval_xlsx(day: datetime.date, rows: list[Retrieval]) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("调卷单"))
    sheet.append(
        [_("全宗号"), _("档号"), _("题名"), _("查档人"), _("调卷日期"), _("状态"), _("调出"), _("交阅"), _("归还")]
    )

    def when(at: datetime.datetime | None, by: Any) -> str:
        return f"{timezone.localtime(at):%Y-%m-%d %H:%M} {by or ''}".strip() if at else ""

    for r in rows:
        values = [
            r.unit.fonds.code if r.unit.fonds else "",
            r.unit.reference_code or "",
            r.unit.title,
            str(r.reader or ""),
            r.date.isoformat(),
            str(r.get_status_display()),
            when(r.fetched_at, r.fetched_by),
            when(r.handed_at, r.handed_by),
            when(r.returned_at, r.returned_by),
        ]
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)  # conventions: allow state-change — an .xlsx written to memory, not a row
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="retrieval-{day.isoformat()}.xlsx"'
    return response


@require_safe
@capability_required(READING_ROOM)
def retrieval(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    rows = retrievals_on(signed_in(request), day)
    if request.GET.get("format") == "xlsx":
        return _retrieval_xlsx(day, rows)
    groups = [{"fonds": fonds, "items": list(items)} for fonds, items in groupby(rows, key=lambda r: r.unit.fonds)]
    outstanding = [r for r in rows if r.is_outstanding]
    context = {
        "day": day,
        "today": timezone.localdate(),
        "groups": groups,
        "outstanding": outstanding,
        "count": len(rows),
        "form": RetrievalAddForm(initial={"date": day, "reader": request.GET.get("reader", "")[:150]}),
        "steps": RETRIEVAL_STEPS,
        "next": request.get_full_path(),
    }
    return render(request, "access/reading_room/retrieval.html", context)


@require_POST
@capability_required(READING_ROOM)
def retrieval_add(request: HttpRequest) -> HttpResponse:
    staff = signed_in(request)
    form = RetrievalAddForm(request.POST)
    if form.is_valid():
        cleaned = form.cleaned_data
        reader = find_reader(cleaned["reader"])
        if reader is None:
            form.add_error("reader", _("没有找到这个查档人（请输入账号名，或唯一的真实姓名）。"))
        else:
            units, missing = units_by_codes(staff, cleaned["codes"].splitlines())
            if missing:
                form.add_error(
                    "codes", _("没有这些档号（或您无权查看）：%(codes)s") % {"codes": "、".join(missing[:50])}
                )
            added = 0
            for unit in units:
                try:
                    do_add_retrieval(staff, reader, unit, day=cleaned["date"], note=cleaned["note"])
                    added += 1
                except ValidationError as exc:
                    form_errors_from(form, exc, fields=["reader", "codes"])
            if added:
                messages.success(request, _("已加入调卷单 %(n)d 件。") % {"n": added})
            if not form.errors:
                return redirect(f"{reverse('access:retrieval')}?date={cleaned['date'].isoformat()}")
    day = getattr(form, "cleaned_data", {}).get("date") or timezone.localdate()
    rows = retrievals_on(staff, day)
    context = {
        "day": day,
        "today": timezone.localdate(),
        "groups": [{"fonds": f, "items": list(i)} for f, i in groupby(rows, key=lambda r: r.unit.fonds)],
        "outstanding": [r for r in rows if r.is_outstanding],
        "count": len(rows),
        "form": form,
        "steps": RETRIEVAL_STEPS,
        "next": f"{reverse('access:retrieval')}?date={day.isoformat()}",
    }
    return render(request, "access/reading_room/retrieval.html", context, status=400)


@require_POST
@capability_required(READING_ROOM)
def retrieval_step(request: HttpRequest, uuid: UUID, step: str) -> HttpResponse:
    if step not in RETRIEVAL_STEPS:
        raise Http404(_("没有这个操作。"))
    item = get_object_or_404(Retrieval.objects.select_related("unit"), uuid=uuid)
    try:
        do_retrieval_step(signed_in(request), item, step, version=_version(request))
    except (ValidationError, EditConflict) as exc:
        _refused(request, exc)
    else:
        done = {
            "fetched": _("已调出。"),
            "handed": _("已交查档人查阅，已登记利用。"),
            "returned": _("已归还。"),
            "cancelled": _("已撤销。"),
        }
        messages.success(request, done[step])
    return _back(request, f"{reverse('access:retrieval')}?date={item.date.isoformat()}")


# ---------------------------------------------------------------- settings: rooms, seats, slots


FORMS: dict[str, Any] = {"room": RoomForm, "seats": SeatsForm, "slot": SlotForm}


def _settings_context(forms: dict[str, Any]) -> dict[str, Any]:
    return {
        "rooms": ReadingRoom.objects.all(),
        "seats": Seat.objects.select_related("room").order_by("room__name", "label"),
        "slots": TimeSlot.objects.all(),
        "room_form": forms.get("room") or RoomForm(),
        "seats_form": forms.get("seats") or SeatsForm(),
        "slot_form": forms.get("slot") or SlotForm(initial={"weekdays": "12345"}),
    }


@capability_required(READING_ROOM)
def settings_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        which = request.POST.get("form", "")
        if which not in FORMS:
            raise Http404(_("没有这个表单。"))
        form = FORMS[which](request.POST)
        if form.is_valid():
            staff = signed_in(request)
            try:
                if which == "room":
                    do_save_room(staff, None, form.cleaned_data)
                elif which == "slot":
                    do_save_slot(staff, None, form.cleaned_data)
                else:
                    c = form.cleaned_data
                    do_add_seats(staff, c["room"], c["seat_prefix"], c["count"], c["kind"])
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("access:reading_room_settings")
        return render(request, "access/reading_room/settings.html", _settings_context({which: form}), status=400)
    return render(request, "access/reading_room/settings.html", _settings_context({}))


EDITABLE: dict[str, tuple[Any, Any, Callable[..., Any]]] = {
    "room": (ReadingRoom, RoomForm, do_save_room),
    "seat": (Seat, SeatForm, do_save_seat),
    "slot": (TimeSlot, SlotForm, do_save_slot),
}


@capability_required(READING_ROOM)
def settings_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in EDITABLE:
        raise Http404(_("没有这个设置项。"))
    model, form_class, action = EDITABLE[kind]
    obj = get_object_or_404(model, pk=pk)
    # The form validates on a copy: the action compares with the stored row for its audit entry.
    form = form_class(request.POST or None, instance=model.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            action(signed_in(request), obj, form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("access:reading_room_settings")
    context = {"form": form, "obj": obj, "kind": kind}
    return render(request, "access/reading_room/settings_edit.html", context, status=400 if form.errors else 200)


public_urls: list[URLPattern] = []
account_urls: list[URLPattern] = [
    path("bookings/", bookings, name="bookings"),
    path("bookings/new/", booking_new, name="booking_new"),
    path("bookings/<uuid:uuid>/cancel/", booking_cancel, name="booking_cancel"),
]
manage_urls: list[URLPattern] = [
    path("reading-room/", desk, name="reading_room"),
    path("reading-room/check-in/", walk_in, name="walk_in"),
    path("reading-room/bookings/<uuid:uuid>/check-in/", booking_check_in, name="booking_check_in"),
    path("reading-room/bookings/<uuid:uuid>/no-show/", booking_no_show, name="booking_no_show"),
    path("reading-room/bookings/<uuid:uuid>/cancel/", booking_cancel_desk, name="booking_cancel_desk"),
    path("reading-room/visits/<int:pk>/check-out/", visit_check_out, name="visit_check_out"),
    path("reading-room/retrieval/", retrieval, name="retrieval"),
    path("reading-room/retrieval/add/", retrieval_add, name="retrieval_add"),
    path("reading-room/retrieval/<uuid:uuid>/<str:step>/", retrieval_step, name="retrieval_step"),
    path("reading-room/settings/", settings_page, name="reading_room_settings"),
    path("reading-room/settings/<str:kind>/<int:pk>/", settings_edit, name="reading_room_edit"),
]
