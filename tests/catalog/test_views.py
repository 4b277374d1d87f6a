"""The catalog pages as each role sees them: fonds, the hierarchy browser, units, authority records, renumbering."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dangan.catalog.actions.authorities import do_create_authority, do_link_authority
from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.choices import UnitLevel
from dangan.catalog.filters import ORDERINGS
from dangan.catalog.forms import UnitFilterForm
from dangan.catalog.models import ArchivalUnit, Authority, Fonds, UnitAuthority
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import AuditEntry, User
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_item(fonds: Fonds, categories: dict, title: str = "关于开展脱贫攻坚工作的通知", **extra: Any) -> ArchivalUnit:
    data = {"title": title, "category": categories["WS"], "year": 2011, "retention": "Y", "organization": "BGS"}
    parent = extra.pop("parent", None)
    data.update(extra)
    return do_create_unit(CONSOLE, fonds, data, parent=parent)


@pytest.fixture
def holdings(fonds, categories) -> dict[str, ArchivalUnit]:
    """A series with two items, plus one unit at each sensitive level."""
    series = do_create_unit(CONSOLE, fonds, {"title": "2011年 办公室", "level": UnitLevel.SERIES, "year": 2011})
    return {
        "series": series,
        "public": make_item(fonds, categories, "关于开展脱贫攻坚工作的通知", parent=series, responsible="省扶贫办"),
        "public2": make_item(fonds, categories, "关于印发扶贫资金管理办法的通知", parent=series),
        "secret": make_item(fonds, categories, "秘密级扶贫规划", classification=SecurityClassification.SECRET),
        "top": make_item(fonds, categories, "绝密级文件", classification=SecurityClassification.TOP_SECRET),
    }


def count_nodes(html: str) -> int:
    return html.count('class="tree-node"')


# ---------------------------------------------------------------- fonds list and fonds page


def test_the_fonds_list_is_the_home_page_for_archivists(fonds, holdings, archivist):
    client = client_for(archivist)
    response = client.get("/manage/", follow=True)
    text = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("catalog:fonds_list")
    assert "Z109" in text and "贵州省扶贫开发办公室" in text
    # 5 units, one of them 绝密: the archivist cleared to 机密 is told of 4.
    row = re.search(r'<td class="num">(\d+)\+?</td>', text)
    assert row.group(1) == "4"


def test_unit_counts_never_include_what_the_user_may_not_see(fonds, holdings, junior_archivist, system_admin):
    for user in (junior_archivist, system_admin):
        text = client_for(user).get(reverse("catalog:fonds_list")).content.decode()
        assert re.search(r'<td class="num">(\d+)\+?</td>', text).group(1) == "3", user.username


def test_archivists_create_a_fonds_and_errors_are_chinese(institution, archivist):
    client = client_for(archivist)
    response = client.post(
        reverse("catalog:fonds_list"), {"code": "X013", "name": "中共贵州省委", "arrangement": "year-org-retention"}
    )
    assert response["Location"] == reverse("catalog:fonds_detail", args=["X013"])
    assert Fonds.objects.filter(code="X013").exists()

    response = client.post(
        reverse("catalog:fonds_list"), {"code": "X013", "name": "重复", "arrangement": "year-org-retention"}
    )
    assert response.status_code == 400
    assert "全宗号 X013 已存在" in response.content.decode()
    response = client.post(
        reverse("catalog:fonds_list"), {"code": "Z-1", "name": "", "arrangement": "year-org-retention"}
    )
    text = response.content.decode()
    assert "全宗号只能由字母和数字组成" in text and "这个字段是必填项" in text


def test_the_system_admin_browses_but_cannot_change_the_catalog(fonds, holdings, system_admin):
    client = client_for(system_admin)
    page = client.get(reverse("catalog:fonds_detail", args=[fonds.code])).content.decode()
    assert "新建档案" not in page and "重新编号" not in page
    assert client.get(reverse("catalog:unit_detail", args=[holdings["public"].uuid])).status_code == 200
    assert client.get(reverse("catalog:unit_edit", args=[holdings["public"].uuid])).status_code == 403
    assert client.get(reverse("catalog:unit_create", args=[fonds.code])).status_code == 403
    assert client.post(reverse("catalog:fonds_list"), {"code": "Z200", "name": "某全宗"}).status_code == 403
    assert client.get(reverse("catalog:import_new")).status_code == 403
    assert client.get(reverse("catalog:renumber", args=[fonds.code])).status_code == 403


def test_a_secret_unit_is_not_found_for_those_not_cleared(fonds, holdings, archivist, junior_archivist, system_admin):
    url = reverse("catalog:unit_detail", args=[holdings["secret"].uuid])
    assert client_for(archivist).get(url).status_code == 200
    for user in (junior_archivist, system_admin):
        response = client_for(user).get(url)
        assert response.status_code == 404, user.username
        assert "页面不存在" in response.content.decode()
        assert "秘密级扶贫规划" not in response.content.decode()
        for name in ("catalog:unit_edit", "catalog:unit_move", "catalog:unit_delete"):
            assert client_for(user).get(reverse(name, args=[holdings["secret"].uuid])).status_code in (403, 404)
    top = reverse("catalog:unit_detail", args=[holdings["top"].uuid])
    assert client_for(archivist).get(top).status_code == 404  # 绝密 is above the archivist's 机密 clearance
    assert client_for(archivist).get(reverse("catalog:unit_detail", args=[uuid.uuid4()])).status_code == 404


def test_anonymous_users_are_sent_to_login_from_catalog_pages(fonds, holdings):
    for url in (
        reverse("catalog:fonds_list"),
        reverse("catalog:fonds_detail", args=[fonds.code]),
        reverse("catalog:unit_detail", args=[holdings["public"].uuid]),
        reverse("catalog:authority_list"),
        reverse("catalog:import_list"),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("core:login")), url


# ---------------------------------------------------------------- the hierarchy browser


def test_a_fonds_with_120_top_level_units_shows_50_then_loads_more(fonds, categories, archivist):
    for n in range(120):
        do_create_unit(CONSOLE, fonds, {"title": f"第{n + 1:03d}件", "level": UnitLevel.ITEM})
    client = client_for(archivist)
    page = client.get(reverse("catalog:fonds_detail", args=[fonds.code])).content.decode()
    assert count_nodes(page) == 50
    assert "第001件" in page and "第050件" in page and "第051件" not in page
    tree_url = reverse("catalog:tree_children", args=[fonds.code])
    assert f'hx-get="{tree_url}?page=2"' in page

    second = client.get(tree_url, {"page": 2}, **HTMX).content.decode()
    assert count_nodes(second) == 50
    assert "第051件" in second and "第100件" in second
    assert "<html" not in second  # a fragment for htmx
    assert f'hx-get="{tree_url}?page=3"' in second

    third = client.get(tree_url, {"page": 3}, **HTMX).content.decode()
    assert count_nodes(third) == 20
    assert "第120件" in third and "tree-more" not in third

    # Without htmx the same link opens a plain page.
    plain = client.get(tree_url, {"page": 2}).content.decode()
    assert "<html" in plain and count_nodes(plain) == 50


def test_a_node_expands_to_its_children(fonds, holdings, archivist):
    client = client_for(archivist)
    page = client.get(reverse("catalog:fonds_detail", args=[fonds.code])).content.decode()
    series = holdings["series"]
    assert f'aria-controls="children-{series.uuid}"' in page
    children = client.get(
        reverse("catalog:tree_children", args=[fonds.code]), {"parent": str(series.uuid)}, **HTMX
    ).content.decode()
    assert count_nodes(children) == 2
    assert "关于开展脱贫攻坚工作的通知" in children and "Z109-WS·2011-Y-BGS-0001" in children


def test_tree_nodes_escape_what_archivists_typed(fonds, categories, archivist):
    make_item(fonds, categories, '<script>alert("档案")</script> & “引号”')
    html = client_for(archivist).get(reverse("catalog:tree_children", args=[fonds.code]), **HTMX).content.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;档案&quot;)&lt;/script&gt; &amp; “引号”" in html


def test_the_tree_hides_what_the_user_may_not_see(fonds, holdings, junior_archivist):
    client = client_for(junior_archivist)
    page = client.get(reverse("catalog:fonds_detail", args=[fonds.code])).content.decode()
    assert "2011年 办公室" in page
    assert "秘密级扶贫规划" not in page and "绝密级文件" not in page
    secret_parent = client.get(
        reverse("catalog:tree_children", args=[fonds.code]), {"parent": str(holdings["secret"].uuid)}, **HTMX
    )
    assert secret_parent.status_code == 404


# ---------------------------------------------------------------- unit search on the fonds page


def test_the_filter_finds_units_and_reports_bad_values(fonds, holdings, archivist, junior_archivist):
    url = reverse("catalog:fonds_detail", args=[fonds.code])
    client = client_for(archivist)
    found = client.get(url, {"tab": "list", "q": "资金管理"}).content.decode()
    assert "关于印发扶贫资金管理办法的通知" in found and "关于开展脱贫攻坚工作的通知" not in found
    secret = client.get(url, {"q": "扶贫规划"}).content.decode()  # any filter opens the list tab
    assert "秘密级扶贫规划" in secret
    assert "秘密级扶贫规划" not in client_for(junior_archivist).get(url, {"q": "扶贫规划"}).content.decode()

    bad = client.get(url, {"tab": "list", "year_from": "二〇一一", "classification": "nonsense"}).content.decode()
    assert "年度应为四位数字" in bad and "无效的取值" in bad
    none = client.get(url, {"tab": "list", "q": "不存在的题名"}).content.decode()
    assert "没有符合条件的档案" in none


def test_the_filter_form_offers_every_ordering_the_filter_knows():
    assert set(dict(UnitFilterForm().fields["ordering"].choices)) == set(ORDERINGS)


# ---------------------------------------------------------------- unit detail, create, edit, move, delete


def test_the_unit_page_shows_fields_breadcrumbs_and_authorities(fonds, holdings, archivist):
    unit = holdings["public"]
    person = do_create_authority(CONSOLE, {"kind": "organization", "name": "贵州省扶贫开发办公室"})
    do_link_authority(CONSOLE, unit, person, "creator")
    text = client_for(archivist).get(reverse("catalog:unit_detail", args=[unit.uuid])).content.decode()
    for expected in ("关于开展脱贫攻坚工作的通知", "Z109-WS·2011-Y-BGS-0001", "省扶贫办", "永久", "公开", "待审"):
        assert expected in text, expected
    breadcrumbs = text.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert "Z109" in breadcrumbs and "2011年 办公室" in breadcrumbs
    assert "贵州省扶贫开发办公室" in text and "形成者" in text
    # 三员分立: archivists do not read the audit log, so no history; only the record's own times.
    assert "修改历史" not in text and "创建时间" in text and "修改时间" in text


def test_an_archivist_creates_units_at_the_top_and_under_a_parent(fonds, holdings, categories, archivist):
    client = client_for(archivist)
    url = reverse("catalog:unit_create", args=[fonds.code])
    form = {
        "level": "item",
        "category": categories["WS"].pk,
        "year": "2011",
        "retention": "Y",
        "organization": "BGS",
        "title": "关于召开扶贫工作会议的通知",
        "date": "2011-03-05",
        "classification": "public",
        "openness": "pending",
        "subjects": "扶贫、会议",
    }
    response = client.post(f"{url}?parent={holdings['series'].uuid}", form)
    unit = ArchivalUnit.objects.get(title="关于召开扶贫工作会议的通知")
    assert response["Location"] == reverse("catalog:unit_detail", args=[unit.uuid])
    assert unit.parent == holdings["series"]
    # The group holds a 绝密 item the archivist (机密) may not see: the unit is saved unnumbered, and said so.
    assert unit.reference_code is None and "未自动编号" in client.get(response["Location"]).content.decode()
    assert sorted(unit.subjects.values_list("term", flat=True)) == ["会议", "扶贫"]
    cleared = User.objects.create(username="chief", role=Role.ARCHIVIST, clearance=SecurityClassification.TOP_SECRET)
    client_for(cleared).post(f"{url}?parent={holdings['series'].uuid}", {**form, "title": "关于召开第二次会议的通知"})
    assert ArchivalUnit.objects.get(title="关于召开第二次会议的通知").reference_code == "Z109-WS·2011-Y-BGS-0005"

    response = client.post(url, {**form, "title": "顶层文件", "year": "", "retention": ""})
    top = ArchivalUnit.objects.get(title="顶层文件")
    assert top.parent is None and response.status_code == 302


def test_unit_form_errors_are_shown_on_the_fields_in_chinese(fonds, holdings, archivist):
    client = client_for(archivist)
    url = reverse("catalog:unit_create", args=[fonds.code])
    base = {"level": "item", "classification": "public", "openness": "pending"}
    response = client.post(url, {**base, "title": ""})
    assert response.status_code == 400
    text = response.content.decode()
    assert re.search(r'id="id_title_error"><p>这个字段是必填项', text)

    response = client.post(url, {**base, "title": "未来的文件", "date": "2999-01-01"})
    assert re.search(r'id="id_date_error"><p>日期晚于今天', response.content.decode())

    response = client.post(url, {**base, "title": "错误档号", "reference_code": "ABC"})
    assert "不符合档号格式" in response.content.decode()
    assert not ArchivalUnit.objects.filter(title__in=["未来的文件", "错误档号"]).exists()


def test_an_archivist_edits_a_unit_and_the_change_is_logged(fonds, holdings, archivist):
    unit = holdings["public2"]
    client = client_for(archivist)
    url = reverse("catalog:unit_edit", args=[unit.uuid])
    page = client.get(url).content.decode()
    assert "关于印发扶贫资金管理办法的通知" in page and 'name="title"' in page
    form = {
        "level": "item",
        "category": unit.category_id,
        "year": "2011",
        "retention": "Y",
        "organization": "BGS",
        "item_number": "2",
        "reference_code": unit.reference_code,
        "title": "关于印发扶贫资金管理办法（修订）的通知",
        "classification": "internal",
        "openness": "controlled",
        "page_count": "12",
    }
    assert client.post(url, form).status_code == 302
    unit.refresh_from_db()
    assert unit.title.endswith("（修订）的通知") and unit.classification == "internal" and unit.page_count == 12
    entry = AuditEntry.objects.filter(action="catalog.unit.update").latest("id")
    assert entry.username == "archivist" and entry.data["after"]["classification"] == "internal"

    response = client.post(url, {**form, "page_count": "-3"})
    assert response.status_code == 400 and "id_page_count_error" in response.content.decode()


def test_a_unit_moves_to_another_parent_by_reference_code(fonds, holdings, archivist):
    client = client_for(archivist)
    unit = holdings["secret"]
    url = reverse("catalog:unit_move", args=[unit.uuid])
    response = client.post(url, {"target": "Z109-NONE"})
    assert "找不到" in response.content.decode()
    response = client.post(url, {"target": str(holdings["public"].uuid)})  # an item cannot hold units
    assert "“件”之下不能再有下级档案" in response.content.decode()
    assert client.post(url, {"target": str(holdings["series"].uuid)}).status_code == 302
    unit.refresh_from_db()
    assert unit.parent == holdings["series"]
    assert client.post(url, {"target": ""}).status_code == 302
    unit.refresh_from_db()
    assert unit.parent is None


def test_delete_refuses_a_unit_with_children_and_removes_a_leaf(fonds, holdings, archivist):
    client = client_for(archivist)
    series = holdings["series"]
    response = client.post(reverse("catalog:unit_delete", args=[series.uuid]), follow=True)
    assert "该档案还有下级档案，不能删除" in response.content.decode()
    leaf = holdings["public"]
    assert "确认删除" in client.get(reverse("catalog:unit_delete", args=[leaf.uuid])).content.decode()
    response = client.post(reverse("catalog:unit_delete", args=[leaf.uuid]))
    assert response["Location"] == reverse("catalog:unit_detail", args=[series.uuid])
    assert not ArchivalUnit.objects.filter(pk=leaf.pk).exists()


def test_children_are_paged_on_the_unit_page(fonds, archivist):
    series = do_create_unit(CONSOLE, fonds, {"title": "大类", "level": UnitLevel.SERIES})
    for n in range(55):
        do_create_unit(CONSOLE, fonds, {"title": f"子件{n + 1:02d}"}, parent=series)
    client = client_for(archivist)
    url = reverse("catalog:unit_detail", args=[series.uuid])
    first = client.get(url).content.decode()
    assert "子件50" in first and "子件51" not in first and "第 1 / 2 页" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "子件51" in second and "子件55" in second and "子件01" not in second


# ---------------------------------------------------------------- authority records


def test_authorities_are_created_listed_edited_and_linked(fonds, holdings, archivist):
    client = client_for(archivist)
    response = client.post(
        reverse("catalog:authority_create"),
        {"kind": "person", "name": "王阳明", "variant_names": "王守仁\n阳明先生", "dates": "1472—1529"},
    )
    authority = Authority.objects.get(name="王阳明")
    assert response["Location"] == reverse("catalog:authority_detail", args=[authority.uuid])
    assert authority.variant_names == ["王守仁", "阳明先生"]
    listing = client.get(reverse("catalog:authority_list"), {"q": "王"}).content.decode()
    assert "王阳明" in listing and "王守仁、阳明先生" in listing

    duplicate = client.post(reverse("catalog:authority_create"), {"kind": "person", "name": "王阳明"})
    assert duplicate.status_code == 400 and "同类规范档案“王阳明”已存在" in duplicate.content.decode()

    client.post(
        reverse("catalog:authority_edit", args=[authority.uuid]),
        {"kind": "person", "name": "王阳明", "variant_names": "王守仁", "dates": "1472—1529", "description": "思想家"},
    )
    authority.refresh_from_db()
    assert authority.description == "思想家" and authority.variant_names == ["王守仁"]

    unit = holdings["public"]
    link_url = reverse("catalog:unit_link_authority", args=[unit.uuid])
    response = client.post(link_url, {"kind": "person", "name": "无此人", "role": "subject"}, follow=True)
    assert "没有名为“无此人”的规范档案" in response.content.decode()
    client.post(link_url, {"kind": "person", "name": "王阳明", "role": "subject"})
    link = UnitAuthority.objects.get(unit=unit, authority=authority)
    detail = client.get(reverse("catalog:authority_detail", args=[authority.uuid])).content.decode()
    assert unit.title in detail and "主题" in detail

    client.post(reverse("catalog:unit_unlink_authority", args=[unit.uuid, link.pk]))
    assert not UnitAuthority.objects.filter(pk=link.pk).exists()


def test_an_authority_page_lists_only_units_the_user_may_see(fonds, holdings, junior_archivist, system_admin):
    authority = do_create_authority(CONSOLE, {"kind": "place", "name": "遵义"})
    do_link_authority(CONSOLE, holdings["public"], authority, "place")
    do_link_authority(CONSOLE, holdings["secret"], authority, "place")
    text = client_for(junior_archivist).get(reverse("catalog:authority_detail", args=[authority.uuid])).content.decode()
    assert holdings["public"].title in text and holdings["secret"].title not in text
    assert client_for(junior_archivist).get(reverse("catalog:authority_create")).status_code == 200
    assert client_for(system_admin).get(reverse("catalog:authority_create")).status_code == 403


# ---------------------------------------------------------------- renumbering


def test_an_archivist_renumbers_a_range(fonds, holdings, categories, archivist):
    client = client_for(archivist)
    url = reverse("catalog:renumber", args=[fonds.code])
    assert (
        "新起始件号"
        in client.get(reverse("catalog:fonds_detail", args=[fonds.code]), {"tab": "renumber"}).content.decode()
    )
    group = {"category": categories["WS"].pk, "year": "2011", "retention": "Y", "organization": "BGS"}
    response = client.post(url, {**group, "first": "1", "last": "2", "start": "101"}, follow=True)
    assert "已重新编号 2 件档案" in response.content.decode()
    holdings["public"].refresh_from_db()
    assert holdings["public"].reference_code == "Z109-WS·2011-Y-BGS-0101"
    assert holdings["public"].former_reference_codes == ["Z109-WS·2011-Y-BGS-0001"]

    response = client.post(url, {**group, "first": "500", "last": "600", "start": "1"})
    assert response.status_code == 400 and "该范围内没有档案" in response.content.decode()
    response = client.post(url, {**group, "first": "", "last": "2", "start": "0"})
    assert "这个字段是必填项" in response.content.decode()


# ---------------------------------------------------------------- language


def test_the_catalog_switches_to_english(fonds, holdings, archivist):
    client = client_for(archivist)
    assert "层级浏览" in client.get(reverse("catalog:fonds_detail", args=[fonds.code])).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = client.get(reverse("catalog:fonds_detail", args=[fonds.code])).content.decode()
    assert "Browse hierarchy" in text and "层级浏览" not in text
    unit_page = client.get(reverse("catalog:unit_detail", args=[holdings["public"].uuid])).content.decode()
    assert "Retention period" in unit_page and "Permanent" in unit_page


def test_the_unit_form_offers_only_the_levels_the_user_may_see(fonds, holdings, junior_archivist, archivist):
    url = reverse("catalog:unit_create", args=[fonds.code])
    junior = client_for(junior_archivist).get(url).content.decode()
    assert 'value="public"' in junior and 'value="secret"' not in junior
    senior = client_for(archivist).get(url).content.decode()
    assert 'value="confidential"' in senior and 'value="top_secret"' not in senior
    response = client_for(junior_archivist).post(
        url, {"level": "item", "title": "越级", "classification": "secret", "openness": "pending"}
    )
    assert response.status_code == 400 and "id_classification_error" in response.content.decode()
