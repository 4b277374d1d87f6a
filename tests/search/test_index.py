"""The index: documents written on index_units/remove_units and by the units_changed receiver, reindex_all (also
resumed after an interruption) and check_index finding missing, stale and orphaned rows."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def hits(user: Any, q: str) -> list[str]:
    from dangan.search.service import SearchRequest, search

    result = search(user, SearchRequest(q=q, size=100))
    assert result.error is None, result.error
    return [h.unit.title for h in result.hits]


def create(archivist: Any, fonds: Any, title: str, **data: Any) -> Any:
    from dangan.catalog.actions.units import do_create_unit

    data.setdefault("classification", "public")
    subjects = data.pop("subjects", None)
    return do_create_unit(archivist, fonds, {"title": title, **data}, subjects=subjects)


def test_units_are_indexed_by_the_catalog_actions(fonds: Any, archivist: Any) -> None:
    from dangan.catalog.actions.units import do_delete_unit, do_update_unit

    unit = create(archivist, fonds, "关于娄山关战斗的报告", notes="红军攻占娄山关")
    assert hits(archivist, "娄山") == ["关于娄山关战斗的报告"]
    do_update_unit(archivist, unit, {"title": "遵义会议决议", "subjects": ["长征"]})
    assert hits(archivist, "娄山") == ["遵义会议决议"]  # still in 附注
    assert hits(archivist, "题名:娄山") == []
    assert hits(archivist, "主题词:长征") == ["遵义会议决议"]
    do_delete_unit(archivist, unit)
    assert hits(archivist, "遵义") == []
    from dangan.search.models import UnitIndexEntry

    assert not UnitIndexEntry.objects.exists()


def test_a_rolled_back_change_leaves_the_index_as_it_was(fonds: Any, archivist: Any) -> None:
    from django.db import transaction

    from dangan.catalog.actions.units import do_update_unit

    unit = create(archivist, fonds, "易地扶贫搬迁工作方案")
    with pytest.raises(RuntimeError), transaction.atomic():
        do_update_unit(archivist, unit, {"title": "疫情防控工作方案"})
        assert hits(archivist, "疫情") == ["疫情防控工作方案"]
        raise RuntimeError
    assert hits(archivist, "疫情") == []
    assert hits(archivist, "扶贫") == ["易地扶贫搬迁工作方案"]


def test_reindex_all_rebuilds_and_resumes(fonds: Any, archivist: Any) -> None:
    from dangan.catalog.models import ArchivalUnit
    from dangan.search import sync
    from dangan.search.backends import get_backend
    from dangan.search.models import UnitIndexEntry

    for n in range(7):
        ArchivalUnit.objects.create(fonds=fonds, title=f"第{n}号 产业扶贫项目资金检查报告", classification="public")
    assert hits(archivist, "产业扶贫") == []  # written behind the actions' back: not indexed yet
    seen: list[tuple[int, int]] = []
    old_batch, sync.BATCH = sync.BATCH, 3
    try:
        assert sync.reindex_all(lambda done, total: seen.append((done, total))) == 7
        assert seen == [(3, 7), (6, 7), (7, 7)]
        assert len(hits(archivist, "产业扶贫")) == 7
        # An interrupted run: part of the index lost; running again completes it, without duplicates.
        get_backend().delete(list(UnitIndexEntry.objects.values_list("unit_id", flat=True))[:4])
        assert sync.reindex_all() == 7
    finally:
        sync.BATCH = old_batch
    assert UnitIndexEntry.objects.count() == 7
    assert len(hits(archivist, "产业扶贫")) == 7
    assert sync.check_index().ok


def test_check_finds_missing_stale_and_orphaned_rows(fonds: Any, archivist: Any) -> None:
    from dangan.catalog.models import ArchivalUnit
    from dangan.search.backends import get_backend
    from dangan.search.index import Document
    from dangan.search.service import check_index, index_units, reindex_all

    a = create(archivist, fonds, "毕节试验区建设情况汇报")
    b = create(archivist, fonds, "赤水河流域保护条例")
    c = ArchivalUnit.objects.create(fonds=fonds, title="黔东南州脱贫攻坚总结", classification="public")
    ArchivalUnit.objects.filter(pk=b.pk).update(title="赤水河流域生态保护条例")  # behind the index's back
    get_backend().write([Document(10**9, "0" * 16, {}, {})], "old")
    report = check_index()
    assert (report.missing, report.stale, report.orphaned, report.ok) == ([c.pk], [b.pk], [10**9], False)
    assert index_units([c.pk, b.pk]) == 2
    assert check_index().orphaned == [10**9]
    reindex_all()
    assert check_index().ok
    assert a.pk and hits(archivist, "生态保护") == ["赤水河流域生态保护条例"]


def test_index_units_drops_ids_that_are_gone(fonds: Any, archivist: Any) -> None:
    from dangan.catalog.models import ArchivalUnit
    from dangan.search.service import check_index, index_units, remove_units

    unit = create(archivist, fonds, "红军长征过贵州史料")
    pk = unit.pk
    ArchivalUnit.objects.filter(pk=pk).delete()
    assert check_index().orphaned == [pk]
    assert index_units([pk]) == 0
    assert check_index().ok
    assert remove_units([pk]) == 0


def test_a_new_classification_reaches_the_index_at_once(fonds: Any, archivist: Any, junior_archivist: Any) -> None:
    from dangan.catalog.actions.units import do_update_unit
    from dangan.catalog.models import ArchivalUnit
    from dangan.search.service import SearchRequest, check_index, search

    unit = create(archivist, fonds, "花茂村产业扶贫情况汇报")
    assert hits(junior_archivist, "花茂村") == ["花茂村产业扶贫情况汇报"]
    do_update_unit(archivist, unit, {"classification": "secret"})
    result = search(junior_archivist, SearchRequest(q="花茂村"))
    assert (result.total, result.hits, result.facets["classification"]) == (0, [], [])
    assert hits(archivist, "花茂村") == ["花茂村产业扶贫情况汇报"]
    # Changed behind the index's back: check reports it stale; the hit list still follows the catalog row.
    ArchivalUnit.objects.filter(pk=unit.pk).update(classification="public")
    assert check_index().stale == [unit.pk]


def test_check_reports_a_missing_gin_index_on_postgresql(fonds: Any, archivist: Any) -> None:
    from django.db import connection

    from dangan.search.backends.postgres import GIN_INDEX
    from dangan.search.service import check_index

    if connection.vendor != "postgresql":
        assert check_index().structure == []  # SQLite: the FTS5 table is the index
        return
    create(archivist, fonds, "毕节试验区建设情况汇报")
    assert check_index().ok
    with connection.cursor() as cur:
        cur.execute(f"DROP INDEX {GIN_INDEX}")  # what a rebuild killed between its COPY and CREATE INDEX leaves
    report = check_index()
    assert not report.ok and GIN_INDEX in report.structure[0]


def test_the_binary_tsvector_is_the_text_one_as_postgresql_reads_them(fonds: Any) -> None:
    """The index sends tsvectors in binary COPY form; PostgreSQL must read each as it reads the text form — also for
    a document longer than the 16,383 positions a tsvector keeps, and with traditional and full-width characters."""
    from django.db import connection

    from dangan.search.backends.postgres import TSV_TABLE, PostgresBackend, tsvector_literal
    from dangan.search.index import analyse

    if connection.vendor != "postgresql":
        pytest.skip("the binary tsvector is PostgreSQL's")
    body = "；".join(f"第{n}次遵义会议纪要抄件，涉及红三军团与ＣＯＶＩＤ－１９疫情防控" for n in range(1500))
    body += "。息烽集中营旧址，息烽集中营旧址，息烽集中营旧址"  # words first seen past the last position kept
    docs = [
        analyse(900_001, {"title": "遵義會議決議（抄件）", "responsible": "中共中央政治局", "body": "娄山关"}),
        analyse(900_002, {"title": "长文档", "body": body, "reference_code": "Z109-WS·1935-Y-0001"}),
    ]
    assert max(len(d.words["body"]) + len(d.ngrams["body"]) for d in docs) > 16_383
    backend = PostgresBackend()
    backend.write(docs, "test")
    backend.write(docs, "test")  # an update goes the same way (the temporary table, then the upsert)
    with connection.cursor() as cur:
        for doc in docs:
            cur.execute(
                f"SELECT document = %s::tsvector, length(document) FROM {TSV_TABLE} WHERE unit_id = %s",
                [tsvector_literal(doc), doc.id],
            )
            same, lexemes = cur.fetchone()
            assert same and lexemes > 10, doc.id


def test_every_substring_of_two_to_four_characters_finds_the_unit(fonds: Any, archivist: Any) -> None:
    """PostgreSQL keeps one n-gram per starting character (the longest) and looks shorter terms up by prefix; SQLite
    keeps them all. Either way each 2–4 character piece of a run finds the unit — at a run's start, middle and end,
    in the title (题名:) and in another field."""
    create(archivist, fonds, "安顺县水务局防汛报告", notes="红军攻占娄山关口")
    create(archivist, fonds, "遵义县教育局通知")
    title, notes = "安顺县水务局防汛报告", "红军攻占娄山关口"
    for text, field in ((title, "题名:"), (notes, "")):
        for size in (2, 3, 4):
            for start in range(len(text) - size + 1):
                piece = text[start : start + size]
                assert hits(archivist, field + piece) == [title], piece
    assert hits(archivist, "题名:娄山") == []
    assert hits(archivist, "县教") == ["遵义县教育局通知"]


def test_start_grams_keep_the_longest_ngram_at_each_start() -> None:
    from dangan.search.analysis import ngrams_of
    from dangan.search.backends.postgres import start_grams

    assert start_grams(ngrams_of("娄山关口")) == ["关口", "山关口", "娄山关口"]
    assert start_grams(ngrams_of("娄山")) == ["娄山"]
    kept = start_grams(ngrams_of("安顺县水务局"))
    assert sorted(kept) == sorted(["安顺县水", "顺县水务", "县水务局", "水务局", "务局"])
    assert all(any(k.startswith(g) for k in kept) for g in ngrams_of("安顺县水务局"))


def test_a_batch_of_nearly_consecutive_ids_loads_exactly_those_units(fonds: Any, archivist: Any) -> None:
    """A rebuild's batch is read as an id range: units inside the range but not asked for stay out, with their
    subjects."""
    from dangan.search.index import load_units

    units = [create(archivist, fonds, f"遵义会议文件第{n}号", subjects=["长征"] if n % 2 else None) for n in range(130)]
    asked = [u.pk for n, u in enumerate(units) if n % 10 != 3]
    loaded = load_units(asked)
    assert sorted(loaded) == sorted(asked)
    assert loaded[units[1].pk]["subjects"] == "长征" and loaded[units[2].pk]["subjects"] == ""
    assert sorted(load_units([u.pk for u in units])) == sorted(u.pk for u in units)
    assert sorted(load_units([units[5].pk, units[100].pk])) == sorted([units[5].pk, units[100].pk])


def test_clearing_the_index_empties_it_and_a_rebuild_fills_it_again(fonds: Any, archivist: Any) -> None:
    from dangan.search.backends import get_backend
    from dangan.search.models import UnitIndexEntry
    from dangan.search.service import check_index, reindex_all

    create(archivist, fonds, "关于娄山关战斗的报告")
    create(archivist, fonds, "遵义会议决议")
    get_backend().clear()
    assert hits(archivist, "娄山") == [] and not UnitIndexEntry.objects.exists()
    assert len(check_index().missing) == 2
    assert reindex_all() == 2
    assert hits(archivist, "娄山") == ["关于娄山关战斗的报告"]
    assert check_index().ok


def test_a_rebuild_forgets_what_analyze_recorded_of_the_empty_fts_table(fonds: Any, archivist: Any) -> None:
    """ANALYZE over an empty FTS5 table (as after loading a catalog) records figures that slow every later FTS5
    write the more the index grows; a rebuild removes them."""
    from django.db import connection

    from dangan.search.backends.sqlite import SHADOW_TABLES
    from dangan.search.service import reindex_all

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's planner statistics")

    def recorded() -> list[str]:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT tbl FROM sqlite_stat1 WHERE tbl IN ({', '.join('%s' for _ in SHADOW_TABLES)})", SHADOW_TABLES
            )
            return [t for (t,) in cur.fetchall()]

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    assert "search_unit_fts_data" in recorded()
    create(archivist, fonds, "关于娄山关战斗的报告")
    assert reindex_all() == 1
    assert recorded() == []
    assert hits(archivist, "娄山关") == ["关于娄山关战斗的报告"]


def test_a_rebuild_restores_fts5_merging_when_it_ends(fonds: Any, archivist: Any) -> None:
    from django.db import connection

    from dangan.search.backends.sqlite import FTS_TABLE, MERGING, REBUILD_MERGING
    from dangan.search.service import reindex_all

    if connection.vendor != "sqlite":
        pytest.skip("FTS5's settings")

    def settings() -> dict[str, int]:
        with connection.cursor() as cur:
            cur.execute(f"SELECT k, v FROM {FTS_TABLE}_config WHERE k IN ('automerge', 'crisismerge')")
            return dict(cur.fetchall())

    seen: list[dict[str, int]] = []
    create(archivist, fonds, "关于娄山关战斗的报告")
    assert reindex_all(lambda done, total: seen.append(settings())) == 1
    assert seen == [REBUILD_MERGING]  # while the batches are written
    assert settings() == MERGING
    assert hits(archivist, "娄山关") == ["关于娄山关战斗的报告"]
