"""The units' full text in search (search.fulltext): a registered provider's text is found by a word inside it
(繁简 both ways, substrings, 全文:), ranks below title matches, follows notify_units_changed and the rebuild, shows a
snippet, and reveals nothing to those who may not see the unit's files. On SQLite, and on PostgreSQL with
DANGAN_TEST_DATABASE_URL set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from dangan.catalog.actions.units import do_update_unit
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.signals import notify_units_changed
from dangan.core.actions.accounts import do_create_api_token
from dangan.core.actors import CONSOLE
from dangan.search.fulltext import register_fulltext_provider, unregister_fulltext_provider
from dangan.search.models import FullTextEntry
from dangan.search.service import SearchRequest, reindex_all, search
from tests.helpers import call
from tests.search.fixtures_ui import make_item

pytestmark = pytest.mark.django_db

PAGE = "民國二十四年一月，中國工農紅軍攻佔婁山關，\n殲敵兩個團。此役為長征以來\n第一個大勝仗。"


class Texts(dict[int, str]):
    """The full text of units, as a provider gives it (what digitization's OCR text store does)."""

    def __call__(self, unit_ids: Sequence[int]) -> Mapping[int, str]:
        self.calls.append(list(unit_ids))
        return {i: self[i] for i in unit_ids if i in self}

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[int]] = []


@pytest.fixture
def texts() -> Iterator[Texts]:
    provider = Texts()
    register_fulltext_provider("test-ocr", provider)
    yield provider
    unregister_fulltext_provider("test-ocr")


@pytest.fixture
def units(fonds: Any, categories: Any, texts: Texts) -> dict[str, ArchivalUnit]:
    """A scanned unit whose title says nothing of its text, one with the word in its title, and hidden ones."""

    def item(key: str, title: str, classification: str = "public", openness: str = "open", **extra: Any) -> Any:
        return make_item(fonds, categories, title, classification, openness=openness, **extra)

    made = {
        "scanned": item("scanned", "红军第三军团战斗详报（扫描件）", date=dt.date(1935, 2, 27), year=1935),
        "titled": item("titled", "娄山关战斗经过", date=dt.date(1935, 3, 1), year=1935),
        "secret": item("secret", "机密战报（扫描件）", "secret"),
        "top": item("top", "绝密战报（扫描件）", "top_secret"),
        "plain": item("plain", "无关的通知"),
    }
    texts[made["scanned"].pk] = PAGE
    texts[made["secret"].pk] = "娄山关守敌布防图说明"
    texts[made["top"].pk] = "娄山关绝密电报"
    notify_units_changed([u.pk for u in made.values()])
    return made


def found(user: Any, q: str, **kw: Any) -> list[str]:
    result = search(user, SearchRequest(q=q, **kw))
    assert result.error is None, result.error
    return [h.unit.title for h in result.hits]


def hit(user: Any, q: str, unit: ArchivalUnit) -> Any:
    result = search(user, SearchRequest(q=q))
    return next(h for h in result.hits if h.unit.pk == unit.pk)


def test_a_word_inside_the_full_text_finds_the_unit(units: Any, archivist: Any) -> None:
    assert "红军第三军团战斗详报（扫描件）" in found(archivist, "大胜仗")
    assert found(archivist, "殲敵") == ["红军第三军团战斗详报（扫描件）"]
    assert found(archivist, "无此词语") == []


def test_traditional_and_simplified_both_ways(units: Any, archivist: Any, texts: Texts) -> None:
    assert found(archivist, "工农红军") == ["红军第三军团战斗详报（扫描件）"]  # the page is traditional
    assert found(archivist, "中國工農紅軍") == ["红军第三军团战斗详报（扫描件）"]
    texts[units["plain"].pk] = "遵义会议决议"  # simplified text, traditional query
    notify_units_changed([units["plain"].pk])
    assert found(archivist, "遵義會議") == ["无关的通知"]
    assert found(archivist, "ＡＢＣ") == []


def test_substrings_and_words_across_line_breaks(units: Any, archivist: Any) -> None:
    assert found(archivist, "娄山") == found(archivist, "娄山关")
    assert "红军第三军团战斗详报（扫描件）" in found(archivist, "娄山")
    assert found(archivist, "以来第一") == ["红军第三军团战斗详报（扫描件）"]  # 以来⏎第一 on the page
    assert found(archivist, "长征以来第一个大胜仗") == ["红军第三军团战斗详报（扫描件）"]
    assert found(archivist, '"此役 为长征"') == ["红军第三军团战斗详报（扫描件）"]  # a phrase across the layout


def test_the_fulltext_field(units: Any, archivist: Any) -> None:
    assert found(archivist, "全文:娄山关") == ["机密战报（扫描件）", "红军第三军团战斗详报（扫描件）"] or set(
        found(archivist, "全文:娄山关")
    ) == {"机密战报（扫描件）", "红军第三军团战斗详报（扫描件）"}
    assert found(archivist, "题名:娄山关") == ["娄山关战斗经过"]
    assert found(archivist, "全文:娄山关 题名:详报") == ["红军第三军团战斗详报（扫描件）"]
    assert found(archivist, "全文:无此词语") == []
    # A term in the title and another in the full text: both hold.
    assert found(archivist, "详报 大胜仗") == ["红军第三军团战斗详报（扫描件）"]
    assert found(archivist, "娄山关 -布防") == found(archivist, "娄山关 NOT 布防")
    assert "机密战报（扫描件）" not in found(archivist, "娄山关 -布防")
    assert set(found(archivist, "布防 OR 大胜仗")) == {"机密战报（扫描件）", "红军第三军团战斗详报（扫描件）"}


def test_title_matches_rank_above_full_text_matches(units: Any) -> None:
    ranked = found(CONSOLE, "娄山关")
    assert ranked[0] == "娄山关战斗经过"
    assert set(ranked[1:]) == {"红军第三军团战斗详报（扫描件）", "机密战报（扫描件）", "绝密战报（扫描件）"}


def test_the_snippet_shows_the_match_in_the_full_text(units: Any, archivist: Any, texts: Texts) -> None:
    shown = hit(archivist, "娄山关", units["scanned"])
    assert shown.fulltext_snippet is not None
    assert "<mark>婁山關</mark>" in shown.fulltext_snippet
    assert any(m.field == "fulltext" and m.label == "全文" for m in shown.matched)
    assert hit(archivist, "娄山关", units["titled"]).fulltext_snippet is None
    texts[units["plain"].pk] = "前言" * 200 + "<script>alert(1)</script>娄山关 & 遵义" + "后记" * 200
    notify_units_changed([units["plain"].pk])
    snippet = hit(archivist, "娄山关", units["plain"]).fulltext_snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "&lt;script&gt;" in snippet and "<script>" not in snippet and "<mark>娄山关</mark> &amp; 遵义" in snippet


def test_reindex_follows_notify_units_changed(units: Any, archivist: Any, texts: Texts) -> None:
    scanned = units["scanned"]
    texts[scanned.pk] = "一九三六年西安事变"
    assert "红军第三军团战斗详报（扫描件）" in found(archivist, "大胜仗")  # not told yet
    texts.calls.clear()
    notify_units_changed([scanned.pk])
    assert texts.calls == [[scanned.pk]]  # the provider is asked for the changed unit only
    assert found(archivist, "大胜仗") == []
    assert found(archivist, "西安事变") == ["红军第三军团战斗详报（扫描件）"]
    del texts[scanned.pk]
    notify_units_changed([scanned.pk])
    assert found(archivist, "西安事变") == []
    assert not FullTextEntry.objects.filter(unit_id=scanned.pk).exists()


def test_an_edit_of_the_record_keeps_the_full_text(units: Any, archivist: Any) -> None:
    scanned = units["scanned"]
    do_update_unit(CONSOLE, scanned, {"title": "红军第三军团战斗详报"})
    assert found(archivist, "大胜仗") == ["红军第三军团战斗详报"]


def test_rebuild_brings_the_full_text_back(units: Any, archivist: Any) -> None:
    from dangan.search.backends import get_backend

    get_backend().clear()
    assert found(archivist, "大胜仗") == []
    reindex_all()
    assert found(archivist, "大胜仗") == ["红军第三军团战斗详报（扫描件）"]


def test_a_removed_unit_takes_its_full_text_along(units: Any, archivist: Any) -> None:
    from dangan.catalog.actions.units import do_delete_unit

    scanned = units["scanned"]
    do_delete_unit(CONSOLE, scanned)
    assert found(archivist, "大胜仗") == []
    assert not FullTextEntry.objects.filter(unit_id=scanned.pk).exists()


def test_a_large_text_in_pieces(units: Any, archivist: Any, texts: Texts) -> None:
    pages = [f"第{n}页。" + "中央红军在贵州境内行军作战，沿途张贴布告，宣传抗日救国的主张。\n" * 20 for n in range(60)]
    pages[-1] += "最后一页提到瓦窑堡会议。"
    texts[units["plain"].pk] = "\n\n".join(pages)
    notify_units_changed([units["plain"].pk])
    entry = FullTextEntry.objects.get(unit_id=units["plain"].pk)
    assert entry.pieces > 5 and entry.characters == len(texts[units["plain"].pk])
    assert found(archivist, "瓦窑堡会议") == ["无关的通知"]
    assert "<mark>瓦窑堡</mark>会议" in hit(archivist, "瓦窑堡", units["plain"]).fulltext_snippet


# Visibility --------------------------------------------------------------------------------------------------------


def test_the_public_searches_the_full_text_of_opened_units_only(units: Any) -> None:
    """The public sees the files of opened units (开放), so their text too; never a controlled unit's."""
    public = AnonymousUser()
    assert found(public, "娄山关") == ["娄山关战斗经过", "红军第三军团战斗详报（扫描件）"]
    assert found(public, "全文:大胜仗") == ["红军第三军团战斗详报（扫描件）"]
    assert search(public, SearchRequest(q="大胜仗")).hits[0].fulltext_snippet is not None
    ArchivalUnit.objects.filter(pk=units["scanned"].pk).update(openness="controlled")
    notify_units_changed([units["scanned"].pk])
    assert found(public, "大胜仗") == [] and found(public, "全文:大胜仗") == []
    assert found(public, "娄山关") == ["娄山关战斗经过"]


def test_a_hidden_unit_is_not_revealed_by_its_full_text(
    units: Any, archivist: Any, junior_archivist: Any, system_admin: Any
) -> None:
    assert "绝密战报（扫描件）" not in found(archivist, "娄山关")  # cleared to 机密
    assert found(archivist, "布防") == ["机密战报（扫描件）"]
    assert found(junior_archivist, "布防") == []  # 公开 only
    assert found(junior_archivist, "大胜仗") == ["红军第三军团战斗详报（扫描件）"]
    assert found(system_admin, "布防") == [] and found(system_admin, "大胜仗") == ["红军第三军团战斗详报（扫描件）"]
    assert found(CONSOLE, "绝密电报") == ["绝密战报（扫描件）"]
    totals = search(junior_archivist, SearchRequest(q="全文:娄山关"))
    assert totals.total == 1 and sum(f.count for f in totals.facets["classification"]) == 1


@pytest.mark.django_db(transaction=True)
def test_the_api_gives_the_snippet_to_those_who_may_see_the_files(live_server: Any, units: Any, archivist: Any) -> None:
    base = f"{live_server.url}/api/search?q=%E5%A4%A7%E8%83%9C%E4%BB%97"  # 大胜仗
    assert call("GET", base).json["total"] == 1  # the public: the unit is opened (开放)
    _, key = do_create_api_token(archivist, "检索")
    body = call("GET", base, token=key).json
    assert body["total"] == 1
    item = body["items"][0]
    assert "<mark>大勝仗</mark>" in item["fulltext_snippet"]
    assert {"field": "fulltext", "label": "全文", "values": []} in item["matched"]
    titled = call("GET", f"{live_server.url}/api/search?q=%E9%A2%98%E5%90%8D:%E5%A8%84%E5%B1%B1%E5%85%B3", token=key)
    assert [i["fulltext_snippet"] for i in titled.json["items"]] == [None]


def test_the_search_page_shows_the_snippet(client: Any, units: Any, archivist: Any) -> None:
    client.force_login(archivist)
    page = client.get("/manage/search/", {"q": "大胜仗"}).content.decode()
    assert "红军第三军团战斗详报（扫描件）" in page and "<mark>大勝仗</mark>" in page


def test_check_finds_full_text_out_of_step(units: Any, texts: Texts) -> None:
    from dangan.search.service import check_index, index_units

    assert check_index().ok
    plain, scanned = units["plain"].pk, units["scanned"].pk
    texts[plain] = "新近识别的全文"  # the provider has text the index was not told of
    texts[scanned] = "改正过的识别文字"
    report = check_index()
    assert report.missing == [plain] and report.stale == [scanned] and not report.ok
    index_units([plain, scanned])
    assert check_index().ok


def test_the_query_language_names_the_field() -> None:
    from dangan.search.query import Term, describe, parse_query

    parsed = parse_query("全文:娄山关")
    assert parsed.root == Term("娄山关", "fulltext") and parsed.fields == ("fulltext",)
    assert describe(parsed) == "全文含“娄山关”"
    assert parse_query("fulltext:遵义").root == Term("遵义", "fulltext")


def test_a_corrected_page_is_analysed_again_alone(units: Any, archivist: Any, texts: Texts) -> None:
    from dangan.search.sync import index_fulltext

    pages = [f"第{n}页。中央红军在贵州境内行军作战，沿途张贴布告。" for n in range(30)]
    plain = units["plain"].pk
    texts[plain] = "\n\n".join(pages)
    assert index_fulltext([plain]) == len(texts[plain].replace("\n", ""))
    assert FullTextEntry.objects.get(unit_id=plain).pieces == 30
    pages[7] = "第7页。改正后的文字提到瓦窑堡会议。"
    texts[plain] = "\n\n".join(pages)
    assert index_fulltext([plain]) < 40  # the corrected page only
    assert found(archivist, "瓦窑堡") == ["无关的通知"]
    assert index_fulltext([plain]) == 0  # unchanged: nothing analysed
    del pages[20:]
    texts[plain] = "\n\n".join(pages)
    index_fulltext([plain])
    assert FullTextEntry.objects.get(unit_id=plain).pieces == 20
    assert found(archivist, "第25页") == [] and found(archivist, "第19页") == ["无关的通知"]


def test_a_word_across_a_page_break_is_found(units: Any, archivist: Any, texts: Texts) -> None:
    texts[units["plain"].pk] = "一九三五年一月在遵\n\n义召开政治局扩大会议"
    notify_units_changed([units["plain"].pk])
    assert found(archivist, "遵义") == ["无关的通知"]


def test_who_may_see_a_units_files(
    units: Any, archivist: Any, junior_archivist: Any, system_admin: Any, security_auditor: Any
) -> None:
    from dangan.catalog.policy import can_view_unit_files, sees_unit_files

    assert sees_unit_files(archivist) and sees_unit_files(system_admin) and sees_unit_files(CONSOLE)
    assert sees_unit_files(AnonymousUser()) and not sees_unit_files(security_auditor)
    assert can_view_unit_files(archivist, units["secret"]) and not can_view_unit_files(archivist, units["top"])
    assert can_view_unit_files(junior_archivist, units["scanned"])
    assert not can_view_unit_files(junior_archivist, units["secret"])
    assert can_view_unit_files(AnonymousUser(), units["scanned"])  # opened: its record and its files
