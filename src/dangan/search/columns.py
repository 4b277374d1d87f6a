"""The index table's filter columns held in memory: one numpy array per column, indexed by unit id.

A common word can match a seventh of a million-unit catalog. Joining every match to its filter columns to count
facets, and asking the engine to score every match, costs a second on either engine (bench/RESULTS.md); the same
work over arrays costs a few milliseconds. The engine answers which units match; these arrays answer which of
them the person may see, which pass the filters, the total, every facet count, and the date order.

Staying current: every index write raises ``IndexState.generation`` in its own transaction and stamps its rows
with it (``seq``). Writers hold the state row until they commit, so generations commit in order, and a process
whose arrays are at generation G catches up by loading the rows with ``seq > G`` (one indexed query). A search
made inside an open transaction (tests, a request that writes) reads a private copy, so that uncommitted rows
never enter the shared one. Rows of deleted units stay in the arrays harmlessly: the engine no longer returns
them.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection

from dangan.catalog.choices import Openness, RetentionPeriod, SecurityClassification, UnitLevel
from dangan.catalog.policy import VisibilityRule

from .backends.base import INDEX_TABLE, STATE_TABLE

# Choice columns as small codes (0: empty or unknown), in the order of the catalog's choices.
CHOICES: dict[str, list[str]] = {
    "retention": list(RetentionPeriod.values),
    "classification": list(SecurityClassification.values),
    "openness": list(Openness.values),
    "level": list(UnitLevel.values),
}
NO_DATE = np.iinfo(np.int32).min
_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()
_LOAD_CHUNK = 100_000


def code(column: str, value: str) -> int:
    values = CHOICES[column]
    return values.index(value) + 1 if value in values else 0


def _allowed(column: str, values: Iterable[str]) -> np.ndarray:
    """A lookup table: code → whether its value is among ``values``."""
    table = np.zeros(256, dtype=bool)
    table[[code(column, v) for v in values]] = True
    table[0] = False
    return table


def day(value: dt.date) -> int:
    """Days since 1970-01-01, as the date column stores them."""
    return value.toordinal() - _EPOCH_DAY


def _select(where: str) -> str:
    cases = ", ".join(
        "CASE {col} {whens} ELSE 0 END".format(
            col=col, whens=" ".join(f"WHEN '{v}' THEN {n}" for n, v in enumerate(values, 1))
        )
        for col, values in CHOICES.items()
    )
    if connection.vendor == "postgresql":
        date = f"COALESCE(date - DATE '1970-01-01', {NO_DATE})"
    else:
        date = f"COALESCE(CAST(julianday(date) - 2440587.5 AS INTEGER), {NO_DATE})"
    return (
        f"SELECT unit_id, fonds_id, COALESCE(category_id, 0), {cases}, COALESCE(year, 0), {date}, title_length, seq "
        f"FROM {INDEX_TABLE}{where}"
    )


# unit_id, then the columns below, in this order (seq last)
_FIELDS = (
    "fonds",
    "category",
    "retention",
    "classification",
    "openness",
    "level",
    "year",
    "date",
    "title_length",
    "seq",
)
_DTYPES = (np.int32, np.int32, np.uint8, np.uint8, np.uint8, np.uint8, np.int16, np.int32, np.int32, np.int64)


class Columns:
    """The arrays, and the generation they reflect."""

    def __init__(self, epoch: str = "", generation: int = 0) -> None:
        self.epoch = epoch
        self.generation = generation
        self.size = 0
        for name, dtype in zip(_FIELDS, _DTYPES, strict=True):
            setattr(self, name, np.zeros(0, dtype=dtype))
        self.fonds: np.ndarray
        self.category: np.ndarray
        self.retention: np.ndarray
        self.classification: np.ndarray
        self.openness: np.ndarray
        self.level: np.ndarray
        self.year: np.ndarray
        self.date: np.ndarray
        self.title_length: np.ndarray
        self.seq: np.ndarray  # the generation that wrote each row

    def _grow(self, max_id: int) -> None:
        if max_id < self.size:
            return
        size = max(max_id + 1, int(self.size * 1.25) + 1024)
        for name in _FIELDS:
            old = getattr(self, name)
            new = np.zeros(size, dtype=old.dtype)
            if name == "date":
                new[:] = NO_DATE
            new[: len(old)] = old
            setattr(self, name, new)
        self.size = size

    def apply(self, rows: Sequence[Sequence[int]]) -> int:
        """Write rows as ``_select`` reads them; returns the highest seq among them."""
        if not rows:
            return 0
        data = np.asarray(rows, dtype=np.int64)
        ids = data[:, 0]
        self._grow(int(ids.max()))
        for n, name in enumerate(_FIELDS, 1):
            getattr(self, name)[ids] = data[:, n]
        return int(data[:, -1].max())

    def changed_since(self, generation: int) -> np.ndarray:
        """The ids whose index rows were written after ``generation`` (ascending)."""
        return np.flatnonzero(self.seq > generation).astype(np.int64)

    # Questions ---------------------------------------------------------------------------------------------------

    def known(self, ids: np.ndarray) -> np.ndarray:
        """Ids within the arrays (a row committed after the last refresh is not, until the next search)."""
        return ids[ids < self.size]

    def visible(self, ids: np.ndarray, rule: VisibilityRule) -> np.ndarray:
        ids = self.known(ids)
        if rule.nothing:
            return ids[:0]
        indexed = self.fonds[ids] != 0  # indexed at all
        keep = indexed.copy()
        if not rule.everything:
            keep &= _allowed("classification", rule.classifications)[self.classification[ids]]
        if rule.openness is not None:
            keep &= _allowed("openness", rule.openness)[self.openness[ids]]
        if rule.granted:
            # A reader's grants: those units too, when 公开 (a grant widens openness, never 密级).
            granted = np.isin(ids, np.fromiter(rule.granted, dtype=np.int64, count=len(rule.granted)))
            public = _allowed("classification", (SecurityClassification.PUBLIC.value,))[self.classification[ids]]
            keep |= indexed & granted & public
        return ids[keep]

    def filtered(
        self,
        ids: np.ndarray,
        *,
        fonds: Iterable[int] | None = None,
        categories: Iterable[int] | None = None,
        choices: dict[str, str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
    ) -> np.ndarray:
        keep = np.ones(len(ids), dtype=bool)
        if fonds is not None:
            keep &= np.isin(self.fonds[ids], list(fonds))
        if categories is not None:
            keep &= np.isin(self.category[ids], list(categories))
        for column, value in (choices or {}).items():
            keep &= getattr(self, column)[ids] == code(column, value)
        years = self.year[ids]
        if year_from is not None:
            keep &= (years != 0) & (years >= year_from)
        if year_to is not None:
            keep &= (years != 0) & (years <= year_to)
        if date_from is not None or date_to is not None:
            # A unit with a date is compared by date; one with only a 年度 by year.
            dates = self.date[ids]
            dated = dates != NO_DATE
            if date_from is not None:
                keep &= np.where(dated, dates >= day(date_from), (years != 0) & (years >= date_from.year))
            if date_to is not None:
                keep &= np.where(dated, dates <= day(date_to), (years != 0) & (years <= date_to.year))
        return ids[keep]

    def counts(self, column: str, ids: np.ndarray) -> dict[int, int]:
        """Value → number of ``ids`` with it (0, the empty value, left out)."""
        values = getattr(self, column)[ids].astype(np.int64)
        if column == "year":
            values = values[values != 0]
            if not len(values):
                return {}
            low = int(values.min())
            found = np.bincount(values - low)
            return {int(v) + low: int(n) for v, n in enumerate(found) if n}
        found = np.bincount(values)
        return {v: int(n) for v, n in enumerate(found) if n and v}

    def by_date(self, ids: np.ndarray, *, descending: bool) -> np.ndarray:
        """``ids`` by date (undated last), then by id."""
        dates = self.date[ids].astype(np.int64)
        undated = dates == NO_DATE
        if descending:
            return ids[np.lexsort((-ids, -dates, undated))]
        return ids[np.lexsort((ids, dates, undated))]

    def best_by_title(self, ids: np.ndarray, first: np.ndarray | None, limit: int) -> np.ndarray:
        """The ``limit`` first of ``ids`` when those in ``first`` come before the others, each part by title
        length, then by id (a partial sort: the rest is never ordered)."""
        tier = np.zeros(len(ids), dtype=np.int64)
        if first is not None:
            member = np.zeros(self.size, dtype=bool)
            member[first[first < self.size]] = True
            tier = (~member[ids]).astype(np.int64)
        key = (tier << 52) | (np.minimum(self.title_length[ids], 4095).astype(np.int64) << 40) | ids
        if limit < len(key):
            key = key[np.argpartition(key, limit)[:limit]]
        key.sort()
        return key & ((1 << 40) - 1)


# The shared copy ---------------------------------------------------------------------------------------------------

_lock = threading.Lock()
_shared: Columns | None = None


@dataclass(frozen=True)
class _State:
    epoch: str
    generation: int
    dictionary_version: int = 0


def _state() -> _State:
    with connection.cursor() as cur:
        cur.execute(f"SELECT epoch, generation, dictionary_version FROM {STATE_TABLE} WHERE id = 1")
        row = cur.fetchone()
    state = _State(row[0], int(row[1]), int(row[2])) if row else _State("", 0)
    # The one query per search also tells whether the users' dictionary changed in another process.
    from .analysis import use_dictionary_version

    use_dictionary_version(state.dictionary_version)
    return state


def _load(columns: Columns, since: int | None) -> int:
    where = "" if since is None else " WHERE seq > %s"
    params = [] if since is None else [since]
    highest = 0
    with connection.cursor() as cur:
        cur.execute(_select(where), params)
        while rows := cur.fetchmany(_LOAD_CHUNK):
            highest = max(highest, columns.apply(rows))
    return highest


def current() -> Columns:
    """The columns as of the last committed index write (inside a transaction: as this transaction sees them)."""
    global _shared
    if connection.in_atomic_block:
        private = Columns()
        _load(private, None)
        return private
    state = _state()
    with _lock:
        shared = _shared
        if shared is not None and shared.epoch == state.epoch and shared.generation == state.generation:
            return shared
        if shared is None or shared.epoch != state.epoch or state.generation < shared.generation:
            shared = Columns(state.epoch)
            since = None
        else:
            since = shared.generation
        highest = _load(shared, since)
        shared.generation = max(state.generation, highest)
        _shared = shared
        return shared


def follow_dictionary() -> None:
    """Reload this process's segmenter if the users' dictionary changed elsewhere (before an index write)."""
    _state()


def reset() -> None:
    """Forget the shared copy (the next search loads it again)."""
    global _shared
    with _lock:
        _shared = None


def next_generation() -> int:
    """Raise the generation for a write in the current transaction (the row stays locked until it commits)."""
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {STATE_TABLE} SET generation = generation + 1 WHERE id = 1 RETURNING generation")
        row = cur.fetchone()
        if row:
            return int(row[0])
        cur.execute(
            f"INSERT INTO {STATE_TABLE} (id, generation, epoch, dictionary_version) VALUES (1, 1, %s, 0)",
            [uuid.uuid4().hex],
        )
        return 1
