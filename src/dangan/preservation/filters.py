"""The preservation lists' filters (utilities.filters), each shared by its workspace page and its API endpoint:
preserved packages (only those whose unit ``catalog.policy`` lets the user see) and fixity audits."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dangan.catalog.policy import visible_units
from dangan.utilities.filters import Choice, Exact, FilterSet, Flag, Text

from .choices import AuditKind, AuditStatus, FixityStatus
from .models import AuditRun, PreservedPackage


class PackageFilter(FilterSet):
    """Preserved packages: a package is listed exactly when its unit is visible (one door for visibility)."""

    fonds = Exact(_("全宗号"), field="unit__fonds__code")
    fixity_status = Choice(_("固定性状态"), FixityStatus)
    q = Text(_("关键词"), ("reference_code", "label"), description=_("在档号、题名中查找"))
    orderings = {
        "reference_code": ("reference_code", "id"),
        "-package_created": ("-package_created", "-id"),
        "last_audit": ("last_audit", "id"),
    }

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else PreservedPackage.objects.all()
        return rows.filter(unit__in=visible_units(user).values("pk")).select_related("unit")


class AuditRunFilter(FilterSet):
    """Fixity audits, newest first: whoever reads the catalog may follow them (the failures name only what the
    policy lets them see)."""

    status = Choice(_("状态"), AuditStatus)
    kind = Choice(_("类型"), AuditKind)
    scheduled = Flag(_("定期任务"))
    orderings = {"-created": ("-created", "-id"), "created": ("created", "id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        return queryset if queryset is not None else AuditRun.objects.all()
