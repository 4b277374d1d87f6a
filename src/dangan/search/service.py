"""The search service: one call that the web UI, the API and the CLI share. It parses the query, compiles it for
the engine in use, applies ``catalog.policy`` inside the SQL (hits, snippets and facet counts alike), pages,
counts facets and highlights. Index maintenance (index_units … check_index) lives in ``sync``."""

from __future__ import annotations

import html
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import F
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from dangan.catalog.choices import Openness, RetentionPeriod, SecurityClassification, UnitLevel
from dangan.catalog.filters import UnitFilter
from dangan.catalog.models import ArchivalUnit, Fonds, RecordCategory
from dangan.catalog.policy import files_hidden, sees_unit_files, visibility_rule, visible_units
from dangan.utilities.paging import MAX_PAGE

from . import columns
from .backends import get_backend
from .backends.base import INDEX_TABLE, Unsupported, scored_terms
from .sync import CheckReport, check_index, index_units, reindex_all, remove_units

__all__ = [
    "CheckReport",
    "FacetValue",
    "Hit",
    "MatchedField",
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
            # The query text is the parser's to judge (its own bounds and messages), the order is ``sort`` here.
            errors={k: v for k, v in filters.errors.items() if k not in ("ordering", "q")},
        )
        if r.sort not in SORTS:
            r.errors["sort"] = _("无效的排序：%(value)s") % {"value": r.sort}
            r.sort = "relevance"
        for name, default, upper in (("page", 1, MAX_PAGE), ("size", 20, MAX_SIZE)):
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


@dataclass(frozen=True)
class MatchedField:
    """One described field of a hit that holds a searched term: ``field`` (stable, English), its Chinese ``label``,
    and the matching ``values`` where they are short (the subject terms, the authority names, the 档号 …)."""

    field: str
    label: str
    values: tuple[str, ...] = ()


@dataclass
class Hit:
    unit: ArchivalUnit
    score: float
    title_html: SafeString
    snippet_html: SafeString
    matched: list[MatchedField] = field(default_factory=list)
    # Where the unit's full text (search.fulltext) matched: a window of it around the first match, matches in <mark>.
    fulltext_snippet: SafeString | None = None

    @property
    def matched_elsewhere(self) -> list[MatchedField]:
        """The fields other than the title that hold a searched term: why a hit matched when its title does not
        show it."""
        return [m for m in self.matched if m.field != "title"]


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


# Relevance: the engine finds the matches; up to this many hits are all scored, and beyond it the candidates are the
# hits whose title holds every term (the title tier), shortest title first, then the others — what the score puts
# first — so that a common word's hundred thousand matches are never scored one by one (see
# docs/development/architecture.md, "Search at scale").
CANDIDATES = 200
# Up to this many hits, a 档号 order is sorted from the index table; beyond it, the catalog's 档号 index is walked.
REFERENCE_SORT_FETCH_LIMIT = 50_000


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

    rule = visibility_rule(user)
    if rule.nothing:
        return done()
    backend = get_backend()
    root = parsed.root
    # The full text is the units' content: only those who may see the units' files search it (catalog.policy).
    fulltext = root is not None and sees_unit_files(user) and _fulltext_indexed()
    if fulltext:
        backend.hide_fulltext(files_hidden(user))
    if root is not None:
        try:
            expression = backend.compile(root)
        except Unsupported:
            result.error = _("“非”条件需要与至少一个肯定的检索词一起使用，例如：扶贫 -疫情")
            return done()
        if expression is None and not fulltext:
            return done()
    cols = columns.current()
    if root is None:
        matched = np.flatnonzero(cols.fonds).astype(np.int64)
    else:
        try:
            found = backend.match(root, cols, fulltext=fulltext)
        except Unsupported:
            result.error = _("“非”条件需要与至少一个肯定的检索词一起使用，例如：扶贫 -疫情")
            return done()
        if found is None:
            return done()
        matched = found
    ids = cols.visible(matched, rule)
    filters = _filters(request, parsed.date_range)
    if filters is None:
        return done()
    ids = cols.filtered(ids, **filters)
    result.total = len(ids)
    result.facets = _facets(cols, ids)
    if not result.total:
        return done()

    # One page of ids, then the units.
    sort = request.sort if request.sort in SORTS else "relevance"
    if root is None and sort == "relevance":
        sort = "reference_code"
    offset = (page - 1) * size
    scores: dict[int, float] = {}
    if sort == "relevance":
        assert root is not None
        page_ids, scores = _by_relevance(backend, root, ids, cols, offset, size, fulltext=fulltext)
    elif sort in ("date", "-date"):
        page_ids = [int(i) for i in cols.by_date(ids, descending=sort == "-date")[offset : offset + size]]
    else:
        page_ids = _by_reference_code(ids, cols, offset, size)
    # The units themselves, through the policy once more: the index's copy of 密级/开放 decided the counts, the
    # catalog row decides what is shown.
    units = visible_units(user).select_related("fonds", "category").in_bulk(page_ids)
    terms = _positive_terms(root)
    explained = _explain([units[i] for i in page_ids if i in units], terms)
    in_fulltext = _fulltext_snippets(backend, root, request.q, [i for i in page_ids if i in units]) if fulltext else {}
    for unit_id in page_ids:
        unit = units.get(unit_id)
        if unit is None:
            continue
        why = explained.get(unit_id, [])
        if unit_id in in_fulltext:
            why = [*why, MatchedField("fulltext", _("全文"))]
        result.hits.append(
            Hit(
                unit,
                scores.get(unit_id, 0.0),
                highlight(unit.title, terms),
                _snippet(unit, terms),
                why,
                in_fulltext.get(unit_id),
            )
        )
    return done()


def _fulltext_indexed() -> bool:
    from .models import FullTextEntry

    return FullTextEntry.objects.exists()


def _fulltext_snippets(backend: Any, root: Any, q: str, page_ids: list[int]) -> dict[int, SafeString | None]:
    """Of a page's hits, those whose full text holds a searched term, each with a snippet of it around the first
    match (None when the terms matched only piece by piece, not as written)."""
    from .fulltext import piece_snippet, unit_full_texts

    terms = scored_terms(root)
    held = backend.fulltext_hits(terms, page_ids)
    if not held:
        return {}
    # The index tells which piece (page) of each text holds the first match: only that one is read for the snippet.
    first = backend.first_fulltext_pieces(terms, list(held))
    texts = unit_full_texts([i for i in page_ids if i in held])
    out: dict[int, SafeString | None] = {}
    for unit_id in page_ids:
        if unit_id in held:
            shown = piece_snippet(texts.get(unit_id, ""), first.get(unit_id, 0), q)
            out[unit_id] = mark_safe(shown) if shown else None  # piece_snippet() escapes every piece
    return out


# Conditions ------------------------------------------------------------------------------------------------------


def _filters(request: SearchRequest, date_range: Any) -> dict[str, Any] | None:
    """The request's filters as ``Columns.filtered`` takes them; None when a named fonds or category does not
    exist (nothing can match)."""
    out: dict[str, Any] = {"choices": {name: getattr(request, name) for name in CHOICES if getattr(request, name)}}
    if request.fonds:
        out["fonds"] = list(Fonds.objects.filter(code__iexact=request.fonds).values_list("pk", flat=True))
        if not out["fonds"]:
            return None
    if request.category:
        out["categories"] = list(
            RecordCategory.objects.filter(code__iexact=request.category).values_list("pk", flat=True)
        )
        if not out["categories"]:
            return None
    out["year_from"], out["year_to"] = request.year_from, request.year_to
    if date_range is not None:
        out["date_from"], out["date_to"] = date_range.start, date_range.end
    return out


# Order -----------------------------------------------------------------------------------------------------------


def _by_relevance(
    backend: Any, root: Any, ids: np.ndarray, cols: Any, offset: int, size: int, *, fulltext: bool = False
) -> tuple[list[int], dict[int, float]]:
    wanted = offset + size
    limit = -(-wanted // CANDIDATES) * CANDIDATES  # whole blocks, so that neighbouring pages agree
    if len(ids) <= limit:
        candidates = ids
    else:
        tier = backend.match(root, cols, title_only=True)
        candidates = cols.best_by_title(ids, tier, limit)
    terms = scored_terms(root)
    scores = backend.score(terms, candidates.tolist())
    if fulltext:
        # A term in the full text adds less than the same term in the title (Backend.FULLTEXT_WEIGHT).
        for unit_id, extra in backend.fulltext_scores(terms, candidates.tolist()).items():
            scores[unit_id] = round(scores.get(unit_id, 0.0) + extra, 6)
    ordered = sorted(candidates.tolist(), key=lambda i: (-scores.get(i, 0.0), i))[offset:wanted]
    return ordered, {i: scores.get(i, 0.0) for i in ordered}


def _by_reference_code(ids: np.ndarray, cols: Any, offset: int, size: int) -> list[int]:
    """A page of ``ids`` in 档号 order (units without one last, then by id)."""
    if len(ids) <= REFERENCE_SORT_FETCH_LIMIT:
        codes: list[tuple[bool, str, int]] = []
        values = ids.tolist()
        with connection.cursor() as cur:
            for start in range(0, len(values), 5_000):
                chunk = values[start : start + 5_000]
                cur.execute(
                    f"SELECT unit_id, reference_code FROM {INDEX_TABLE} "
                    f"WHERE unit_id IN ({', '.join('%s' for _ in chunk)})",
                    chunk,
                )
                codes.extend((code is None, code or "", unit_id) for unit_id, code in cur.fetchall())
        codes.sort()
        return [unit_id for _n, _c, unit_id in codes[offset : offset + size]]
    # Many hits: walk the catalog's 档号 index and keep the hits, until the page is full.
    member = np.zeros(cols.size, dtype=bool)
    member[ids] = True
    wanted, found = offset + size, []
    order = ArchivalUnit.objects.order_by(F("reference_code").asc(nulls_last=True), "id").values_list("id", flat=True)
    for unit_id in order.iterator(chunk_size=5_000):
        if unit_id < cols.size and member[unit_id]:
            found.append(unit_id)
            if len(found) >= wanted:
                break
    return found[offset:]


# Facets ----------------------------------------------------------------------------------------------------------


def _facets(cols: Any, ids: np.ndarray) -> dict[str, list[FacetValue]]:
    out: dict[str, list[FacetValue]] = {name: [] for name in FACETS}
    if not len(ids):
        return out
    for name, model in (("fonds", Fonds), ("category", RecordCategory)):
        counts = cols.counts(name, ids)
        labels = _labels(model, list(counts)) if counts else {}
        out[name] = sorted(
            (FacetValue(labels[k][0], labels[k][1], n) for k, n in counts.items() if k in labels),
            key=lambda v: (-v.count, v.value),
        )
    for name, choices in CHOICES.items():
        choice_labels: dict[str, Any] = dict(choices.choices)
        values = list(choices.values)
        counts = cols.counts(name, ids)
        out[name] = [
            FacetValue(values[c - 1], str(choice_labels[values[c - 1]]), counts[c])
            for c in sorted(counts)
            if c <= len(values)
        ]
    out["year"] = _year_buckets(Counter(cols.counts("year", ids)))
    return out


def _labels(model: Any, pks: list[int]) -> dict[int, tuple[str, str]]:
    """pk → (value, label) of fonds (``Z109 脱贫攻坚``) or record categories (``文书``): one small query."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id, code, name FROM {model._meta.db_table} WHERE id IN ({', '.join('%s' for _ in pks)})", pks
        )
        rows = cur.fetchall()
    if model is Fonds:
        return {pk: (code, f"{code} {name}") for pk, code, name in rows}
    return {pk: (code, name) for pk, code, name in rows}


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
    from .query import positive_terms

    return [(term.field, text) for term in positive_terms(node) if (text := normalize(term.text))]


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


# Why a hit matched ---------------------------------------------------------------------------------------------

# The described fields a hit is explained by, in the order shown: (key, the index field a query names, label).
MATCH_FIELDS = (
    ("title", "title", _lazy("题名")),
    ("reference_code", "reference_code", _lazy("档号")),
    ("document_number", "document_number", _lazy("文号")),
    ("responsible", "responsible", _lazy("责任者")),
    ("subjects", "subjects", _lazy("主题词")),
    ("authorities", "body", _lazy("规范档案")),
    ("notes", "body", _lazy("附注")),
    ("remarks", "body", _lazy("备注")),
)
_SHOWN_VALUES = {"reference_code", "document_number", "responsible", "subjects", "authorities"}


def _explain(units: list[ArchivalUnit], terms: list[tuple[str | None, str]]) -> dict[int, list[MatchedField]]:
    """For each unit of a page, the fields that hold one of the searched terms. Two queries for the whole page
    (subject terms, linked authority names), none per hit; the texts are matched as the highlighter matches them."""
    if not units or not terms:
        return {}
    ids = [u.pk for u in units]
    subjects: dict[int, list[str]] = {}
    through = ArchivalUnit.subjects.through
    for unit_id, term in (
        through.objects.filter(archivalunit_id__in=ids).order_by("id").values_list("archivalunit_id", "subject__term")
    ):
        subjects.setdefault(unit_id, []).append(term)
    authorities = _authority_groups(ids) if any(fld in (None, "body") for fld, _t in terms) else {}
    out: dict[int, list[MatchedField]] = {}
    for unit in units:
        found = []
        for key, index_field, label in MATCH_FIELDS:
            wanted: list[tuple[str | None, str]] = [(None, text) for fld, text in terms if fld in (None, index_field)]
            if not wanted:
                continue
            if key == "subjects":
                values = [t for t in subjects.get(unit.pk, []) if _spans(t, wanted, key)]
            elif key == "authorities":
                values = [
                    shown
                    for name, names in authorities.get(unit.pk, [])
                    if (shown := _matched_authority(name, names, wanted, key))
                ]
            else:
                text = getattr(unit, key) or ""
                values = [text] if text and _spans(text, wanted, key) else []
            if values:
                found.append(MatchedField(key, str(label), tuple(values) if key in _SHOWN_VALUES else ()))
        out[unit.pk] = found
    return out


def _matched_authority(name: str, names: list[str], terms: list[tuple[str | None, str]], key: str) -> str:
    """The record's name if one of its names holds a term: 毛泽东, or 毛泽东（毛润之） when a variant matched."""
    hit = next((n for n in names if _spans(n, terms, key)), "")
    if not hit:
        return ""
    return name if hit == name else f"{name}（{hit}）"


def _authority_groups(unit_ids: list[int]) -> dict[int, list[tuple[str, list[str]]]]:
    """unit id → (the record as shown, all its names) for each linked authority record: one query."""
    from dangan.catalog.models import UnitAuthority

    groups: dict[int, list[tuple[str, list[str]]]] = {}
    seen: set[tuple[int, int]] = set()
    rows = (
        UnitAuthority.objects.filter(unit_id__in=unit_ids)
        .order_by("unit_id", "authority__name", "authority_id")
        .values_list("unit_id", "authority_id", "authority__name", "authority__variant_names")
    )
    for unit_id, authority_id, name, variants in rows:
        if (unit_id, authority_id) in seen:
            continue
        seen.add((unit_id, authority_id))
        groups.setdefault(unit_id, []).append((name, [name, *(v for v in variants or [] if v)]))
    return groups


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
