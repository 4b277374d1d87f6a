"""The reading room's actions (阅览室): configuring rooms, seats and time slots; readers' bookings; the desk's check-in,
check-out and no-shows; the retrieval list (调卷) for the stacks.

Every ``do_*`` writes in one transaction, logs to the audit log (``access.reading_room.*``) and, where a reader is
served, to the utilization register (``record_use``): a check-in is a visit (到馆), a unit handed over at the desk a
use of that unit (查阅). Check-in and check-out change what a reading-room-only grant opens, so they call
``catalog.grants.grants_changed()``.

Seats are never booked twice: the database's unique constraint over (seat, date, slot) among active bookings decides
a race, and ``do_book`` turns the loser's IntegrityError into a clear message (or the next free seat).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.access.actions.register import record_use
from dangan.access.choices import Channel, Purpose, UseKind
from dangan.access.models import Booking, ReadingRoom, Retrieval, Seat, TimeSlot, Visit
from dangan.access.models.reading_room import (
    ACTIVE_BOOKING,
    OPEN_RETRIEVAL,
    BookingStatus,
    RetrievalStatus,
    SeatKind,
)
from dangan.catalog.grants import grants_changed
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit
from dangan.core.actions.accounts import require_actor
from dangan.core.actors import account_of, check_actor
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability, is_reader
from dangan.utilities.concurrency import EditConflict

READING_ROOM = Capability.READING_ROOM
DEFAULT_DAYS_AHEAD = 14
RETRIEVAL_STEPS = ("fetched", "handed", "returned", "cancelled")
# The readers part's model of a reader's identity and its verification, looked up when installed.
READER_PROFILE = ("access", "ReaderProfile")


# ---------------------------------------------------------------- rules shared by the actions


def booking_days_ahead() -> int:
    """How many days ahead a reader may book (``DANGAN_BOOKING_DAYS_AHEAD``, 14 by default)."""
    return max(0, int(settings.BOOKING_DAYS_AHEAD))


def bookable_dates(today: datetime.date | None = None) -> list[datetime.date]:
    """Today and the days after it that may be booked."""
    start = today or timezone.localdate()
    return [start + datetime.timedelta(days=n) for n in range(booking_days_ahead() + 1)]


def may_staff(user: Any) -> bool:
    return has_capability(user, READING_ROOM)


def require_staff(actor: Any) -> None:
    require_actor(actor, READING_ROOM)


def _require_reader(user: Any) -> None:
    if not is_reader(user):
        raise PermissionDenied(_("只有查档人账号可以预约阅览室座位。"))


def _stamp(obj: Any, actor: Any) -> None:
    obj.version += 1
    if hasattr(obj, "changed_at"):
        obj.changed_at = timezone.now()
        obj.changed_by = account_of(actor)


def _check_version(obj: Any, expected: int | None) -> None:
    if expected is not None and int(expected) != obj.version:
        raise EditConflict(
            _("该记录已被他人修改（当前修订号 %(now)d，您读取时为 %(then)d），请刷新后重试。")
            % {"now": obj.version, "then": int(expected)},
            current_version=obj.version,
        )


def _lock_booking(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("slot", "seat__room", "reader")
        .get(pk=booking.pk)
    )


def _lock_retrieval(retrieval: Retrieval) -> Retrieval:
    return Retrieval.objects.select_for_update(of=("self",)).select_related("unit", "reader").get(pk=retrieval.pk)


def _lock_visit(visit: Visit) -> Visit:
    return Visit.objects.select_for_update(of=("self",)).select_related("reader").get(pk=visit.pk)


def conflict(message: str) -> ValidationError:
    """A refusal because of the current state (the API answers 409)."""
    return ValidationError(message, code="conflict")


# ---------------------------------------------------------------- configuration: rooms, seats, slots


ROOM_FIELDS = ("name", "location", "hours", "active")
SEAT_FIELDS = ("room", "label", "kind", "active")
SLOT_FIELDS = ("name", "start", "end", "weekdays", "active")


def _save_config(actor: Any, obj: models.Model, fields: tuple[str, ...], data: dict[str, Any], key: str) -> Any:
    require_staff(actor)
    before = {f: str(getattr(obj, f, "")) for f in fields} if obj.pk else None
    for field in fields:
        if field in data:
            setattr(obj, field, data[field])
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        log(obj, key, actor, {"before": before, "after": {f: str(getattr(obj, f, "")) for f in fields}})
    return obj


def do_save_room(actor: Any, room: ReadingRoom | None, data: dict[str, Any]) -> ReadingRoom:
    """Create (``room`` None) or change a reading room."""
    room = room or ReadingRoom()
    saved: ReadingRoom = _save_config(actor, room, ROOM_FIELDS, data, "access.reading_room.room")
    return saved


def check_weekdays(value: str) -> str:
    """ "12345" from "1,2,3,4,5", "1 2 3 4 5" or "12345"; ValidationError for anything but ISO weekdays 1–7."""
    digits = "".join(ch for ch in str(value) if not ch.isspace() and ch not in ",，、")
    if not digits or any(ch not in "1234567" for ch in digits):
        raise ValidationError({"weekdays": _("请用数字 1–7 填写适用的星期（1 为星期一），如 12345。")})
    return "".join(sorted(set(digits)))


def do_save_slot(actor: Any, slot: TimeSlot | None, data: dict[str, Any]) -> TimeSlot:
    """Create or change a time slot rule. Its end must follow its start."""
    data = dict(data)
    if "weekdays" in data:
        data["weekdays"] = check_weekdays(data["weekdays"])
    start, end = data.get("start", getattr(slot, "start", None)), data.get("end", getattr(slot, "end", None))
    if start is not None and end is not None and end <= start:
        raise ValidationError({"end": _("结束时间应晚于开始时间。")})
    saved: TimeSlot = _save_config(actor, slot or TimeSlot(), SLOT_FIELDS, data, "access.reading_room.slot")
    return saved


def do_save_seat(actor: Any, seat: Seat | None, data: dict[str, Any]) -> Seat:
    """Create or change one seat. A seat label is unique within its room."""
    seat = seat or Seat()
    room, label = data.get("room", getattr(seat, "room", None)), data.get("label", seat.label)
    if room is not None and Seat.objects.filter(room=room, label=label).exclude(pk=seat.pk).exists():
        raise ValidationError({"label": _("该阅览室已有座位号 %(label)s。") % {"label": label}})
    saved: Seat = _save_config(actor, seat, SEAT_FIELDS, data, "access.reading_room.seat")
    return saved


def do_add_seats(actor: Any, room: ReadingRoom, prefix: str, count: int, kind: str) -> list[Seat]:
    """Add ``count`` seats labelled ``prefix`` + 01, 02 … after the highest such label already in the room."""
    require_staff(actor)
    if not 1 <= count <= 200:
        raise ValidationError({"count": _("一次可添加 1–200 个座位。")})
    if kind not in SeatKind.values:
        raise ValidationError({"kind": _("座位类型有误。")})
    taken = set(Seat.objects.filter(room=room).values_list("label", flat=True))
    seats: list[Seat] = []
    n = 1
    with transaction.atomic():
        while len(seats) < count:
            label = f"{prefix}{n:02d}"
            n += 1
            if label in taken:
                continue
            seats.append(Seat.objects.create(room=room, label=label, kind=kind))
        log(room, "access.reading_room.seat", actor, {"added": [s.label for s in seats], "kind": kind})
    return seats


# ---------------------------------------------------------------- availability


def slots_on(day: datetime.date) -> list[TimeSlot]:
    """The active slots that apply to ``day``."""
    return [slot for slot in TimeSlot.objects.filter(active=True) if slot.applies_to(day)]


def open_seats() -> QuerySet[Seat]:
    return Seat.objects.filter(active=True, room__active=True)


@dataclass(frozen=True)
class SlotAvailability:
    """Free seats of one slot on one day, by seat kind (only kinds the room has)."""

    slot: TimeSlot
    day: datetime.date
    free: dict[str, int]
    started: bool

    @property
    def total_free(self) -> int:
        return sum(self.free.values())

    def kinds(self) -> list[tuple[str, str, int]]:
        labels = dict(SeatKind.choices)
        return [(kind, str(labels[kind]), n) for kind, n in self.free.items()]


def availability(day: datetime.date) -> list[SlotAvailability]:
    """Per slot of ``day``: the free seats of each kind (what a reader chooses from)."""
    slots = slots_on(day)
    seats_by_kind = dict(open_seats().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    taken = (
        Booking.objects.filter(date=day, status__in=ACTIVE_BOOKING, seat__active=True, seat__room__active=True)
        .values_list("slot_id", "seat__kind")
        .annotate(n=Count("pk"))
    )
    used: dict[tuple[int, str], int] = {(slot_id, kind): n for slot_id, kind, n in taken}
    now = timezone.now()
    out = []
    for slot in slots:
        free = {kind: max(0, n - used.get((slot.pk, kind), 0)) for kind, n in sorted(seats_by_kind.items())}
        out.append(SlotAvailability(slot, day, free, slot.starts_at(day) <= now))
    return out


def free_seats(day: datetime.date, slot: TimeSlot, kind: str = "") -> QuerySet[Seat]:
    busy = Booking.objects.filter(date=day, slot=slot, status__in=ACTIVE_BOOKING).values("seat_id")
    seats = open_seats().exclude(pk__in=busy)
    return seats.filter(kind=kind) if kind else seats


# ---------------------------------------------------------------- bookings


def check_book(reader: Any, day: datetime.date, slot: TimeSlot, kind: str = "") -> None:
    """ValidationError unless ``reader`` may book a seat (of ``kind``) for ``slot`` on ``day``."""
    _require_reader(reader)
    if day not in bookable_dates():
        raise ValidationError({"date": _("只能预约今天起 %(days)d 天内的座位。") % {"days": booking_days_ahead()}})
    if not slot.active or not slot.applies_to(day):
        raise ValidationError({"slot": _("该日期没有这个预约时段。")})
    if slot.starts_at(day) <= timezone.now():
        raise ValidationError({"slot": _("该时段已经开始，不能再预约。")})
    if kind and kind not in SeatKind.values:
        raise ValidationError({"kind": _("座位类型有误。")})
    if Booking.objects.filter(reader=reader, date=day, slot=slot, status__in=ACTIVE_BOOKING).exists():
        raise conflict(_("您已预约了这一时段，同一时段只能预约一个座位。"))


def do_book(
    actor: Any,
    reader: Any,
    day: datetime.date,
    slot: TimeSlot,
    *,
    kind: str = "",
    purpose: str = "",
    note: str = "",
    request_uuid: Any = None,
    seat: Seat | None = None,
) -> Booking:
    """Book a seat for ``reader`` (the reader themself, or the desk on their behalf): ``seat`` when named, else the
    first free seat of ``kind``. When another reader takes the same seat at the same moment, the database refuses
    one of the two; that one gets the next free seat (or a clear message when none is left)."""
    check_actor(actor)
    if actor is not reader and getattr(actor, "pk", None) != getattr(reader, "pk", None):
        require_staff(actor)
    check_book(reader, day, slot, kind)
    if purpose and purpose not in Purpose.values:
        raise ValidationError({"purpose": _("利用目的有误。")})
    for _attempt in range(5):
        chosen = seat
        if chosen is None:
            chosen = free_seats(day, slot, kind).order_by("room__name", "label", "pk").first()
            if chosen is None:
                raise conflict(_("该时段的座位已约满，请选择其他时段或日期。"))
        elif not chosen.active or not chosen.room.active:
            raise ValidationError({"seat": _("该座位暂停使用。")})
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    reader=reader,
                    seat=chosen,
                    date=day,
                    slot=slot,
                    purpose=purpose,
                    note=note[:300],
                    request_uuid=request_uuid,
                )
                log(
                    booking,
                    "access.reading_room.book",
                    actor,
                    {
                        "reader": reader.pk,
                        "date": day.isoformat(),
                        "slot": slot.name,
                        "seat": str(chosen),
                        "request": str(request_uuid) if request_uuid else None,
                    },
                )
        except IntegrityError:
            # Lost a race: the seat (or this reader's slot) was taken between the check and the insert.
            if Booking.objects.filter(reader=reader, date=day, slot=slot, status__in=ACTIVE_BOOKING).exists():
                raise conflict(_("您已预约了这一时段，同一时段只能预约一个座位。")) from None
            if seat is not None:
                raise conflict(_("座位 %(seat)s 刚刚被他人预约，请另选座位。") % {"seat": seat.label}) from None
            continue
        return booking
    raise conflict(_("该时段的座位刚刚被约满，请选择其他时段或日期。"))


def check_cancel(actor: Any, booking: Booking) -> None:
    """A reader cancels their own booking until its slot starts; the desk cancels any active one."""
    if not may_staff(actor):
        if getattr(actor, "pk", None) != booking.reader_id:
            raise Http404(_("预约不存在。"))
        if booking.starts_at <= timezone.now():
            raise conflict(_("时段开始后不能再取消预约。"))
    if booking.status != BookingStatus.BOOKED:
        raise conflict(_("该预约当前为“%(status)s”，不能取消。") % {"status": booking.get_status_display()})


def do_cancel_booking(actor: Any, booking: Booking, *, version: int | None = None) -> Booking:
    check_actor(actor)
    with transaction.atomic():
        booking = _lock_booking(booking)
        check_cancel(actor, booking)
        _check_version(booking, version)
        booking.status = BookingStatus.CANCELLED
        _stamp(booking, actor)
        booking.save(update_fields=["status", "version", "changed_at", "changed_by"])
        log(booking, "access.reading_room.cancel", actor, {"reader": booking.reader_id})
    return booking


def check_no_show(actor: Any, booking: Booking) -> None:
    require_staff(actor)
    if booking.status != BookingStatus.BOOKED:
        raise conflict(_("该预约当前为“%(status)s”，不能标记为未到。") % {"status": booking.get_status_display()})
    if booking.starts_at > timezone.now():
        raise conflict(_("时段开始后才能标记未到。"))


def do_mark_no_show(actor: Any, booking: Booking, *, version: int | None = None) -> Booking:
    with transaction.atomic():
        booking = _lock_booking(booking)
        check_no_show(actor, booking)
        _check_version(booking, version)
        booking.status = BookingStatus.NO_SHOW
        _stamp(booking, actor)
        booking.save(update_fields=["status", "version", "changed_at", "changed_by"])
        log(booking, "access.reading_room.no_show", actor, {"reader": booking.reader_id})
    return booking


# ---------------------------------------------------------------- the desk: check-in and check-out


def reader_verification(reader: Any) -> bool | None:
    """Whether the readers part verified ``reader``'s identity (True/False), or None when that part is not
    installed. Read without importing it: the readers part owns ``ReaderProfile`` and its status."""
    try:
        model = apps.get_model(*READER_PROFILE)
    except LookupError:
        return None
    link = next(
        (
            f.name
            for f in model._meta.get_fields()
            if getattr(f, "related_model", None) is not None
            and f.related_model._meta.label == settings.AUTH_USER_MODEL
            and (f.one_to_one or f.many_to_one)
        ),
        None,
    )
    if link is None:
        return None
    profile = model._default_manager.filter(**{link: reader}).first()
    if profile is None:
        return False
    if hasattr(profile, "is_verified"):
        return bool(profile.is_verified)
    return str(getattr(profile, "status", "")) == "verified"


def open_visit(reader: Any, day: datetime.date | None = None) -> Visit | None:
    """The reader's visit checked in on ``day`` (today) and not checked out."""
    day = day or timezone.localdate()
    return (
        Visit.objects.filter(reader=reader, checked_out_at__isnull=True, checked_in_at__date=day)
        .order_by("-checked_in_at")
        .first()
    )


def check_check_in(actor: Any, booking: Booking) -> None:
    require_staff(actor)
    if booking.status != BookingStatus.BOOKED:
        raise conflict(_("该预约当前为“%(status)s”，不能签到。") % {"status": booking.get_status_display()})
    if booking.date != timezone.localdate():
        raise conflict(_("只能为当天的预约签到。"))


def _start_visit(actor: Any, reader: Any, purpose: str, note: str) -> tuple[Visit, bool]:
    """The reader's open visit of today, or a new one (registered as a visit, 到馆). Inside a transaction."""
    visit = open_visit(reader)
    if visit is not None:
        return visit, False
    visit = Visit.objects.create(reader=reader, checked_in_by=account_of(actor), purpose=purpose, note=note[:300])
    record_use(actor, kind=UseKind.VISIT, reader=reader, purpose=purpose, source=f"visit:{visit.pk}")
    return visit, True


def do_check_in(actor: Any, booking: Booking, *, version: int | None = None) -> Visit:
    """Check in the reader of ``booking`` at the desk: the booking is 已签到 and linked to the reader's visit of
    today (opened now if none is open)."""
    with transaction.atomic():
        booking = _lock_booking(booking)
        check_check_in(actor, booking)
        _check_version(booking, version)
        visit, _new = _start_visit(actor, booking.reader, booking.purpose, booking.note)
        booking.status = BookingStatus.CHECKED_IN
        booking.visit = visit
        _stamp(booking, actor)
        booking.save(update_fields=["status", "visit", "version", "changed_at", "changed_by"])
        log(booking, "access.reading_room.check_in", actor, {"reader": booking.reader_id, "visit": visit.pk})
    grants_changed()
    return visit


def check_walk_in(actor: Any, reader: Any) -> None:
    require_staff(actor)
    if not is_reader(reader) or not reader.is_active:
        raise ValidationError({"reader": _("没有这个查档人账号。")})
    if open_visit(reader) is not None:
        raise conflict(_("该查档人今天已签到，尚未离馆。"))


def do_walk_in(actor: Any, reader: Any, *, purpose: str = "", note: str = "") -> Visit:
    """Check in a reader without a booking (a walk-in)."""
    if purpose and purpose not in Purpose.values:
        raise ValidationError({"purpose": _("利用目的有误。")})
    with transaction.atomic():
        check_walk_in(actor, reader)
        visit, _new = _start_visit(actor, reader, purpose, note)
        log(visit, "access.reading_room.check_in", actor, {"reader": reader.pk, "visit": visit.pk, "walk_in": True})
    grants_changed()
    return visit


def check_check_out(actor: Any, visit: Visit) -> None:
    require_staff(actor)
    if not visit.is_open:
        raise conflict(_("该查档人已离馆。"))


def do_check_out(actor: Any, visit: Visit) -> Visit:
    """Close the reader's visit. Units still with the reader stay outstanding on the retrieval list."""
    with transaction.atomic():
        visit = _lock_visit(visit)
        check_check_out(actor, visit)
        visit.checked_out_at = timezone.now()
        visit.save(update_fields=["checked_out_at"])
        log(visit, "access.reading_room.check_out", actor, {"reader": visit.reader_id})
    grants_changed()
    return visit


# ---------------------------------------------------------------- retrieval (调卷)


def check_add_retrieval(actor: Any, reader: Any, unit: ArchivalUnit, day: datetime.date) -> None:
    """The desk adds a unit to a reader's retrieval: only a unit the staff member sees (else it does not exist for
    them), and only one the reader may see (opened to the public, or granted to them)."""
    require_staff(actor)
    if not can_view_unit(actor, unit):
        raise Http404(_("档案不存在。"))
    if not is_reader(reader):
        raise ValidationError({"reader": _("没有这个查档人账号。")})
    if not can_view_unit(reader, unit):
        raise ValidationError(
            {
                "unit": _("查档人 %(reader)s 无权查阅 %(unit)s（未开放，且无批准的查档申请）。")
                % {"reader": reader, "unit": unit.reference_code or unit.title}
            }
        )
    if Retrieval.objects.filter(unit=unit, reader=reader, date=day, status__in=OPEN_RETRIEVAL).exists():
        raise conflict(_("%(unit)s 已在该查档人的调卷单上。") % {"unit": unit.reference_code or unit.title})


def do_add_retrieval(
    actor: Any,
    reader: Any,
    unit: ArchivalUnit,
    *,
    day: datetime.date | None = None,
    booking: Booking | None = None,
    note: str = "",
) -> Retrieval:
    day = day or (booking.date if booking is not None else timezone.localdate())
    check_add_retrieval(actor, reader, unit, day)
    try:
        with transaction.atomic():
            retrieval = Retrieval.objects.create(
                unit=unit,
                reader=reader,
                date=day,
                booking=booking,
                visit=open_visit(reader, day),
                note=note[:300],
                requested_by=account_of(actor),
            )
            log(unit, "access.reading_room.retrieval_add", actor, {"reader": reader.pk, "date": day.isoformat()})
    except IntegrityError:
        raise conflict(_("%(unit)s 已在该查档人的调卷单上。") % {"unit": unit.reference_code or unit.title}) from None
    return retrieval


def check_retrieval_step(actor: Any, retrieval: Retrieval, step: str) -> None:
    require_staff(actor)
    if not can_view_unit(actor, retrieval.unit):
        raise Http404(_("档案不存在。"))
    allowed_from = {
        "fetched": (RetrievalStatus.PENDING,),
        "handed": (RetrievalStatus.PENDING, RetrievalStatus.FETCHED),
        "returned": (RetrievalStatus.FETCHED, RetrievalStatus.HANDED),
        "cancelled": (RetrievalStatus.PENDING,),
    }
    if step not in allowed_from:
        raise Http404(_("没有这个操作。"))
    if retrieval.status not in allowed_from[step]:
        raise conflict(_("该调卷当前为“%(status)s”，不能执行此操作。") % {"status": retrieval.get_status_display()})
    if step == "handed":
        if retrieval.reader is None or open_visit(retrieval.reader) is None:
            raise conflict(_("查档人尚未签到（或已离馆），不能交其查阅。"))
        if not can_view_unit(retrieval.reader, retrieval.unit):
            raise conflict(_("查档人已无权查阅该档案（批准已过期或撤销），不能交其查阅。"))


def do_retrieval_step(actor: Any, retrieval: Retrieval, step: str, *, version: int | None = None) -> Retrieval:
    """Move a retrieval on: ``fetched`` (调出 from the stacks), ``handed`` (交阅: given to the reader at the desk,
    registered as a use of the unit), ``returned`` (归还 to the stacks), or ``cancelled`` (撤销, before it was
    fetched). Records who did it and when."""
    with transaction.atomic():
        retrieval = _lock_retrieval(retrieval)
        check_retrieval_step(actor, retrieval, step)
        _check_version(retrieval, version)
        now, who = timezone.now(), account_of(actor)
        fields = ["status", "version"]
        if step == "handed" and retrieval.fetched_at is None:
            retrieval.fetched_at, retrieval.fetched_by = now, who
            fields += ["fetched_at", "fetched_by"]
        if step != "cancelled":  # a cancellation's who and when are in the audit log
            setattr(retrieval, f"{step}_at", now)
            setattr(retrieval, f"{step}_by", who)
            fields += [f"{step}_at", f"{step}_by"]
        retrieval.status = {
            "fetched": RetrievalStatus.FETCHED,
            "handed": RetrievalStatus.HANDED,
            "returned": RetrievalStatus.RETURNED,
            "cancelled": RetrievalStatus.CANCELLED,
        }[step]
        retrieval.version += 1
        if step == "handed":
            visit = open_visit(retrieval.reader)
            retrieval.visit = visit
            fields.append("visit")
            record_use(
                actor,
                kind=UseKind.VIEW,
                reader=retrieval.reader,
                unit=retrieval.unit,
                purpose=visit.purpose if visit is not None else "",
                channel=Channel.READING_ROOM,
                source=f"retrieval:{retrieval.uuid}",
            )
        retrieval.save(update_fields=fields)
        log(retrieval.unit, f"access.reading_room.retrieval_{step}", actor, {"reader": retrieval.reader_id})
    return retrieval


def retrievals_on(actor: Any, day: datetime.date) -> list[Retrieval]:
    """The day's retrieval list, of the units ``actor`` sees, in the order of the stacks: fonds, then 档号. Items
    of earlier days still out are listed too (they are outstanding)."""
    rows = (
        Retrieval.objects.filter(Q(date=day) | Q(date__lt=day, status__in=OPEN_RETRIEVAL))
        .select_related("unit__fonds", "reader", "fetched_by", "handed_by", "returned_by", "booking__slot")
        .order_by("unit__fonds__code", "unit__reference_code", "date", "pk")
    )
    return [r for r in rows if can_view_unit(actor, r.unit)]


def find_reader(text: str) -> Any:
    """A reader by account name, or by real name when exactly one reader has it; None otherwise."""
    from dangan.core.choices import Role
    from dangan.core.models import User

    text = (text or "").strip()
    if not text:
        return None
    readers = User.objects.filter(role=Role.READER, is_active=True)
    found = readers.filter(username=text).first()
    if found is None:
        named = list(readers.filter(first_name=text)[:2])
        found = named[0] if len(named) == 1 else None
    return found


def units_by_codes(actor: Any, codes: Iterable[str]) -> tuple[list[ArchivalUnit], list[str]]:
    """The units with these 档号 that ``actor`` sees, and the codes not found (or hidden: the same answer)."""
    wanted = [c.strip() for c in codes if c.strip()]
    units = {u.reference_code: u for u in ArchivalUnit.objects.filter(reference_code__in=wanted)}
    found, missing = [], []
    for code in wanted:
        unit = units.get(code)
        if unit is not None and can_view_unit(actor, unit):
            found.append(unit)
        else:
            missing.append(code)
    return found, missing


# ---------------------------------------------------------------- personal data


def reader_reading_room_data(user: Any) -> list[dict[str, Any]]:
    """Everything the reading room keeps about one reader, for the export of their personal data: bookings, visits
    and the units fetched for them."""
    rows: list[dict[str, Any]] = []
    for b in Booking.objects.filter(reader=user).select_related("seat__room", "slot").order_by("date", "pk"):
        rows.append(
            {
                "type": "booking",
                "uuid": str(b.uuid),
                "date": b.date.isoformat(),
                "slot": str(b.slot),
                "room": b.seat.room.name,
                "seat": b.seat.label,
                "status": str(b.get_status_display()),
                "purpose": str(b.get_purpose_display()) if b.purpose else "",
                "note": b.note,
                "created_at": b.created_at.isoformat(),
            }
        )
    for v in Visit.objects.filter(reader=user).order_by("checked_in_at", "pk"):
        rows.append(
            {
                "type": "visit",
                "checked_in_at": v.checked_in_at.isoformat(),
                "checked_out_at": v.checked_out_at.isoformat() if v.checked_out_at else None,
                "purpose": str(v.get_purpose_display()) if v.purpose else "",
                "note": v.note,
            }
        )
    for r in Retrieval.objects.filter(reader=user).select_related("unit").order_by("date", "pk"):
        rows.append(
            {
                "type": "retrieval",
                "uuid": str(r.uuid),
                "date": r.date.isoformat(),
                "unit": r.unit.reference_code or str(r.unit.uuid),
                "title": r.unit.title if can_view_unit(user, r.unit) else "",
                "status": str(r.get_status_display()),
                "handed_at": r.handed_at.isoformat() if r.handed_at else None,
                "returned_at": r.returned_at.isoformat() if r.returned_at else None,
            }
        )
    return rows
