"""What both backends share: the compilation of the query tree into boolean match expressions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from ..index import FIELDS, Document, tokens

INDEX_TABLE = "search_unitindexentry"


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

    def rebuild_terms(self, sample: Callable[[], Sequence[Document]], total: int) -> list[str]:
        """Terms whose matches a rebuild of ``total`` documents collects as it goes (``term_postings``) and keeps
        (``keep_rebuilt``), judged from ``sample()``, some of the documents analysed; none by default."""
        return []

    @staticmethod
    def term_postings(docs: Sequence[Document], terms: frozenset[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Of each of ``terms`` found in ``docs``: the ids of the documents holding it anywhere, and in the title
        (pure: runs in the analysis workers)."""
        return {}

    def keep_rebuilt(self, postings: dict[str, tuple[np.ndarray, np.ndarray]], as_of: int) -> int:
        """Keep the matches a rebuild collected, true as of generation ``as_of``; how many were kept."""
        return 0

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

    def check_structure(self) -> list[str]:
        """What is missing of the engine's own tables and indexes (empty: all there)."""
        return []

    # Queries ---------------------------------------------------------------------------------------------------

    def compile(self, node: Any, *, positive_only: bool = False, title_only: bool = False) -> str | None:
        """The node as a match expression; None when it can match nothing.

        ``positive_only`` leaves out the NOT parts (what a hit matched, not what it lacks); ``title_only`` asks for
        the hits whose title holds every positive term (the first tier when a large result set is ordered without
        scoring every match).
        """
        from ..query import And, Not, Or, Term

        flags = {"positive_only": positive_only, "title_only": title_only}
        if isinstance(node, Term):
            return self.term(node.text, node.field, title_only=title_only)
        if isinstance(node, Or):
            if any(isinstance(p, Not) for p in node.parts):
                raise Unsupported
            parts = [p for p in (self.compile(p, **flags) for p in node.parts) if p is not None]
            return self.or_(parts) if parts else None
        if isinstance(node, And):
            positive = [p for p in node.parts if not isinstance(p, Not)]
            negative = [p.part for p in node.parts if isinstance(p, Not)]
            if not positive:
                raise Unsupported
            pos = [self.compile(p, **flags) for p in positive]
            if any(p is None for p in pos):
                return None
            if positive_only:
                return self.and_not(pos, [])  # type: ignore[arg-type]
            neg = [n for n in (self.compile(p) for p in negative) if n is not None]
            return self.and_not(pos, neg)  # type: ignore[arg-type]
        if isinstance(node, Not):
            raise Unsupported
        raise TypeError(node)

    def term(self, text: str, field: str | None, *, title_only: bool = False) -> str | None:
        """Where a term matches. A run of two or more Chinese characters: where its covering n-grams all are (one
        token up to four characters); anything else (Latin, digits, a lone character): its words as a phrase."""
        term_parts = term_tokens(text)
        if term_parts is None:
            return None
        if title_only:
            if field not in (None, "title"):
                return None
            field = "title"
        return self.term_expression(term_parts, field)

    def term_expression(self, term: tuple[list[str], list[str] | None], field: str | None) -> str:
        word_tokens, pieces = term
        if pieces:
            parts = [self.phrase([p], field, grams=True) for p in pieces]
            return parts[0] if len(parts) == 1 else self.and_not(parts, [])
        return self.phrase(word_tokens, field, grams=False)

    def phrase(self, toks: list[str], field: str | None, *, grams: bool) -> str:
        raise NotImplementedError

    def or_(self, parts: list[str]) -> str:
        raise NotImplementedError

    def and_not(self, positive: list[str], negative: list[str]) -> str:
        raise NotImplementedError

    def match_ids(self, expression: str) -> np.ndarray:
        """The ids of every document matching ``expression`` (in no set order)."""
        raise NotImplementedError

    def match(self, root: Any, cols: Any, *, title_only: bool = False) -> np.ndarray | None:
        """The ids of every document matching the query tree ``root`` (None: it can match nothing); ``cols`` are
        the in-memory columns the search reads (``search.columns``). One match expression by default."""
        expression = self.compile(root, title_only=title_only)
        return None if expression is None else self.match_ids(expression)

    def score(self, terms: Sequence[ScoredTerm], ids: Sequence[int]) -> dict[int, float]:
        """A relevance score for each of ``ids`` (the candidates of a page): higher is better."""
        raise NotImplementedError


@dataclass(frozen=True)
class ScoredTerm:
    """A positive query term as the scorers see it: its field (None: any), its word tokens, and the n-grams that
    cover it (empty when it is not a run of Chinese characters)."""

    field: str | None
    words: tuple[str, ...]
    pieces: tuple[str, ...]


def scored_terms(root: Any) -> list[ScoredTerm]:
    """The positive terms of a query tree (those under a NOT do not make a hit better)."""
    from ..query import positive_terms

    out: list[ScoredTerm] = []
    for term in positive_terms(root):
        found = term_tokens(term.text)
        if found is not None:
            out.append(ScoredTerm(term.field, tuple(found[0]), tuple(found[1] or ())))
    return out


# Field weights: (whole words, n-grams); the title outweighs the rest, a whole word outweighs a piece of a longer one.
WEIGHTS = {
    "title": (10.0, 4.0),
    "responsible": (4.0, 1.6),
    "reference_code": (4.0, 1.6),
    "document_number": (4.0, 1.6),
    "subjects": (4.0, 1.6),
    "body": (2.0, 0.8),
}
# Typical number of tokens in each field, for the length normalisation (a hit in a short title weighs more).
TYPICAL_LENGTH = {"title": 12, "responsible": 4, "reference_code": 6, "document_number": 4, "subjects": 4, "body": 30}
K1, B = 1.2, 0.5


def score_texts(texts: dict[str, str], terms: Sequence[ScoredTerm]) -> float:
    """BM25-style: per term and field, the saturated count of its whole-word phrase, plus a lesser weight where its
    n-grams are there (inside longer words), weighted by field and normalised by the field's length; ``texts`` maps
    ``w_<field>``/``g_<field>`` to the stored tokens."""
    total = 0.0
    for term in terms:
        phrase = " " + " ".join(term.words) + " "
        pieces = [" " + p + " " for p in term.pieces]
        for name in FIELDS if term.field is None else (term.field,):
            word_weight, piece_weight = WEIGHTS[name]
            stored = texts.get(f"w_{name}", "")
            if not stored:
                continue
            length = stored.count(" ") + 1
            norm = K1 * (1 - B + B * length / TYPICAL_LENGTH[name])
            tf = (" " + stored + " ").count(phrase)
            if tf:
                total += word_weight * tf * (K1 + 1) / (tf + norm)
            if pieces:
                stored_grams = " " + texts.get(f"g_{name}", "") + " "
                if all(p in stored_grams for p in pieces):
                    total += piece_weight * (K1 + 1) / (1 + norm)
    return round(total, 4)


def term_tokens(text: str) -> tuple[list[str], list[str] | None] | None:
    """A query term's word tokens, and for a run of Chinese characters the n-grams that cover it (None otherwise);
    None when nothing searchable is left."""
    from ..analysis import covering_ngrams, is_single_run, normalize, words

    word_tokens = tokens(words(text))
    if not word_tokens:
        return None
    pieces = covering_ngrams(normalize(text)) if is_single_run(text) else None
    return word_tokens, pieces


def parse_ids(joined: str | None) -> np.ndarray:
    """The engine's comma-joined ids (one string, aggregated in the database) as an array, in no set order."""
    if not joined:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(joined, dtype=np.int64, sep=",")
