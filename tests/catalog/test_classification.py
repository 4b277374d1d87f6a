"""The fonds page's classification browser (分类浏览): items grouped by 门类, 年度, 机构(问题) and 保管期限 in the
fonds' arrangement order, counted and paged through the visibility policy."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dangan.catalog.actions.configuration import do_update_fonds
from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.choices import UnitLevel
from dangan.catalog.classification import browse_scheme
from dangan.core.actors import CONSOLE

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def flat(fonds, categories) -> dict[str, Any]:
    """A flat fonds as DA/T 22 arranges it, created out of order (file order is not the classification's)."""
    made: dict[str, Any] = {}

    def item(key: str, year: int | None, retention: str, org: str, **extra: Any) -> None:
        data = {"title": key, "category": categories["WS"], "year": year, "retention": retention, "organization": org}
        made[key] = do_create_unit(CONSOLE, fonds, {**data, **extra})

    item("2012-Y-BGS-1", 2012, "Y", "BGS")
    item("2011-D30-CWC-1", 2011, "D30", "CWC")
    item("2011-Y-BGS-1", 2011, "Y", "BGS")
    item("2011-Y-CWC-1", 2011, "Y", "CWC")
    item("2011-Y-BGS-2", 2011, "Y", "BGS")
    item("2011-Y-BGS-secret", 2011, "Y", "BGS", classification="secret")
    item("2012-D10-JHC-secret", 2012, "D10", "JHC", classification="secret")
    item("no-year", None, "", "")
    # Not items: a series and a file are not counted; an item inside the file is.
    series = do_create_unit(CONSOLE, fonds, {"title": "2011年 类别", "level": UnitLevel.SERIES, "year": 2011})
    folder = do_create_unit(
        CONSOLE, fonds, {"title": "案卷", "level": UnitLevel.FILE, "year": 2011, "retention": "Y"}, parent=series
    )
    made["in-file"] = do_create_unit(
        CONSOLE,
        fonds,
        {"title": "卷内件", "category": categories["WS"], "year": 2011, "retention": "Y", "organization": "CWC"},
        parent=folder,
    )
    return made


def groups(view: Any) -> list[tuple[str, int]]:
    return [(g.label, g.count) for g in view.groups]


def test_items_are_grouped_by_year_organization_and_retention_with_counts(fonds, flat, archivist):
    top = browse_scheme(archivist, fonds, {})
    # One category: the browser goes straight into it and starts with the years; no year comes last.
    assert [g.label for g in top.trail] == ["文书"] and top.level == "year"
    assert groups(top) == [("2011年", 6), ("2012年", 2), ("未标年度", 1)]
    year = browse_scheme(archivist, fonds, {"category": "WS", "year": "2011"})
    assert year.level == "organization" and groups(year) == [("BGS", 3), ("CWC", 3)]
    org = browse_scheme(archivist, fonds, {"category": "WS", "year": "2011", "org": "CWC"})
    assert org.level == "retention" and groups(org) == [("永久", 2), ("定期30年", 1)]
    leaf = browse_scheme(archivist, fonds, {"category": "WS", "year": "2011", "org": "BGS", "retention": "Y"})
    assert leaf.level is None and leaf.total == 3
    assert [u.title for u in leaf.items] == ["2011-Y-BGS-1", "2011-Y-BGS-2", "2011-Y-BGS-secret"]  # 件号 order

    do_update_fonds(CONSOLE, fonds, {"arrangement": "year-retention-org"})
    fonds.refresh_from_db()
    year = browse_scheme(archivist, fonds, {"category": "WS", "year": "2011"})
    assert year.level == "retention" and groups(year) == [("永久", 5), ("定期30年", 1)]


def test_counts_and_items_never_include_hidden_units(fonds, flat, junior_archivist, system_admin):
    for user in (junior_archivist, system_admin):
        top = browse_scheme(user, fonds, {})
        assert groups(top) == [("2011年", 5), ("2012年", 1), ("未标年度", 1)], user.username
        year = browse_scheme(user, fonds, {"category": "WS", "year": "2012"})
        assert groups(year) == [("BGS", 1)]  # the group holding only a 秘密 item is not there at all
        leaf = browse_scheme(user, fonds, {"category": "WS", "year": "2011", "org": "BGS", "retention": "Y"})
        assert leaf.total == 2 and [u.title for u in leaf.items] == ["2011-Y-BGS-1", "2011-Y-BGS-2"]
        hidden = browse_scheme(user, fonds, {"category": "WS", "year": "2012", "org": "JHC", "retention": "D10"})
        assert hidden.total == 0 and hidden.items == []


def test_a_fonds_with_two_categories_starts_with_them(fonds, flat, categories, archivist):
    do_create_unit(CONSOLE, fonds, {"title": "照片", "category": categories["ZP"], "year": 2011, "retention": "Y"})
    top = browse_scheme(archivist, fonds, {})
    assert top.level == "category" and groups(top) == [("文书", 9), ("照片", 1)]
    assert browse_scheme(archivist, fonds, {"category": "ZP"}).groups[0].path == {"category": "ZP", "year": "2011"}


def test_the_fonds_page_tab_links_down_and_pages_the_items(fonds, categories, archivist):
    for n in range(55):
        do_create_unit(
            CONSOLE,
            fonds,
            {
                "title": f"第{n + 1}件",
                "category": categories["WS"],
                "year": 2011,
                "retention": "Y",
                "organization": "BGS",
            },
        )
    client = client_for(archivist)
    url = reverse("catalog:fonds_detail", args=[fonds.code])
    text = client.get(url, {"tab": "scheme"}).content.decode()
    assert 'aria-current="page">分类浏览</a>' in text
    link = re.search(r'<a href="([^"]+)">2011年</a></td><td class="num">55</td>', text)
    assert link, text
    text = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert '<a href="/manage/fonds/Z109/?tab=scheme&amp;category=WS&amp;year=2011&amp;org=BGS">BGS</a>' in text
    leaf = {"tab": "scheme", "category": "WS", "year": "2011", "org": "BGS", "retention": "Y"}
    text = client.get(url, leaf).content.decode()
    assert text.count('<td class="num">') == 50 and "第1件" in text and "第51件" not in text
    assert "第 1 / 2 页，共 55 条" in text
    text = client.get(url, {**leaf, "page": "2"}).content.decode()
    assert "第51件" in text and "第55件" in text and "第50件<" not in text
    text = client.get(url, {"tab": "scheme", "category": "WS", "year": "二〇一一"}).content.decode()
    assert "分类条件“二〇一一”无效" in text
