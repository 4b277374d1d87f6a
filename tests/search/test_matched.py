"""Why a hit matched: the page and the API name the fields that hold the searched words (主题词, 规范档案, 档号 …)
when the title does not show them, with the same number of queries for a page of 2 hits or of 20."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dangan.catalog.actions.authorities import do_create_authority, do_link_authority, do_update_authority
from dangan.catalog.actions.units import do_create_unit
from dangan.core.actors import CONSOLE
from dangan.search.service import SearchRequest, search

pytestmark = pytest.mark.django_db

URL = "/manage/search/"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def units(fonds, categories) -> dict[str, Any]:
    def item(title: str, subjects: list[str] | None = None, **extra: Any) -> Any:
        data = {"title": title, "category": categories["WS"], "year": 1935, "retention": "Y", **extra}
        return do_create_unit(CONSOLE, fonds, data, subjects=subjects)

    units = {
        "subject": item("中央政治局扩大会议决议", subjects=["遵义会议", "长征"]),
        "title": item("遵义会议纪念馆筹建报告"),
        "code": item("某件无关题名的档案", organization="ZY"),
        "notes": item("关于会议文件的说明", notes="本件系遵义会议期间形成的抄件。"),
        "person": item("红军总政治部布告"),
    }
    mao = do_create_authority(CONSOLE, {"kind": "person", "name": "毛泽东", "variant_names": ["毛润之"]})
    do_link_authority(CONSOLE, units["person"], mao, "author")
    units["mao"] = mao
    return units


def hit_for(result: Any, unit: Any) -> Any:
    return next(h for h in result.hits if h.unit.pk == unit.pk)


def test_each_hit_names_the_fields_that_hold_the_words(units, archivist):
    result = search(archivist, SearchRequest(q="遵义会议"))
    by_field = {key: [m.field for m in hit_for(result, units[key]).matched] for key in ("subject", "title", "notes")}
    assert by_field == {"subject": ["subjects"], "title": ["title"], "notes": ["notes"]}
    subject = hit_for(result, units["subject"]).matched[0]
    assert (subject.label, subject.values) == ("主题词", ("遵义会议",))
    assert hit_for(result, units["title"]).matched_elsewhere == []

    code = units["code"].reference_code
    result = search(archivist, SearchRequest(q=f'档号:"{code}"'))
    assert [(m.field, m.values) for m in hit_for(result, units["code"]).matched] == [("reference_code", (code,))]


def test_a_unit_is_found_by_its_linked_authoritys_other_names_and_says_so(units, archivist):
    result = search(archivist, SearchRequest(q="毛润之"))
    assert [h.unit.pk for h in result.hits] == [units["person"].pk]
    (matched,) = result.hits[0].matched
    assert (matched.field, matched.label, matched.values) == ("authorities", "规范档案", ("毛泽东（毛润之）",))

    # Renaming the record re-indexes the units linked to it.
    do_update_authority(CONSOLE, units["mao"], {"variant_names": ["子任"]})
    assert search(archivist, SearchRequest(q="毛润之")).total == 0
    assert search(archivist, SearchRequest(q="子任")).total == 1

    # A second role keeps the names when the first is removed; removing the last link removes them.
    from dangan.catalog.actions.authorities import do_unlink_authority
    from dangan.catalog.models import UnitAuthority

    do_link_authority(CONSOLE, units["person"], units["mao"], "subject")
    do_unlink_authority(CONSOLE, UnitAuthority.objects.get(unit=units["person"], role="author"))
    assert search(archivist, SearchRequest(q="子任")).total == 1
    do_unlink_authority(CONSOLE, UnitAuthority.objects.get(unit=units["person"], role="subject"))
    assert search(archivist, SearchRequest(q="子任")).total == 0


def test_the_page_and_the_api_show_why(units, archivist):
    client = client_for(archivist)
    text = client.get(URL, {"q": "遵义会议"}).content.decode()
    assert '<span class="hit__why-field" data-field="subjects">主题词：遵义会议</span>' in text
    assert '<span class="hit__why-field" data-field="notes">附注</span>' in text
    assert text.count('data-field="title"') == 0  # the title shows its own match
    text = client.get(URL, {"q": "毛润之"}).content.decode()
    assert "规范档案：毛泽东（毛润之）" in text

    body = client.get("/api/search", {"q": "遵义会议"}).json()
    matched = {item["title"]: item["matched"] for item in body["items"]}
    assert matched["中央政治局扩大会议决议"] == [{"field": "subjects", "label": "主题词", "values": ["遵义会议"]}]
    assert matched["遵义会议纪念馆筹建报告"] == [{"field": "title", "label": "题名", "values": []}]


def test_the_explanation_costs_the_same_queries_for_any_page_size(fonds, categories, archivist):
    for n in range(24):
        do_create_unit(
            CONSOLE, fonds, {"title": f"第{n}号文件", "category": categories["WS"]}, subjects=["扶贫", f"项目{n}"]
        )

    def queries(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            result = search(archivist, SearchRequest(q="扶贫", size=size))
        assert len(result.hits) == size and all(h.matched_elsewhere for h in result.hits)
        return len(captured.captured_queries)

    search(archivist, SearchRequest(q="扶贫"))  # loads the index's columns once
    assert queries(2) == queries(20)
