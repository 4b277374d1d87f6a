"""Field checks shared by the unit actions, the forms and the catalog importer (DA/T 70 items 1-2, 1-4 … 1-7)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangan.utilities.models import field_max_length
from dangan.utilities.text import special_character_problem

from .choices import DatePrecision
from .dates import PartialDate, date_label, parse_partial_date
from .models import ArchivalUnit

__all__ = [
    "PartialDate",
    "check_unit_fields",
    "date_label",
    "date_precision_problem",
    "date_problem",
    "parse_partial_date",
    "text_problem",
    "year_problem",
]

TEXT_FIELDS = (
    "title",
    "document_number",
    "responsible",
    "remarks",
    "extent",
    "physical_location",
    "notes",
    "organization",
)
EARLIEST_YEAR = 1000


def max_length(field: str) -> int | None:
    return field_max_length(ArchivalUnit, field)


def text_problem(field: str, value: str) -> str | None:
    """Why ``value`` is not acceptable text for ``field``, or None."""
    # The same DA/T 70 1-6 rule as the import and the accession check: control characters, private-use characters
    # (unless allowed), text garbled by a wrong encoding.
    if problem := special_character_problem(value):
        return problem
    limit = max_length(field)
    if limit and len(value) > limit:
        return _("长度 %(length)d 超过上限 %(limit)d") % {"length": len(value), "limit": limit}
    return None


def date_problem(value: dt.date | None, today: dt.date | None = None) -> str | None:
    if value is None:
        return None
    today = today or dt.date.today()
    if value > today:
        return _("日期晚于今天")
    if value.year < EARLIEST_YEAR:
        return _("日期早于 %(year)d 年") % {"year": EARLIEST_YEAR}
    return None


def date_precision_problem(value: dt.date | None, precision: str | None) -> str | None:
    """Why ``precision`` does not fit ``value``: a date known to the month or year stands on the month's or year's
    first day, so that no day is invented."""
    if not precision:
        return None
    if precision not in DatePrecision.values:
        return _("未知的日期精度：%(value)s（应为 day、month 或 year）") % {"value": precision}
    if value is None:
        return None
    if precision == DatePrecision.MONTH and value.day != 1:
        return _("日期只精确到月时不能有日：请写作 %(example)s") % {"example": f"{value.year:04d}-{value.month:02d}"}
    if precision == DatePrecision.YEAR and (value.month, value.day) != (1, 1):
        return _("日期只精确到年时不能有月、日：请写作 %(example)s") % {"example": f"{value.year:04d}"}
    return None


def year_problem(year: int | None, date: dt.date | None) -> str | None:
    if year is None:
        return None
    if not EARLIEST_YEAR <= year <= dt.date.today().year:
        return _("年度 %(year)d 不合理") % {"year": year}
    if date is not None and date.year != year:
        return _("年度 %(year)d 与日期 %(date)s 不一致") % {"year": year, "date": date.isoformat()}
    return None


def check_unit_fields(data: dict) -> None:
    """Raise ValidationError (a dict of field → message) if any description field is unacceptable."""
    errors: dict[str, str] = {}
    if "title" in data and not str(data.get("title") or "").strip():
        errors["title"] = _("题名不能为空")
    for field in TEXT_FIELDS:
        value = data.get(field)
        if isinstance(value, str) and (problem := text_problem(field, value)):
            errors[field] = problem
    date_issue = date_problem(data.get("date")) or date_precision_problem(data.get("date"), data.get("date_precision"))
    if date_issue:
        errors["date"] = date_issue
    if problem := year_problem(data.get("year"), data.get("date")):
        errors["year"] = problem
    page_count = data.get("page_count")
    if page_count is not None and (not isinstance(page_count, int) or page_count < 0 or page_count > 100000):
        errors["page_count"] = _("页数应为 0 到 100000 之间的整数")
    if errors:
        raise ValidationError(errors)
