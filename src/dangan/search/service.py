"""The search service: one call that the web UI, the API and the CLI share. It parses the query, compiles it for
the engine in use, applies ``catalog.policy`` inside the SQL (hits, snippets and facet counts alike), pages,
counts facets and highlights. Index maintenance (index_units … check_index) lives in ``sync``."""

from __future__ import annotations

import html
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Q
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dangan.catalog.choices import Openness, RetentionPeriod, SecurityClassification, UnitLevel
from dangan.catalog.filters import UnitFilter
from dangan.catalog.models import ArchivalUnit, Fonds, RecordCategory
from dangan.catalog.policy import unit_filter, visible_units

from .backends import get_backend
from .backends.base import Unsupported
from .sync import CheckReport, check_index, index_units, reindex_all, remove_units

__all__ = [
    "CheckReport",
    "FacetValue",
    "Hit",
    "SearchRequest",
    "SearchResult",
    "check_index",
    "index_units",
    "reindex_all",
    "remove_units",
    "search",
]

SORTS = ("relevance", "date", "-date", "reference_code")
MAX_SIZE = 100
FACETS = ("fonds", "category", "retention", "classification", "openness", "level", "year")
CHOICES = {
    "retention": RetentionPeriod,
    "classification": SecurityClassification,
    "openness": Openness,
    "level": UnitLevel,
}
_UNIT_COLUMNS = ("fonds_id", "category_id", "retention", "classification", "openness", "level", "year")


@dataclass
class SearchRequest:
    q: str = ""
    fonds: str = ""
    category: str = ""
    retention: str = ""
    classification: str = ""
    openness: str = ""
    level: str = ""
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    size: int = 20
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Any) -> SearchRequest:
        """From a QueryDict or a dict; bad values are collected in ``errors`` (field → message) and dropped."""
        get = params.get

        def text(name: str) -> str:
            value = get(name)
            return str(value).strip() if value is not None else ""

        # The filters and their messages are the catalog's own (the unit list and the API use the same class).
        filters = UnitFilter.from_params(params)
        r = cls(
            q=text("q"),
            fonds=filters.fonds,
            category=filters.category,
            retention=filters.retention,
            classification=filters.classification,
            openness=filters.openness,
            level=filters.level,
            year_from=filters.year_from,
            year_to=filters.year_to,
            sort=text("sort") or "relevance",
            errors={k: v for k, v in filters.errors.items() if k != "ordering"},
        )
        if r.sort not in SORTS:
            r.errors["sort"] = _("无效的排序：%(value)s") % {"value": r.sort}
            r.sort = "relevance"
        for name, default, upper in (("page", 1, 10**6), ("size", 20, MAX_SIZE)):
            raw = text(name)
            if not raw:
                continue
            try:
                value = int(raw)
                if value < 1:
                    raise ValueError
                setattr(r, name, min(value, upper))
            except ValueError:
                r.errors[name] = _("应为正整数：%(value)s") % {"value": raw}
                setattr(r, name, default)
        return r


@dataclass
class Hit:
    unit: ArchivalUnit
    score: float
    title_html: SafeString
    snippet_html: SafeString


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class SearchResult:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    size: int = 20
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    error: str | None = None
    query_description: str = ""
    took_ms: float = 0.0


def search(user: Any, request: SearchRequest) -> SearchResult:
    """Search the units ``user`` may see (``catalog.policy`` decides; AnonymousUser is the public)."""
    from .query import QuerySyntaxError, parse_query

    started = time.perf_counter()
    size = max(1, min(request.size or 20, MAX_SIZE))
    page = max(1, request.page or 1)
    result = SearchResult(page=page, size=size, facets={name: [] for name in FACETS})

    def done() -> SearchResult:
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    try:
        parsed = parse_query(request.q or "")
    except QuerySyntaxError as exc:
        result.error = _("检索式有误（第 %(position)s 个字符）：%(message)s") % {
            "position": (exc.position or 0) + 1,
            "message": exc.message,
        }
        return done()
    result.query_description = _describe(parsed, request)

    conditions = unit_filter(user) & _filters(request)
    if parsed.date_range is not None:
        conditions &= _date_condition(parsed.date_range)
    try:
        where_sql, where_params = _compile_where(conditions)
    except EmptyResultSet:
        return done()

    backend = get_backend()
    match = None
    if parsed.root is not None:
        try:
            expression = backend.compile(parsed.root)
        except Unsupported:
            result.error = _("“非”条件需要与至少一个肯定的检索词一起使用，例如：扶贫 -疫情")
            return done()
        if expression is None:
            return done()
        match = backend.match(expression, backend.compile(parsed.root, positive_only=True))

    id_column = "catalog_archivalunit.id"
    if match is not None:
        id_column = "catalog_archivalunit.unit_id"
        source = match.join
        where = [match.where] + ([where_sql] if where_sql else [])
        params = list(match.params) + list(where_params)
    else:
        source = "catalog_archivalunit"
        where = [where_sql] if where_sql else []
        params = list(where_params)
    where_clause = (" WHERE " + " AND ".join(f"({w})" for w in where)) if where else ""

    # Facets and the total: one grouped pass over the matching, visible units.
    cols = ", ".join(f"catalog_archivalunit.{c}" for c in _UNIT_COLUMNS)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {cols}, COUNT(*) FROM {source}{where_clause} GROUP BY {cols}", params)
        groups = cur.fetchall()
    result.total = sum(g[-1] for g in groups)
    result.facets = _facets(groups)
    if not result.total:
        return done()

    # One page of ids, then the units.
    sort = request.sort if request.sort in SORTS else "relevance"
    if match is None and sort == "relevance":
        sort = "reference_code"
    order = {
        "relevance": f"score DESC, {id_column}",
        "date": f"catalog_archivalunit.date IS NULL, catalog_archivalunit.date, {id_column}",
        "-date": f"catalog_archivalunit.date IS NULL, catalog_archivalunit.date DESC, {id_column} DESC",
        "reference_code": "catalog_archivalunit.reference_code IS NULL, catalog_archivalunit.reference_code, "
        f"{id_column}",
    }[sort]
    score_sql = match.score if match is not None else "0"
    score_params = list(match.score_params) if match is not None else []
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {id_column}, {score_sql} AS score FROM {source}{where_clause} ORDER BY {order} LIMIT %s OFFSET %s",
            score_params + params + [size, (page - 1) * size],
        )
        rows = cur.fetchall()
    # The units themselves, through the policy once more: the index's copy of 密级/开放 decided the counts, the
    # catalog row decides what is shown.
    units = visible_units(user).select_related("fonds", "category").in_bulk([r[0] for r in rows])
    terms = _positive_terms(parsed.root)
    for unit_id, score in rows:
        unit = units.get(unit_id)
        if unit is None:
            continue
        result.hits.append(Hit(unit, float(score or 0), highlight(unit.title, terms), _snippet(unit, terms)))
    return done()


# Conditions ------------------------------------------------------------------------------------------------------


def _filters(request: SearchRequest) -> Q:
    q = Q()
    if request.fonds:
        ids = list(Fonds.objects.filter(code__iexact=request.fonds).values_list("pk", flat=True))
        q &= Q(fonds_id__in=ids) if ids else Q(pk__in=[])
    if request.category:
        ids = list(RecordCategory.objects.filter(code__iexact=request.category).values_list("pk", flat=True))
        q &= Q(category_id__in=ids) if ids else Q(pk__in=[])
    for name in CHOICES:
        if value := getattr(request, name):
            q &= Q(**{name: value})
    if request.year_from is not None:
        q &= Q(year__gte=request.year_from)
    if request.year_to is not None:
        q &= Q(year__lte=request.year_to)
    return q


def _date_condition(date_range: Any) -> Q:
    """A unit with a date is compared by date; one with only a 年度 by year."""
    q = Q()
    if date_range.start is not None:
        q &= Q(date__gte=date_range.start) | Q(date__isnull=True, year__gte=date_range.start.year)
    if date_range.end is not None:
        q &= Q(date__lte=date_range.end) | Q(date__isnull=True, year__lte=date_range.end.year)
    return q


def _compile_where(conditions: Q) -> tuple[str, list[Any]]:
    """The WHERE clause the ORM would write for ``conditions`` on catalog_archivalunit (policy included)."""
    query = ArchivalUnit.objects.filter(conditions).query
    compiler = query.get_compiler(connection=connection)
    joined = {alias for alias, refs in query.alias_refcount.items() if refs} - {"catalog_archivalunit"}
    if joined:
        raise ValueError(f"search conditions must stay on catalog_archivalunit: {sorted(joined)}")
    try:
        sql, params = query.where.as_sql(compiler, connection)
    except FullResultSet:
        return "", []
    return sql, list(params)


# Facets ----------------------------------------------------------------------------------------------------------


def _facets(groups: list[tuple]) -> dict[str, list[FacetValue]]:
    counters: dict[str, Counter] = {name: Counter() for name in FACETS}
    years: Counter = Counter()
    for fonds_id, category_id, retention, classification, openness, level, year, count in groups:
        counters["fonds"][fonds_id] += count
        if category_id is not None:
            counters["category"][category_id] += count
        if retention:
            counters["retention"][retention] += count
        counters["classification"][classification] += count
        counters["openness"][openness] += count
        counters["level"][level] += count
        if year is not None:
            years[year] += count
    out: dict[str, list[FacetValue]] = {}
    fonds = {f.pk: f for f in Fonds.objects.filter(pk__in=list(counters["fonds"]))}
    out["fonds"] = sorted(
        (
            FacetValue(fonds[k].code, f"{fonds[k].code} {fonds[k].name}", n)
            for k, n in counters["fonds"].items()
            if k in fonds  # an index row written before migration 0003 has no fonds yet
        ),
        key=lambda v: (-v.count, v.value),
    )
    categories = {c.pk: c for c in RecordCategory.objects.filter(pk__in=list(counters["category"]))}
    out["category"] = sorted(
        (
            FacetValue(categories[k].code, categories[k].name, n)
            for k, n in counters["category"].items()
            if k in categories
        ),
        key=lambda v: (-v.count, v.value),
    )
    for name, choices in CHOICES.items():
        order = list(choices.values)
        labels = dict(choices.choices)
        out[name] = [
            FacetValue(v, str(labels.get(v, v)), counters[name][v])
            for v in sorted(counters[name], key=lambda v: order.index(v) if v in order else len(order))
        ]
    out["year"] = _year_buckets(years)
    return out


def _year_buckets(years: Counter) -> list[FacetValue]:
    """Single years when they span at most 20 years, decades otherwise; value ``1930-1939`` or ``1935``."""
    if not years:
        return []
    if max(years) - min(years) < 20:
        return [FacetValue(str(y), _("%(year)s年") % {"year": y}, years[y]) for y in sorted(years)]
    decades: Counter = Counter()
    for y, n in years.items():
        decades[y // 10 * 10] += n
    return [FacetValue(f"{d}-{d + 9}", _("%(decade)s年代") % {"decade": d}, decades[d]) for d in sorted(decades)]


# Highlighting ----------------------------------------------------------------------------------------------------


def _positive_terms(node: Any) -> list[tuple[str | None, str]]:
    """(field, normalised text) of the terms a hit matched: all but those under a NOT."""
    from .analysis import normalize
    from .query import And, Not, Or, Term

    out: list[tuple[str | None, str]] = []

    def walk(n: Any) -> None:
        if isinstance(n, Term):
            text = normalize(n.text)
            if text:
                out.append((n.field, text))
        elif isinstance(n, And | Or):
            for p in n.parts:
                walk(p)
        elif isinstance(n, Not):
            return

    if node is not None:
        walk(node)
    return out


def _normalized_chars(text: str) -> str:
    """The normalised text, one character for each character of ``text`` (so spans map back)."""
    from .analysis import normalize

    whole = normalize(text)
    if len(whole) == len(text):
        return whole
    return "".join((normalize(c) or " ")[:1] for c in text)


def _spans(text: str, terms: list[tuple[str | None, str]], field_name: str) -> list[tuple[int, int]]:
    folded = _normalized_chars(text)
    spans: list[tuple[int, int]] = []
    for fld, term in terms:
        if fld not in (None, field_name):
            continue
        for needle in {term, *term.split()}:
            if not needle:
                continue
            start = folded.find(needle)
            while start != -1:
                spans.append((start, start + len(needle)))
                start = folded.find(needle, start + len(needle))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def highlight(text: str, terms: list[tuple[str | None, str]], field_name: str = "title") -> SafeString:
    """``text`` HTML-escaped, with <mark> around the matched words and substrings."""
    out, last = [], 0
    for s, e in _spans(text, terms, field_name):
        out.append(html.escape(text[last:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        last = e
    out.append(html.escape(text[last:]))
    return mark_safe("".join(out))  # every piece above is escaped


SNIPPET_FIELDS = (
    ("body", "notes"),
    ("body", "remarks"),
    ("responsible", "responsible"),
    ("document_number", "document_number"),
    ("reference_code", "reference_code"),
)
SNIPPET_CHARS = 80


def _snippet(unit: ArchivalUnit, terms: list[tuple[str | None, str]]) -> SafeString:
    """A window of the first described field (附注, 备注, 责任者 …) that holds a match, else the start of 附注."""
    for field_name, attr in SNIPPET_FIELDS:
        text = getattr(unit, attr) or ""
        if not text:
            continue
        spans = _spans(text, terms, field_name)
        if spans:
            start = max(0, spans[0][0] - SNIPPET_CHARS // 3)
            end = min(len(text), start + SNIPPET_CHARS)
            piece = text[start:end]
            shown = highlight(piece, terms, field_name)
            return mark_safe(("…" if start else "") + shown + ("…" if end < len(text) else ""))
    text = unit.notes or unit.remarks or ""
    if not text:
        return mark_safe("")
    piece = text[:SNIPPET_CHARS]
    return mark_safe(html.escape(piece) + ("…" if len(text) > SNIPPET_CHARS else ""))


# Description -----------------------------------------------------------------------------------------------------


def _describe(parsed: Any, request: SearchRequest) -> str:
    """The query as the parser describes it, then the filters with their Chinese labels."""
    from .query import describe

    parts = [text] if (text := describe(parsed)) else []
    for name, label in (
        ("fonds", _("全宗")),
        ("category", _("门类")),
        ("retention", _("保管期限")),
        ("classification", _("密级")),
        ("openness", _("开放状态")),
        ("level", _("层级")),
    ):
        if value := getattr(request, name):
            choices = CHOICES.get(name)
            shown = str(choices(value).label) if choices and value in choices.values else value
            parts.append(f"{label}：{shown}")
    if request.year_from is not None or request.year_to is not None:
        parts.append(f"{_('年度')} {request.year_from or '…'}—{request.year_to or '…'}")
    return "；".join(parts) if parts else _("全部")
