"""The index contract: a registry of index sources (catalog units now; OCR text, transcriptions, exhibitions later)
and the analysed document every backend stores — the same tokens for SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

# The searchable fields of a document, in the order the backends lay out their columns. ``body`` is free text
# (附注/备注) that no field filter names; the other names are the query language's field names.
FIELDS = ("title", "responsible", "reference_code", "document_number", "subjects", "body")
QUERY_FIELDS = FIELDS[:-1]

# A stored token is a run of letters/digits: what FTS5's unicode61 tokenizer and a tsvector literal both keep as
# one token, so that the two engines see exactly the same tokens.
_TOKEN = re.compile(r"[^\W_]+")


def tokens(joined: str | Iterable[str]) -> list[str]:
    """Analyzer output (space-joined or a list) reduced to the tokens both engines store."""
    text = joined if isinstance(joined, str) else " ".join(joined)
    return _TOKEN.findall(text.lower())


@dataclass
class Document:
    """One analysed document: per field, its words in text order and its character n-grams (the analyser's own
    tuples, shared with its caches: read them, never change them)."""

    id: int
    content_hash: str
    words: dict[str, Sequence[str]] = field(default_factory=dict)
    ngrams: dict[str, Sequence[str]] = field(default_factory=dict)
    attrs: tuple = ()  # the filter columns, in ATTRIBUTES order
    title_length: int = 0

    def attribute_values(self) -> tuple:
        return self.attrs or (0, None, "", "", "", "", None, None, None)


# The filter columns copied into the index table (same names as on catalog_archivalunit).
ATTRIBUTES = (
    "fonds_id",
    "category_id",
    "retention",
    "classification",
    "openness",
    "level",
    "year",
    "date",
    "reference_code",
)


@dataclass(frozen=True)
class IndexSource:
    """What an app registers: how to list and load its documents' texts by id.

    ``load(ids)`` returns ``{id: {field: text, …, "attrs": (filter column values in ATTRIBUTES order)}}`` for the
    ids that still exist; ``ids()`` yields every id in ascending order (for reindex and check).
    """

    name: str
    fields: tuple[str, ...]
    load: Callable[[list[int]], dict[int, dict[str, Any]]]
    ids: Callable[[], Iterator[int]]


class Registry:
    def __init__(self) -> None:
        self._sources: dict[str, IndexSource] = {}

    def register(self, source: IndexSource) -> IndexSource:
        self._sources[source.name] = source
        return source

    def get(self, name: str) -> IndexSource:
        return self._sources[name]

    def __iter__(self) -> Iterator[IndexSource]:
        return iter(self._sources.values())

    def __contains__(self, name: str) -> bool:
        return name in self._sources


registry = Registry()

UNITS = "catalog.unit"


def content_hash(texts: dict[str, Any]) -> str:
    """A short hash of a document's source texts, filter columns and the analyzer version: what ``check``
    compares."""
    from .analysis import ANALYZER_VERSION

    # One update of the joined bytes: the same digest as one update per part, in a third of the time.
    parts = [ANALYZER_VERSION]
    for name in FIELDS:
        parts.append("\x1f")
        parts.append(texts.get(name) or "")
    parts.append(repr(tuple(map(str, texts.get("attrs", ())))))
    return hashlib.blake2b("".join(parts).encode(), digest_size=8).hexdigest()


def analyse(doc_id: int, texts: dict[str, Any]) -> Document:
    """Run the one analyzer over a document's fields."""
    from .analysis import analysis_of

    title = texts.get("title") or ""
    doc = Document(doc_id, content_hash(texts), attrs=tuple(texts.get("attrs", ())), title_length=len(title))
    words, ngrams = doc.words, doc.ngrams
    for name in FIELDS:
        # The analyzer's words and n-grams are runs of letters and digits already: the tokens both engines keep.
        words[name], ngrams[name] = analysis_of(texts.get(name) or "")
    return doc


def analyse_many(items: list[tuple[int, dict[str, Any]]]) -> list[Document]:
    return [analyse(i, t) for i, t in items]


# Catalog units ---------------------------------------------------------------------------------------------------


def load_units(ids: list[int]) -> dict[int, dict[str, Any]]:
    from dangan.catalog.models import ArchivalUnit

    out: dict[int, dict[str, Any]] = {}
    # Disposed-of units (鉴定销毁) are out of the holdings: left out here, index_units removes their rows.
    units, wanted = _by_ids(ArchivalUnit.objects.filter(disposed=False), "pk", ids)
    rows = units.values_list(
        "id", "title", "responsible", "reference_code", "document_number", "notes", "remarks", *ATTRIBUTES
    )
    for pk, title, responsible, code, number, notes, remarks, *attrs in rows:
        if wanted is not None and pk not in wanted:
            continue
        out[pk] = {
            "attrs": tuple(attrs),
            "title": title or "",
            "responsible": responsible or "",
            "reference_code": code or "",
            "document_number": number or "",
            "subjects": "",
            "body": "\n".join(t for t in (notes, remarks) if t),
        }
    if out:
        through = ArchivalUnit.subjects.through
        subjects: dict[int, list[str]] = {}
        links, wanted = _by_ids(through.objects, "archivalunit_id", list(out))
        for unit_id, term in links.values_list("archivalunit_id", "subject__term"):
            if wanted is not None and unit_id not in wanted:
                continue
            subjects.setdefault(unit_id, []).append(term)
        for unit_id, terms in subjects.items():
            out[unit_id]["subjects"] = " ".join(sorted(terms))
        for unit_id, names in authority_names(list(out)).items():
            # The names (preferred and variant) of the linked authority records are searched as free text, so a
            # unit is found by a person's other names too; the result page says it matched by 规范档案.
            out[unit_id]["body"] = "\n".join(t for t in (out[unit_id]["body"], " ".join(names)) if t)
    return out


def authority_names(unit_ids: list[int]) -> dict[int, list[str]]:
    """unit id → the names of its linked authority records (each record's preferred name, then its variants)."""
    from dangan.catalog.models import UnitAuthority

    found: dict[int, list[str]] = {}
    links, wanted = _by_ids(UnitAuthority.objects, "unit_id", unit_ids)
    rows = links.order_by("unit_id", "authority__name", "authority_id").values_list(
        "unit_id", "authority_id", "authority__name", "authority__variant_names"
    )
    seen: set[tuple[int, int]] = set()
    for unit_id, authority_id, name, variants in rows:
        if (wanted is not None and unit_id not in wanted) or (unit_id, authority_id) in seen:
            continue
        seen.add((unit_id, authority_id))
        found.setdefault(unit_id, []).extend([name, *(v for v in variants or [] if v and v != name)])
    return found


def _by_ids(manager: Any, column: str, ids: list[int]) -> tuple[Any, set[int] | None]:
    """Rows whose ``column`` is one of ``ids``, and the set to keep them by where the query returns more: a
    rebuild's batch of nearly consecutive ids is asked for as a range, which the database plans and binds in a
    fraction of the time of 2,000 parameters."""
    ordered = sorted(set(ids))
    if len(ordered) > 100 and ordered[-1] - ordered[0] < 2 * len(ordered):
        rows = manager.filter(**{f"{column}__gte": ordered[0], f"{column}__lte": ordered[-1]})
        return rows, (None if ordered[-1] - ordered[0] + 1 == len(ordered) else set(ordered))
    return manager.filter(**{f"{column}__in": ordered}), None


def unit_ids() -> Iterator[int]:
    from dangan.catalog.models import ArchivalUnit

    last = 0
    while True:
        batch = list(
            ArchivalUnit.objects.filter(pk__gt=last, disposed=False)
            .order_by("pk")
            .values_list("pk", flat=True)[:10_000]
        )
        if not batch:
            return
        yield from batch
        last = batch[-1]
