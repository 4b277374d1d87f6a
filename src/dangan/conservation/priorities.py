"""Which units need restoration first, and the survey dashboard's counts (part surveys).

The order of the priority list (docs/development/conservation.md, "Part surveys"):
1. the grade of the unit's condition now, 特残 first (完好 units are not listed);
2. value: a red archive of the Long March first — a unit is of high value when one of its subject terms contains one
   of ``settings.CONSERVATION_VALUE_TERMS`` (default 长征, 红军), or when it is in a campaign marked 重点;
3. use: how often its original was checked out (CheckOut rows, any purpose), more first;
4. its 档号.

Only the units the user may see (catalog.policy) are listed or counted.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from dangan.catalog.models import Fonds, Subject
from dangan.catalog.policy import sees_every_unit, visible_units
from dangan.conservation.choices import DamageGrade
from dangan.conservation.models import CampaignUnit, CheckOut, Location, Placement, UnitCondition

__all__ = ["dashboard_counts", "priority_list", "value_terms"]

DEFAULT_VALUE_TERMS = ("长征", "红军")


def value_terms() -> tuple[str, ...]:
    return tuple(getattr(settings, "CONSERVATION_VALUE_TERMS", DEFAULT_VALUE_TERMS))


def _conditions(user: Any) -> QuerySet[UnitCondition]:
    rows = UnitCondition.objects.all()
    if not sees_every_unit(user):
        rows = rows.filter(unit_id__in=visible_units(user).values("id"))
    return rows


def priority_list(user: Any, limit: int | None = 100) -> list[dict[str, Any]]:
    """The units to restore first (see the module's doc), at most ``limit`` (None: all)."""
    terms = Q()
    for term in value_terms():
        terms |= Q(term__contains=term)
    valued_subject = Subject.objects.filter(terms, units=OuterRef("unit_id")) if terms else Subject.objects.none()
    in_priority_campaign = CampaignUnit.objects.filter(unit_id=OuterRef("unit_id"), campaign__priority=True)
    uses = (
        CheckOut.objects.filter(unit_id=OuterRef("unit_id"))
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    base = _conditions(user).annotate(
        valued=Exists(valued_subject) | Exists(in_priority_campaign),
        uses=Coalesce(Subquery(uses, output_field=IntegerField()), 0),
    )
    fields = (
        "unit_id",
        "unit__uuid",
        "unit__reference_code",
        "unit__title",
        "unit__fonds__code",
        "grade",
        "reason",
        "valued",
        "uses",
        "assessed_at",
    )
    # Grade by grade, worst first: the top N rarely needs more than the first grade or two, and the value and use of
    # the others are never computed.
    found: list[dict[str, Any]] = []
    for grade in DamageGrade.values:
        if grade == DamageGrade.INTACT or (limit is not None and len(found) >= limit):
            break
        rows = base.filter(grade=grade).order_by("-valued", "-uses", "unit__reference_code", "unit_id").values(*fields)
        found.extend(rows[: limit - len(found)] if limit is not None else rows)
    placements = Placement.objects.all()
    if len(found) <= 1000:  # else read them all: a long IN list would pass SQLite's limit on parameters
        placements = placements.filter(unit_id__in=[row["unit_id"] for row in found])
    where = dict(placements.values_list("unit_id", "location__full_code"))
    labels = dict(DamageGrade.choices)
    return [
        {
            "rank": n,
            "unit_id": row["unit_id"],
            "uuid": str(row["unit__uuid"]),
            "reference_code": row["unit__reference_code"] or "",
            "title": row["unit__title"],
            "fonds": row["unit__fonds__code"],
            "grade": row["grade"],
            "grade_label": str(labels[row["grade"]]),
            "reason": row["reason"],
            "valued": bool(row["valued"]),
            "uses": row["uses"],
            "location": where.get(row["unit_id"], ""),
        }
        for n, row in enumerate(found, start=1)
    ]


def dashboard_counts(user: Any) -> dict[str, Any]:
    """Counts of the surveyed units ``user`` may see: by grade, by fonds × grade and by stack (the first code of the
    location's full_code; "" for a unit not placed) × grade."""
    rows = (
        _conditions(user)
        .values("grade", "unit__fonds_id", "unit__placement__location_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    fonds_codes = dict(Fonds.objects.values_list("id", "code"))
    stack_of = {pk: code.split("-", 1)[0] for pk, code in Location.objects.values_list("id", "full_code")}
    by_grade: dict[str, int] = dict.fromkeys(DamageGrade.values, 0)
    by_fonds: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DamageGrade.values, 0))
    by_stack: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DamageGrade.values, 0))
    for row in rows:
        grade, n = row["grade"], row["n"]
        by_grade[grade] += n
        by_fonds[fonds_codes[row["unit__fonds_id"]]][grade] += n
        by_stack[stack_of.get(row["unit__placement__location_id"], "")][grade] += n
    return {
        "grades": [{"grade": g, "label": str(label), "count": by_grade[g]} for g, label in DamageGrade.choices],
        "total": sum(by_grade.values()),
        "by_fonds": [{"fonds": k, "counts": v, "total": sum(v.values())} for k, v in sorted(by_fonds.items())],
        "by_stack": [{"stack": k, "counts": v, "total": sum(v.values())} for k, v in sorted(by_stack.items())],
    }


def priorities_sheet(rows: list[dict[str, Any]]) -> bytes:
    """The priority list as .xlsx."""
    import io

    from openpyxl import Workbook

    from dangan.utilities.spreadsheets import safe_row

    book = Workbook()
    sheet = book.active
    sheet.title = "修复优先级"
    sheet.append(["序号", "档号", "题名", "全宗", "破损等级", "定级依据", "重点（红色档案）", "出库次数", "存放位置"])
    for row in rows:
        sheet.append(
            safe_row(
                [
                    row["rank"],
                    row["reference_code"],
                    row["title"],
                    row["fonds"],
                    row["grade_label"],
                    row["reason"],
                    "是" if row["valued"] else "否",
                    row["uses"],
                    row["location"],
                ]
            )
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
