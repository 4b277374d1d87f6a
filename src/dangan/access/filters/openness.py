"""Filters of the openness review's lists (utilities.filters), shared by the pages and the API: a round's units, the
rounds, and the list of newly opened records (开放目录) on the portal."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from dangan.access.models.openness import DecisionStatus, OpennessDecision, OpennessReview, ReviewStatus, Verdict
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import visible_units
from dangan.utilities.filters import Choice, Exact, FilterSet, Flag, Integer, Moment, Text


class DecisionFilter(FilterSet):
    """The units of one round, as rows of decisions; only those of units the person may see (catalog.policy).
    ``rows(user, review.decisions.all())``."""

    status = Choice(_("状态"), DecisionStatus)
    verdict = Choice(_("审核意见"), Verdict)
    category = Exact(_("门类代码"), field="unit__category__code")
    year = Integer(_("年度"), field="unit_year", low=1000, high=3000)
    marked = Flag(_("只看有提示的"), description=_("true：只列出审核辅助标出内容的档案"))
    q = Text(_("关键词"), ("unit__title", "unit__reference_code"), description=_("在题名、档号中查找"))
    orderings = {
        # Units not scanned yet (marks null) last on every database (PostgreSQL puts NULLs first when descending).
        "marks": (F("marks").desc(nulls_last=True), "unit__reference_code", "unit_id"),  # type: ignore[dict-item]
        "code": ("unit__reference_code", "unit_id"),
        "year": ("unit_year", "unit__reference_code", "unit_id"),
    }
    ordering_label = "排序（marks：有提示的在前；code：档号；year：年度）"

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else OpennessDecision.objects.all()
        return rows.filter(unit__in=visible_units(user, ArchivalUnit.objects.all())).select_related(
            "unit", "unit__category"
        )

    def narrow_marked(self, queryset: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return queryset.filter(marks__gt=0) if value else queryset.filter(marks=0)


class ReviewFilter(FilterSet):
    """The review rounds, newest first."""

    status = Choice(_("状态"), ReviewStatus)
    year = Integer(_("审核年度"), low=1900, high=3000)
    fonds = Exact(_("全宗号"), field="fonds__code")
    orderings = {"-year": ("-year", "-created", "-id"), "year": ("year", "created", "id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else OpennessReview.objects.all()
        return rows.select_related("fonds", "category")


class OpenedFilter(FilterSet):
    """The newly opened records (开放目录): units opened by a confirmed review decision, newest first; only what
    the visitor may see (catalog.policy) — an opened unit is public unless it was closed again since."""

    review = Exact(_("审核批次"), field="review__uuid", ignore_case=False, description=_("开放审核批次的标识符"))
    fonds = Exact(_("全宗号"), field="fonds__code")
    year = Integer(_("开放年度"), field="second_at__year", low=1900, high=3000)
    since = Moment(_("开放时间起"), field="second_at", lookup="gte")
    q = Text(_("关键词"), ("unit__title", "unit__reference_code"), description=_("在题名、档号中查找"))
    orderings = {"-opened": ("-second_at", "-id"), "code": ("unit__reference_code", "id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else OpennessDecision.objects.all()
        return rows.filter(
            verdict=Verdict.OPEN,
            status=DecisionStatus.CONFIRMED,
            unit__in=visible_units(user, ArchivalUnit.objects.all()),
        ).select_related("unit", "fonds", "review")

    def narrow_review(self, queryset: QuerySet[Any], value: Any) -> QuerySet[Any]:
        import uuid

        try:
            return queryset.filter(review__uuid=uuid.UUID(str(value)))
        except ValueError:
            return queryset.none()
