"""Both engines keep the matches of frequent terms (CachedTermMatch) and answer from them; the answers must stay
exactly those of the engine's own index (PostgreSQL's GIN index, SQLite's FTS5 table) as units are changed, added
and removed. Outside a transaction, as a running server searches."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.search.test_backends_agree import EXPECTED, QUERIES, _answers, _build

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def keep_every_term(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every term keeps its matches, however few (the catalog here has 200 units, not a million)."""
    from dangan.search.backends import base

    monkeypatch.setattr(base, "CACHE_MIN", 1)
    monkeypatch.setattr(base, "SEED_MIN", 1)


def _kept_rows() -> int:
    from dangan.search.models import CachedTermMatch

    return CachedTermMatch.objects.count()


def _found(user: Any, q: str) -> list[int]:
    from dangan.search.service import SearchRequest, search

    result = search(user, SearchRequest(q=q, size=100))
    assert result.error is None
    found = sorted(h.unit.pk for h in result.hits)
    assert result.total == len(found), "the total counts exactly the units found"
    return found


def test_kept_matches_give_the_index_s_own_answers(fonds: Any, keep_every_term: None) -> None:
    from django.contrib.auth.models import AnonymousUser

    from tests.conftest import _make_user

    _build(fonds)
    cleared = _make_user("cleared", "archivist", "top_secret")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for attempt in ("matched and kept", "read back"):
        got = {"archivist": _answers(cleared), "anonymous": _answers(AnonymousUser())}
        for who in ("archivist", "anonymous"):
            for q in QUERIES:
                assert got[who][q]["ids"] == expected[who][q]["ids"], (attempt, who, q)
                assert got[who][q]["total"] == expected[who][q]["total"], (attempt, who, q)
        assert _kept_rows() >= 10  # the single terms; AND / OR of terms not kept go to the engine whole


def test_changes_after_a_term_was_kept_are_found(fonds: Any, archivist: Any, keep_every_term: None) -> None:
    from dangan.catalog.actions.units import do_create_unit, do_delete_unit, do_update_unit
    from dangan.catalog.models import ArchivalUnit

    _build(fonds)
    before = _found(archivist, "娄山关")
    assert before
    kept = _kept_rows()
    # A unit gains the term, another loses it, a new one is created with it.
    gaining = ArchivalUnit.objects.exclude(title__contains="娄山关").exclude(notes__contains="娄山关").first()
    losing = ArchivalUnit.objects.get(title="红军攻占娄山关战斗详报")
    do_update_unit(archivist, gaining, {"title": gaining.title + "（娄山关）"})
    do_update_unit(archivist, losing, {"title": "红军攻占某关口战斗详报", "notes": ""})
    created = do_create_unit(
        archivist,
        fonds,
        {"title": "娄山关战役纪念馆征集说明", "year": 1985, "classification": "public", "openness": "open"},
    )
    after = _found(archivist, "娄山关")
    assert gaining.pk in after
    assert losing.pk not in after
    assert created.pk in after
    assert len(after) == len(before) + 1
    assert _kept_rows() >= kept  # the kept row was used, not dropped

    # A removed unit is no longer found or counted, though its id is among the kept ones (unchanged since).
    removed = next(pk for pk in before if pk not in (losing.pk, gaining.pk))
    do_delete_unit(archivist, ArchivalUnit.objects.get(pk=removed))
    assert _found(archivist, "娄山关") == sorted(set(after) - {removed})


def test_a_rebuild_matches_the_kept_terms_again(fonds: Any, archivist: Any, keep_every_term: None) -> None:
    from dangan.search.models import CachedTermMatch, IndexState
    from dangan.search.service import reindex_all

    _build(fonds)
    first = _found(archivist, "扶贫 -搬迁")
    words = {q: _found(archivist, q) for q in ("扶贫", "搬迁", "遵义")}
    kept = _kept_rows()
    reindex_all()
    assert _kept_rows() >= kept  # and the rebuild's own (test_a_rebuild_keeps_the_matches_of_frequent_ngrams)
    assert kept >= 2
    # Every kept row was matched again after the rewrite of every index row, not left to be found stale.
    generation = IndexState.objects.get().generation
    assert set(CachedTermMatch.objects.values_list("as_of", flat=True)) == {generation}
    assert _found(archivist, "扶贫 -搬迁") == first
    assert {q: _found(archivist, q) for q in words} == words


def _answers_are_the_index_s_own() -> None:
    from django.contrib.auth.models import AnonymousUser

    from tests.conftest import _make_user

    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    got = {
        "archivist": _answers(_make_user("cleared", "archivist", "top_secret")),
        "anonymous": _answers(AnonymousUser()),
    }
    for who, answers in got.items():
        for q in QUERIES:
            assert answers[q]["ids"] == expected[who][q]["ids"], (who, q)
            assert answers[q]["total"] == expected[who][q]["total"], (who, q)


def test_a_rebuild_keeps_the_matches_of_frequent_ngrams(fonds: Any, keep_every_term: None) -> None:
    """The first search for a common word after a rebuild reads kept matches the rebuild collected as it went,
    and they are exactly what the index answers."""
    from dangan.search.backends import get_backend
    from dangan.search.models import CachedTermMatch, IndexState
    from dangan.search.service import reindex_all

    _build(fonds)
    CachedTermMatch.objects.all().delete()
    reindex_all()
    backend = get_backend()
    expressions = set(CachedTermMatch.objects.values_list("expression", flat=True))
    assert backend.term("六盘水", None) in expressions
    assert backend.term("六盘水", "title") in expressions  # the title tier and 题名:
    assert backend.term("易地扶贫搬迁", None) in expressions  # a longer word: where both its pieces are
    assert backend.term("易地扶贫搬迁", "title") in expressions
    assert backend.term("工作总结", None) in expressions  # two adjacent words (工作, 总结)
    assert backend.term("盘水", None) not in expressions  # frequent, but no word: matched when searched
    generation = IndexState.objects.get().generation
    assert set(CachedTermMatch.objects.values_list("as_of", flat=True)) == {generation}
    _answers_are_the_index_s_own()


def test_a_write_during_a_rebuild_leaves_its_collected_matches_unkept(
    fonds: Any, archivist: Any, keep_every_term: None
) -> None:
    """A unit saved between two of the rebuild's batches may differ from what the rebuild analysed: nothing it
    collected is kept, and the searches match afresh."""
    from dangan.catalog.actions.units import do_update_unit
    from dangan.catalog.models import ArchivalUnit
    from dangan.search.models import CachedTermMatch
    from dangan.search.service import reindex_all

    _build(fonds)
    CachedTermMatch.objects.all().delete()
    unit = ArchivalUnit.objects.get(title="红军攻占娄山关战斗详报")

    def meanwhile(done: int, total: int) -> None:
        do_update_unit(archivist, unit, {"title": "红军攻占某关口战斗详报", "notes": ""})

    reindex_all(progress=meanwhile)
    assert _kept_rows() == 0
    assert unit.pk not in _found(archivist, "娄山关")
