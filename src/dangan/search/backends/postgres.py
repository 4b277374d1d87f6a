"""PostgreSQL: one tsvector per unit written as a literal from the analyser's tokens (no parser in between), GIN
index. The title's lexemes carry ``t|``, the other fields' are plain, the fields a query may name also carry a
prefixed copy (``r|张三``), and the character n-grams a ``g|`` before the token: matching (plain or ``t|``), field
filters and the title tier are GIN lookups with nothing to recheck. Of a run's n-grams only one per starting
character is stored, the longest (four characters, shorter at the run's end): a two- or three-character term is a
prefix lookup (``'g|娄山':*``), and the index holds a third of the n-grams SQLite's does. Weights (A title words, B other words, C title
n-grams, D other n-grams) rank the candidates of a page with ts_rank."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from django.db import connection, transaction

from ..analysis import NATIVE, NGRAM_MAX, NGRAM_MIN, _native
from ..fulltext import FULLTEXT_FIELD
from ..index import ATTRIBUTES, FIELDS, Document
from .base import CACHE_TABLE, FULLTEXT_ENTRY_TABLE, INDEX_TABLE, STATE_TABLE, Backend, ScoredTerm, parse_ids

TSV_TABLE = "search_unit_tsv"  # unit_id, document: out of line, rows narrow (0004), hash-partitioned (0008)
GIN_INDEX = "search_unit_tsv_document"  # on the partitioned table; each partition's is <partition>_document
GIN_BUILD_MEMORY_MB = 1024  # maintenance_work_mem for a rebuild's GIN indexes, shared by those built at once
# The title's lexemes carry ``t|`` (found alone for the title tier and 题名:), the other fields' are plain, and the
# fields a query may name also carry a prefixed copy (``r|张三``); n-grams have ``g|`` before the token. Any-field
# matching is then an OR of two lookups (plain and ``t|``), with nothing to recheck in the stored tsvectors.
TITLE_PREFIX = "t"
PREFIX = {"responsible": "r", "reference_code": "c", "document_number": "n", "subjects": "s"}
WEIGHT = {(True, "w"): "A", (False, "w"): "B", (True, "g"): "C", (False, "g"): "D"}
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A
_MAX_POS = 16383
_WEIGHT_BITS = {"A": 3 << 14, "B": 2 << 14, "C": 1 << 14, "D": 0}
_INT32 = struct.Struct(">i")
_ROW_HEAD = struct.Struct(">hiqi")  # field count, bigint length, the id, the tsvector's length
_COPY_HEADER = b"PGCOPY\n\xff\r\n\0" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
INCOMING_TABLE = "search_incoming_tsv"  # temporary, per connection
# The units' full text (migration 0009): one tsvector per piece of a few thousand characters, plain lexemes for the
# words and ``g|`` n-grams as in the unit table, all of weight D.
FULLTEXT_TABLE = "search_fulltext_tsv"
FULLTEXT_LOCK = 0x4654 << 48  # advisory lock keys of full-text writes: this tag with the unit id in the low bits
_PIECE_HEAD = struct.Struct(">hiqii")  # field count, bigint length, the unit id, int length, the piece's number


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def start_grams(grams: Sequence[str]) -> list[str]:
    """Of every n-gram of a text, the ones that no longer one extends to the right: a four-character n-gram, or a
    shorter one at the end of a run. Every n-gram of the text is a prefix of one of them (娄山关口 → 娄山关口, 山关口,
    关口), so a prefix lookup finds what the exact lookup of the whole set would."""
    return _native.start_grams(grams, NGRAM_MIN, NGRAM_MAX) if NATIVE else _start_grams_python(grams)


def _start_grams_python(grams: Sequence[str]) -> list[str]:
    extended = {g[:-1] for g in grams if len(g) > NGRAM_MIN}
    return [g for g in grams if len(g) >= NGRAM_MAX or g not in extended]


_ONE = struct.Struct(">xHH")  # the NUL ending a lexeme, a count of one, the position


def _layout() -> list[tuple[tuple[str, ...], int, tuple[str, ...], int]]:
    """Per field: the prefixes of its words' lexemes and their weight bits, then the same for its n-grams."""
    out: list[tuple[tuple[str, ...], int, tuple[str, ...], int]] = []
    for name in FIELDS:
        kinds: list[tuple[tuple[str, ...], int]] = []
        for kind in ("w", "g"):
            kind_prefix = "g|" if kind == "g" else ""
            prefix = f"{TITLE_PREFIX}|{kind_prefix}" if name == "title" else kind_prefix
            copy = f"{PREFIX[name]}|{kind_prefix}" if name in PREFIX else None
            kinds.append(((prefix, copy) if copy else (prefix,), _WEIGHT_BITS[WEIGHT[(name == "title", kind)]]))
        out.append((*kinds[0], *kinds[1]))
    return out


_LAYOUT = _layout()

Segment = tuple[tuple[str, ...], Sequence[str], int, int]  # lexeme prefixes, tokens, first position, weight bits


def _segments(doc: Document) -> list[Segment]:
    """The document's tokens as runs of consecutive positions: each field's words, then its start n-grams, a gap
    after each (so that no phrase spans two fields, or words and n-grams)."""
    out: list[Segment] = []
    pos = 1
    words, ngrams = doc.words, doc.ngrams
    for name, (word_prefixes, word_weight, gram_prefixes, gram_weight) in zip(FIELDS, _LAYOUT, strict=True):
        toks = words.get(name)
        if toks:
            out.append((word_prefixes, toks, pos, word_weight))
            pos += len(toks)
        grams = ngrams.get(name)
        toks = start_grams(grams) if grams else None
        if toks:
            out.append((gram_prefixes, toks, pos + 1, gram_weight))
            pos += len(toks)
        pos += 2
    return out


def _fulltext_segments(words: Sequence[str], grams: Sequence[str]) -> list[Segment]:
    """A piece of full text as segments: its words, then its start n-grams after a gap."""
    out: list[Segment] = []
    if words:
        out.append((("",), words, 1, 0))
    starts = start_grams(grams) if grams else None
    if starts:
        out.append((("g|",), starts, len(words) + 2, 0))
    return out


def fulltext_tsvector(words: Sequence[str], grams: Sequence[str]) -> bytes:
    """A piece of full text's tsvector in binary COPY form."""
    segments = _fulltext_segments(words, grams)
    if NATIVE:
        return _native.tsvector(segments, _MAX_POS)
    return _tsvector_from(_lexemes_of(segments))


def _lexemes(doc: Document) -> dict[str, list[int]]:
    """Each lexeme of the document with its positions, the weight in the top two bits (as PostgreSQL stores
    them: A 3, B 2, C 1, D 0)."""
    return _lexemes_of(_segments(doc))


def _lexemes_of(segments: list[Segment]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    get = positions.get
    for prefixes, toks, pos, weight in segments:
        if pos + len(toks) <= _MAX_POS:
            stamps: Iterable[int] = range(pos | weight, (pos | weight) + len(toks))
        else:
            stamps = [min(p, _MAX_POS) | weight for p in range(pos, pos + len(toks))]
        for key_prefix in prefixes:
            for p, tok in zip(stamps, toks, strict=True):
                key = key_prefix + tok
                held = get(key)
                if held is None:
                    positions[key] = [p]
                else:
                    held.append(p)
    return positions


def tsvector_literal(doc: Document) -> str:
    """The document's tsvector in PostgreSQL's text form (what ``tsvector_binary`` sends, for reading)."""
    letters = {bits: letter for letter, bits in _WEIGHT_BITS.items()}
    return " ".join(
        f"{_quote(lex)}:{','.join(f'{p & _MAX_POS}{letters[p & ~_MAX_POS]}' for p in ps[:256])}"
        for lex, ps in _lexemes(doc).items()
    )


def tsvector_binary(doc: Document) -> bytes:
    """The document's tsvector in PostgreSQL's binary COPY form (tsvectorrecv): the lexeme count, then each lexeme
    in byte order, NUL-terminated, with its positions. The server takes it at about twice the rate of the text
    form, which it must parse and sort (bench/RESULTS.md, issue #3)."""
    if NATIVE:
        return _native.tsvector(_segments(doc), _MAX_POS)
    return _tsvector_binary_python(doc)


def _tsvector_binary_python(doc: Document) -> bytes:
    return _tsvector_from(_lexemes(doc))


def _tsvector_from(lexemes: dict[str, list[int]]) -> bytes:
    # Code point order is UTF-8 byte order: the lexemes sort as strings.
    entries = sorted(lexemes.items())
    out = [_INT32.pack(len(entries))]
    append = out.append
    one = _ONE.pack
    for lexeme, ps in entries:
        append(lexeme.encode())
        if len(ps) == 1:
            append(one(1, ps[0]))
            continue
        if ps[-1] & _MAX_POS == _MAX_POS:
            ps = _increasing(ps)  # positions past the last one PostgreSQL stores collapse into it
        ps = ps[:256]
        append(struct.pack(f">xH{len(ps)}H", len(ps), *ps))
    return b"".join(out)


def _increasing(positions: list[int]) -> list[int]:
    out: list[int] = []
    for p in positions:
        if not out or p & _MAX_POS > out[-1] & _MAX_POS:
            out.append(p)
    return out


def copy_row(unit_id: int, document: bytes) -> bytes:
    """One row of a binary COPY into (unit_id bigint, document tsvector)."""
    return _ROW_HEAD.pack(2, 8, unit_id, len(document)) + document


class PostgresBackend(Backend):
    vendor = "postgresql"

    @staticmethod
    def prepare(docs: Sequence[Document], analyzer_version: str) -> list[tuple]:
        """Rows ready to write (pure: runs in the analysis workers too)."""
        return [
            (
                d.id,
                analyzer_version,
                d.content_hash,
                copy_row(d.id, tsvector_binary(d)),
                *d.attribute_values(),
                d.title_length,
            )
            for d in docs
        ]

    def write_prepared(self, rows: Sequence[tuple], *, fresh: bool = False) -> None:
        if not rows:
            return
        from ..columns import next_generation

        columns = ("analyzer_version", "content_hash", *ATTRIBUTES, "title_length", "seq")
        seq = next_generation()
        entries = [(r[0], r[1], r[2], *r[4:], seq) for r in rows]
        documents = b"".join([_COPY_HEADER, *(r[3] for r in rows), _COPY_TRAILER])
        if fresh:
            # A rebuild into an empty index: COPY, no conflict to resolve.
            with connection.cursor() as cur:
                with cur.cursor.copy(f"COPY {INDEX_TABLE} (unit_id, {', '.join(columns)}) FROM STDIN") as copy:
                    for row in entries:
                        copy.write_row(row)
                with cur.cursor.copy(f"COPY {TSV_TABLE} (unit_id, document) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(documents)
            return
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {INDEX_TABLE} (unit_id, {', '.join(columns)}) "
                f"VALUES (%s, {', '.join('%s' for _ in columns)}) "
                "ON CONFLICT (unit_id) DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns),
                entries,
            )
            # The tsvectors go through a temporary table (binary COPY, as in a rebuild), then replace the rows.
            cur.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {INCOMING_TABLE} (unit_id bigint, document tsvector) "
                "ON COMMIT DELETE ROWS"
            )
            with cur.cursor.copy(f"COPY {INCOMING_TABLE} (unit_id, document) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(documents)
            cur.execute(
                f"INSERT INTO {TSV_TABLE} (unit_id, document) SELECT unit_id, document FROM {INCOMING_TABLE} "
                "ON CONFLICT (unit_id) DO UPDATE SET document = EXCLUDED.document"
            )
            cur.execute(f"DELETE FROM {INCOMING_TABLE}")

    def delete(self, ids: Sequence[int]) -> int:
        ids = list(ids)
        if ids:
            self.delete_fulltext(ids)
            with connection.cursor() as cur:
                cur.execute(f"DELETE FROM {TSV_TABLE} WHERE unit_id = ANY(%s)", [ids])
        return super().delete(ids)

    # Full text -------------------------------------------------------------------------------------------------

    FULLTEXT_WEIGHT = 0.005  # ts_rank of one title word is about 0.06, of one word elsewhere about 0.02

    def write_fulltext(self, pieces: Sequence[tuple[int, int, Document]]) -> None:
        if not pieces:
            return
        rows = [_COPY_HEADER]
        for unit_id, number, doc in pieces:
            document = fulltext_tsvector(doc.words.get(FULLTEXT_FIELD, ()), doc.ngrams.get(FULLTEXT_FIELD, ()))
            rows.append(_PIECE_HEAD.pack(3, 8, unit_id, 4, number) + _INT32.pack(len(document)) + document)
        rows.append(_COPY_TRAILER)
        with (
            connection.cursor() as cur,
            cur.cursor.copy(f"COPY {FULLTEXT_TABLE} (unit_id, piece, document) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.write(b"".join(rows))

    def delete_fulltext(self, ids: Sequence[int]) -> None:
        ids = list(ids)
        if ids:
            with connection.cursor() as cur:
                cur.execute(f"DELETE FROM {FULLTEXT_TABLE} WHERE unit_id = ANY(%s)", [ids])
                cur.execute(f"DELETE FROM {FULLTEXT_ENTRY_TABLE} WHERE unit_id = ANY(%s)", [ids])

    def lock_fulltext(self, unit_id: int) -> None:
        # Two transactions writing the same unit's pieces (an OCR job and a catalog edit) would collide on the
        # primary key: the second waits for the first, then sees what it wrote.
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [FULLTEXT_LOCK | unit_id])

    def delete_fulltext_pieces(self, unit_id: int, numbers: Sequence[int]) -> None:
        if numbers:
            with connection.cursor() as cur:
                cur.execute(
                    f"DELETE FROM {FULLTEXT_TABLE} WHERE unit_id = %s AND piece = ANY(%s)", [unit_id, list(numbers)]
                )

    def first_fulltext_pieces(self, terms: Sequence[ScoredTerm], ids: Sequence[int]) -> dict[int, int]:
        expressions = self.fulltext_expressions(terms)
        if not expressions or not ids:
            return {}
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT unit_id, min(piece) FROM {FULLTEXT_TABLE} WHERE unit_id = ANY(%s) "
                "AND document @@ %s::tsquery GROUP BY unit_id",
                [list(ids), self.or_(expressions)],
            )
            return {int(unit_id): int(piece) for unit_id, piece in cur.fetchall()}

    def _fulltext_match(self, expression: str) -> np.ndarray:
        with connection.cursor() as cur, transaction.atomic():
            cur.execute("SET LOCAL work_mem = '64MB'")
            cur.execute("SET LOCAL jit = off")
            cur.execute(
                f"SELECT string_agg(DISTINCT unit_id::text, ',') FROM {FULLTEXT_TABLE} WHERE document @@ %s::tsquery",
                [expression],
            )
            return parse_ids(cur.fetchone()[0])

    def begin_rebuild(self, fresh: bool) -> None:
        # Filling an empty table, then building the GIN index once, is several times faster than keeping the
        # index up to date row by row; an empty index has nothing to find meanwhile.
        # The kept matches stay: once every row is rewritten they are matched afresh at the end (refresh_kept).
        if fresh:
            with connection.cursor() as cur:
                cur.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")  # and the partitions' indexes attached to it
                for table in self._partitions():
                    cur.execute(f"DROP INDEX IF EXISTS {table}_document")  # one a crash left unattached

    def end_rebuild(self) -> None:
        partitions = self._partitions()
        self._build_indexes(partitions or [TSV_TABLE])
        with connection.cursor() as cur, transaction.atomic():
            if partitions:
                cur.execute(f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON ONLY {TSV_TABLE} USING gin (document)")
                for table in partitions:
                    cur.execute(f"ALTER INDEX {GIN_INDEX} ATTACH PARTITION {table}_document")
            cur.execute(f"ANALYZE {INDEX_TABLE}")
            cur.execute(f"ANALYZE {TSV_TABLE}")
        self.refresh_kept()

    @staticmethod
    def _partitions() -> list[str]:
        """The tsvector table's partitions (migration 0008), by name; none where it is one table."""
        with connection.cursor() as cur:
            cur.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
                [TSV_TABLE],
            )
            return [name for (name,) in cur.fetchall()]

    @staticmethod
    def _build_indexes(tables: list[str]) -> None:
        """Each table's GIN index, one per CPU at a time on connections of their own (PostgreSQL 15 builds a GIN
        index in one process); in the caller's connection inside a transaction, which other connections would wait
        on."""
        workers = 1 if connection.in_atomic_block else max(1, min(len(tables), os.cpu_count() or 1))
        # The build sorts every (lexeme, unit) pair: with the default 64 MB it spills to disk many times.
        memory = f"{max(64, GIN_BUILD_MEMORY_MB // workers)}MB"

        def build(table: str) -> None:
            with connection.cursor() as cur, transaction.atomic():
                cur.execute(f"SET LOCAL maintenance_work_mem = '{memory}'")
                index = GIN_INDEX if table == TSV_TABLE else f"{table}_document"
                cur.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (document)")

        if workers == 1:
            for table in tables:
                build(table)
            return

        def build_alone(table: str) -> None:
            try:
                build(table)
            finally:
                connection.close()  # this thread's own connection

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(build_alone, tables))

    def check_structure(self) -> list[str]:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
                [GIN_INDEX],
            )
            row = cur.fetchone()
        if row is None:
            return [f"GIN 索引 {GIN_INDEX} 缺失 / the GIN index {GIN_INDEX} is missing"]
        if not row[0]:
            return [
                f"GIN 索引 {GIN_INDEX} 不完整 / the GIN index {GIN_INDEX} is incomplete (a partition lacks its own)"
            ]
        return []

    def clear(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {INDEX_TABLE}, {TSV_TABLE}, {CACHE_TABLE}, {FULLTEXT_TABLE}, {FULLTEXT_ENTRY_TABLE}")

    def phrase(self, toks: list[str], field: str | None, *, grams: bool, prefix: bool = False) -> str:
        kind = "g|" if grams else ""
        last = len(toks) - 1

        def lexeme(lexeme_prefix: str, tok: str, n: int) -> str:
            # Shorter n-grams are stored only at a run's end: elsewhere they begin a longer one (start_grams);
            # a prefix term's last word may be the start of a longer word (档号:Z1 finds 'c|z109').
            starts = (grams and len(tok) < NGRAM_MAX) or (prefix and n == last)
            return _quote(lexeme_prefix + kind + tok) + (":*" if starts else "")

        def chain(lexeme_prefix: str) -> str:
            return "(" + " <-> ".join(lexeme(lexeme_prefix, t, n) for n, t in enumerate(toks)) + ")"

        # Plain GIN lookups: no weight to recheck in the stored tsvectors (only a phrase of several words is).
        if field == FULLTEXT_FIELD:
            return chain("")  # the full-text table holds nothing else
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
        return self._match_as_of(expression)[0]

    def _match_as_of(self, expression: str) -> tuple[np.ndarray, int]:
        """The ids matching ``expression``, and the generation they reflect (read in the same snapshot)."""
        with connection.cursor() as cur, transaction.atomic():
            # A bitmap of 100,000 matches needs more than the default 4 MB, or it turns lossy and every row on a
            # lossy page is rechecked; JIT compiling costs more than this short query takes.
            cur.execute("SET LOCAL work_mem = '64MB'")
            cur.execute("SET LOCAL jit = off")
            cur.execute(
                f"SELECT (SELECT generation FROM {STATE_TABLE} WHERE id = 1), "
                f"(SELECT string_agg(unit_id::text, ',') FROM {TSV_TABLE} WHERE document @@ %s::tsquery)",
                [expression],
            )
            generation, joined = cur.fetchone()
            return parse_ids(joined), int(generation or 0)

    def _match_among(self, expression: str, candidates: np.ndarray) -> np.ndarray:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT string_agg(unit_id::text, ',') FROM {TSV_TABLE} "
                "WHERE unit_id = ANY(%s) AND document @@ %s::tsquery",
                [candidates.tolist(), expression],
            )
            return parse_ids(cur.fetchone()[0])

    def score(self, terms: Sequence[ScoredTerm], ids: Sequence[int]) -> dict[int, float]:
        terms = [t for t in terms if t.field != FULLTEXT_FIELD]  # scored from the full-text table
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
