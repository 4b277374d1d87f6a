"""The register's filter (utilities.filters), shared by its staff page and its API endpoint."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dangan.access.actions.register import can_read_register
from dangan.access.choices import Channel, Purpose, UseKind
from dangan.access.models import UseRecord
from dangan.utilities.filters import Choice, Exact, FilterSet, Moment, Text


class RegisterFilter(FilterSet):
    """The utilization register, newest first, for those who may read it (nothing for anyone else)."""

    start = Moment(_("起始日期"), field="at", lookup="gte", description=_("自该日期（含），YYYY-MM-DD"))
    end = Moment(_("截止日期"), field="at", lookup="lte", description=_("至该日期（含），YYYY-MM-DD"))
    kind = Choice(_("利用方式"), UseKind)
    channel = Choice(_("渠道"), Channel)
    purpose = Choice(_("利用目的"), Purpose)
    fonds = Exact(_("全宗号"), field="fonds__code")
    q = Text(_("备注"), ("note",), description=_("在备注中查找"))
    orderings = {"-at": ("-at", "-pk"), "at": ("at", "pk")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else UseRecord.objects.all()
        if not can_read_register(user):
            return rows.none()
        return rows.select_related("reader", "unit", "fonds", "staff")
