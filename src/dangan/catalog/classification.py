"""Browsing a fonds by its classification scheme (DA/T 22 §6): the items (件) grouped by 年度, then 机构(问题) and
保管期限 in the order the fonds is arranged (年度—机构—保管期限 or 年度—保管期限—机构), with 门类 first when the fonds
holds more than one; counts per group and paged items in the last.

Every count and every page goes through ``catalog.policy`` (hidden units are neither shown nor counted) and reads
the ``catalog_unit_scheme`` index, which holds the grouping columns and the visibility columns: a group's count is
an index range, also on a fonds of hundreds of thousands of items (bench/classification_bench.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import ArrangementOrder, RetentionPeriod, UnitLevel
from .models import ArchivalUnit, Fonds, RecordCategory
from .policy import unit_filter

__all__ = ["LEVEL_LABELS", "NONE", "SCHEME_PARAMS", "Group", "SchemeView", "browse_scheme"]

# How a level appears in a URL (``?year=2011&org=BGS``), and the value that stands for "not filled in".
SCHEME_PARAMS = {"category": "category", "year": "year", "retention": "retention", "organization": "org"}
NONE = "-"
LEVEL_LABELS = {
    "category": gettext_lazy("门类"),
    "year": gettext_lazy("年度"),
    "retention": gettext_lazy("保管期限"),
    "organization": gettext_lazy("机构(问题)"),
}
_COLUMNS = {"category": "category_id", "year": "year", "retention": "retention", "organization": "organization"}
ORDERS: dict[str, tuple[str, str, str]] = {
    ArrangementOrder.YEAR_ORG_RETENTION: ("year", "organization", "retention"),
    ArrangementOrder.YEAR_RETENTION_ORG: ("year", "retention", "organization"),
}


@dataclass(frozen=True)
class Group:
    """One group of the next level: its value (None: not filled in), label, visible item count and the path
    (level → URL value) that opens it."""

    value: Any
    label: str
    count: int
    path: dict[str, str]

    @property
    def query(self) -> str:
        """The path as a query string (``category=WS&year=2011``)."""
        return urlencode(self.path)


@dataclass
class SchemeView:
    """Where the browser stands: the levels of the scheme, the chosen groups (``trail``), then either the groups of
    the next level or, once every level is chosen, one page of the items."""

    levels: list[str]
    trail: list[Group] = field(default_factory=list)
    level: str | None = None  # the level whose groups are listed; None at the items
    groups: list[Group] = field(default_factory=list)
    items: list[ArchivalUnit] = field(default_factory=list)
    page: int = 1
    size: int = 50
    has_next: bool = False
    error: str = ""

    @property
    def total(self) -> int:
        """Items in the groups listed, or in the group whose items are shown."""
        if self.level is not None:
            return sum(g.count for g in self.groups)
        return self.trail[-1].count if self.trail else 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level]) if self.level else ""


def _items(user: Any, fonds: Fonds) -> QuerySet[ArchivalUnit]:
    qs = ArchivalUnit.objects.filter(fonds=fonds, level=UnitLevel.ITEM)
    visibility = unit_filter(user)
    return qs.filter(visibility) if visibility else qs


_RETENTION_ORDER = {value: i for i, value in enumerate(RetentionPeriod.values)}


def _order(level: str, value: Any) -> tuple[Any, ...]:
    """Groups in the archivist's order: years ascending, 保管期限 from 永久 down, codes alphabetically; the group of
    units where the level is not filled in last."""
    if value is None or value == "":
        return (1, 0)
    if level == "retention":
        return (0, _RETENTION_ORDER.get(value, len(_RETENTION_ORDER)), value)
    return (0, value)


def _counts(qs: QuerySet[ArchivalUnit], level: str) -> list[tuple[Any, int]]:
    column = _COLUMNS[level]
    rows = qs.order_by(column).values_list(column).annotate(n=Count("id"))
    return sorted(((value, n) for value, n in rows), key=lambda row: _order(level, row[0]))


def _parse(level: str, raw: str) -> Any:
    """The value a URL names for ``level``; ValueError when it cannot be one."""
    if raw == NONE:
        return "" if level in ("retention", "organization") else None
    if level == "year":
        return int(raw)
    if level == "category":
        category = RecordCategory.objects.filter(code__iexact=raw).first()
        if category is None:
            raise ValueError(raw)
        return category.pk
    if level == "retention" and raw not in RetentionPeriod.values:
        raise ValueError(raw)
    return raw


def _url_value(level: str, value: Any, categories: Mapping[int, RecordCategory]) -> str:
    if value is None or value == "":
        return NONE
    if level == "category":
        return categories[value].code
    return str(value)


def _label(level: str, value: Any, categories: Mapping[int, RecordCategory]) -> str:
    if level == "year":
        return _("%(year)d年") % {"year": value} if value is not None else _("未标年度")
    if level == "retention":
        return str(RetentionPeriod(value).label) if value in RetentionPeriod.values else _("未定保管期限")
    if level == "organization":
        return value or _("未标机构(问题)")
    category = categories.get(value)
    return category.name if category else _("未分门类")


def _filter(qs: QuerySet[ArchivalUnit], level: str, value: Any) -> QuerySet[ArchivalUnit]:
    column = _COLUMNS[level]
    return qs.filter(**{f"{column}__isnull": True}) if value is None else qs.filter(**{column: value})


def browse_scheme(user: Any, fonds: Fonds, params: Mapping[str, str], page: int = 1, size: int = 50) -> SchemeView:
    """The classification browser at the groups named in ``params`` (``category``, ``year``, ``org``,
    ``retention``: URL values, ``-`` for "not filled in"), for what ``user`` may see.

    门类 is the first level; a fonds with one category goes straight into it (the links then name it, so a deeper
    step never counts the whole fonds again)."""
    qs = _items(user, fonds)
    categories = {c.pk: c for c in RecordCategory.objects.all()}
    levels = ["category", *ORDERS.get(fonds.arrangement, ORDERS[ArrangementOrder.YEAR_ORG_RETENTION])]
    view = SchemeView(levels=levels, page=max(1, page), size=size)
    path: dict[str, str] = {}
    counts: list[tuple[Any, int]] | None = None
    for level in levels:
        raw = (params.get(SCHEME_PARAMS[level]) or "").strip()
        value: Any
        if not raw:
            if level != "category":
                break
            counts = _counts(qs, "category")
            if len(counts) != 1:
                break
            value = counts[0][0]  # the fonds' one category: no choice to offer
            counts = None
        else:
            try:
                value = _parse(level, raw)
            except ValueError:
                view.error = _("分类条件“%(value)s”无效，已回到上一级。") % {"value": raw}
                break
        qs = _filter(qs, level, value)
        path = {**path, SCHEME_PARAMS[level]: _url_value(level, value, categories)}
        view.trail.append(Group(value, _label(level, value, categories), 0, path))
    if len(view.trail) < len(levels):
        view.level = levels[len(view.trail)]
        rows = counts if counts is not None and view.level == "category" else _counts(qs, view.level)
        view.groups = [
            Group(
                value,
                _label(view.level, value, categories),
                n,
                {**path, SCHEME_PARAMS[view.level]: _url_value(view.level, value, categories)},
            )
            for value, n in rows
        ]
        return view
    # Every level chosen: the group's count and one page of its items in 件号 order (ids from the index, then rows).
    last = view.trail[-1]
    view.trail[-1] = Group(last.value, last.label, qs.count(), last.path)
    offset = (view.page - 1) * size
    ids = list(qs.order_by("item_number", "id").values_list("id", flat=True)[offset : offset + size + 1])
    view.has_next = len(ids) > size
    rows_by_id = ArchivalUnit.objects.select_related("category").in_bulk(ids[:size])
    view.items = [rows_by_id[pk] for pk in ids[:size]]
    return view
