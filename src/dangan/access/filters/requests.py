"""The reviewers' list of access requests (utilities.filters), shared by its page and its API endpoint."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangan.access.choices import Purpose
from dangan.access.models import AccessGrant, AccessRequest
from dangan.access.models.requests import APPROVED_STATUSES, RequestStatus
from dangan.utilities.filters import Choice, FilterSet, Moment, Text


def _grant_in_force() -> Exists:
    """Whether the request has a grant that is in force or still to start (not expired, not revoked)."""
    return Exists(
        AccessGrant.objects.filter(request=OuterRef("pk"), revoked_at__isnull=True, expires_at__gt=timezone.now())
    )


class RequestFilter(FilterSet):
    """Access requests, newest first, for reviewers (ACCESS_REVIEW)."""

    status = Choice(_("状态"), RequestStatus)
    purpose = Choice(_("利用目的"), Purpose)
    submitted_from = Moment(_("提交日期起"), field="submitted_at", lookup="gte")
    submitted_to = Moment(_("提交日期止"), field="submitted_at", lookup="lte")
    q = Text(
        _("关键词"),
        ("description", "purpose_detail", "reader__first_name", "reader__username"),
        description=_("在查档人姓名、用户名、利用目的说明和所需档案描述中查找"),
    )
    orderings = {"-submitted": ("-submitted_at", "-id"), "submitted": ("submitted_at", "id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else AccessRequest.objects.all()
        return rows.select_related("reader", "reviewer").prefetch_related("grants")

    def narrow_status(self, queryset: QuerySet[Any], value: Any) -> QuerySet[Any]:
        """An approved request whose grants have all ended is 已过期 (never stored as such)."""
        if value == RequestStatus.EXPIRED:
            return queryset.filter(~Q(_grant_in_force()), status__in=APPROVED_STATUSES)
        if value in APPROVED_STATUSES:
            return queryset.filter(_grant_in_force(), status=value)
        return queryset.filter(status=value)
