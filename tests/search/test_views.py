"""The staff search page as each role sees it: hits up to the clearance, facets that narrow, paging, query errors."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from tests.helpers import client_for
from tests.search.fixtures_ui import VISIBLE, holdings_fixture, make_item  # noqa: F401

pytestmark = pytest.mark.django_db

URL = "/manage/search/"


def hit_links(text: str) -> list[str]:
    """The unit detail links of the hits, in order."""
    return re.findall(r'<h3 class="hit__title"><a href="(/manage/units/[0-9a-f-]+/)">', text)


def found(text: str, holdings: dict) -> set[str]:
    links = set(hit_links(text))
    return {key for key, unit in holdings.items() if reverse("catalog:unit_detail", args=[unit.uuid]) in links}


def facet_links(text: str, name: str) -> dict[str, str]:
    """{label: href} of one facet group."""
    block = re.search(rf'<ul aria-labelledby="facet-{name}" data-facet="{name}">(.*?)</ul>', text, re.S)
    assert block, f"no {name} facet"
    return {
        label: html.unescape(href)
        for href, label in re.findall(r'<a href="([^"]+)"[^>]*><span>([^<]+)</span>', block.group(1))
    }


def test_the_url_name_and_menu_entry(archivist):
    import dangan.search.menu  # noqa: F401  (search.hooks imports it at start-up)

    assert reverse("search:search") == URL
    text = client_for(archivist).get(URL).content.decode()
    assert f'<a href="{URL}" aria-current="page">检索</a>' in text


@pytest.mark.parametrize("role", ["archivist", "junior_archivist", "system_admin"])
def test_each_role_finds_only_what_the_policy_lets_it_see(holdings, role, request):
    user = request.getfixturevalue(role)
    response = client_for(user).get(URL, {"q": "遵义"})
    assert response.status_code == 200
    text = response.content.decode()
    assert found(text, holdings) == VISIBLE[role]
    assert "绝密文件" not in text
    # Facet counts never count what the user may not see.
    if role != "archivist":
        assert "秘密" not in re.sub(r"<select.*?</select>", "", text, flags=re.S)


def test_hits_show_the_reference_code_a_highlighted_title_and_link_to_the_unit(holdings, archivist):
    text = client_for(archivist).get(URL, {"q": "易地扶贫搬迁"}).content.decode()
    unit = holdings["open"]
    assert hit_links(text)[0] == reverse("catalog:unit_detail", args=[unit.uuid])
    assert unit.reference_code and unit.reference_code in text
    assert "<mark>" in text  # title_html is rendered as given, not escaped again
    assert "&lt;mark&gt;" not in text


def test_titles_are_escaped(fonds, categories, archivist):
    make_item(fonds, categories, "<script>alert(1)</script> 遵义会议纪要")
    text = client_for(archivist).get(URL, {"q": "遵义会议"}).content.decode()
    assert "<script>alert(1)" not in text and "&lt;script&gt;" in text


def test_the_security_auditor_is_refused_and_anonymous_callers_sign_in(client, security_auditor):
    assert client_for(security_auditor).get(URL, {"q": "遵义"}).status_code == 403
    response = client.get(URL, {"q": "遵义"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))


def test_an_empty_page_offers_the_box_and_the_syntax_help(archivist):
    text = client_for(archivist).get(URL).content.decode()
    assert 'role="search"' in text and 'name="q"' in text
    for example in (
        "题名:",
        "责任者:",
        "档号:",
        "文号:",
        "主题词:",
        "OR",
        "或",
        "NOT",
        "非",
        "日期:1934-1936",
        '"遵义会议"',
    ):
        assert example in text, example
    assert "输入检索词" in text


def test_a_facet_link_narrows_and_clicking_it_again_widens(holdings, archivist):
    client = client_for(archivist)
    text = client.get(URL, {"q": "遵义"}).content.decode()
    links = facet_links(text, "classification")
    assert set(links) == {"公开", "内部", "秘密"}
    assert re.search(r"<span>秘密</span> <span class=\"facet__count\">1</span>", text)
    narrowed = client.get(URL + links["秘密"]).content.decode()
    assert found(narrowed, holdings) == {"secret"}
    assert 'aria-current="true"' in narrowed and "去掉条件" in narrowed
    widened = client.get(URL + facet_links(narrowed, "classification")["秘密"]).content.decode()
    assert found(widened, holdings) == VISIBLE["archivist"]

    years = facet_links(text, "year")
    only_2017 = client.get(URL + years["2017年"]).content.decode()
    assert found(only_2017, holdings) == {"public"}


def test_filters_and_sort(holdings, archivist):
    client = client_for(archivist)
    text = client.get(URL, {"q": "遵义", "openness": "open"}).content.decode()
    assert found(text, holdings) == {"open"}
    text = client.get(URL, {"q": "遵义", "year_from": 2017, "year_to": 2017}).content.decode()
    assert found(text, holdings) == {"public"}
    text = client.get(URL, {"q": "遵义", "sort": "-date"}).content.decode()
    first = hit_links(text)[0]
    assert first == reverse("catalog:unit_detail", args=[holdings["public"].uuid])
    # Filters alone, without words, also search.
    text = client.get(URL, {"classification": "internal"}).content.decode()
    assert found(text, holdings) == {"internal"}


def test_a_bad_filter_value_is_reported_and_ignored(holdings, archivist):
    response = client_for(archivist).get(URL, {"q": "遵义", "year_from": "abc"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "部分检索条件无效" in text
    assert found(text, holdings) == VISIBLE["archivist"]


@pytest.mark.parametrize("query", ['"遵义', "遵义 AND", "(遵义"])
def test_a_malformed_query_is_explained_on_the_page(holdings, archivist, query):
    response = client_for(archivist).get(URL, {"q": query})
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="query-error"' in text and "检索式有误" in text
    assert 'class="hit"' not in text
    # The box keeps what was typed, so it can be corrected.
    assert f'value="{html.escape(query)}"' in text or f'value="{html.escape(query, quote=False)}"' in text


def test_paging(fonds, categories, archivist):
    for n in range(25):
        make_item(fonds, categories, f"关于脱贫攻坚第{n + 1}批项目的批复", year=2010 + n % 5)
    client = client_for(archivist)
    first = client.get(URL, {"q": "脱贫攻坚"}).content.decode()
    assert len(hit_links(first)) == 20
    assert "第 1 / 2 页，共 25 条" in first
    next_href = html.unescape(re.search(r'<a class="pagination__link" href="([^"]+)" rel="next">', first).group(1))
    assert "q=" in next_href and "page=2" in next_href
    second = client.get(URL + next_href).content.decode()
    assert len(hit_links(second)) == 5
    assert not set(hit_links(first)) & set(hit_links(second))
    # A page past the end shows the last page.
    assert len(hit_links(client.get(URL, {"q": "脱贫攻坚", "page": 9}).content.decode())) == 5


def test_no_hits(holdings, archivist):
    text = client_for(archivist).get(URL, {"q": "不存在的词语"}).content.decode()
    assert "没有找到符合条件的档案" in text


def test_the_page_in_english(holdings, archivist):
    client = client_for(archivist)
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    text = client.get(URL, {"q": "遵义"}).content.decode()
    assert "Search syntax" in text and "Filter" in text


def test_a_decade_facet_narrows_to_its_ten_years(fonds, categories, archivist):
    units = {
        year: make_item(fonds, categories, f"{year}年遵义地区工作报告", year=year) for year in (1935, 1948, 1952, 1966)
    }
    client = client_for(archivist)
    text = client.get(URL, {"q": "工作报告"}).content.decode()
    decades = facet_links(text, "year")
    assert set(decades) == {"1930年代", "1940年代", "1950年代", "1960年代"}
    assert "year_from=1940" in decades["1940年代"] and "year_to=1949" in decades["1940年代"]
    narrowed = client.get(URL + decades["1940年代"]).content.decode()
    assert hit_links(narrowed) == [reverse("catalog:unit_detail", args=[units[1948].uuid])]
    assert "年度：1940–1949" in narrowed
