"""PostgreSQL: one tsvector per unit written as a literal from the analyser's tokens (no parser in between), GIN
index. Weights: A title words, B other words, C title grams, D other grams; the fields a query may name besides the
title carry prefixed copies of their tokens (``r|张三``), so field filters stay index lookups."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from ..index import ATTRIBUTES, FIELDS, Document
from .base import INDEX_TABLE, Backend, Match

GIN_INDEX = "search_unitindex_document"  # created by migration 0002
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
        for kind, toks in (("w", doc.words.get(name, [])), ("g", doc.grams.get(name, []))):
            weight = WEIGHT[(name == "title", kind)]
            prefix = PREFIX.get(name)
            for tok in toks:
                p = f"{min(pos, _MAX_POS)}{weight}"
                positions.setdefault(tok, []).append(p)
                if prefix:
                    positions.setdefault(f"{prefix}|{tok}", []).append(p)
                pos += 1
            pos += 1  # a gap, so that no phrase spans two fields or words and grams
    return " ".join(f"{_quote(lex)}:{','.join(ps[:256])}" for lex, ps in positions.items())


class PostgresBackend(Backend):
    vendor = "postgresql"

    @staticmethod
    def prepare(docs: Sequence[Document], analyzer_version: str) -> list[tuple]:
        """Rows ready to write (pure: runs in the analysis workers too)."""
        return [(d.id, analyzer_version, d.content_hash, tsvector_literal(d), *d.attribute_values()) for d in docs]

    def write_prepared(self, rows: Sequence[tuple], *, fresh: bool = False) -> None:
        if not rows:
            return
        columns = ("analyzer_version", "content_hash", "document", *ATTRIBUTES)
        if fresh:
            # A rebuild into an empty index: COPY, no conflict to resolve.
            sql = f"COPY {INDEX_TABLE} (unit_id, {', '.join(columns)}) FROM STDIN"
            with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {INDEX_TABLE} (unit_id, {', '.join(columns)}) "
                f"VALUES (%s, %s, %s, %s::tsvector, {', '.join('%s' for _ in ATTRIBUTES)}) "
                "ON CONFLICT (unit_id) DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns),
                rows,
            )

    def begin_rebuild(self, fresh: bool) -> None:
        # Filling an empty table, then building the GIN index once, is several times faster than keeping the
        # index up to date row by row; an empty index has nothing to find meanwhile.
        if fresh:
            with connection.cursor() as cur:
                cur.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")

    def end_rebuild(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON {INDEX_TABLE} USING gin (document)")
            cur.execute(f"ANALYZE {INDEX_TABLE}")

    def clear(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {INDEX_TABLE}")

    def phrase(self, toks: list[str], field: str | None, *, grams: bool) -> str:
        if field is None:
            weights = "CD" if grams else "AB"
            lexemes = toks
        elif field == "title":
            weights = "C" if grams else "A"
            lexemes = toks
        else:
            weights = "D" if grams else "B"
            lexemes = [f"{PREFIX[field]}|{t}" for t in toks]
        return "(" + " <-> ".join(f"{_quote(t)}:{weights}" for t in lexemes) + ")"

    def or_(self, parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"

    def and_not(self, positive: list[str], negative: list[str]) -> str:
        return "(" + " & ".join(positive + [f"!{n}" for n in negative]) + ")"

    def match(self, expression: str, rank_expression: str | None = None) -> Match:
        return Match(
            join=f"{INDEX_TABLE} AS catalog_archivalunit",
            where="catalog_archivalunit.document @@ %s::tsquery",
            params=[expression],
            score=f"ts_rank('{RANK_WEIGHTS}', catalog_archivalunit.document, %s::tsquery)",
            score_params=[rank_expression or expression],
        )
