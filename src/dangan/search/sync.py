"""Keeping the unit index in step with the catalog: index or remove units by id (called inside the catalog's own
transaction), rebuild everything in resumable batches, and check the index against the catalog."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction

from .backends import get_backend
from .backends.base import Backend
from .index import UNITS, analyse_many, content_hash, registry

BATCH = 2_000
# Below this many units a process pool costs more than it saves.
POOL_THRESHOLD = 20_000

Progress = Callable[[int, int], None]


def _analyzer_version() -> str:
    from .analysis import ANALYZER_VERSION

    return ANALYZER_VERSION


def index_units(unit_ids: Iterable[int]) -> int:
    """(Re)index these units; ids that no longer exist are removed from the index. Returns the count written."""
    ids = sorted(set(unit_ids))
    if not ids:
        return 0
    from .columns import follow_dictionary

    follow_dictionary()
    source = registry.get(UNITS)
    backend = get_backend()
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        texts = source.load(chunk)
        docs = analyse_many(sorted(texts.items()))
        with transaction.atomic():
            backend.write(docs, _analyzer_version())
            gone = [i for i in chunk if i not in texts]
            if gone:
                backend.delete(gone)
        written += len(docs)
        index_fulltext(texts)
    return written


# Units whose full text is asked of the providers at once: with 300-page units, a few tens of MB of text.
FULLTEXT_BATCH = 50
# Pieces analysed before they are written: 32,000 characters, some 8 MB of tokens.
FULLTEXT_WRITE_PIECES = 8


def index_fulltext(unit_ids: Iterable[int]) -> int:
    """(Re)index the full text (search.fulltext) of these units, which must be in the unit index: each unit's text
    from the providers, analysed piece by piece; a unit whose text is as indexed is left alone, one without text
    loses its pieces. Returns the number of characters analysed."""
    from .fulltext import providers

    ids = sorted(set(unit_ids))
    if not ids:
        return 0
    if not providers():
        _drop_fulltext(ids)
        return 0
    analysed = 0
    for start in range(0, len(ids), FULLTEXT_BATCH):
        analysed += _index_fulltext_batch(ids[start : start + FULLTEXT_BATCH])
    return analysed


def _drop_fulltext(ids: list[int]) -> None:
    from .models import FullTextEntry

    held = list(FullTextEntry.objects.filter(unit_id__in=ids).values_list("unit_id", flat=True))
    if held:
        with transaction.atomic():
            get_backend().delete_fulltext(held)


def _index_fulltext_batch(ids: list[int]) -> int:
    from .fulltext import fulltext_digest, unit_full_texts
    from .models import FullTextEntry

    backend = get_backend()
    texts = unit_full_texts(ids)
    stored = {e.unit_id: e for e in FullTextEntry.objects.filter(unit_id__in=ids)}
    analysed = 0
    gone = [i for i in ids if i in stored and i not in texts]
    if gone:
        with transaction.atomic():
            backend.delete_fulltext(gone)
    for unit_id in ids:
        text = texts.pop(unit_id, None)
        if text is None:
            continue
        digest = fulltext_digest(text)
        entry = stored.get(unit_id)
        if entry is not None and entry.digest == digest:
            continue
        # One transaction per unit (inside the caller's, when there is one): a rebuild never holds the database's
        # write lock for more than one unit's text.
        with transaction.atomic():
            backend.lock_fulltext(unit_id)
            # What another transaction wrote while this one waited for the lock counts.
            entry = FullTextEntry.objects.filter(unit_id=unit_id).first()
            if entry is not None and entry.digest == digest:
                continue
            analysed += _write_pieces(backend, unit_id, text, digest, entry)
    return analysed


def _write_pieces(backend: Backend, unit_id: int, text: str, digest: str, entry: Any) -> int:
    """Analyse and write the pieces of one unit's text that differ from those indexed (all of them for a new
    unit), remove those beyond its end, and record the text's digests. Returns the characters analysed."""
    from .analysis import analysis_of
    from .fulltext import FULLTEXT_FIELD, piece_digest, pieces
    from .index import Document
    from .models import FullTextEntry

    old = entry.piece_digests.split() if entry is not None else []
    if entry is None:
        backend.delete_fulltext([unit_id])  # pieces a crash or an older version may have left
    digests: list[str] = []
    pending: list[tuple[int, int, Document]] = []
    analysed = 0
    for number, piece in enumerate(pieces(text)):
        kept = piece_digest(piece)
        digests.append(kept)
        if number < len(old) and old[number] == kept:
            continue
        if number < len(old):
            backend.delete_fulltext_pieces(unit_id, [number])
        words, grams = analysis_of(piece)
        pending.append(
            (unit_id, number, Document(unit_id, "", words={FULLTEXT_FIELD: words}, ngrams={FULLTEXT_FIELD: grams}))
        )
        analysed += len(piece)
        if len(pending) >= FULLTEXT_WRITE_PIECES:
            backend.write_fulltext(pending)
            pending = []
    backend.write_fulltext(pending)
    backend.delete_fulltext_pieces(unit_id, list(range(len(digests), len(old))))
    FullTextEntry.objects.update_or_create(
        unit_id=unit_id,
        defaults={
            "digest": digest,
            "characters": len(text),
            "pieces": len(digests),
            "piece_digests": " ".join(digests),
        },
    )
    return analysed


def reindex_fulltext(progress: Progress | None = None) -> int:
    """The full text of every indexed unit, again where its text changed (or the analyzer did); pieces of units no
    longer indexed are removed. Resumable: a unit whose text is as indexed is skipped."""
    from .fulltext import providers
    from .models import FullTextEntry, UnitIndexEntry

    if not providers():  # no app gives full text: none stays indexed
        held = list(FullTextEntry.objects.values_list("unit_id", flat=True))
        for start in range(0, len(held), BATCH):
            with transaction.atomic():
                get_backend().delete_fulltext(held[start : start + BATCH])
        return 0
    ids = list(UnitIndexEntry.objects.order_by("unit_id").values_list("unit_id", flat=True))
    orphaned = list(
        FullTextEntry.objects.exclude(unit_id__in=UnitIndexEntry.objects.values("unit_id")).values_list(
            "unit_id", flat=True
        )
    )
    if orphaned:
        with transaction.atomic():
            get_backend().delete_fulltext(orphaned)
    analysed = 0
    for start in range(0, len(ids), FULLTEXT_BATCH):
        analysed += index_fulltext(ids[start : start + FULLTEXT_BATCH])
        if progress:
            progress(min(start + FULLTEXT_BATCH, len(ids)), len(ids))
    return analysed


def remove_units(unit_ids: Iterable[int]) -> int:
    ids = sorted(set(unit_ids))
    if not ids:
        return 0
    with transaction.atomic():
        return get_backend().delete(ids)


def _batches(ids: Iterable[int], size: int):
    chunk: list[int] = []
    for i in ids:
        chunk.append(i)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def reindex_all(
    progress: Progress | None = None, *, processes: int | None = None, fulltext_progress: Progress | None = None
) -> int:
    """Rebuild the whole index: every unit analysed and written again, orphaned rows removed.

    Each batch of ``BATCH`` units is written in its own transaction, so an interrupted run leaves a consistent
    index and running it again finishes the work (writes are upserts). Reading, analysis and the formatting of
    the rows run in a process pool when the catalog is large and there is more than one core (each worker on its
    own connection), while this process writes.
    """

    from .columns import follow_dictionary
    from .models import UnitIndexEntry

    follow_dictionary()
    source = registry.get(UNITS)
    backend = get_backend()
    version = _analyzer_version()
    ids = list(source.ids())
    total = len(ids)
    fresh = not UnitIndexEntry.objects.exists()
    processes = processes if processes is not None else (os.cpu_count() or 1)
    pool = None
    if processes > 1 and total >= POOL_THRESHOLD and not connection.in_atomic_block:
        from .analysis import index_text

        index_text("预热 warm-up")  # load the dictionaries before forking, so that the workers inherit them
        # The workers read their batches on connections of their own: none may inherit this one's socket.
        connection.close()
        # What the workers inherit (the dictionaries, Django) is never garbage: no collection in them walks it.
        gc.freeze()
        pool = multiprocessing.get_context("fork").Pool(processes)
    terms = frozenset(backend.rebuild_terms(lambda: _sample(source, ids), total))
    postings: dict[str, tuple[list, list]] = {}
    start_generation = _generation()
    done = writes = 0
    backend.begin_rebuild(fresh)

    def write(prepared: tuple[list[tuple], dict]) -> None:
        nonlocal done, writes
        rows, found = prepared
        with transaction.atomic():
            backend.write_prepared(rows, fresh=fresh)
        done += len(rows)
        writes += bool(rows)
        for term, (anywhere, title) in found.items():
            kept = postings.setdefault(term, ([], []))
            kept[0].append(anywhere)
            kept[1].append(title)
        if progress:
            progress(done, total)

    try:
        if pool is not None:
            pending = []
            for chunk in _batches(ids, BATCH):
                pending.append(pool.apply_async(_load_and_prepare, (type(backend), chunk, version, terms)))
                if len(pending) > processes:
                    write(pending.pop(0).get())
            while pending:
                write(pending.pop(0).get())
        else:
            for chunk in _batches(ids, BATCH):
                write(_load_and_prepare(type(backend), chunk, version, terms))
    finally:
        if pool is not None:
            pool.close()
            pool.join()
            gc.unfreeze()
    # The collected matches hold as of the last batch only if no other write came between the batches (one
    # generation each) and no unit left the index meanwhile.
    generation = _generation()
    if postings and generation - start_generation == writes and UnitIndexEntry.objects.count() == done:
        backend.keep_rebuilt({t: (np.concatenate(a), np.concatenate(b)) for t, (a, b) in postings.items()}, generation)
    backend.end_rebuild()
    orphaned = _orphaned_ids()
    if orphaned:
        remove_units(orphaned)
    reindex_fulltext(fulltext_progress)
    return done


SAMPLE = 2_000  # documents analysed up front, evenly spread, for the backend's rebuild_terms


def _sample(source: Any, ids: list[int]) -> list[Any]:
    if not ids:
        return []
    step = max(1, len(ids) // SAMPLE)
    return analyse_many(sorted(source.load(ids[::step][:SAMPLE]).items()))


def _generation() -> int:
    from .models import IndexState

    return IndexState.objects.filter(pk=1).values_list("generation", flat=True).first() or 0


def _load_and_prepare(
    backend_class: type, ids: list[int], version: str, terms: frozenset[str]
) -> tuple[list[tuple], dict]:
    """Read the batch (in a worker, on the worker's own connection), analyse it and format its rows."""
    return _prepare(backend_class, sorted(registry.get(UNITS).load(ids).items()), version, terms)


def _prepare(
    backend_class: type[Backend], items: list, version: str, terms: frozenset[str]
) -> tuple[list[tuple], dict]:
    # A batch makes some hundred thousand lists and strings and no reference cycle: the cyclic collector, which
    # would walk them again and again while they live, a fifth of the analysis time, waits for the batch's end.
    enabled = gc.isenabled()
    gc.disable()
    try:
        docs = analyse_many(items)
        return backend_class.prepare(docs, version), (backend_class.term_postings(docs, terms) if terms else {})
    finally:
        if enabled:
            gc.enable()


def _orphaned_ids() -> list[int]:
    from django.db import connection

    from dangan.catalog.models import ArchivalUnit

    from .backends.base import INDEX_TABLE

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT e.unit_id FROM {INDEX_TABLE} e LEFT JOIN {ArchivalUnit._meta.db_table} u ON u.id = e.unit_id "
            "WHERE u.id IS NULL ORDER BY e.unit_id"
        )
        return [r[0] for r in cur.fetchall()]


@dataclass
class CheckReport:
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    orphaned: list[int] = field(default_factory=list)
    # Parts of the engine that are missing (a GIN index a crashed rebuild never recreated), in words.
    structure: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.orphaned or self.structure)


def check_index(progress: Progress | None = None) -> CheckReport:
    """Compare the index with the catalog: units not indexed, indexed from older texts or another analyzer
    version, and index rows whose unit is gone. Reads only; ``reindex_all`` or ``index_units`` repairs."""
    from dangan.catalog.models import ArchivalUnit

    from .models import UnitIndexEntry

    source = registry.get(UNITS)
    report = CheckReport()
    total = ArchivalUnit.objects.count()
    done = 0
    for chunk in _batches(source.ids(), BATCH):
        texts = source.load(chunk)
        stored = dict(UnitIndexEntry.objects.filter(unit_id__in=chunk).values_list("unit_id", "content_hash"))
        for unit_id in chunk:
            if unit_id not in texts:
                continue
            if unit_id not in stored:
                report.missing.append(unit_id)
            elif stored[unit_id] != content_hash(texts[unit_id]):
                report.stale.append(unit_id)
        _check_fulltext([i for i in chunk if i in texts], report)
        done += len(chunk)
        if progress:
            progress(done, total)
    report.orphaned = _orphaned_ids()
    report.structure = get_backend().check_structure()
    report.missing = sorted(set(report.missing))
    report.stale = sorted(set(report.stale))
    return report


def _check_fulltext(ids: list[int], report: CheckReport) -> None:
    """Units whose full text (search.fulltext) is not indexed (missing), indexed from another text or analyzer
    version, or indexed though the providers no longer give any (stale)."""
    from .fulltext import fulltext_digest, providers, unit_full_texts
    from .models import FullTextEntry

    for start in range(0, len(ids), FULLTEXT_BATCH):
        batch = ids[start : start + FULLTEXT_BATCH]
        stored = dict(FullTextEntry.objects.filter(unit_id__in=batch).values_list("unit_id", "digest"))
        texts = unit_full_texts(batch) if providers() else {}
        for unit_id in batch:
            text = texts.pop(unit_id, None)
            if text is None:
                if unit_id in stored:
                    report.stale.append(unit_id)
            elif unit_id not in stored:
                report.missing.append(unit_id)
            elif stored[unit_id] != fulltext_digest(text):
                report.stale.append(unit_id)
