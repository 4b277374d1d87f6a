"""Part themes: membership (saved queries + picks − exclusions), and that a hidden unit (秘密, or 控制) picked by an
archivist cleared 秘密 never reaches the public — theme pages, facet counts, timeline, map counts, the mini program's
API, the OAI-PMH set — while facet counts equal the visible members; drafts are 404 to the public; the boundary
file holds Guizhou's counties; places are matched to counties by name."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from dangan.catalog.actions.authorities import do_create_authority, do_link_authority
from dangan.catalog.actions.openness import do_set_openness
from dangan.catalog.actions.units import do_create_unit
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import AuditEntry
from dangan.outreach import geo
from dangan.outreach.actions.themes import (
    do_add_milestone,
    do_add_query,
    do_add_section,
    do_create_theme,
    do_pick_unit,
    do_set_place_county,
    do_set_status,
    do_update_theme,
)
from dangan.outreach.interchange.registry import set_family
from dangan.outreach.models import PlaceCounty, ThemeStatus
from dangan.outreach.theme_content import county_counts, facets, members
from tests.helpers import account, client_for

pytestmark = pytest.mark.django_db

SECRET = SecurityClassification.SECRET
HIDDEN_SECRET = "红军长征过遵义的秘密电报"
HIDDEN_CONTROLLED = "红军在遵义扩红的控制名册"


@pytest.fixture
def editor(db: Any) -> Any:
    """An archivist cleared 秘密: sees (and may pick) the hidden units."""
    return account(Role.ARCHIVIST, SECRET, username="editor-secret")


@pytest.fixture
def world(fonds: Any, categories: Any, editor: Any) -> dict[str, Any]:
    counter = itertools.count(1)

    def unit(title: str, date: str, **extra: Any) -> Any:
        data = {
            "title": title,
            "category": categories["WS"],
            "year": int(date[:4]),
            "date": dt.date.fromisoformat(date),
            "date_precision": "day",
            "retention": "Y",
            "organization": "BGS",
            "item_number": next(counter),
            "openness": "open",
            "classification": SecurityClassification.PUBLIC,
        }
        data.update(extra)
        return do_create_unit(CONSOLE, fonds, data, subjects=["红军"] if "红军" in title else ["扶贫"])

    units = {
        "zunyi": unit("红军在遵义召开会议的记录", "1935-01-15"),
        "loushan": unit("红军攻克娄山关的战报", "1935-02-26"),
        "chishui": unit("红军四渡赤水的回忆材料", "1935-03-21"),
        "poverty": unit("关于易地扶贫搬迁工作的通知", "2016-03-02"),
        "picked": unit("贵州省档案馆征集的老照片说明", "1936-05-01"),
        "secret": unit(HIDDEN_SECRET, "1935-01-16", classification=SECRET),
        "controlled": unit(HIDDEN_CONTROLLED, "1935-01-17", openness="controlled"),
    }
    person = do_create_authority(CONSOLE, {"kind": "person", "name": "毛泽东"})
    place = do_create_authority(CONSOLE, {"kind": "place", "name": "贵州省遵义市汇川区"})
    event = do_create_authority(CONSOLE, {"kind": "event", "name": "遵义会议"})
    for name in ("zunyi", "loushan", "secret", "controlled"):
        do_link_authority(CONSOLE, units[name], person, "subject")
        do_link_authority(CONSOLE, units[name], place, "subject")
    do_link_authority(CONSOLE, units["zunyi"], event, "subject")
    do_link_authority(CONSOLE, units["secret"], event, "subject")
    theme = do_create_theme(
        editor,
        {
            "slug": "hongjun-guizhou",
            "title": "红军在贵州",
            "summary": "红军长征在贵州",
            "introduction": "1934年至1936年",
        },
    )
    do_add_query(editor, theme, {"query": "红军"})
    do_pick_unit(editor, theme, units["picked"])
    do_pick_unit(editor, theme, units["secret"])
    do_pick_unit(editor, theme, units["controlled"])
    do_pick_unit(editor, theme, units["chishui"], excluded=True)
    section = do_add_section(editor, theme, {"title": "遵义会议", "introduction": "伟大转折"})
    do_add_query(editor, theme, {"query": "题名:遵义"}, section=section)
    do_add_milestone(editor, theme, "1935-01-15", "遵义会议召开")
    do_set_status(editor, theme, ThemeStatus.PUBLISHED)
    theme.refresh_from_db()
    return {"units": units, "theme": theme, "section": section, "person": person, "place": place, "event": event}


def public_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_members_are_the_queries_hits_and_the_picks_less_the_exclusions(world: dict[str, Any], editor: Any) -> None:
    units, theme = world["units"], world["theme"]
    public = set(members(AnonymousUser(), theme))
    assert public == {units["zunyi"], units["loushan"], units["picked"]}
    # 四渡赤水 matches the query but was excluded; the poverty notice matches nothing.
    assert units["chishui"] not in public and units["poverty"] not in public
    # The editor cleared 秘密 sees the 秘密 pick too (and the controlled one: staff see any openness).
    assert set(members(editor, theme)) == public | {units["secret"], units["controlled"]}
    # The section holds what its own query finds.
    assert set(members(AnonymousUser(), theme, world["section"])) == {units["zunyi"]}


def test_hidden_units_never_reach_the_public(world: dict[str, Any]) -> None:
    client = Client()
    slug = world["theme"].slug
    pages = [
        "/themes/",
        f"/themes/{slug}/",
        f"/themes/{slug}/?q=红军",
        f"/themes/{slug}/timeline/",
        f"/themes/{slug}/map/",
        f"/themes/{slug}/map/?county=520303",
        f"/themes/{slug}/?authority={world['person'].uuid}",
        f"/themes/{slug}/?county=520303",
        f"/themes/{slug}/?section={world['section'].pk}",
    ]
    hidden = [world["units"][n] for n in ("secret", "controlled")]
    for url in pages:
        page = public_text(client, url)
        for unit in hidden:
            assert unit.title not in page, url
            assert str(unit.uuid) not in page, url
    section_page = public_text(client, f"/themes/{slug}/?section={world['section'].pk}")
    assert (
        "红军在遵义召开会议的记录" in section_page and "红军攻克娄山关的战报" not in section_page.split("专题档案")[-1]
    )
    theme_page = public_text(client, f"/themes/{slug}/")
    assert "红军在遵义召开会议的记录" in theme_page and "贵州省档案馆征集的老照片说明" in theme_page
    assert 'data-theme-total="3"' in theme_page
    # Facet counts count the visible members only: 毛泽东 describes two visible units (and two hidden ones).
    counts = re.findall(r"毛泽东</a> <span class=\"facet__count\" data-facet-count>(\d+)</span>", theme_page)
    assert counts == ["2"]
    assert re.findall(r"遵义会议</a> <span class=\"facet__count\" data-facet-count>(\d+)</span>", theme_page) == ["1"]
    # The timeline: 1935 holds the two visible units, not the hidden ones of January 1935.
    timeline = public_text(client, f"/themes/{slug}/timeline/")
    assert "遵义会议召开" in timeline
    assert re.search(r"1935年 <span class=\"muted\" data-year-count>2 件", timeline)
    # The map: 汇川区 counts two (the hidden ones linked to the same place are not counted).
    map_page = public_text(client, f"/themes/{slug}/map/")
    assert re.search(r'data-county="520303".*?data-county-count>2<', map_page, re.S)
    data = json.loads(re.search(r'id="theme-map-data" type="application/json">(.*?)</script>', map_page, re.S)[1])
    assert {row["adcode"]: row["value"] for row in data["counts"]}["520303"] == 2
    assert len(data["counts"]) == 88


def test_facet_counts_equal_the_visible_members(world: dict[str, Any]) -> None:
    visible = members(AnonymousUser(), world["theme"])
    for facet in facets(visible):
        for value in facet.values:
            if facet.param == "authority":
                expected = visible.filter(authority_links__authority__uuid=value.key).distinct().count()
            else:
                expected = visible.filter(subjects__term=value.key).distinct().count()
            assert value.count == expected, (facet.name, value.label)
    assert county_counts(visible) == {"520303": 2}


def test_the_mini_program_api_shows_only_public_members(world: dict[str, Any]) -> None:
    client = Client()
    listing = client.get("/api/mini/themes")
    assert listing.status_code == 200
    body = listing.json()
    assert [(t["slug"], t["count"]) for t in body["items"]] == [("hongjun-guizhou", 3)]
    detail = client.get("/api/mini/themes/hongjun-guizhou?page=1&size=2")
    assert detail.status_code == 200
    data = detail.json()
    assert data["count"] == 3 and data["members"]["total"] == 3 and data["members"]["has_next"] is True
    assert data["sections"] == [{"title": "遵义会议", "introduction": "伟大转折", "count": 1}]
    everything = json.dumps(client.get("/api/mini/themes/hongjun-guizhou?size=100").json(), ensure_ascii=False)
    for name in ("secret", "controlled"):
        unit = world["units"][name]
        assert unit.title not in everything and str(unit.uuid) not in everything
    first = data["members"]["items"][0]
    assert set(first) >= {"uuid", "title", "reference_code", "date", "thumbnail_url"}
    assert client.get("/api/mini/themes/no-such-theme").status_code == 404


def test_a_withdrawn_unit_vanishes_at_the_next_request(world: dict[str, Any]) -> None:
    client = Client()
    url = f"/themes/{world['theme'].slug}/"
    first = client.get(url)
    assert "红军攻克娄山关的战报" in first.content.decode()
    do_set_openness(CONSOLE, [world["units"]["loushan"]], "controlled", "复核")
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "红军攻克娄山关的战报" not in again.content.decode()


def test_a_draft_is_404_to_the_public_and_previewed_by_staff(world: dict[str, Any], editor: Any) -> None:
    theme = world["theme"]
    do_set_status(editor, theme, ThemeStatus.DRAFT)
    client = Client()
    for url in (
        f"/themes/{theme.slug}/",
        f"/themes/{theme.slug}/timeline/",
        f"/themes/{theme.slug}/map/",
        f"/api/mini/themes/{theme.slug}",
    ):
        assert client.get(url).status_code == 404, url
    assert "红军在贵州" not in public_text(client, "/themes/")
    assert client.get("/api/mini/themes").json()["items"] == []
    staff = client_for(editor)
    preview = staff.get(f"/manage/outreach/themes/{theme.slug}/preview/")
    assert preview.status_code == 200
    assert HIDDEN_SECRET in preview.content.decode()  # the editor's own view: cleared 秘密
    assert set_family("theme:hongjun-guizhou") is not None
    assert set_family("theme:x").units(AnonymousUser(), "theme:hongjun-guizhou") is None  # type: ignore[union-attr]


def test_the_oai_set_holds_the_visible_members(world: dict[str, Any]) -> None:
    family = set_family("theme:hongjun-guizhou")
    assert family is not None
    assert ("theme:hongjun-guizhou", "红军在贵州", "红军长征在贵州") in list(family.list_sets(AnonymousUser()))
    units = family.units(AnonymousUser(), "theme:hongjun-guizhou")
    assert units is not None
    assert {u.title for u in units} == {
        "红军在遵义召开会议的记录",
        "红军攻克娄山关的战报",
        "贵州省档案馆征集的老照片说明",
    }


def test_the_boundary_file_has_guizhous_counties() -> None:
    data = json.loads(geo.BOUNDARY_FILE.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    codes = {f["properties"]["adcode"] for f in data["features"]}
    assert len(codes) == 88 and all(c.startswith("52") for c in codes)
    names = {f["properties"]["name"] for f in data["features"]}
    assert {"南明区", "汇川区", "凯里市", "威宁彝族回族苗族自治县"} <= names
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])
    assert (geo.BOUNDARY_FILE.parent / "LICENSE").exists() and (geo.BOUNDARY_FILE.parent / "VERSION").exists()


def test_places_are_matched_to_counties_by_name_and_corrected_by_staff(world: dict[str, Any], editor: Any) -> None:
    assert geo.match_place("贵州省遵义市汇川区").adcode == "520303"  # type: ignore[union-attr]
    assert geo.match_place("贵阳市南明区").adcode == "520102"  # type: ignore[union-attr]
    assert geo.match_place("盘州市").name == "盘县"  # type: ignore[union-attr]
    assert geo.match_place("北京市") is None
    place = world["place"]
    assert PlaceCounty.objects.get(authority=place).adcode == "520303"  # matched when saved
    do_set_place_county(editor, place, "520302")
    link = PlaceCounty.objects.get(authority=place)
    assert (link.adcode, link.matched) == ("520302", False)
    with pytest.raises(ValidationError):
        do_set_place_county(editor, place, "110101")
    do_set_place_county(editor, place, "auto")
    assert PlaceCounty.objects.get(authority=place).adcode == "520303"


def test_editing_checks_its_input_and_is_audited(world: dict[str, Any], editor: Any, system_admin: Any) -> None:
    theme = world["theme"]
    with pytest.raises(ValidationError) as bad:
        do_create_theme(editor, {"slug": "Bad Slug", "title": ""})
    assert set(bad.value.message_dict) == {"slug", "title"}
    with pytest.raises(ValidationError):
        do_add_query(editor, theme, {"query": "(红军"})
    with pytest.raises(PermissionDenied):
        do_create_theme(system_admin, {"slug": "x", "title": "x"})
    # An editor who may not see a unit cannot pick it (it answers as missing).
    junior = account(Role.ARCHIVIST, SecurityClassification.PUBLIC, username="editor-public")
    with pytest.raises(ValidationError):
        do_pick_unit(junior, theme, world["units"]["secret"])
    do_update_theme(editor, theme, {"slug": theme.slug, "title": "红军在贵州（1934—1936）"})
    actions = set(AuditEntry.objects.filter(action__startswith="outreach.theme.").values_list("action", flat=True))
    assert {"outreach.theme.create", "outreach.theme.update", "outreach.theme.status", "outreach.theme.pick"} <= actions


def test_staff_edit_through_the_pages(world: dict[str, Any], editor: Any, system_admin: Any) -> None:
    staff = client_for(editor)
    assert staff.get("/manage/outreach/themes/").status_code == 200
    response = staff.post("/manage/outreach/themes/new/", {"slug": "tuopin", "title": "脱贫攻坚"})
    assert response.status_code == 302
    url = "/manage/outreach/themes/tuopin/"
    assert staff.post(url, {"op": "add_query", "query": "扶贫"}).status_code == 302
    bad = staff.post(url, {"op": "add_query", "query": ""})
    assert bad.status_code == 400 and "请填写检索式" in bad.content.decode()
    assert staff.post("/manage/outreach/themes/tuopin/status/", {"status": "published"}).status_code == 302
    public = public_text(Client(), "/themes/tuopin/")
    assert "关于易地扶贫搬迁工作的通知" in public
    assert client_for(system_admin).get(url).status_code == 403
    assert staff.get("/manage/outreach/themes/places/").status_code == 200
    assert "汇川区" in staff.get("/manage/outreach/themes/places/").content.decode()


def test_the_demo_adds_the_sample_themes_it_has_units_for(world: dict[str, Any]) -> None:
    from dangan.catalog.demo import _DEMO_STEPS
    from dangan.outreach.theme_demo import load_demo_themes

    assert load_demo_themes in _DEMO_STEPS
    lines = load_demo_themes()
    # 红军在贵州 is there already (the fixture's, same slug): left alone; no unit speaks of 疫情.
    assert not any("红军在贵州" in line for line in lines)
    assert any("新冠肺炎疫情防控" in line and "未创建" in line for line in lines)
    assert any("脱贫攻坚" in line and "已发布" in line for line in lines)
    assert load_demo_themes() == [line for line in lines if "未创建" in line]  # again: nothing new
    page = public_text(Client(), "/themes/tuopin-gongjian/")
    assert "关于易地扶贫搬迁工作的通知" in page and "红军" not in page.split("专题档案")[-1]


def test_a_theme_of_many_units_reads_them_as_one_array(world: dict[str, Any], monkeypatch: Any) -> None:
    from dangan.outreach import theme_content

    monkeypatch.setattr(theme_content, "INLINE_IDS", 1)
    theme = world["theme"]
    assert {u.title for u in members(AnonymousUser(), theme)} == {
        "红军在遵义召开会议的记录",
        "红军攻克娄山关的战报",
        "贵州省档案馆征集的老照片说明",
    }
    assert "红军攻克娄山关的战报" in public_text(Client(), f"/themes/{theme.slug}/?q=娄山关")


def test_the_migration_matches_the_places_recorded_before_it(world: dict[str, Any]) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("dangan.outreach.migrations.0002_themes")
    PlaceCounty.objects.all().delete()
    migration.match_places(apps, None)
    assert PlaceCounty.objects.get(authority=world["place"]).adcode == "520303"
