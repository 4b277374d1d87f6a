"""Finding authority records by any of their names (preferred or variant): the picker on the unit page, the
authority list, the API, and linking a unit by a name typed without the picker."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dangan.catalog.actions.authorities import (
    authority_named,
    do_create_authority,
    do_update_authority,
    find_authorities,
)
from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.models import Authority, UnitAuthority
from dangan.core.actors import CONSOLE

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(db: Any) -> dict[str, Authority]:
    return {
        "mao": do_create_authority(
            CONSOLE, {"kind": "person", "name": "毛泽东", "variant_names": ["毛润之", "子任"], "dates": "1893—1976"}
        ),
        "zhou": do_create_authority(CONSOLE, {"kind": "person", "name": "周恩来", "variant_names": ["伍豪"]}),
        "zunyi_place": do_create_authority(CONSOLE, {"kind": "place", "name": "遵义", "variant_names": ["播州"]}),
        "zunyi_event": do_create_authority(
            CONSOLE, {"kind": "event", "name": "遵义会议", "variant_names": ["Zunyi Conference"]}
        ),
        "bozhou_org": do_create_authority(CONSOLE, {"kind": "organization", "name": "播州", "variant_names": []}),
    }


def test_a_record_is_found_by_any_part_of_any_of_its_names(people):
    assert [m.authority for m in find_authorities("润之")] == [people["mao"]]
    assert find_authorities("润之")[0].matched_name == "毛润之"
    assert [m.authority for m in find_authorities("伍豪")] == [people["zhou"]]
    # Width and case do not matter.
    assert [m.authority for m in find_authorities("ｚｕｎｙｉ conference")] == [people["zunyi_event"]]
    # The record whose own name is the query comes first, then records that start with it, then the rest.
    assert [m.authority.name for m in find_authorities("遵义")] == ["遵义", "遵义会议"]
    assert [m.authority for m in find_authorities("遵义", kind="event")] == [people["zunyi_event"]]
    assert find_authorities("   ") == [] and find_authorities("不存在的名字") == []


def test_renaming_keeps_the_names_searchable(people):
    do_update_authority(CONSOLE, people["zhou"], {"variant_names": ["翔宇", "伍豪"]})
    assert [m.authority for m in find_authorities("翔宇")] == [people["zhou"]]
    do_update_authority(CONSOLE, people["zhou"], {"variant_names": []})
    assert find_authorities("伍豪") == []


def test_a_typed_name_names_one_record_or_says_why_not(people):
    assert authority_named("毛润之") == people["mao"]
    assert authority_named(" 毛泽东 ") == people["mao"]
    # 播州 is a place's variant name and an organization's own name: the own name wins.
    assert authority_named("播州") == people["bozhou_org"]
    assert authority_named("播州", kind="place") == people["zunyi_place"]
    do_create_authority(CONSOLE, {"kind": "place", "name": "子任"})
    with pytest.raises(Exception) as caught:
        authority_named("毛")
    assert "没有名为“毛”的规范档案" in str(caught.value)
    assert authority_named("子任") == Authority.objects.get(kind="place", name="子任")  # own name over a variant
    do_create_authority(CONSOLE, {"kind": "event", "name": "伍豪之事", "variant_names": ["伍豪"]})
    with pytest.raises(Exception) as caught:
        authority_named("伍豪")
    assert "有多条规范档案名为“伍豪”" in str(caught.value)


def test_the_picker_lists_matches_with_the_name_that_matched(people, archivist):
    client = client_for(archivist)
    url = reverse("catalog:authority_picker")
    text = client.get(url, {"name": "润之"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'role="option"' in text and f'data-value="{people["mao"].uuid}"' in text
    assert 'data-label="毛泽东"' in text and "又名 毛润之" in text and "1893—1976" in text
    text = client.get(url, {"name": "遵义", "kind": "place"}).content.decode()
    assert text.count('role="option"') == 1 and "遵义会议" not in text
    text = client.get(url, {"name": "没有的"}).content.decode()
    assert "没有名称含“没有的”的规范档案" in text and 'aria-disabled="true"' in text
    assert Client().get(url, {"name": "毛"}).status_code == 302  # sign-in first


def test_the_authority_list_and_the_api_find_records_by_variant_names(people, archivist):
    client = client_for(archivist)
    listing = client.get(reverse("catalog:authority_list"), {"q": "伍豪"}).content.decode()
    assert "周恩来" in listing and "毛泽东" not in listing
    body = client.get("/api/authorities", {"q": "播州"}).json()
    assert {item["name"] for item in body["items"]} == {"遵义", "播州"} and body["total"] == 2


def test_a_unit_is_linked_by_the_picked_record_or_by_a_typed_variant_name(fonds, people, archivist):
    unit = do_create_unit(CONSOLE, fonds, {"title": "关于红军长征过境的报告"})
    client = client_for(archivist)
    link_url = reverse("catalog:unit_link_authority", args=[unit.uuid])
    page = client.get(reverse("catalog:unit_detail", args=[unit.uuid])).content.decode()
    assert 'role="combobox"' in page and 'aria-controls="authority-options"' in page
    assert reverse("catalog:authority_picker") in page

    # Picked in the list: the hidden field carries the record's UUID, whatever the text box says.
    response = client.post(link_url, {"name": "毛", "authority": str(people["mao"].uuid), "role": "subject"})
    assert response.status_code == 302
    assert UnitAuthority.objects.filter(unit=unit, authority=people["mao"], role="subject").exists()
    # Typed without the picker: a variant name is enough.
    client.post(link_url, {"name": "伍豪", "role": "mentioned"})
    assert UnitAuthority.objects.filter(unit=unit, authority=people["zhou"], role="mentioned").exists()
    # Ambiguous or unknown names are refused with the reason.
    do_create_authority(CONSOLE, {"kind": "event", "name": "伍豪之事", "variant_names": ["伍豪"]})
    response = client.post(link_url, {"name": "伍豪", "role": "subject"}, follow=True)
    assert "有多条规范档案名为“伍豪”" in response.content.decode()
    response = client.post(link_url, {"name": "", "role": "subject"}, follow=True)
    assert "请填写规范档案的名称和关系" in response.content.decode()
    assert UnitAuthority.objects.filter(unit=unit).count() == 2
