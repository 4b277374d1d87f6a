"""The accession lists' filters (utilities.filters), each shared by its workspace page and its API endpoint:
transfers (移交登记簿) and acquisitions (征集登记)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dangan.utilities.filters import Choice, Exact, FilterSet, Text

from .choices import DonorKind, TransferKind, TransferStatus, Verdict
from .models import Acquisition, Transfer


class TransferFilter(FilterSet):
    """Transfers, newest first, for those who may receive them."""

    status = Choice(_("状态"), TransferStatus)
    kind = Choice(_("类型"), TransferKind)
    verdict = Choice(_("检测结论"), Verdict)
    fonds = Exact(_("全宗号"), field="fonds__code")
    q = Text(
        _("关键词"), ("transferring_unit", "batch", "source_name"), description=_("在移交单位、批次、来源文件中查找")
    )
    orderings = {"-created": ("-created", "-id"), "created": ("created", "id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else Transfer.objects.all()
        return rows.select_related("fonds")


class AcquisitionFilter(FilterSet):
    """Acquisitions (征集、捐赠), newest first."""

    source_kind = Choice(_("来源类型"), DonorKind)
    fonds = Exact(_("全宗号"), field="fonds__code")
    q = Text(_("关键词"), ("source", "agreement", "description"), description=_("在来源、协议、接收内容中查找"))
    orderings = {"-created": ("-created", "-id"), "created": ("created", "id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else Acquisition.objects.all()
        return rows.select_related("fonds")
