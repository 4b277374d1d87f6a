"""The public portal: what the public, a reader and staff see on the home, search, unit, fonds and guide pages, the
sitemap and robots rules, the caching headers, and the staff page that edits the consulting information."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils.html import format_html

from dangan.access import portal_sections
from dangan.access.choices import Channel, UseKind
from dangan.access.models import ConsultingInfo, UseRecord
from dangan.catalog import grants as grants_module
from dangan.catalog.actions.units import do_create_unit, do_update_unit
from dangan.catalog.choices import UnitLevel
from dangan.catalog.grants import Grants, grants_changed
from dangan.core.actors import CONSOLE
from dangan.core.choices import SecurityClassification
from dangan.core.models import AuditEntry
from tests.helpers import client_for

SECRET = SecurityClassification.SECRET


def text(response: Any) -> str:
    return response.content.decode()


def words(response: Any) -> str:
    """The page's text without its tags (search highlights split titles with <mark>)."""
    return re.sub(r"<[^>]+>", "", text(response))


@pytest.fixture
def catalog(make_unit: Any, fonds: Any, categories: Any) -> dict[str, Any]:
    """A fonds with an opened unit, a pending one, a controlled one, a 秘密 opened one; a series with an opened
    and a pending item."""
    fonds.history = "省扶贫开发办公室成立于1986年，负责全省扶贫开发工作。"
    fonds.save(update_fields=["history"])
    units = {
        "open": make_unit(
            "关于易地扶贫搬迁工作的通知",
            openness="open",
            document_number="黔扶办发〔2011〕1号",
            physical_location="三号库房 12 排",
            remarks="内部备注：待复核",
            notes="附注：仅供馆内",
        ),
        "pending": make_unit("关于扶贫资金审计的未开放报告", openness="pending"),
        "controlled": make_unit("关于扶贫对象个人情况的控制报告", openness="controlled"),
        "secret": make_unit("关于扶贫工作的秘密请示", openness="open", classification=SECRET),
    }
    series = do_create_unit(
        CONSOLE, fonds, {"title": "扶贫开发工作案卷", "level": UnitLevel.SERIES, "openness": "open", "year": 2011}
    )
    units["series"] = series
    item = {"category": categories["WS"], "year": 2011, "retention": "Y", "organization": "BGS"}
    for name, title, openness in (
        ("child_open", "案卷内开放的扶贫文件", "open"),
        ("child_pending", "案卷内未开放的扶贫文件", "pending"),
    ):
        data = {**item, "title": title, "openness": openness}
        units[name] = do_create_unit(CONSOLE, fonds, data, parent=series)
    return units


@pytest.fixture
def granted(reader: Any, catalog: dict[str, Any]) -> Iterator[Any]:
    """The reader holds a grant (records and files) to the controlled unit, as an approved request would give."""
    unit = catalog["controlled"]

    def provider(user: Any) -> Grants:
        if user.pk == reader.pk:
            return Grants(frozenset({unit.pk}), frozenset({unit.pk}), frozenset())
        return Grants()

    grants_module.register_grant_provider(provider)
    grants_changed()
    yield unit
    grants_module._providers.remove(provider)
    grants_changed()


def same_page(body: str) -> str:
    """The page without what differs between any two responses (CSRF tokens, CSP nonces)."""
    return re.sub(r'(nonce|value|"X-CSRFToken")[=:] ?"[A-Za-z0-9_-]{20,}"', "", body)


HIDDEN = ("未开放的报告", "控制报告", "秘密请示", "案卷内未开放")


def assert_hides(body: str, *, except_: tuple[str, ...] = ()) -> None:
    for title in HIDDEN:
        if title not in except_:
            assert title not in body, title


# ---------------------------------------------------------------- home


def test_home_shows_fonds_with_visible_counts_and_a_search_box(client: Client, catalog: dict[str, Any]) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = text(response)
    assert "贵州省扶贫开发办公室" in body
    # Opened and 公开: the open item, the series and the open item in it (never the stored counter of 7).
    assert "3 条档案" in body
    assert 'role="search"' in body and 'action="/search/"' in body
    assert "如何查档" in body
    assert_hides(body)


def test_home_hides_a_fonds_whose_units_are_all_hidden(client: Client, make_unit: Any) -> None:
    make_unit("只有一件未开放的档案", openness="pending")
    body = text(client.get("/"))
    assert "贵州省扶贫开发办公室" not in body
    assert "暂无可公开查询的档案" in body
    assert client.get("/fonds/Z109/").status_code == 404


def test_home_sections_registry(client: Client, catalog: dict[str, Any]) -> None:
    portal_sections.register_home_section("test.empty", lambda request: "", order=1)
    try:
        assert "专题档案" not in text(client.get("/"))
        portal_sections.register_home_section(
            "test.themes",
            lambda request: format_html('<section id="themes"><h2>{}</h2></section>', "专题档案"),
            order=2,
        )
        assert '<section id="themes"><h2>专题档案</h2></section>' in text(client.get("/"))
    finally:
        portal_sections.clear_home_sections("test.empty")
        portal_sections.clear_home_sections("test.themes")
    assert "专题档案" not in text(client.get("/"))


def test_staff_see_the_portal_as_the_policy_shows_them(catalog: dict[str, Any], archivist: Any) -> None:
    """The portal uses the visitor's own rights: an archivist cleared 机密 sees the 秘密 unit and pending ones."""
    client = client_for(archivist)
    assert client.get(f"/units/{catalog['secret'].uuid}/").status_code == 200
    pending = client.get(f"/units/{catalog['pending'].uuid}/")
    assert pending.status_code == 200
    assert "公众看不到本档案" in text(pending)
    assert "公众看不到本档案" not in text(client.get(f"/units/{catalog['open'].uuid}/"))
    assert "工作台" in text(client.get("/"))


# ---------------------------------------------------------------- search


def test_search_finds_only_what_the_public_may_see(client: Client, catalog: dict[str, Any]) -> None:
    response = client.get("/search/", {"q": "扶贫"})
    assert response.status_code == 200
    body = text(response)
    assert "易地" in body and "案卷内开放" in words(client.get("/search/", {"q": "扶贫"}))
    assert_hides(body)
    # The total and the facet counts count visible units only.
    assert re.search(r"共 <strong>3</strong> 条", body)
    assert 'data-facet="classification"' not in body  # one 密级 only: no facet for it
    assert 'data-facet="openness"' not in body  # all 开放
    assert 'data-facet="fonds"' in body
    assert f'href="/units/{catalog["open"].uuid}/"' in body
    assert "<mark>" in body


def test_search_facet_link_narrows_and_chip_removes(client: Client, catalog: dict[str, Any]) -> None:
    body = text(client.get("/search/", {"q": "扶贫", "level": "series"}))
    assert re.search(r"共 <strong>1</strong> 条", body)
    assert "扶贫开发工作案卷" in words(client.get("/search/", {"q": "扶贫", "level": "series"}))
    assert "去掉条件" in body


def test_search_states(client: Client, catalog: dict[str, Any]) -> None:
    body = text(client.get("/search/"))
    assert "输入检索词开始查询" in body
    error = client.get("/search/", {"q": '"扶贫'})
    assert error.status_code == 200
    assert "检索式有误" in text(error)
    nothing = text(client.get("/search/", {"q": "不存在的词语组合"}))
    assert "没有找到符合条件的档案" in nothing
    bad = text(client.get("/search/", {"q": "扶贫", "sort": "nope", "page": "x"}))
    assert "部分检索条件无效" in bad
    # A hidden unit's words find nothing, not even a count.
    assert re.search(r"没有找到|共 <strong>0</strong>", text(client.get("/search/", {"q": "秘密请示"})))


def test_search_past_the_last_page_shows_the_last_page(client: Client, catalog: dict[str, Any]) -> None:
    body = text(client.get("/search/", {"q": "扶贫", "page": "9"}))
    assert "易地" in body


def test_a_reader_searches_their_grants_too(reader: Any, granted: Any) -> None:
    body = text(client_for(reader).get("/search/", {"q": "扶贫"}))
    assert "控制报告" in body
    assert_hides(body, except_=("控制报告",))


# ---------------------------------------------------------------- unit page


def test_unit_page_public_fields_citation_and_links(client: Client, catalog: dict[str, Any]) -> None:
    unit = catalog["open"]
    response = client.get(f"/units/{unit.uuid}/")
    assert response.status_code == 200
    body = text(response)
    assert "关于易地扶贫搬迁工作的通知" in body and "黔扶办发〔2011〕1号" in body
    assert unit.reference_code in body
    # The citation: the archives, the fonds, the 档号, the title and the stable link.
    assert "示例省档案馆" in body or "档案馆" in body
    assert f"http://testserver/units/{unit.uuid}/" in body
    assert f"《{unit.title}》" in body
    # Staff-only fields never reach the public.
    for internal in ("三号库房", "内部备注", "仅供馆内", "存放位置", "附注"):
        assert internal not in body, internal
    # Nothing about grants or hidden siblings.
    assert_hides(body)


@pytest.mark.parametrize("name", ["pending", "controlled", "secret"])
def test_a_hidden_unit_is_a_404_like_a_missing_one(client: Client, catalog: dict[str, Any], name: str) -> None:
    hidden = client.get(f"/units/{catalog[name].uuid}/")
    missing = client.get("/units/00000000-0000-4000-8000-000000000000/")
    assert hidden.status_code == missing.status_code == 404
    assert same_page(text(hidden).replace(str(catalog[name].uuid), "")) == same_page(
        text(missing).replace("00000000-0000-4000-8000-000000000000", "")
    )


def test_unit_page_children_and_breadcrumbs(client: Client, catalog: dict[str, Any]) -> None:
    body = text(client.get(f"/units/{catalog['series'].uuid}/"))
    assert "案卷内开放的扶贫文件" in body
    assert "案卷内未开放" not in body
    assert "共 1 条" in body
    child = text(client.get(f"/units/{catalog['child_open'].uuid}/"))
    assert f'href="/units/{catalog["series"].uuid}/"' in child  # the visible series in the breadcrumbs
    assert 'href="/fonds/Z109/"' in child


def test_a_reader_sees_a_granted_unit_and_the_view_is_registered(reader: Any, granted: Any) -> None:
    client = client_for(reader)
    response = client.get(f"/units/{granted.uuid}/")
    assert response.status_code == 200
    assert "依您获批的查档申请" in text(response)
    client.get(f"/units/{granted.uuid}/")
    views = UseRecord.objects.filter(reader=reader, unit=granted, kind=UseKind.VIEW, channel=Channel.ONLINE)
    assert views.count() == 1  # once a day
    assert AuditEntry.objects.filter(action="access.use.view", object_id=str(granted.uuid)).exists()
    # Another reader, and the public, still get 404.
    assert Client().get(f"/units/{granted.uuid}/").status_code == 404


def test_a_readers_view_of_an_opened_unit_is_not_a_use_of_a_grant(reader: Any, catalog: dict[str, Any]) -> None:
    assert client_for(reader).get(f"/units/{catalog['open'].uuid}/").status_code == 200
    assert not UseRecord.objects.filter(reader=reader).exists()


# ---------------------------------------------------------------- fonds page


def test_fonds_page_history_and_tree(client: Client, catalog: dict[str, Any]) -> None:
    response = client.get("/fonds/Z109/")
    assert response.status_code == 200
    body = text(response)
    assert "成立于1986年" in body
    assert "易地扶贫搬迁" in body and "扶贫开发工作案卷" in body
    assert "浏览下级（1）" in body  # the series' visible children only
    assert_hides(body)
    inside = text(client.get("/fonds/Z109/", {"parent": str(catalog["series"].uuid)}))
    assert "案卷内开放的扶贫文件" in inside
    assert "案卷内未开放" not in inside


def test_fonds_page_refuses_hidden_or_bad_parents(client: Client, catalog: dict[str, Any]) -> None:
    assert client.get("/fonds/Z109/", {"parent": str(catalog["pending"].uuid)}).status_code == 404
    assert client.get("/fonds/Z109/", {"parent": "not-a-uuid"}).status_code == 404
    assert client.get("/fonds/NOPE/").status_code == 404
    assert client.get("/fonds/z109/").status_code == 200  # the code in any case


def test_fonds_list(client: Client, catalog: dict[str, Any]) -> None:
    body = text(client.get("/fonds/"))
    assert 'href="/fonds/Z109/"' in body
    assert ">3<" in body


# ---------------------------------------------------------------- caching


def test_public_pages_revalidate_with_an_etag(client: Client, catalog: dict[str, Any]) -> None:
    url = f"/units/{catalog['open'].uuid}/"
    first = client.get(url)
    assert first["Cache-Control"].split(", ").count("no-cache") == 1
    assert "public" in first["Cache-Control"]
    assert first.has_header("Last-Modified")
    tag = first["ETag"]
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again["ETag"] == tag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_portal_pages_allow_no_inline_code_and_keep_one_policy(client: Client, catalog: dict[str, Any]) -> None:
    """No nonce: a 304 must not bring a policy that the cached page's nonce no longer matches."""
    url = f"/units/{catalog['open'].uuid}/"
    first, second = client.get(url), client.get(url)
    policy = first["Content-Security-Policy"]
    assert policy == second["Content-Security-Policy"]
    assert "nonce-" not in policy and "unsafe-inline" not in policy and "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    revalidated = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert revalidated.status_code == 304
    assert revalidated["Content-Security-Policy"] == policy


def test_signed_in_pages_are_private(reader: Any, catalog: dict[str, Any]) -> None:
    response = client_for(reader).get("/")
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]


def test_a_unit_whose_openness_changes_disappears_at_once(client: Client, catalog: dict[str, Any]) -> None:
    unit = catalog["open"]
    page = client.get(f"/units/{unit.uuid}/")
    home = client.get("/")
    assert unit.title in words(client.get("/search/", {"q": "易地"}))
    assert str(unit.uuid) in text(client.get("/sitemap.xml"))

    do_update_unit(CONSOLE, unit, {"openness": "controlled"})

    # The cached copy's tag no longer matches: the page is gone, not revalidated.
    assert client.get(f"/units/{unit.uuid}/", headers={"If-None-Match": page["ETag"]}).status_code == 404
    assert unit.title not in words(client.get("/search/", {"q": "易地"}))
    assert str(unit.uuid) not in text(client.get("/sitemap.xml"))
    changed = client.get("/", headers={"If-None-Match": home["ETag"]})
    assert changed.status_code == 200
    assert "2 条档案" in text(changed)


# ---------------------------------------------------------------- guide and its editing


def test_guide_shows_the_consulting_information(client: Client, institution: Any) -> None:
    body = text(client.get("/guide/"))
    assert "查档指南尚未公布" in body or "地址" in body
    ConsultingInfo.objects.create(pk=1, hours="周一至周五 9:00–17:00", fees="查阅免费", what_to_bring="身份证")
    body = text(client.get("/guide/"))
    assert "周一至周五 9:00–17:00" in body and "查阅免费" in body and "身份证" in body
    assert "周一至周五" in text(client.get("/"))  # the footer's hours


def test_staff_edit_the_consulting_information(access_staff: Any, client: Client, institution: Any) -> None:
    staff = client_for(access_staff)
    page = staff.get("/manage/access/portal/")
    assert page.status_code == 200
    data = {"version": "0", "hours": "周二至周六 9:00–17:00", "address": "贵阳市观山湖区", "fees": "免费"}
    response = staff.post("/manage/access/portal/", data)
    assert response.status_code == 302
    info = ConsultingInfo.current()
    assert (info.hours, info.version) == ("周二至周六 9:00–17:00", 1)
    assert AuditEntry.objects.filter(action="access.portal.update_guide").count() == 1
    assert "贵阳市观山湖区" in text(client.get("/guide/"))
    # A form filled in from the older version is refused, and nothing is overwritten.
    stale = staff.post("/manage/access/portal/", {**data, "hours": "旧的时间"})
    assert stale.status_code == 409
    assert "已被他人修改" in text(stale)
    assert ConsultingInfo.current().hours == "周二至周六 9:00–17:00"
    # The refused form keeps what was typed, now against the stored version: saving again overwrites on purpose.
    assert "旧的时间" in text(stale)
    assert 'name="version" value="1"' in text(stale)
    too_long = staff.post("/manage/access/portal/", {**data, "version": "1", "address": "长" * 301})
    assert too_long.status_code == 400
    assert ConsultingInfo.current().address == "贵阳市观山湖区"


def test_only_reading_room_staff_edit_the_guide(reader: Any, junior_archivist: Any, client: Client) -> None:
    assert client.get("/manage/access/portal/").status_code == 302
    assert client_for(reader).get("/manage/access/portal/").status_code == 403
    assert client_for("security_admin").post("/manage/access/portal/", {"version": "0"}).status_code == 403


def test_the_staff_start_page_links_the_guide_settings(access_staff: Any) -> None:
    assert "/manage/access/portal/" in text(client_for(access_staff).get("/manage/access/"))


# ---------------------------------------------------------------- sitemap and robots


def test_sitemap_lists_what_the_public_may_see(client: Client, catalog: dict[str, Any], reader: Any) -> None:
    body = text(client.get("/sitemap.xml"))
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "<urlset" in body
    for name in ("open", "series", "child_open"):
        assert f"/units/{catalog[name].uuid}/" in body
    for name in ("pending", "controlled", "secret", "child_pending"):
        assert str(catalog[name].uuid) not in body
    assert "http://testserver/fonds/Z109/" in body


def test_sitemap_index_when_large(client: Client, catalog: dict[str, Any], monkeypatch: Any) -> None:
    from dangan.access.views import portal

    monkeypatch.setattr(portal, "SITEMAP_LIMIT", 2)
    index = text(client.get("/sitemap.xml"))
    assert "<sitemapindex" in index
    sections = re.findall(r"<loc>http://testserver(/sitemap-\d+\.xml)</loc>", index)
    assert sections == ["/sitemap-1.xml", "/sitemap-2.xml", "/sitemap-3.xml"]
    listed = "".join(text(client.get(s)) for s in sections)
    assert listed.count("/units/") == 3
    assert "/fonds/Z109/" in text(client.get("/sitemap-1.xml"))
    assert client.get("/sitemap-4.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_robots(client: Client) -> None:
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = text(response)
    for rule in ("Disallow: /manage/", "Disallow: /account/", "Disallow: /api/", "Allow: /"):
        assert rule in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_portal_pages_carry_no_inline_script_or_style(client: Client, catalog: dict[str, Any]) -> None:
    for url in ("/", "/search/?q=扶贫", f"/units/{catalog['open'].uuid}/", "/fonds/Z109/", "/guide/", "/fonds/"):
        body = text(client.get(url))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), url
        assert " style=" not in body and not re.search(r"\son[a-z]+=", body), url


def test_english_is_one_switch_away(client: Client, catalog: dict[str, Any], settings: Any) -> None:
    body = text(client.get("/"))
    assert 'action="/i18n/setlang/"' in body
    assert 'lang="zh-Hans"' in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in ("/", "/search/?q=扶贫", f"/units/{catalog['open'].uuid}/", "/fonds/Z109/", "/guide/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en">' in text(response), url
