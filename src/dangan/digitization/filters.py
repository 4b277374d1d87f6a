"""The batch list's filter (utilities.filters), shared by its workspace page and its API endpoint."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dangan.utilities.filters import Choice, Exact, FilterSet, Text

from .choices import BatchStatus
from .models import Batch


class BatchFilter(FilterSet):
    """Digitization batches, newest first, for those who may digitize."""

    status = Choice(_("状态"), BatchStatus)
    fonds = Exact(_("全宗号"), field="fonds__code")
    q = Text(_("关键词"), ("name", "operator", "organisation"), description=_("在批次名称、扫描人员、扫描单位中查找"))
    orderings = {"-created": ("-created", "-id"), "created": ("created", "id"), "name": ("name", "id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else Batch.objects.all()
        return rows.select_related("fonds")
