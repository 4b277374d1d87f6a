"""Part themes, reading: what a theme holds for a viewer — its members (saved queries ∪ picks − exclusions, then
``catalog.policy`` for the viewer, always), their facets from the authority records and subjects, the timeline, the
counts per county of the map, the cover and thumbnails. Nothing here writes (actions/themes.py does); every count
counts only the members the viewer may see."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from dangan.catalog.choices import AuthorityKind, DatePrecision
from dangan.catalog.models import ArchivalUnit, Authority, Fonds, RecordCategory, Subject, UnitAuthority
from dangan.catalog.policy import can_view_unit_files, files_hidden, sees_unit_files, visibility_rule, visible_units
from dangan.outreach.models import Theme, ThemeQuery, ThemeSection, ThemeStatus, ThemeUnit

__all__ = [
    "FACET_KINDS",
    "Facet",
    "FacetValue",
    "QueryProblem",
    "TimelineMonth",
    "TimelineYear",
    "counts_by_theme",
    "county_counts",
    "cover_url",
    "facets",
    "filter_members",
    "member_ids",
    "members",
    "published_themes",
    "query_ids",
    "thumbnail_url",
    "timeline",
    "units_with_ids",
]

FACET_KINDS = (AuthorityKind.PERSON, AuthorityKind.ORGANIZATION, AuthorityKind.PLACE, AuthorityKind.EVENT)
FACET_LIMIT = 30
THUMBNAIL = "!200,200"
COVER = "!800,450"


class QueryProblem(ValueError):
    """A saved query the search cannot read (its message is the parser's, in Chinese)."""


def published_themes() -> QuerySet[Theme]:
    return Theme.objects.filter(status=ThemeStatus.PUBLISHED).order_by("order", "title")


# ---------------------------------------------------------------- membership


def query_ids(
    viewer: Any,
    q: str,
    *,
    fonds: str = "",
    category: str = "",
    year_from: int | None = None,
    year_to: int | None = None,
) -> np.ndarray:
    """The ids of every unit ``viewer`` may see that the query (the search's language, ``dangan.search.query``)
    and the filters find — all of them, unpaged, read from the search's index as the search itself reads it.
    Raises QueryProblem for a query the parser refuses."""
    from dangan.search import columns
    from dangan.search.backends import get_backend
    from dangan.search.backends.base import Unsupported
    from dangan.search.query import QuerySyntaxError, parse_query

    empty = np.zeros(0, dtype=np.int64)
    try:
        parsed = parse_query(q or "")
    except QuerySyntaxError as exc:
        raise QueryProblem(exc.message) from exc
    rule = visibility_rule(viewer)
    if rule.nothing:
        return empty
    root = parsed.root
    if root is None and not (fonds or category or year_from or year_to or parsed.date_range):
        return empty  # an empty query is not "everything"
    cols = columns.current()
    if root is None:
        matched = np.flatnonzero(cols.fonds).astype(np.int64)
    else:
        backend = get_backend()
        fulltext = sees_unit_files(viewer)
        if fulltext:
            backend.hide_fulltext(files_hidden(viewer))
        try:
            found = backend.match(root, cols, fulltext=fulltext)
        except Unsupported as exc:
            raise QueryProblem(_("“非”条件需要与至少一个肯定的检索词一起使用，例如：扶贫 -疫情")) from exc
        if found is None:
            return empty
        matched = found
    ids = cols.visible(matched, rule)
    filters: dict[str, Any] = {"year_from": year_from, "year_to": year_to}
    if fonds:
        filters["fonds"] = list(Fonds.objects.filter(code__iexact=fonds).values_list("pk", flat=True))
    if category:
        filters["categories"] = list(RecordCategory.objects.filter(code__iexact=category).values_list("pk", flat=True))
    if parsed.date_range is not None:
        filters["date_from"], filters["date_to"] = parsed.date_range.start, parsed.date_range.end
    return np.asarray(cols.filtered(ids, **filters), dtype=np.int64)


def _saved_query_ids(viewer: Any, saved: ThemeQuery) -> np.ndarray:
    try:
        return query_ids(
            viewer,
            saved.query,
            fonds=saved.fonds,
            category=saved.category,
            year_from=saved.year_from,
            year_to=saved.year_to,
        )
    except QueryProblem:
        return np.zeros(0, dtype=np.int64)  # the editor sees the message on the editing page


def member_ids(viewer: Any, theme: Theme, section: ThemeSection | None = None) -> list[int]:
    """The candidate ids (before the policy's SQL check): the theme's (or the section's) queries' hits and picks,
    less the theme's exclusions. The theme itself holds its own and every section's."""
    queries = ThemeQuery.objects.filter(theme=theme)
    picks = ThemeUnit.objects.filter(theme=theme, excluded=False)
    if section is not None:
        queries, picks = queries.filter(section=section), picks.filter(section=section)
    found: set[int] = set(picks.values_list("unit_id", flat=True))
    for saved in queries:
        found.update(int(i) for i in _saved_query_ids(viewer, saved))
    excluded = set(ThemeUnit.objects.filter(theme=theme, excluded=True).values_list("unit_id", flat=True))
    return sorted(found - excluded)


# Up to this many ids go into SQL as parameters; more (a common word's hits) as one JSON array the database
# unpacks, so that no statement passes SQLite's limit on parameters.
INLINE_IDS = 5_000


def units_with_ids(ids: list[int]) -> QuerySet[ArchivalUnit]:
    """ArchivalUnit rows with these ids, whatever their number."""
    if len(ids) <= INLINE_IDS:
        return ArchivalUnit.objects.filter(pk__in=ids)
    array = json.dumps(ids)
    if connection.vendor == "postgresql":
        unpacked = RawSQL("SELECT (jsonb_array_elements_text(%s::jsonb))::bigint", [array])
    else:
        unpacked = RawSQL("SELECT value FROM json_each(%s)", [array])
    return ArchivalUnit.objects.filter(pk__in=unpacked)


def members(viewer: Any, theme: Theme, section: ThemeSection | None = None) -> QuerySet[ArchivalUnit]:
    """The units of the theme (or a section) that ``viewer`` may see: always through ``catalog.policy``."""
    return visible_units(viewer, units_with_ids(member_ids(viewer, theme, section)))


def filter_members(
    viewer: Any, units: QuerySet[ArchivalUnit], *, q: str = "", authority: str = "", subject: str = "", county: str = ""
) -> QuerySet[ArchivalUnit]:
    """``units`` narrowed by a search within the theme (``q``: QueryProblem for a bad one), an authority's UUID, a
    subject term, a county's code."""
    if q:
        units = units.filter(pk__in=units_with_ids([int(i) for i in query_ids(viewer, q)]).values("pk"))
    if authority:
        units = units.filter(authority_links__authority__uuid=authority) if _is_uuid(authority) else units.none()
    if subject:
        units = units.filter(subjects__term=subject)
    if county:
        units = units.filter(
            authority_links__authority__kind=AuthorityKind.PLACE,
            authority_links__authority__county__adcode=county,
        )
    return units.distinct()


def _is_uuid(value: str) -> bool:
    from dangan.utilities.text import is_uuid

    return is_uuid(value)


# ---------------------------------------------------------------- facets


@dataclass
class FacetValue:
    key: str  # what the filter takes: an authority's UUID, a subject term
    label: str
    count: int


@dataclass
class Facet:
    name: str  # person, organization, place, event, subject
    label: str
    param: str  # the query parameter: authority or subject
    values: list[FacetValue] = field(default_factory=list)


def facets(units: QuerySet[ArchivalUnit], limit: int = FACET_LIMIT) -> list[Facet]:
    """The people, organizations, places, events and subjects of ``units`` (already the visible members), each with
    the number of those units it describes, most first."""
    ids = units.order_by().values("pk")
    rows = (
        UnitAuthority.objects.filter(unit__in=ids, authority__kind__in=FACET_KINDS)
        .values("authority_id")
        .annotate(n=Count("unit_id", distinct=True))
    )
    counts = {row["authority_id"]: row["n"] for row in rows}
    authorities = Authority.objects.in_bulk(list(counts))
    by_kind: dict[str, list[FacetValue]] = defaultdict(list)
    for pk, n in counts.items():
        a = authorities[pk]
        by_kind[a.kind].append(FacetValue(str(a.uuid), a.name, n))
    out = []
    for kind in FACET_KINDS:
        values = sorted(by_kind.get(kind, []), key=lambda v: (-v.count, v.label))[:limit]
        out.append(Facet(str(kind), str(AuthorityKind(kind).label), "authority", values))
    subject_rows = Subject.objects.filter(units__in=ids).values("term").annotate(n=Count("units", distinct=True))
    subjects = sorted(
        (FacetValue(r["term"], r["term"], r["n"]) for r in subject_rows), key=lambda v: (-v.count, v.label)
    )
    out.append(Facet("subject", _("主题词"), "subject", subjects[:limit]))
    return [f for f in out if f.values]


# ---------------------------------------------------------------- timeline


@dataclass
class TimelineMonth:
    month: int | None  # None: known to the year only
    units: list[ArchivalUnit]
    count: int


@dataclass
class TimelineYear:
    year: int
    count: int
    months: list[TimelineMonth]
    milestones: list[Any]


TIMELINE_PER_MONTH = 20


def timeline(units: QuerySet[ArchivalUnit], theme: Theme) -> tuple[list[TimelineYear], int]:
    """The members by year and month (their date, else their 年度), the editor's milestones beside; and how many
    members have no date at all."""
    rows = list(
        units.order_by("date", "year", "pk").only(
            "pk", "uuid", "title", "reference_code", "date", "date_precision", "year"
        )
    )
    grouped: dict[int, dict[int | None, list[ArchivalUnit]]] = defaultdict(lambda: defaultdict(list))
    undated = 0
    for unit in rows:
        if unit.date is not None:
            month = None if unit.date_precision == DatePrecision.YEAR else unit.date.month
            grouped[unit.date.year][month].append(unit)
        elif unit.year:
            grouped[unit.year][None].append(unit)
        else:
            undated += 1
    milestones: dict[int, list[Any]] = defaultdict(list)
    for m in theme.milestones.all():
        milestones[m.date.year].append(m)
    years = []
    for year in sorted(set(grouped) | set(milestones)):
        months = [
            TimelineMonth(month, found[:TIMELINE_PER_MONTH], len(found))
            for month, found in sorted(grouped[year].items(), key=lambda kv: (kv[0] is not None, kv[0] or 0))
        ]
        years.append(TimelineYear(year, sum(m.count for m in months), months, milestones.get(year, [])))
    return years, undated


# ---------------------------------------------------------------- the map


def county_counts(units: QuerySet[ArchivalUnit]) -> dict[str, int]:
    """adcode → how many of ``units`` (the visible members) are linked to a place in that county."""
    ids = units.order_by().values("pk")
    rows = (
        UnitAuthority.objects.filter(unit__in=ids, authority__kind=AuthorityKind.PLACE)
        .exclude(authority__county__adcode="")
        .filter(authority__county__isnull=False)
        .values("authority__county__adcode")
        .annotate(n=Count("unit_id", distinct=True))
    )
    return {row["authority__county__adcode"]: row["n"] for row in rows}


# ---------------------------------------------------------------- images


def _first_image(unit: ArchivalUnit) -> str:
    from dangan.digitization.pages import master_files
    from dangan.preservation.iiif import image_id, is_image

    for file in master_files(unit):
        if is_image(file):
            return image_id(file)
    return ""


def thumbnail_url(viewer: Any, unit: ArchivalUnit, size: str = THUMBNAIL) -> str:
    """The IIIF URL of the first page image of ``unit`` when ``viewer`` may see its files, else ""."""
    from dangan.preservation.iiif import image_base_url

    if not can_view_unit_files(viewer, unit):
        return ""
    found = _first_image(unit)
    return f"{image_base_url(found)}/full/{size}/0/default.jpg" if found else ""


def cover_url(viewer: Any, theme: Theme) -> str:
    """The cover's IIIF URL: the image id set on the theme, else the cover unit's first image — each only when the
    viewer may see the files of the unit it belongs to."""
    from dangan.preservation.iiif import find_image, image_base_url

    if theme.cover_image:
        file = find_image(theme.cover_image)
        unit = getattr(getattr(file, "package", None), "unit", None) if file is not None else None
        if unit is not None and can_view_unit_files(viewer, unit):
            return f"{image_base_url(theme.cover_image)}/full/{COVER}/0/default.jpg"
        return ""
    if theme.cover_unit is not None:
        return thumbnail_url(viewer, theme.cover_unit, COVER)
    return ""


def counts_by_theme(viewer: Any, themes: list[Theme]) -> dict[int, int]:
    return {t.pk: members(viewer, t).count() for t in themes}
