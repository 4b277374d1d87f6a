"""The catalog's list filters, each one class shared by the workspace list and the REST API (utilities.filters):
units, fonds, authority records, import batches."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dangan.utilities.filters import Choice, Exact, FilterSet, Flag, Integer, Text
from dangan.utilities.text import is_uuid

from .choices import AuthorityKind, DisposalStatus, Openness, RetentionPeriod, SecurityClassification, UnitLevel
from .models import Authority, Fonds, ImportBatch
from .policy import visible_disposals, visible_units

ORDERINGS: dict[str, tuple[str, ...]] = {
    "reference_code": ("reference_code", "id"),
    "position": ("position", "id"),
    "date": ("date", "id"),
    "-date": ("-date", "-id"),
    "title": ("title", "id"),
}
_YEAR = _("年度应为四位数字：%(value)s")


class UnitFilter(FilterSet):
    """Archival units: only those ``catalog.policy`` lets the user see; unknown values become ``errors``."""

    fonds = Exact(_("全宗号"), field="fonds__code")
    parent = Exact(_("上级档案"), description=_("上级档案 UUID"))
    level = Choice(_("层级"), UnitLevel)
    category = Exact(_("门类"), field="category__code", description=_("门类代码，例如 WS"))
    year_from = Integer(_("年度自"), field="year", lookup="gte", low=0, high=9999, message=_YEAR)
    year_to = Integer(_("年度至"), field="year", lookup="lte", low=0, high=9999, message=_YEAR)
    retention = Choice(_("保管期限"), RetentionPeriod)
    classification = Choice(_("密级"), SecurityClassification)
    openness = Choice(_("开放状态"), Openness)
    q = Text(
        _("关键词"),
        ("title", "reference_code", "responsible", "document_number"),
        max_length=1000,
        description=_("在题名、档号、责任者、文号中查找"),
    )
    orderings = ORDERINGS

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        self._user = user  # narrow_parent asks the policy about the parent too
        return visible_units(user, queryset).select_related("fonds", "category")

    def narrow_parent(self, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        # Only under a parent the user may see: the children of a hidden one would confirm that it exists.
        if not is_uuid(value):
            return queryset.none()
        return queryset.filter(parent__in=visible_units(self._user).filter(uuid=value))


class FondsFilter(FilterSet):
    """Fonds (全宗): every role that reads the catalog sees the list; what is in each is counted by the policy."""

    q = Text(_("关键词"), ("code", "name", "creator"), description=_("在全宗号、全宗名称、立档单位中查找"))
    orderings = {"code": ("code", "id"), "name": ("name", "id"), "-created": ("-created", "-id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        return queryset if queryset is not None else Fonds.objects.all()


class AuthorityFilter(FilterSet):
    """Authority records (规范档案): names of people, bodies, places and events, shown to whoever reads the catalog."""

    kind = Choice(_("类型"), AuthorityKind)
    q = Text(
        _("关键词"),
        ("name", "variant_names", "dates", "identifier", "description"),
        description=_("在规范名称、其他名称（曾用名、简称、别名）、时间、外部标识和简介中查找，不分全角半角和大小写"),
    )
    orderings = {"kind": ("kind", "name", "id"), "name": ("name", "id"), "-updated": ("-updated", "-id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        return queryset if queryset is not None else Authority.objects.all()

    def narrow_q(self, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        # Any of the record's names, folded as the picker folds them (actions.authorities), or its other fields.
        from .actions.authorities import matching_authorities

        by_name = matching_authorities(value).values("pk")
        return self.params["q"].narrow(queryset, value) | queryset.filter(pk__in=by_name)


class ImportBatchFilter(FilterSet):
    """Catalog imports (目录导入), newest first, for those who may import."""

    fonds = Exact(_("全宗号"), field="fonds__code")
    status = Choice(_("状态"), ImportBatch.Status)
    dry_run = Flag(_("仅校验"))
    q = Text(_("文件名"), ("file_name",), description=_("在文件名中查找"))
    orderings = {"-created": ("-created", "-id"), "created": ("created", "id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else ImportBatch.objects.all()
        return rows.select_related("fonds", "user")


class DisposalFilter(FilterSet):
    """The register of disposals (鉴定销毁): entries of units whose 密级 the user may read (catalog.policy)."""

    status = Choice(_("状态"), DisposalStatus)
    fonds = Exact(_("全宗号"), field="unit__fonds__code")
    orderings = {"-created": ("-created", "-id"), "created": ("created", "id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        return visible_disposals(user, queryset).select_related("unit", "unit__fonds")
