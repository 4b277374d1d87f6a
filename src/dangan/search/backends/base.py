"""What both backends share: the compilation of the query tree into boolean match expressions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from ..index import Document, tokens

INDEX_TABLE = "search_unitindexentry"


@dataclass
class Match:
    """The engine-specific pieces of a full-text query. The index table, which holds a copy of the units' filter
    columns, is aliased ``catalog_archivalunit`` so that the policy's compiled WHERE clause applies to it."""

    join: str  # the FROM clause
    where: str  # the match condition
    params: list[Any]
    score: str  # higher is better
    score_params: list[Any]


class Unsupported(Exception):
    """A query shape the engines cannot answer the same way (a NOT with nothing to subtract from)."""


class Backend:
    vendor = ""

    # Storage ---------------------------------------------------------------------------------------------------

    @staticmethod
    def prepare(docs: Sequence[Document], analyzer_version: str) -> list[tuple]:
        raise NotImplementedError

    def write_prepared(self, rows: Sequence[tuple], *, fresh: bool = False) -> None:
        raise NotImplementedError

    def begin_rebuild(self, fresh: bool) -> None:
        """Before reindex_all writes its first batch (``fresh``: the index is empty)."""

    def end_rebuild(self) -> None:
        """After reindex_all wrote its last batch (also on a run that resumes an interrupted one)."""

    def write(self, docs: Sequence[Document], analyzer_version: str) -> None:
        """Insert or replace these documents."""
        self.write_prepared(self.prepare(docs, analyzer_version))

    def delete(self, ids: Sequence[int]) -> int:
        ids = list(ids)
        if not ids:
            return 0
        marks = ", ".join("%s" for _ in ids)
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {INDEX_TABLE} WHERE unit_id IN ({marks})", ids)
            return cur.rowcount

    def clear(self) -> None:
        raise NotImplementedError

    # Queries ---------------------------------------------------------------------------------------------------

    def compile(self, node: Any, *, positive_only: bool = False) -> str | None:
        """The node as a match expression; None when it can match nothing. ``positive_only`` leaves out the NOT
        parts (for ranking: what a hit matched, not what it lacks)."""
        from ..query import And, Not, Or, Term

        if isinstance(node, Term):
            return self.term(node.text, node.field)
        if isinstance(node, Or):
            if any(isinstance(p, Not) for p in node.parts):
                raise Unsupported
            parts = [p for p in (self.compile(p, positive_only=positive_only) for p in node.parts) if p is not None]
            return self.or_(parts) if parts else None
        if isinstance(node, And):
            positive = [p for p in node.parts if not isinstance(p, Not)]
            negative = [p.part for p in node.parts if isinstance(p, Not)]
            if not positive:
                raise Unsupported
            pos = [self.compile(p, positive_only=positive_only) for p in positive]
            if any(p is None for p in pos):
                return None
            if positive_only:
                return self.and_not(pos, [])  # type: ignore[arg-type]
            neg = [n for n in (self.compile(p) for p in negative) if n is not None]
            return self.and_not(pos, neg)  # type: ignore[arg-type]
        if isinstance(node, Not):
            raise Unsupported
        raise TypeError(node)

    def term(self, text: str, field: str | None) -> str | None:
        from ..analysis import query_grams, words

        w = tokens(words(text))
        g = tokens(query_grams(text))
        options = []
        if w:
            options.append(self.phrase(w, field, grams=False))
        if g:
            options.append(self.phrase(g, field, grams=True))
        if not options:
            return None
        return self.or_(options)

    def phrase(self, toks: list[str], field: str | None, *, grams: bool) -> str:
        raise NotImplementedError

    def or_(self, parts: list[str]) -> str:
        raise NotImplementedError

    def and_not(self, positive: list[str], negative: list[str]) -> str:
        raise NotImplementedError

    def match(self, expression: str, rank_expression: str | None = None) -> Match:
        raise NotImplementedError
