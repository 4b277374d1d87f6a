"""The reading room (阅览室): rooms and their seats, the time slots a seat is booked by, readers' bookings, and the
retrieval list (调卷单) of units fetched from the stacks for a reader's visit.

A seat is never booked twice for one slot of one day: a unique constraint over (seat, date, slot) among the active
bookings (已预约, 已签到) settles a race between two readers in the database, whatever the views checked before.
A booking may name the access request it serves by ``request_uuid`` (the requests part's row; a UUID, not a foreign
key, so that neither part's migration depends on the other's).
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangan.access.choices import Purpose


class SeatKind(models.TextChoices):
    ORDINARY = "ordinary", _("普通")
    MICROFILM = "microfilm", _("缩微")
    COMPUTER = "computer", _("电脑")


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CHECKED_IN = "checked_in", _("已签到")
    CANCELLED = "cancelled", _("已取消")
    NO_SHOW = "no_show", _("未到")


# The bookings that hold their seat.
ACTIVE_BOOKING = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN)


class RetrievalStatus(models.TextChoices):
    PENDING = "pending", _("待调卷")
    FETCHED = "fetched", _("已调出")
    HANDED = "handed", _("阅览中")
    RETURNED = "returned", _("已归还")
    CANCELLED = "cancelled", _("已撤销")


# Retrievals still to be done: to fetch, or out of the stacks until returned.
OPEN_RETRIEVAL = (RetrievalStatus.PENDING, RetrievalStatus.FETCHED, RetrievalStatus.HANDED)
# Retrievals whose unit is out of the stacks: outstanding until returned (highlighted at the end of the day).
OUT_OF_STACKS = (RetrievalStatus.FETCHED, RetrievalStatus.HANDED)


class ReadingRoom(models.Model):
    name = models.CharField(_("阅览室名称"), max_length=100, unique=True)
    location = models.CharField(_("位置"), max_length=200, blank=True, default="")
    hours = models.CharField(_("开放时间"), max_length=200, blank=True, default="")
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("阅览室")
        verbose_name_plural = _("阅览室")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Seat(models.Model):
    room = models.ForeignKey(ReadingRoom, on_delete=models.CASCADE, related_name="seats", verbose_name=_("阅览室"))
    label = models.CharField(_("座位号"), max_length=20)
    kind = models.CharField(_("座位类型"), max_length=16, choices=SeatKind.choices, default=SeatKind.ORDINARY)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("座位")
        verbose_name_plural = _("座位")
        ordering = ["room__name", "label", "pk"]
        constraints = [models.UniqueConstraint(fields=["room", "label"], name="access_seat_label_unique")]

    def __str__(self) -> str:
        return f"{self.room.name} {self.label}"


class TimeSlot(models.Model):
    """A rule: the slot ``name`` (上午) runs from ``start`` to ``end`` on the ISO weekdays listed in ``weekdays``
    ("12345": Monday to Friday). Every active seat may be booked for every active slot of a day it applies to."""

    name = models.CharField(_("时段名称"), max_length=40)
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    weekdays = models.CharField(_("适用星期"), max_length=7, default="12345")
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}–{self.end:%H:%M}"

    def applies_to(self, day: datetime.date) -> bool:
        return str(day.isoweekday()) in self.weekdays

    def starts_at(self, day: datetime.date) -> datetime.datetime:
        """When the slot begins on ``day``, in the server's time zone."""
        return timezone.make_aware(datetime.datetime.combine(day, self.start))


class Booking(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("查档人")
    )
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("座位"))
    date = models.DateField(_("日期"))
    slot = models.ForeignKey(TimeSlot, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("时段"))
    status = models.CharField(_("状态"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    purpose = models.CharField(_("利用目的"), max_length=16, choices=Purpose.choices, blank=True, default="")
    note = models.CharField(_("备注"), max_length=300, blank=True, default="")
    # The access request (查档申请) this visit serves, when the reader booked from one (the requests part's uuid).
    request_uuid = models.UUIDField(_("查档申请"), null=True, blank=True)
    visit = models.ForeignKey(
        "access.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("到馆记录"),
    )
    created_at = models.DateTimeField(_("预约时间"), default=timezone.now)
    changed_at = models.DateTimeField(_("变更时间"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("阅览室预约")
        verbose_name_plural = _("阅览室预约")
        ordering = ["date", "slot__start", "seat__label", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["seat", "date", "slot"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="access_booking_seat_once",
            ),
            models.UniqueConstraint(
                fields=["reader", "date", "slot"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="access_booking_reader_once",
            ),
        ]
        indexes = [models.Index(fields=["date", "status"])]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.slot.name} {self.seat.label}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_BOOKING

    @property
    def starts_at(self) -> datetime.datetime:
        return self.slot.starts_at(self.date)


class Retrieval(models.Model):
    """One unit fetched from the stacks (调卷) for a reader on a day: 待调卷 → 已调出 → 阅览中 → 已归还 (or 已撤销
    before it was fetched)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey("catalog.ArchivalUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("档案"))
    # Kept when the reader's account is erased: the stacks' record of what went out and came back stays.
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="retrievals",
        verbose_name=_("查档人"),
    )
    date = models.DateField(_("调卷日期"), db_index=True)
    visit = models.ForeignKey(
        "access.Visit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("到馆记录")
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="retrievals", verbose_name=_("预约")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=RetrievalStatus.choices, default=RetrievalStatus.PENDING
    )
    note = models.CharField(_("备注"), max_length=300, blank=True, default="")
    requested_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fetched_at = models.DateTimeField(_("调出时间"), null=True, blank=True)
    fetched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handed_at = models.DateTimeField(_("交阅时间"), null=True, blank=True)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("调卷")
        verbose_name_plural = _("调卷")
        ordering = ["date", "unit__reference_code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "reader", "date"],
                condition=Q(status__in=["pending", "fetched", "handed"]),
                name="access_retrieval_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.unit}"

    @property
    def is_outstanding(self) -> bool:
        """Out of the stacks and not back yet."""
        return self.status in OUT_OF_STACKS
