"""The search service: matching (words, substrings, traditional characters, fields, boolean), ranking, the
visibility policy in hits and facet counts, filters, sorting, paging, highlighting and request parsing."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

LEVELS = ("public", "internal", "secret", "confidential", "top_secret")


@pytest.fixture
def catalog(fonds: Any, categories: Any) -> dict[str, Any]:
    """One unit per 密级 × openness, all about 扶贫, plus a few others; indexed."""
    from dangan.catalog.models import ArchivalUnit
    from dangan.search.service import reindex_all

    units = {}
    for n, level in enumerate(LEVELS):
        for openness in ("open", "pending"):
            units[(level, openness)] = ArchivalUnit.objects.create(
                fonds=fonds,
                category=categories["WS"],
                title=f"{level} {openness} 产业扶贫项目资金检查报告",
                classification=level,
                openness=openness,
                year=1990 + n * 10,
                retention="Y",
                reference_code=f"Z109-WS·{1990 + n * 10}-Y-{openness}-{n}",
            )
    extra = [
        ("娄山关战斗详报", "红军第三军团", "public", "open", "1935-02-26", "战斗经过<记录>与伤亡统计"),
        ("遵義會議決議", "中共中央政治局", "public", "open", "1935-01-17", ""),
        ("关于遵义会议的回忆", "陈云", "public", "open", "1980-05-01", "回忆遵义会议前后"),
        ("ＡＢＣ公司扶贫捐赠协议", "ABC公司", "public", "open", "2016-03-01", ""),
        ("<script>alert(1)</script>脱贫攻坚", "", "public", "open", None, "脱贫 & 攻坚"),
    ]
    import datetime as dt

    for title, responsible, level, openness, day, notes in extra:
        d = dt.date.fromisoformat(day) if day else None
        units[title] = ArchivalUnit.objects.create(
            fonds=fonds,
            title=title,
            responsible=responsible,
            classification=level,
            openness=openness,
            date=d,
            year=d.year if d else None,
            notes=notes,
        )
    reindex_all()
    return units


def run(user: Any, q: str = "", **kw: Any) -> Any:
    from dangan.search.service import SearchRequest, search

    result = search(user, SearchRequest(q=q, **kw))
    assert result.error is None, result.error
    return result


def titles(result: Any) -> list[str]:
    return [h.unit.title for h in result.hits]


def levels(result: Any) -> set[tuple[str, str]]:
    return {(h.unit.classification, h.unit.openness) for h in result.hits}


def facet(result: Any, name: str) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[name]}


def test_anonymous_sees_only_public_and_open(catalog: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    result = run(AnonymousUser(), "扶贫 检查")
    assert levels(result) == {("public", "open")}
    assert result.total == 1
    assert facet(result, "classification") == {"public": 1}
    assert facet(result, "openness") == {"open": 1}
    assert facet(result, "fonds") == {"Z109": 1}


def test_each_reader_sees_and_counts_only_their_levels(
    catalog: Any, junior_archivist: Any, system_admin: Any, archivist: Any
) -> None:
    from tests.conftest import _make_user

    cleared = _make_user("cleared", "archivist", "top_secret")
    expected = {
        junior_archivist: ["public"],
        system_admin: ["public"],  # never above 公开, whatever the account's clearance
        archivist: ["public", "internal", "secret", "confidential"],
        cleared: list(LEVELS),
    }
    for user, allowed in expected.items():
        result = run(user, "扶贫 检查")
        assert {lvl for lvl, _ in levels(result)} == set(allowed), user
        assert result.total == 2 * len(allowed)
        assert facet(result, "classification") == dict.fromkeys(allowed, 2)
        assert sum(facet(result, "openness").values()) == result.total
        assert sum(v.count for v in result.facets["year"]) == result.total


def test_nobody_without_the_catalog_capability_sees_anything(catalog: Any, security_auditor: Any) -> None:
    result = run(security_auditor, "扶贫")
    assert (result.hits, result.total) == ([], 0)


def test_words_substrings_traditional_and_full_width(catalog: Any, archivist: Any) -> None:
    assert titles(run(archivist, "娄山")) == ["娄山关战斗详报"]  # a substring of 娄山关
    assert titles(run(archivist, "婁山關")) == ["娄山关战斗详报"]  # traditional query
    assert set(titles(run(archivist, "遵义会议"))) == {"遵義會議決議", "关于遵义会议的回忆"}
    assert titles(run(archivist, "abc")) == ["ＡＢＣ公司扶贫捐赠协议"]
    assert titles(run(archivist, "三军团")) == ["娄山关战斗详报"]  # across 第三|军团 in the 责任者 红军第三军团
    assert titles(run(archivist, "不存在的词")) == []


def test_fields_and_boolean(catalog: Any, archivist: Any) -> None:
    assert titles(run(archivist, "责任者:陈云")) == ["关于遵义会议的回忆"]
    assert titles(run(archivist, "题名:陈云")) == []
    assert titles(run(archivist, "遵义 -回忆")) == ["遵義會議決議"]
    assert set(titles(run(archivist, "娄山 OR 陈云"))) == {"娄山关战斗详报", "关于遵义会议的回忆"}
    from dangan.search.service import SearchRequest, search

    only_not = search(archivist, SearchRequest(q="-遵义"))
    assert only_not.error and not only_not.hits
    broken = search(archivist, SearchRequest(q='"遵义'))
    assert broken.error and not broken.hits and broken.total == 0


def test_a_reference_code_term_matches_the_codes_that_start_with_it(catalog: Any, archivist: Any) -> None:
    # The archivist is cleared up to 机密: the 绝密 units are not found at all.
    coded = {u.reference_code for u in catalog.values() if u.reference_code and u.classification != "top_secret"}
    assert {h.unit.reference_code for h in run(archivist, "档号:Z1", size=100).hits} == coded
    assert {h.unit.reference_code for h in run(archivist, "档号:Z109-WS·199", size=100).hits} == {
        "Z109-WS·1990-Y-open-0",
        "Z109-WS·1990-Y-pending-0",
    }
    assert {h.unit.reference_code for h in run(archivist, "档号:z109-ws·20", size=100).hits} == {
        c for c in coded if c.startswith("Z109-WS·20")
    }
    assert run(archivist, '档号:"Z1"').total == 0  # quoted: the whole word, as before
    assert run(archivist, "题名:Z1").total == 0  # other fields match whole words
    assert run(archivist, "档号:Z1 -档号:Z109-WS·1990", size=100).total == len(coded) - 2


def test_title_and_whole_words_rank_first(catalog: Any, archivist: Any) -> None:
    # 遵义会议 is the title of two units (word hits) and is only in the notes of none; a title beats 附注.
    result = run(archivist, "回忆")
    assert titles(result)[0] == "关于遵义会议的回忆"
    result = run(archivist, "遵义会议")
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)


def test_filters_sort_and_paging(catalog: Any, archivist: Any) -> None:
    result = run(archivist, "扶贫", openness="open", sort="reference_code")
    codes = [h.unit.reference_code for h in result.hits]
    assert codes == sorted(c for c in codes if c) + [None] * codes.count(None)
    assert facet(result, "openness") == {"open": result.total}
    assert run(archivist, "扶贫", classification="secret").total == 2
    assert run(archivist, "扶贫", year_from=2000, year_to=2010).total == 4
    assert run(archivist, "扶贫", fonds="z109").total == run(archivist, "扶贫").total
    assert run(archivist, "扶贫", fonds="X999").total == 0
    assert run(archivist, "扶贫", category="WS").total == 8
    page1 = run(archivist, "扶贫", size=3, sort="date")
    page2 = run(archivist, "扶贫", size=3, page=2, sort="date")
    assert page1.total == page2.total == 9 and len(page1.hits) == 3
    assert not {h.unit.pk for h in page1.hits} & {h.unit.pk for h in page2.hits}
    dated = [h.unit.date for h in run(archivist, "遵义", sort="-date").hits]
    assert dated == sorted(dated, reverse=True)


def test_empty_query_browses_with_facets(catalog: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    result = run(AnonymousUser())
    assert result.total == 6
    assert facet(result, "year") == {"1930-1939": 2, "1980-1989": 1, "1990-1999": 1, "2010-2019": 1}


def test_highlights_are_escaped_and_marked(catalog: Any, archivist: Any) -> None:
    hit = run(archivist, "脱贫").hits[0]
    assert str(hit.title_html) == "&lt;script&gt;alert(1)&lt;/script&gt;<mark>脱贫</mark>攻坚"
    assert str(hit.snippet_html) == "<mark>脱贫</mark> &amp; 攻坚"
    hit = run(archivist, "婁山").hits[0]
    assert str(hit.title_html) == "<mark>娄山</mark>关战斗详报"
    hit = run(archivist, "伤亡").hits[0]
    assert str(hit.snippet_html) == "战斗经过&lt;记录&gt;与<mark>伤亡</mark>统计"
    hit = run(archivist, "abc").hits[0]
    assert str(hit.title_html) == "<mark>ＡＢＣ</mark>公司扶贫捐赠协议"
    hit = run(archivist, "遵义会议").hits[0]
    assert "<mark>" in str(hit.title_html)


def test_request_from_params_collects_errors() -> None:
    from django.http import QueryDict

    from dangan.search.service import SearchRequest

    r = SearchRequest.from_params(
        QueryDict("q=+遵义+&level=bogus&year_from=abc&year_to=1936&sort=nope&page=0&size=500&openness=open")
    )
    assert (r.q, r.level, r.year_from, r.year_to, r.sort, r.page, r.size, r.openness) == (
        "遵义",
        "",
        None,
        1936,
        "relevance",
        1,
        100,
        "open",
    )
    assert set(r.errors) == {"level", "year_from", "sort", "page"}
    assert all(isinstance(m, str) and m for m in r.errors.values())
    assert SearchRequest.from_params({}).errors == {}


def test_result_describes_the_query(catalog: Any, archivist: Any) -> None:
    result = run(archivist, "遵义 -回忆", fonds="Z109")
    assert "遵义" in result.query_description and "Z109" in result.query_description
    assert result.took_ms > 0


def test_date_ranges_from_the_query(catalog: Any, archivist: Any) -> None:
    assert set(titles(run(archivist, "遵义 日期:1935-1935"))) == {"遵義會議決議"}
    assert titles(run(archivist, "日期:1935-01-15..1935-02-01 遵义")) == ["遵義會議決議"]
    assert titles(run(archivist, "日期:..1949 娄山")) == ["娄山关战斗详报"]
    assert titles(run(archivist, "日期:1949.. 娄山")) == []
    assert set(titles(run(archivist, "战斗 OR 回忆 日期:1934-1936"))) == {"娄山关战斗详报"}
