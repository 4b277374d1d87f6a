"""SQLite: an FTS5 table with a words column and a grams column per field, rowid = unit id; bm25 column weights
rank whole-word hits above gram-only hits and the title above the other fields."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction

from ..index import ATTRIBUTES, FIELDS, QUERY_FIELDS, Document
from .base import INDEX_TABLE, Backend, Match

FTS_TABLE = "search_unit_fts"
COLUMNS = [f"{kind}_{name}" for name in FIELDS for kind in ("w", "g")]

# bm25 weights, one per column in COLUMNS order: (words, grams) per field.
WEIGHTS = {
    "title": (10.0, 2.0),
    "responsible": (4.0, 1.0),
    "reference_code": (4.0, 1.0),
    "document_number": (4.0, 1.0),
    "subjects": (4.0, 1.0),
    "body": (2.0, 0.5),
}
_WEIGHT_ARGS = ", ".join(str(WEIGHTS[name][i]) for name in FIELDS for i in (0, 1))

CREATE_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    + ", ".join(COLUMNS)
    + ", tokenize = 'unicode61 remove_diacritics 0', detail = full)"
)


def _sqlite_attrs(attrs: tuple) -> tuple:
    # Dates as Django stores them on SQLite (ISO text), so that the ORM's date conditions compare alike.
    return tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in attrs)


class SQLiteBackend(Backend):
    vendor = "sqlite"

    @staticmethod
    def prepare(docs: Sequence[Document], analyzer_version: str) -> list[tuple]:
        """Rows ready to write (pure: runs in the analysis workers too)."""
        return [
            (
                d.id,
                *(" ".join((d.words if c[0] == "w" else d.grams).get(c[2:], ())) for c in COLUMNS),
                analyzer_version,
                d.content_hash,
                *_sqlite_attrs(d.attribute_values()),
            )
            for d in docs
        ]

    def write_prepared(self, rows: Sequence[tuple], *, fresh: bool = False) -> None:
        if not rows:
            return
        if fresh:
            # A rebuild into an empty index has nothing to replace; should a unit saved meanwhile be there
            # already, the batch is written again the careful way.
            try:
                with transaction.atomic():
                    self._insert(rows)
                return
            except IntegrityError:
                pass
        ids = [r[0] for r in rows]
        with connection.cursor() as cur:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cur.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({', '.join('%s' for _ in chunk)})", chunk)
        self._insert(rows)

    def _insert(self, rows: Sequence[tuple]) -> None:
        n = len(COLUMNS) + 1
        marks = ", ".join("?" for _ in COLUMNS)
        with connection.cursor() as cur:
            raw = cur.cursor  # the sqlite3 cursor: executemany without Django's per-row formatting
            raw.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(COLUMNS)}) VALUES (?, {marks})", [r[:n] for r in rows]
            )
            raw.executemany(
                f"INSERT OR REPLACE INTO {INDEX_TABLE} (unit_id, analyzer_version, content_hash, "
                f"{', '.join(ATTRIBUTES)}) VALUES (?, ?, ?, {', '.join('?' for _ in ATTRIBUTES)})",
                [(r[0], *r[n:]) for r in rows],
            )

    def delete(self, ids: Sequence[int]) -> int:
        ids = list(ids)
        with connection.cursor() as cur:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cur.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({', '.join('%s' for _ in chunk)})", chunk)
        return sum(super(SQLiteBackend, self).delete(ids[s : s + 500]) for s in range(0, len(ids), 500))

    def clear(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {FTS_TABLE}")
            cur.execute(f"DELETE FROM {INDEX_TABLE}")

    def phrase(self, toks: list[str], field: str | None, *, grams: bool) -> str:
        kind = "g" if grams else "w"
        names = [field] if field else list(FIELDS)
        assert all(n in FIELDS for n in names) and (field is None or field in QUERY_FIELDS)
        columns = " ".join(f"{kind}_{n}" for n in names)
        # Tokens are letters and digits only (index.tokens), so quoting needs no escaping.
        return "{" + columns + '} : "' + " ".join(toks) + '"'

    def or_(self, parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(f"({p})" for p in parts) + ")"

    def and_not(self, positive: list[str], negative: list[str]) -> str:
        expr = "(" + " AND ".join(f"({p})" for p in positive) + ")"
        for n in negative:
            expr = f"({expr} NOT ({n}))"
        return expr

    def match(self, expression: str, rank_expression: str | None = None) -> Match:
        return Match(
            join=f"{FTS_TABLE} JOIN {INDEX_TABLE} AS catalog_archivalunit "
            f"ON catalog_archivalunit.unit_id = {FTS_TABLE}.rowid",
            where=f"{FTS_TABLE} MATCH %s",
            params=[expression],
            score=f"-bm25({FTS_TABLE}, {_WEIGHT_ARGS})",
            score_params=[],
        )
