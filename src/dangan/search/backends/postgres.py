"""PostgreSQL: one tsvector per unit written as a literal from the analyser's tokens (no parser in between), GIN
index. The title's lexemes carry ``t|``, the other fields' are plain, the fields a query may name also carry a
prefixed copy (``r|张三``), and the character n-grams a ``g|`` before the token: matching (plain or ``t|``), field
filters and the title tier are GIN lookups with nothing to recheck. Weights (A title words, B other words, C title
n-grams, D other n-grams) rank the candidates of a page with ts_rank."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.db import connection, transaction

from ..index import ATTRIBUTES, FIELDS, Document
from .base import INDEX_TABLE, Backend, ScoredTerm, parse_ids

TSV_TABLE = "search_unit_tsv"  # unit_id, document: the tsvector out of line, heap rows narrow (migration 0004)
GIN_INDEX = "search_unit_tsv_document"
# The title's lexemes carry ``t|`` (found alone for the title tier and 题名:), the other fields' are plain, and the
# fields a query may name also carry a prefixed copy (``r|张三``); n-grams have ``g|`` before the token. Any-field
# matching is then an OR of two lookups (plain and ``t|``), with nothing to recheck in the stored tsvectors.
TITLE_PREFIX = "t"
PREFIX = {"responsible": "r", "reference_code": "c", "document_number": "n", "subjects": "s"}
WEIGHT = {(True, "w"): "A", (False, "w"): "B", (True, "g"): "C", (False, "g"): "D"}
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A
_MAX_POS = 16383


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(doc: Document) -> str:
    positions: dict[str, list[str]] = {}
    pos = 1
    for name in FIELDS:
        for kind, toks in (("w", doc.words.get(name, [])), ("g", doc.ngrams.get(name, []))):
            weight = WEIGHT[(name == "title", kind)]
            kind_prefix = "g|" if kind == "g" else ""
            prefix = f"{TITLE_PREFIX}|{kind_prefix}" if name == "title" else kind_prefix
            copy = f"{PREFIX[name]}|{kind_prefix}" if name in PREFIX else None
            for tok in toks:
                p = f"{min(pos, _MAX_POS)}{weight}"
                positions.setdefault(prefix + tok, []).append(p)
                if copy:
                    positions.setdefault(copy + tok, []).append(p)
                pos += 1
            pos += 1  # a gap, so that no phrase spans two fields, or words and n-grams
    return " ".join(f"{_quote(lex)}:{','.join(ps[:256])}" for lex, ps in positions.items())


class PostgresBackend(Backend):
    vendor = "postgresql"

    @staticmethod
    def prepare(docs: Sequence[Document], analyzer_version: str) -> list[tuple]:
        """Rows ready to write (pure: runs in the analysis workers too)."""
        return [
            (d.id, analyzer_version, d.content_hash, tsvector_literal(d), *d.attribute_values(), d.title_length)
            for d in docs
        ]

    def write_prepared(self, rows: Sequence[tuple], *, fresh: bool = False) -> None:
        if not rows:
            return
        from ..columns import next_generation

        columns = ("analyzer_version", "content_hash", *ATTRIBUTES, "title_length", "seq")
        seq = next_generation()
        entries = [(r[0], r[1], r[2], *r[4:], seq) for r in rows]
        documents = [(r[0], r[3]) for r in rows]
        if fresh:
            # A rebuild into an empty index: COPY, no conflict to resolve.
            with connection.cursor() as cur:
                with cur.cursor.copy(f"COPY {INDEX_TABLE} (unit_id, {', '.join(columns)}) FROM STDIN") as copy:
                    for row in entries:
                        copy.write_row(row)
                with cur.cursor.copy(f"COPY {TSV_TABLE} (unit_id, document) FROM STDIN") as copy:
                    for row in documents:
                        copy.write_row(row)
            return
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {INDEX_TABLE} (unit_id, {', '.join(columns)}) "
                f"VALUES (%s, {', '.join('%s' for _ in columns)}) "
                "ON CONFLICT (unit_id) DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns),
                entries,
            )
            cur.executemany(
                f"INSERT INTO {TSV_TABLE} (unit_id, document) VALUES (%s, %s::tsvector) "
                "ON CONFLICT (unit_id) DO UPDATE SET document = EXCLUDED.document",
                documents,
            )

    def delete(self, ids: Sequence[int]) -> int:
        ids = list(ids)
        if ids:
            with connection.cursor() as cur:
                cur.execute(f"DELETE FROM {TSV_TABLE} WHERE unit_id = ANY(%s)", [ids])
        return super().delete(ids)

    def begin_rebuild(self, fresh: bool) -> None:
        # Filling an empty table, then building the GIN index once, is several times faster than keeping the
        # index up to date row by row; an empty index has nothing to find meanwhile.
        if fresh:
            with connection.cursor() as cur:
                cur.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")

    def end_rebuild(self) -> None:
        with connection.cursor() as cur, transaction.atomic():
            # The GIN build sorts every (lexeme, unit) pair: with the default 64 MB it spills to disk many times.
            cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cur.execute(f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON {TSV_TABLE} USING gin (document)")
            cur.execute(f"ANALYZE {INDEX_TABLE}")
            cur.execute(f"ANALYZE {TSV_TABLE}")

    def check_structure(self) -> list[str]:
        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_indexes WHERE tablename = %s AND indexname = %s", [TSV_TABLE, GIN_INDEX])
            if cur.fetchone() is None:
                return [f"GIN 索引 {GIN_INDEX} 缺失 / the GIN index {GIN_INDEX} is missing"]
        return []

    def clear(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {INDEX_TABLE}, {TSV_TABLE}")

    def phrase(self, toks: list[str], field: str | None, *, grams: bool) -> str:
        kind = "g|" if grams else ""

        def chain(prefix: str) -> str:
            return "(" + " <-> ".join(_quote(prefix + kind + t) for t in toks) + ")"

        # Plain GIN lookups: no weight to recheck in the stored tsvectors (only a phrase of several words is).
        if field == "title":
            return chain(f"{TITLE_PREFIX}|")
        if field is not None:
            return chain(f"{PREFIX[field]}|")
        return "(" + chain("") + " | " + chain(f"{TITLE_PREFIX}|") + ")"

    def or_(self, parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"

    def and_not(self, positive: list[str], negative: list[str]) -> str:
        return "(" + " & ".join(positive + [f"!{n}" for n in negative]) + ")"

    def match_ids(self, expression: str) -> np.ndarray:
        with connection.cursor() as cur, transaction.atomic():
            # A bitmap of 100,000 matches needs more than the default 4 MB, or it turns lossy and every row on a
            # lossy page is rechecked; JIT compiling costs more than this short query takes.
            cur.execute("SET LOCAL work_mem = '64MB'")
            cur.execute("SET LOCAL jit = off")
            cur.execute(
                f"SELECT string_agg(unit_id::text, ',') FROM {TSV_TABLE} WHERE document @@ %s::tsquery", [expression]
            )
            return parse_ids(cur.fetchone()[0])

    def score(self, terms: Sequence[ScoredTerm], ids: Sequence[int]) -> dict[int, float]:
        if not ids or not terms:
            return dict.fromkeys(ids, 0.0)
        query = self.or_([self.term_query(t) for t in terms])
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT unit_id, ts_rank('{RANK_WEIGHTS}', document, CAST(%s AS tsquery)) FROM {TSV_TABLE} "
                "WHERE unit_id = ANY(%s)",
                [query, list(ids)],
            )
            return {unit_id: round(float(score), 6) for unit_id, score in cur.fetchall()}

    def term_query(self, term: ScoredTerm) -> str:
        options = [self.phrase(list(term.words), term.field, grams=False)]
        if term.pieces:
            options.append(self.term_expression((list(term.words), list(term.pieces)), term.field))
        return self.or_(options)
