"""Access requests (查档申请) and the grants they give.

A reader asks for units (or describes what they need), with the purpose of use; staff with ACCESS_REVIEW review the
request: approve all or some units (with conditions or without), refuse with a reason, or ask for more. An approval
makes one ``AccessGrant`` per unit: a time-limited opening of that unit to that reader alone, which
``catalog.policy`` honours through the provider in ``dangan.access.grants``. Expiry needs no job: a grant is active
while ``starts_at <= now < expires_at`` and it is not revoked.
"""

from __future__ import annotations

import uuid as uuid_lib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangan.access.choices import Purpose


class RequestStatus(models.TextChoices):
    """Where a request stands. ``expired`` is never stored: an approved request whose grants have all ended shows
    as expired (``AccessRequest.shown_status``)."""

    SUBMITTED = "submitted", _("待审核")
    NEEDS_INFO = "needs_info", _("待补充")
    APPROVED = "approved", _("已批准")
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("有条件批准")
    REFUSED = "refused", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")
    EXPIRED = "expired", _("已过期")


# A request still waiting for a decision: the reader may withdraw it, staff may review it.
OPEN_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.NEEDS_INFO)
APPROVED_STATUSES = (RequestStatus.APPROVED, RequestStatus.APPROVED_WITH_CONDITIONS)


class UnitDecision(models.TextChoices):
    PENDING = "pending", _("待审核")
    GRANTED = "granted", _("同意")
    REFUSED = "refused", _("不同意")


class AccessRequest(models.Model):
    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests", verbose_name=_("查档人")
    )
    purpose = models.CharField(_("利用目的"), max_length=16, choices=Purpose.choices)
    purpose_detail = models.CharField(_("利用目的说明"), max_length=500, blank=True, default="")
    description = models.TextField(_("所需档案描述"), blank=True, default="")
    status = models.CharField(
        _("状态"), max_length=32, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED, db_index=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # The refusal's reason, the approval's conditions, or the question put to the reader (needs_info).
    reason = models.TextField(_("审核意见"), blank=True, default="")
    # The reader's last answer to a question (earlier ones are in the audit log).
    reply = models.TextField(_("补充说明"), blank=True, default="")
    replied_at = models.DateTimeField(_("补充时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("修订号"), default=1)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("查档申请")
        verbose_name_plural = _("查档申请")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["reader", "submitted_at"])]

    def __str__(self) -> str:
        return f"{_('查档申请')} {self.submitted_at:%Y-%m-%d} {self.uuid.hex[:8]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def shown_status(self) -> str:
        """The status as people see it: an approved request whose grants have all ended (expired or revoked) is
        expired."""
        if self.status in APPROVED_STATUSES:
            grants = list(self.grants.all())
            if grants and not any(g.is_active or g.is_future for g in grants):
                return RequestStatus.EXPIRED.value
        return str(self.status)

    @property
    def shown_status_label(self) -> Any:
        return RequestStatus(self.shown_status).label


class RequestedUnit(models.Model):
    """One unit of a request, named by the reader or added by the reviewer, with the decision on it."""

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="units", verbose_name=_("申请"))
    unit = models.ForeignKey("catalog.ArchivalUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("档案"))
    decision = models.CharField(
        _("审核结果"), max_length=16, choices=UnitDecision.choices, default=UnitDecision.PENDING
    )
    added_by_staff = models.BooleanField(_("由工作人员添加"), default=False)
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("申请档案")
        verbose_name_plural = _("申请档案")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["request", "unit"], name="access_requested_unit_once")]

    def __str__(self) -> str:
        return str(self.unit)


def active_grant_filter(now: Any = None) -> Q:
    """The grants in force at ``now`` (started, not expired, not revoked), as a filter on AccessGrant."""
    now = now or timezone.now()
    return Q(revoked_at__isnull=True, starts_at__lte=now, expires_at__gt=now)


class AccessGrant(models.Model):
    """One unit opened to one reader until ``expires_at``, by an approved request. ``reading_room_only``: its files
    only while the reader is checked in at the reading room today; ``copies_allowed``: copies may be asked for."""

    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants", verbose_name=_("查档人")
    )
    unit = models.ForeignKey("catalog.ArchivalUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("档案"))
    request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="grants", verbose_name=_("查档申请")
    )
    starts_at = models.DateTimeField(_("生效时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"))
    reading_room_only = models.BooleanField(_("仅限阅览室查阅"), default=False)
    copies_allowed = models.BooleanField(_("允许复制"), default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批准人"),
    )
    granted_at = models.DateTimeField(_("批准时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    revoke_reason = models.CharField(_("撤销原因"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("利用授权")
        verbose_name_plural = _("利用授权")
        ordering = ["-granted_at", "-pk"]
        indexes = [models.Index(fields=["reader", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.reader} · {self.unit}"

    @property
    def last_day(self) -> Any:
        """The last local day the grant is valid (it ends at the start of the next day)."""
        return timezone.localdate(self.expires_at - timedelta(microseconds=1))

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and self.starts_at <= now < self.expires_at

    @property
    def is_future(self) -> bool:
        return self.revoked_at is None and self.starts_at > timezone.now()

    @property
    def is_expired(self) -> bool:
        return self.revoked_at is None and self.expires_at <= timezone.now()
