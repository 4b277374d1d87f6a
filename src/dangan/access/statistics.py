"""The annual utilization statistics (利用统计): the figures an archives reports each year, from the register.

- 到馆人次 (visits): entries of kind 到馆;
- 利用人数 (readers): distinct readers with any entry in the year;
- 查档申请 (requests): entries of kind 查档申请;
- 利用档案（卷/件次）(units used): entries that used a unit — 查阅 and 复制 — and how many distinct units;
- 复制页数 (pages copied): the pages of the 复制 entries;

each also by 利用目的, by 渠道, per month (month × kind) and per fonds (fonds × kind). Plain aggregate queries
(COUNT … GROUP BY), the same on SQLite and PostgreSQL; the year and the months are the archives' local time.
Counts per fonds count every use, also of units the viewer may not see: statistics show no unit's content, and a
fonds' name is not secret.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.models import Fonds

from .choices import Channel, Purpose, UseKind
from .models import UseRecord

# The kinds that use a unit (卷/件次).
UNIT_KINDS = (UseKind.VIEW, UseKind.COPY)
FIRST_YEAR = 1900
LAST_YEAR = 2999


@dataclass(frozen=True)
class Figures:
    """The counts of one group of entries (a year, a month, a fonds, a purpose, a channel)."""

    visits: int = 0
    requests: int = 0
    views: int = 0
    copies: int = 0
    pages: int = 0
    readers: int = 0
    units: int = 0  # distinct units used

    @property
    def units_used(self) -> int:
        """卷/件次: every 查阅 and 复制 of a unit."""
        return self.views + self.copies

    @property
    def total(self) -> int:
        return self.visits + self.requests + self.views + self.copies

    def as_dict(self) -> dict[str, int]:
        return {
            "visits": self.visits,
            "readers": self.readers,
            "requests": self.requests,
            "views": self.views,
            "copies": self.copies,
            "units_used": self.units_used,
            "distinct_units": self.units,
            "pages": self.pages,
            "total": self.total,
        }


@dataclass(frozen=True)
class Row:
    """One line of a table: its key (a month number, a fonds code, a purpose or channel value), its label and its
    figures."""

    key: Any
    label: str
    figures: Figures


@dataclass(frozen=True)
class AnnualStatistics:
    year: int
    totals: Figures
    by_month: list[Row] = field(default_factory=list)
    by_fonds: list[Row] = field(default_factory=list)
    by_purpose: list[Row] = field(default_factory=list)
    by_channel: list[Row] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.totals.total == 0

    def as_dict(self) -> dict[str, Any]:
        def rows(items: list[Row]) -> list[dict[str, Any]]:
            return [{"key": row.key, "label": row.label, **row.figures.as_dict()} for row in items]

        return {
            "year": self.year,
            "totals": self.totals.as_dict(),
            "by_month": rows(self.by_month),
            "by_fonds": rows(self.by_fonds),
            "by_purpose": rows(self.by_purpose),
            "by_channel": rows(self.by_channel),
        }


def _aggregates() -> dict[str, Any]:
    return {
        "visits": Count("pk", filter=Q(kind=UseKind.VISIT)),
        "requests": Count("pk", filter=Q(kind=UseKind.REQUEST)),
        "views": Count("pk", filter=Q(kind=UseKind.VIEW)),
        "copies": Count("pk", filter=Q(kind=UseKind.COPY)),
        "pages": Sum("pages", filter=Q(kind=UseKind.COPY)),
        "readers": Count("reader", distinct=True),
        "units": Count("unit", filter=Q(kind__in=UNIT_KINDS), distinct=True),
    }


def _figures(values: dict[str, Any]) -> Figures:
    return Figures(**{name: int(values.get(name) or 0) for name in _aggregates()})


def entries_of_year(year: int) -> QuerySet[UseRecord]:
    """The register's entries of ``year`` in the archives' local time."""
    zone = timezone.get_current_timezone()
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    end = dt.datetime(year + 1, 1, 1, tzinfo=zone)
    return UseRecord.objects.filter(at__gte=start, at__lt=end)


def _grouped(entries: QuerySet[UseRecord], key: str) -> dict[Any, Figures]:
    rows = entries.order_by().values(key).annotate(**_aggregates())
    return {row[key]: _figures(row) for row in rows}


def annual_statistics(year: int) -> AnnualStatistics:
    """The year's figures: totals, and by month (all twelve), fonds (those with entries, by code; entries of no
    fonds last), purpose and channel (every choice, empty ones too, so that a report's table keeps its shape)."""
    entries = entries_of_year(year)
    totals = _figures(entries.aggregate(**_aggregates()))

    months = _grouped(entries.annotate(month=ExtractMonth("at")), "month")
    by_month = [Row(m, _("%(month)d月") % {"month": m}, months.get(m, Figures())) for m in range(1, 13)]

    per_fonds = _grouped(entries, "fonds")
    names = {f.pk: f for f in Fonds.objects.filter(pk__in=[k for k in per_fonds if k is not None])}
    by_fonds = [
        Row(names[pk].code, f"{names[pk].code} {names[pk].name}", per_fonds[pk])
        for pk in sorted(names, key=lambda pk: names[pk].code)
    ]
    if None in per_fonds:
        by_fonds.append(Row("", _("（未涉及具体档案）"), per_fonds[None]))

    purposes = _grouped(entries, "purpose")
    by_purpose = [Row(value, str(label), purposes.get(value, Figures())) for value, label in Purpose.choices]
    if "" in purposes:
        by_purpose.append(Row("", _("（未填写）"), purposes[""]))

    channels = _grouped(entries, "channel")
    by_channel = [Row(value, str(label), channels.get(value, Figures())) for value, label in Channel.choices]

    return AnnualStatistics(year, totals, by_month, by_fonds, by_purpose, by_channel)


def years_with_entries() -> list[int]:
    """The years that have entries, newest first, and the current year in any case."""
    found = {moment.year for moment in UseRecord.objects.datetimes("at", "year")}
    found.add(timezone.localdate().year)
    return sorted(found, reverse=True)


# ---------------------------------------------------------------- the Excel workbook


def figure_columns() -> list[tuple[str, str]]:
    """(key of Figures.as_dict, column heading) of every table, in the order the report shows them."""
    return [
        ("visits", _("到馆人次")),
        ("readers", _("利用人数")),
        ("requests", _("查档申请")),
        ("views", _("查阅")),
        ("copies", _("复制")),
        ("units_used", _("利用档案（卷/件次）")),
        ("distinct_units", _("涉及档案（卷/件）")),
        ("pages", _("复制页数")),
    ]


def statistics_workbook(stats: AnnualStatistics) -> bytes:
    """The year's figures as an .xlsx workbook: a sheet of totals, then per month, fonds, purpose and channel.
    Every text cell goes through ``safe_text`` (a fonds' name is typed by people)."""
    import io

    from openpyxl import Workbook

    from dangan.utilities.spreadsheets import safe_row

    columns = figure_columns()
    workbook = Workbook(write_only=True)

    summary = workbook.create_sheet(_("总计"))
    summary.append(safe_row([_("%(year)d年档案利用统计") % {"year": stats.year}]))
    totals = stats.totals.as_dict()
    for key, heading in columns:
        summary.append(safe_row([heading, totals[key]]))

    for title, first, rows in (
        (_("按月份"), _("月份"), stats.by_month),
        (_("按全宗"), _("全宗"), stats.by_fonds),
        (_("按利用目的"), _("利用目的"), stats.by_purpose),
        (_("按渠道"), _("渠道"), stats.by_channel),
    ):
        sheet = workbook.create_sheet(title)
        sheet.append(safe_row([first, *(heading for _key, heading in columns)]))
        for row in rows:
            values = row.figures.as_dict()
            sheet.append(safe_row([row.label, *(values[key] for key, _heading in columns)]))
        sheet.append(safe_row([_("合计"), *(totals[key] for key, _heading in columns)]))

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
