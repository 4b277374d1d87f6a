"""SQLite: an FTS5 table with a words column (``w_``) and an n-gram column (``g_``: two to four characters of each
Chinese run) per field, rowid = unit id. FTS5 finds the matches; the candidates of a page are scored here from the stored token
columns (whole words above pieces, the title above the other fields) — FTS5's bm25 would first scan every query
phrase's whole document list to weigh it, tens of milliseconds for a common word."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.db import IntegrityError, connection, transaction

from ..analysis import NGRAM_MAX
from ..fulltext import FULLTEXT_FIELD
from ..index import ATTRIBUTES, FIELDS, QUERY_FIELDS, Document
from .base import CACHE_TABLE, FULLTEXT_ENTRY_TABLE, INDEX_TABLE, Backend, ScoredTerm, parse_ids, score_texts
from .postgres import start_grams

FTS_TABLE = "search_unit_fts"
# The units' full text (migration 0009): rowid = unit id × 2**PIECE_BITS + the piece's number. Its n-gram column
# keeps, as PostgreSQL does, one n-gram per starting character (backends.postgres.start_grams), and a term of two or
# three characters is a prefix query: 40 % less to write than every n-gram, for a text that is most of the index.
FULLTEXT_TABLE = "search_fulltext_fts"
PIECE_BITS = 16
FULLTEXT_CREATE_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FULLTEXT_TABLE} USING fts5("
    "w_fulltext, g_fulltext, tokenize = 'unicode61 remove_diacritics 0', detail = full)"
)
COLUMNS = [f"{kind}_{name}" for name in FIELDS for kind in ("w", "g")]
SHADOW_TABLES = [f"{FTS_TABLE}_{part}" for part in ("data", "idx", "content", "docsize", "config")]

# Weights per field: (whole words, pieces inside words).
WEIGHTS = {
    "title": (10.0, 2.0),
    "responsible": (4.0, 1.0),
    "reference_code": (4.0, 1.0),
    "document_number": (4.0, 1.0),
    "subjects": (4.0, 1.0),
    "body": (2.0, 0.5),
}

CREATE_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    + ", ".join(COLUMNS)
    + ", tokenize = 'unicode61 remove_diacritics 0', detail = full)"
)


# FTS5's merging of segments as its documentation sets it by default, and during a rebuild (none but the crisis
# merge of 64 segments of one level; the rebuild's end merges everything into one segment).
MERGING = {"automerge": 4, "crisismerge": 16}
REBUILD_MERGING = {"automerge": 0, "crisismerge": 64}


def forget_fts_statistics() -> None:
    """Remove what ANALYZE recorded about the FTS5 table's shadow tables. Taken while the index was empty or small
    (as after loading a catalog), those figures make every later FTS5 write and merge slower the larger the index
    grows: a rebuild of 300,000 units ran at 3,300 units/s with them and 7,200 without (bench/RESULTS.md, issue
    #3). Without figures the planner's defaults serve FTS5's own statements well."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'")
        if cur.fetchone() is None:
            return
        cur.execute(f"DELETE FROM sqlite_stat1 WHERE tbl IN ({', '.join('%s' for _ in SHADOW_TABLES)})", SHADOW_TABLES)
        deleted = cur.rowcount
    if deleted and not connection.in_atomic_block:
        connection.close()  # the planner reads the statistics when a connection opens


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
                *(" ".join((d.words if c[0] == "w" else d.ngrams).get(c[2:], ())) for c in COLUMNS),
                analyzer_version,
                d.content_hash,
                *_sqlite_attrs(d.attribute_values()),
                d.title_length,
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
        from ..columns import next_generation

        n = len(COLUMNS) + 1
        marks = ", ".join("?" for _ in COLUMNS)
        seq = next_generation()
        with connection.cursor() as cur:
            raw = cur.cursor  # the sqlite3 cursor: executemany without Django's per-row formatting
            raw.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(COLUMNS)}) VALUES (?, {marks})", [r[:n] for r in rows]
            )
            raw.executemany(
                f"INSERT OR REPLACE INTO {INDEX_TABLE} (unit_id, analyzer_version, content_hash, "
                f"{', '.join(ATTRIBUTES)}, title_length, seq) VALUES (?, ?, ?, {', '.join('?' for _ in ATTRIBUTES)}, ?, ?)",
                [(r[0], *r[n:], seq) for r in rows],
            )

    def delete(self, ids: Sequence[int]) -> int:
        ids = list(ids)
        self.delete_fulltext(ids)
        with connection.cursor() as cur:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cur.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({', '.join('%s' for _ in chunk)})", chunk)
        return sum(super(SQLiteBackend, self).delete(ids[s : s + 500]) for s in range(0, len(ids), 500))

    def clear(self) -> None:
        # Deleting FTS5 rows one by one tokenizes each row again to find its entries (minutes at 1,000,000
        # units); dropping the table and its shadow tables and creating it again is a moment.
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
            cur.execute(CREATE_SQL)
            cur.execute(f"DROP TABLE IF EXISTS {FULLTEXT_TABLE}")
            cur.execute(FULLTEXT_CREATE_SQL)
            cur.execute(f"DELETE FROM {FULLTEXT_ENTRY_TABLE}")
            cur.execute(f"DELETE FROM {INDEX_TABLE}")
            cur.execute(f"DELETE FROM {CACHE_TABLE}")

    def phrase(self, toks: list[str], field: str | None, *, grams: bool, prefix: bool = False) -> str:
        # Tokens are letters and digits only (index.tokens), so quoting needs no escaping. FTS5's prefix query
        # ("z109 w" *) lets the phrase's last token be the start of a longer one.
        quoted = '"' + " ".join(toks) + '"' + (" *" if prefix else "")
        if field == FULLTEXT_FIELD and len(toks) == 1:
            # The full-text table has one word and one n-gram column: a single token is the same in either. It
            # keeps one n-gram per starting character (as PostgreSQL does): a shorter n-gram is the start of one.
            return quoted + (" *" if grams and len(toks[0]) < NGRAM_MAX and not prefix else "")
        if field == FULLTEXT_FIELD:
            return "{" + ("g_" if grams else "w_") + FULLTEXT_FIELD + "} : " + quoted
        if field is None and len(toks) == 1:
            # One token in any column, word or n-gram alike: no column filter to apply (twice as fast).
            return quoted
        assert field is None or field in QUERY_FIELDS
        kind = "g" if grams else "w"
        # A phrase of several words stays in the word columns (an n-gram column is not in text order).
        names = [field] if field else list(FIELDS)
        return "{" + " ".join(f"{kind}_{n}" for n in names) + "} : " + quoted

    @staticmethod
    def _configure(settings: dict[str, int]) -> None:
        with connection.cursor() as cur:
            for name, value in settings.items():
                cur.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES (%s, %s)", [name, value])

    def begin_rebuild(self, fresh: bool) -> None:
        forget_fts_statistics()
        # No merging of segments while the batches come in: the end of the rebuild merges them all once, and the
        # merges on the way would only be done again (writes 75 instead of 75–105 µs per unit at 300,000 units).
        # A rebuild that is interrupted leaves these settings until the next one ends.
        self._configure(REBUILD_MERGING)

    def end_rebuild(self) -> None:
        # A bulk load leaves FTS5 with many segments; merging them once halves the time of every lookup.
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
        self._configure(MERGING)
        self.refresh_kept()

    def or_(self, parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(f"({p})" for p in parts) + ")"

    def and_not(self, positive: list[str], negative: list[str]) -> str:
        expr = "(" + " AND ".join(f"({p})" for p in positive) + ")"
        for n in negative:
            expr = f"({expr} NOT ({n}))"
        return expr

    def match_ids(self, expression: str) -> np.ndarray:
        # Aggregated in SQLite: one string instead of a Python tuple per match (110,000 matches: 10 ms, not 30).
        with connection.cursor() as cur:
            cur.execute(f"SELECT group_concat(rowid) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])
            return parse_ids(cur.fetchone()[0])

    def _match_among(self, expression: str, candidates: np.ndarray) -> np.ndarray:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT group_concat(rowid) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                "AND rowid IN (SELECT value FROM json_each(%s))",
                [expression, "[" + ",".join(map(str, candidates.tolist())) + "]"],
            )
            return parse_ids(cur.fetchone()[0])

    # Full text ---------------------------------------------------------------------------------------------------

    def write_fulltext(self, pieces: Sequence[tuple[int, int, Document]]) -> None:
        if not pieces:
            return
        with connection.cursor() as cur:
            cur.cursor.executemany(
                f"INSERT INTO {FULLTEXT_TABLE} (rowid, w_fulltext, g_fulltext) VALUES (?, ?, ?)",
                [
                    (
                        (unit_id << PIECE_BITS) + number,
                        " ".join(doc.words.get(FULLTEXT_FIELD, ())),
                        " ".join(start_grams(doc.ngrams.get(FULLTEXT_FIELD, ()))),
                    )
                    for unit_id, number, doc in pieces
                ],
            )

    def delete_fulltext(self, ids: Sequence[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        with connection.cursor() as cur:
            raw = cur.cursor
            raw.executemany(
                f"DELETE FROM {FULLTEXT_TABLE} WHERE rowid >= ? AND rowid < ?",
                [(i << PIECE_BITS, (i + 1) << PIECE_BITS) for i in ids],
            )
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                raw.execute(
                    f"DELETE FROM {FULLTEXT_ENTRY_TABLE} WHERE unit_id IN ({', '.join('?' for _ in chunk)})", chunk
                )

    def delete_fulltext_pieces(self, unit_id: int, numbers: Sequence[int]) -> None:
        if numbers:
            with connection.cursor() as cur:
                cur.cursor.executemany(
                    f"DELETE FROM {FULLTEXT_TABLE} WHERE rowid = ?", [((unit_id << PIECE_BITS) + n,) for n in numbers]
                )

    def first_fulltext_pieces(self, terms: Sequence[ScoredTerm], ids: Sequence[int]) -> dict[int, int]:
        expressions = self.fulltext_expressions(terms)
        if not expressions or not ids:
            return {}
        expression = self.or_(expressions)
        out: dict[int, int] = {}
        with connection.cursor() as cur:
            for unit_id in ids:
                # FTS5 reads the rowid range of the unit only.
                cur.execute(
                    f"SELECT min(rowid) FROM {FULLTEXT_TABLE} WHERE {FULLTEXT_TABLE} MATCH %s "
                    "AND rowid >= %s AND rowid < %s",
                    [expression, unit_id << PIECE_BITS, (unit_id + 1) << PIECE_BITS],
                )
                row = cur.fetchone()
                if row and row[0] is not None:
                    out[unit_id] = int(row[0]) - (unit_id << PIECE_BITS)
        return out

    def _fulltext_match(self, expression: str) -> np.ndarray:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT group_concat(DISTINCT rowid >> {PIECE_BITS}) FROM {FULLTEXT_TABLE} "
                f"WHERE {FULLTEXT_TABLE} MATCH %s",
                [expression],
            )
            return parse_ids(cur.fetchone()[0])

    def score(self, terms: Sequence[ScoredTerm], ids: Sequence[int]) -> dict[int, float]:
        if not ids:
            return {}
        index = {c: n for n, c in enumerate(COLUMNS, 1)}
        out: dict[int, float] = {}
        with connection.cursor() as cur:
            raw = cur.cursor
            for start in range(0, len(ids), 5_000):
                chunk = list(ids[start : start + 5_000])
                rows = raw.execute(
                    f"SELECT id, {', '.join(f'c{n}' for n in range(len(COLUMNS)))} FROM {FTS_TABLE}_content "
                    f"WHERE id IN ({', '.join('?' for _ in chunk)})",
                    chunk,
                ).fetchall()
                for row in rows:
                    texts = {c: row[n] or "" for c, n in index.items()}
                    out[row[0]] = score_texts(texts, terms)
        return out
