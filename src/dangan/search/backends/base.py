"""What both backends share: the compilation of the query tree into boolean match expressions, and the matches of
frequent terms kept as id lists (CachedTermMatch), collected by a rebuild and read back instead of the engine's own
posting lists."""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from django.db import connection, transaction

from ..analysis import _CJK_RUN, covering_ngrams, is_single_run
from ..fulltext import FULLTEXT_FIELD
from ..index import FIELDS, Document, tokens
from ..models import CachedTermMatch, FullTextEntry, IndexState, UnitIndexEntry

INDEX_TABLE = UnitIndexEntry._meta.db_table
FULLTEXT_ENTRY_TABLE = FullTextEntry._meta.db_table
CACHE_TABLE = CachedTermMatch._meta.db_table
STATE_TABLE = IndexState._meta.db_table
# A term matching at least this many units keeps its ids (CachedTermMatch): matching it again costs about 45 ms for
# 100,000 at 1,000,000 units through PostgreSQL's GIN index, 15–25 ms through FTS5; the kept row is read in 1–2 ms.
CACHE_MIN = 5_000
# Beyond this many units written since a term's ids were kept, the term is matched afresh (and kept again).
DELTA_MAX = 20_000
# After a rebuild, the kept terms are matched again for at most this long (the rest when next searched).
REFRESH_BUDGET_S = 60.0
# A rebuild collects the matches of the words and pairs of adjacent words that match at least this many units by a
# sample of the catalog (at most SEED_TERMS_MAX of them; 180 at 1,000,000 units), so that the first search for a
# common word after it is as fast as the ones after that. Below it a match through the engine takes a few
# milliseconds; keeping every n-gram over CACHE_MIN would be 3,300 rows and 125 M ids at 1,000,000 units, a third
# more rebuild time.
SEED_MIN = 20_000
SEED_TERMS_MAX = 1_000


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
        """The words, and the pairs of adjacent words, of two or more Chinese characters that, by the sample, about
        SEED_MIN documents or more of ``total`` hold (at half the rate, so that the sample's chance misses few;
        those that end up below SEED_MIN are not kept)."""
        seed_min = max(SEED_MIN, CACHE_MIN)
        docs = sample() if total >= 2 * seed_min else []
        counts: Counter[str] = Counter()
        for doc in docs:
            counts.update(_searched_terms(doc))
        least = max(2.0, seed_min * len(docs) / max(total, 1) / 2)
        return [term for term, n in counts.most_common(SEED_TERMS_MAX) if n >= least]

    @staticmethod
    def term_postings(docs: Sequence[Document], terms: frozenset[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Of each of ``terms`` found in ``docs``: the ids of the documents holding it anywhere, and in the title
        (pure: runs in the analysis workers). A term matches where all the n-grams covering it are
        (``term_expression``): up to four characters the term itself, a longer one its overlapping four-character
        pieces."""
        by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for term in terms:
            first, *others = covering_ngrams(term)
            by_first.setdefault(first, []).append((term, tuple(others)))
        firsts = frozenset(by_first)
        anywhere: defaultdict[str, list[int]] = defaultdict(list)
        title: defaultdict[str, list[int]] = defaultdict(list)
        for doc in docs:
            title_grams = doc.ngrams.get("title") or ()
            in_title = firsts.intersection(title_grams)
            found = set(in_title)
            for name, grams in doc.ngrams.items():
                if grams and name != "title":
                    found.update(firsts.intersection(grams))
            everywhere: set[str] | None = None  # made only for a term of more than one piece
            title_set: set[str] | None = None
            for first in found:
                for term, rest in by_first[first]:
                    if rest:
                        everywhere = _grams_anywhere(doc) if everywhere is None else everywhere
                        if not everywhere.issuperset(rest):
                            continue
                    anywhere[term].append(doc.id)
                    if first in in_title:
                        if rest:
                            title_set = set(title_grams) if title_set is None else title_set
                            if not title_set.issuperset(rest):
                                continue
                        title[term].append(doc.id)
        return {
            t: (np.array(ids, dtype=np.int64), np.array(title.get(t, ()), dtype=np.int64))
            for t, ids in anywhere.items()
        }

    def keep_rebuilt(self, postings: dict[str, tuple[np.ndarray, np.ndarray]], as_of: int) -> int:
        """A term's ids anywhere are what its plain search matches, its ids in the title what 题名: and the title
        tier match: both kept under the expressions those searches look up."""
        with connection.cursor() as cur:
            cur.execute(f"SELECT epoch FROM {STATE_TABLE} WHERE id = 1")
            row = cur.fetchone()
        if row is None:
            return 0
        kept = 0
        for term, (anywhere, title) in postings.items():
            for field, ids in ((None, anywhere), ("title", title)):
                expression = self.term(term, field) if len(ids) >= max(SEED_MIN, CACHE_MIN) else None
                if expression is not None:
                    self._keep(expression, row[0], as_of, ids)
                    kept += 1
        return kept

    def refresh_kept(self, budget_s: float = REFRESH_BUDGET_S) -> int:
        """Match the kept terms again, the most frequent first, for at most ``budget_s`` seconds (the rest are
        matched again when next searched): after a rebuild the first searches for common words are as fast as
        the ones before it. Returns how many were refreshed."""
        with connection.cursor() as cur:
            cur.execute(f"SELECT epoch, generation FROM {STATE_TABLE} WHERE id = 1")
            row = cur.fetchone()
            if row is None:
                return 0
            # Those the rebuild itself kept are current already.
            cur.execute(
                f"SELECT expression FROM {CACHE_TABLE} WHERE NOT (epoch = %s AND as_of >= %s) ORDER BY count DESC",
                list(row),
            )
            expressions = [e for (e,) in cur.fetchall()]
        if not expressions:
            return 0
        started = time.monotonic()
        done = 0
        for expression in expressions:
            if time.monotonic() - started > budget_s:
                break
            ids, generation = self._match_as_of(expression)
            self._keep(expression, row[0], generation, ids)
            done += 1
        return done

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
            removed = cur.rowcount
            # A removed unit leaves no newer row behind to tell the kept matches that it is gone.
            cur.execute(f"DELETE FROM {CACHE_TABLE}")
            return removed

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
        from ..query import And, Not, Or, Term, is_prefix_term

        flags = {"positive_only": positive_only, "title_only": title_only}
        if isinstance(node, Term):
            return self.term(node.text, node.field, title_only=title_only, prefix=is_prefix_term(node))
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

    def term(self, text: str, field: str | None, *, title_only: bool = False, prefix: bool = False) -> str | None:
        """Where a term matches. A run of two or more Chinese characters: where its covering n-grams all are (one
        token up to four characters); anything else (Latin, digits, a lone character): its words as a phrase —
        with ``prefix`` (档号:Z1, see query.is_prefix_term), a phrase whose last word may go on (Z1 finds Z109)."""
        if field == FULLTEXT_FIELD:
            return None  # the full text is not in the unit table (see fulltext_term)
        term_parts = term_tokens(text)
        if term_parts is None:
            return None
        if title_only:
            if field not in (None, "title"):
                return None
            field = "title"
        if prefix and term_parts[1] is None:
            return self.phrase(term_parts[0], field, grams=False, prefix=True)
        return self.term_expression(term_parts, field)

    def term_expression(self, term: tuple[list[str], list[str] | None], field: str | None) -> str:
        word_tokens, pieces = term
        if pieces:
            parts = [self.phrase([p], field, grams=True) for p in pieces]
            return parts[0] if len(parts) == 1 else self.and_not(parts, [])
        return self.phrase(word_tokens, field, grams=False)

    def phrase(self, toks: list[str], field: str | None, *, grams: bool, prefix: bool = False) -> str:
        """The tokens in a row in ``field`` (any field: None); with ``prefix`` the last one may be the start of a
        longer token."""
        raise NotImplementedError

    def or_(self, parts: list[str]) -> str:
        raise NotImplementedError

    def and_not(self, positive: list[str], negative: list[str]) -> str:
        raise NotImplementedError

    def match_ids(self, expression: str) -> np.ndarray:
        """The ids of every document matching ``expression`` (in no set order)."""
        raise NotImplementedError

    # Full text (search.fulltext): a table of its own, one row per piece of a unit's text ---------------------

    # What a term found in a unit's full text adds to its score, on this backend's scale: below what the same term
    # in the title gives, so that title matches rank first.
    FULLTEXT_WEIGHT = 1.0

    def write_fulltext(self, pieces: Sequence[tuple[int, int, Document]]) -> None:
        """Insert these pieces (unit id, piece number from 0, the analysed piece under FULLTEXT_FIELD); the unit's
        old pieces were deleted first (``delete_fulltext``)."""
        raise NotImplementedError

    def delete_fulltext(self, ids: Sequence[int]) -> None:
        """Remove every piece of these units' full text, and their bookkeeping rows."""
        raise NotImplementedError

    def delete_fulltext_pieces(self, unit_id: int, numbers: Sequence[int]) -> None:
        """Remove these pieces of one unit's full text (the bookkeeping row stays)."""
        raise NotImplementedError

    def lock_fulltext(self, unit_id: int) -> None:
        """Wait until no other transaction writes this unit's full text (until the current one ends). SQLite has
        one writer at a time already."""

    def fulltext_term(self, text: str) -> str | None:
        """Where a term matches in the full text (as ``term`` for a field); None when nothing searchable is left."""
        term_parts = term_tokens(text)
        return None if term_parts is None else self._fulltext_expression(term_parts[0], term_parts[1])

    def _fulltext_expression(self, words: Sequence[str], pieces: Sequence[str] | None) -> str:
        """A term's expression in the full text. A phrase of Chinese words ("四渡 赤水") is one run there, as the
        text's layout whitespace between Chinese characters is dropped: it matches as the run (四渡赤水) does."""
        if not pieces and len(words) > 1 and all(_CJK_RUN.fullmatch(w) for w in words):
            pieces = covering_ngrams("".join(words))
        return self.term_expression((list(words), list(pieces) if pieces else None), FULLTEXT_FIELD)

    def fulltext_match_ids(self, expression: str) -> np.ndarray:
        """The units whose full text matches ``expression`` (remembered for the rest of this search)."""
        memo = self.__dict__.setdefault("_fulltext_memo", {})
        if expression not in memo:
            found = self._fulltext_match(expression)
            if self.fulltext_hidden is not None and len(self.fulltext_hidden):
                found = found[~np.isin(found, self.fulltext_hidden)]
            memo[expression] = found
        return memo[expression]

    # Units whose full text this search must not reach although their record is visible (catalog.policy.
    # files_hidden: a reader's reading-room-only grant outside a visit); set by the search service.
    fulltext_hidden: np.ndarray | None = None

    def hide_fulltext(self, unit_ids: Iterable[int]) -> None:
        """Leave ``unit_ids`` out of every full-text match of this search (matching, scoring and snippets)."""
        ids = sorted(unit_ids)
        self.fulltext_hidden = np.asarray(ids, dtype=np.int64) if ids else None
        self.__dict__.pop("_fulltext_memo", None)

    def _fulltext_match(self, expression: str) -> np.ndarray:
        raise NotImplementedError

    def fulltext_hits(self, terms: Sequence[ScoredTerm], ids: Sequence[int]) -> dict[int, int]:
        """Of ``ids``, those whose full text holds a positive term, with how many of the terms it holds."""
        found: Counter[int] = Counter()
        if not ids:
            return {}
        wanted = np.asarray(list(ids), dtype=np.int64)
        for term in terms:
            if term.field not in (None, FULLTEXT_FIELD):
                continue
            matched = self.fulltext_match_ids(self._fulltext_expression(term.words, term.pieces))
            found.update(int(i) for i in wanted[_members(matched, wanted)])
        return dict(found)

    def fulltext_expressions(self, terms: Sequence[ScoredTerm]) -> list[str]:
        """The full-text match expressions of the positive terms that may match there."""
        return [self._fulltext_expression(t.words, t.pieces) for t in terms if t.field in (None, FULLTEXT_FIELD)]

    def first_fulltext_pieces(self, terms: Sequence[ScoredTerm], ids: Sequence[int]) -> dict[int, int]:
        """For each of ``ids``, the number of the first piece of its full text where a term matches."""
        raise NotImplementedError

    def fulltext_scores(self, terms: Sequence[ScoredTerm], ids: Sequence[int]) -> dict[int, float]:
        """What the full text adds to each of ``ids``' score: FULLTEXT_WEIGHT per term it holds."""
        return {i: n * self.FULLTEXT_WEIGHT for i, n in self.fulltext_hits(terms, ids).items()}

    # Matching term by term, with the matches of frequent terms kept (CachedTermMatch) ---------------------

    def match(self, root: Any, cols: Any, *, title_only: bool = False, fulltext: bool = False) -> np.ndarray | None:
        """The ids of every document matching the query tree ``root`` (None: it can match nothing); ``cols`` are
        the in-memory columns the search reads (``search.columns``).

        The terms whose matches are kept are read from their rows; the rest of each AND / OR goes to the engine as
        one expression (a lone term alone, and kept if it is a frequent one); the parts are combined as arrays.
        Inside a transaction (whose own writes no kept row knows), one expression.

        With ``fulltext`` a term also matches the units' full text (field 全文, in a table of its own): each term
        is matched in both and the tree is combined as arrays (``_match_with_fulltext``)."""
        if fulltext and not title_only:
            return self._match_with_fulltext(root, cols)
        if connection.in_atomic_block:
            expression = self.compile(root, title_only=title_only)
            return None if expression is None else self.match_ids(expression)
        plan = self._plan(root, title_only)
        if plan is None:
            return None
        kept = self._kept(sorted(_expressions(plan)), cols.epoch)
        return self._evaluate(plan, kept, cols)

    def _match_with_fulltext(self, root: Any, cols: Any) -> np.ndarray | None:
        from ..query import And, Not, Or, Term, is_prefix_term

        in_transaction = connection.in_atomic_block
        leaves: dict[Any, tuple[str | None, str | None]] = {}

        def collect(node: Any) -> None:
            if isinstance(node, Term):
                main = self.term(node.text, node.field, prefix=is_prefix_term(node))
                full = self.fulltext_term(node.text) if node.field in (None, FULLTEXT_FIELD) else None
                leaves[node] = (main, full)
            elif isinstance(node, Not):
                collect(node.part)
            else:
                for part in node.parts:
                    collect(part)

        collect(root)
        mains = sorted({m for m, _f in leaves.values() if m is not None})
        kept = {} if in_transaction or not mains else self._kept(mains, cols.epoch)

        def evaluate(node: Any) -> np.ndarray | None:
            if isinstance(node, Term):
                main, full = leaves[node]
                arrays = []
                if main is not None:
                    arrays.append(
                        self.match_ids(main) if in_transaction else self._term_ids(main, kept.get(main), cols)
                    )
                if full is not None:
                    arrays.append(self.fulltext_match_ids(full))
                return np.unique(np.concatenate(arrays)) if arrays else None
            if isinstance(node, Or):
                if any(isinstance(p, Not) for p in node.parts):
                    raise Unsupported
                found_parts = [f for f in (evaluate(p) for p in node.parts) if f is not None]
                return np.unique(np.concatenate(found_parts)) if found_parts else None
            if isinstance(node, And):
                positive = [p for p in node.parts if not isinstance(p, Not)]
                if not positive:
                    raise Unsupported
                arrays = []
                for positive_part in positive:
                    part_ids = evaluate(positive_part)
                    if part_ids is None:
                        return None
                    arrays.append(part_ids)
                ids = _intersection(arrays)
                for negative_part in node.parts:
                    if isinstance(negative_part, Not) and len(ids):
                        excluded = evaluate(negative_part.part)
                        if excluded is not None:
                            ids = ids[~_members(excluded, ids)]
                return ids
            raise Unsupported if isinstance(node, Not) else TypeError(node)

        return evaluate(root)

    def _evaluate(self, plan: Any, kept: dict[str, tuple[int, int, bytes]], cols: Any) -> np.ndarray:
        if plan[0] == "term":
            return self._term_ids(plan[1], kept.get(plan[1]), cols)
        if not _expressions(plan) & kept.keys():
            return self.match_ids(self._expression(plan))
        if plan[0] == "or":
            held = [p for p in plan[1] if _expressions(p) & kept.keys()]
            rest = [p for p in plan[1] if p not in held]
            arrays = [self._evaluate(p, kept, cols) for p in held]
            if rest:
                arrays.append(self._evaluate(("or", rest) if len(rest) > 1 else rest[0], kept, cols))
            return np.unique(np.concatenate(arrays))
        positive, negative = plan[1], plan[2]
        held = [p for p in positive if _expressions(p) & kept.keys()]
        rest = [p for p in positive if p not in held]
        arrays = [self._evaluate(p, kept, cols) for p in held]
        held_negative = [n for n in negative if _expressions(n) & kept.keys()]
        rest_negative = [n for n in negative if n not in held_negative]
        if rest:
            # The other positive parts and the negative ones not kept: one expression for the engine.
            part = rest[0] if len(rest) == 1 and not rest_negative else ("and", rest, rest_negative)
            arrays.append(self._evaluate(part, kept, cols))
            rest_negative = []
        ids = _intersection(arrays)
        for other in held_negative + rest_negative:
            if not len(ids):
                break
            ids = ids[~_members(self._evaluate(other, kept, cols), ids)]
        return ids

    def _expression(self, plan: Any) -> str:
        if plan[0] == "term":
            return plan[1]
        if plan[0] == "or":
            return self.or_([self._expression(p) for p in plan[1]])
        return self.and_not([self._expression(p) for p in plan[1]], [self._expression(n) for n in plan[2]])

    def _plan(self, node: Any, title_only: bool) -> Any:
        """The tree with each term's match expression at its leaves: ("term", expr), ("or", [..]),
        ("and", [positive..], [negative..]); None where nothing can match (as ``compile``)."""
        from ..query import And, Not, Or, Term, is_prefix_term

        if isinstance(node, Term):
            expression = self.term(node.text, node.field, title_only=title_only, prefix=is_prefix_term(node))
            return None if expression is None else ("term", expression)
        if isinstance(node, Or):
            if any(isinstance(p, Not) for p in node.parts):
                raise Unsupported
            parts = [p for p in (self._plan(p, title_only) for p in node.parts) if p is not None]
            return ("or", parts) if parts else None
        if isinstance(node, And):
            positive = [self._plan(p, title_only) for p in node.parts if not isinstance(p, Not)]
            if not positive:
                raise Unsupported
            if any(p is None for p in positive):
                return None
            negative = [n for n in (self._plan(p.part, False) for p in node.parts if isinstance(p, Not)) if n]
            return ("and", positive, negative)
        raise Unsupported if isinstance(node, Not) else TypeError(node)

    def _kept(self, expressions: list[str], epoch: str) -> dict[str, tuple[int, int, bytes]]:
        keys = {_key(e): e for e in expressions}
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT key, as_of, width, ids FROM {CACHE_TABLE} WHERE key IN ({', '.join('%s' for _ in keys)}) AND epoch = %s",
                [*keys, epoch],
            )
            return {keys[key]: (int(as_of), int(width), bytes(ids)) for key, as_of, width, ids in cur.fetchall()}

    def _term_ids(self, expression: str, kept: tuple[int, int, bytes] | None, cols: Any) -> np.ndarray:
        if kept is not None:
            as_of, width, blob = kept
            changed = cols.changed_since(as_of)
            if len(changed) <= DELTA_MAX:
                ids = np.frombuffer(blob, dtype=f"<u{width}").astype(np.int64)
                if not len(changed):
                    return ids
                # The units written since: out of the kept ids, and matched again (a few primary-key lookups).
                ids = ids[~_members(changed, ids)]
                return np.concatenate([ids, self._match_among(expression, changed)])
        ids, generation = self._match_as_of(expression)
        if len(ids) >= CACHE_MIN:
            self._keep(expression, cols.epoch, generation, ids)
        return ids

    def _keep(self, expression: str, epoch: str, as_of: int, ids: np.ndarray) -> None:
        ids = np.sort(ids)
        width = 4 if not len(ids) or int(ids[-1]) < 2**32 else 8
        with connection.cursor() as cur:
            # Another process may have kept the same term meanwhile: the newer generation wins.
            cur.execute(
                f"INSERT INTO {CACHE_TABLE} (key, expression, epoch, as_of, count, width, ids) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET "
                "expression = EXCLUDED.expression, epoch = EXCLUDED.epoch, as_of = EXCLUDED.as_of, "
                "count = EXCLUDED.count, width = EXCLUDED.width, ids = EXCLUDED.ids "
                f"WHERE {CACHE_TABLE}.epoch <> EXCLUDED.epoch OR {CACHE_TABLE}.as_of < EXCLUDED.as_of",
                [_key(expression), expression, epoch, as_of, len(ids), width, ids.astype(f"<u{width}").tobytes()],
            )

    def _match_as_of(self, expression: str) -> tuple[np.ndarray, int]:
        """The ids matching ``expression``, and the generation they reflect (read in the same snapshot)."""
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"SELECT generation FROM {STATE_TABLE} WHERE id = 1")
            row = cur.fetchone()
            return self.match_ids(expression), int(row[0]) if row else 0

    def _match_among(self, expression: str, candidates: np.ndarray) -> np.ndarray:
        """Of ``candidates`` (ids), those matching ``expression``."""
        raise NotImplementedError

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
        if term.field == FULLTEXT_FIELD:
            continue  # scored from the full-text table (Backend.fulltext_scores)
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


def _searched_terms(doc: Document) -> set[str]:
    """What people type that the document holds: its words (遵义, 易地扶贫搬迁), and two adjacent words of two
    characters or more each (工作总结 from 工作 and 总结, 资金分配方案), not the pieces across words (县水, 局关)
    that are as frequent."""
    found: set[str] = set()
    for words in doc.words.values():
        runs = [w if is_single_run(w) else "" for w in words]
        found.update(w for w in runs if w)
        found.update(a + b for a, b in pairwise(runs) if a and b)
    return found


def _grams_anywhere(doc: Document) -> set[str]:
    return set().union(*doc.ngrams.values()) if doc.ngrams else set()


def _key(expression: str) -> str:
    return hashlib.sha256(expression.encode()).hexdigest()


def _expressions(plan: Any) -> set[str]:
    if plan[0] == "term":
        return {plan[1]}
    parts = plan[1] if plan[0] == "or" else plan[1] + plan[2]
    return set().union(*(_expressions(p) for p in parts))


def _members(of: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """For each of ``ids``, whether it is in ``of`` (a lookup table over the ids' range: linear, not a sort)."""
    if not len(of) or not len(ids):
        return np.zeros(len(ids), dtype=bool)
    top = int(max(of.max(), ids.max())) + 1
    table = np.zeros(top, dtype=bool)
    table[of] = True
    return table[ids]


def _intersection(arrays: list[np.ndarray]) -> np.ndarray:
    arrays = sorted(arrays, key=len)
    ids = arrays[0]
    for other in arrays[1:]:
        if not len(ids):
            break
        ids = ids[_members(other, ids)]
    return ids
