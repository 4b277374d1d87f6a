"""``GET /api/search`` over real HTTP: the public without credentials, staff with a token, and the 422s.

The anonymous and token cases go through a live server (urllib); the session and role cases use the test client.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from dangan.core.actions.accounts import do_create_api_token
from tests.helpers import call
from tests.search.fixtures_ui import VISIBLE, holdings_fixture, make_item  # noqa: F401

live = pytest.mark.django_db(transaction=True)

ITEM_KEYS = {
    "uuid",
    "reference_code",
    "title",
    "title_html",
    "matched",
    "snippet_html",
    "fonds",
    "date",
    "level",
    "level_display",
    "classification",
    "classification_display",
    "openness",
    "openness_display",
    "score",
    "fulltext_snippet",
}


def found(body: dict, holdings: dict) -> set[str]:
    uuids = {item["uuid"] for item in body["items"]}
    return {key for key, unit in holdings.items() if str(unit.uuid) in uuids}


def url(base: str, **params: Any) -> str:
    return f"{base}/api/search?{urlencode(params)}"


@live
def test_the_public_and_a_token_holder_over_http(live_server, holdings, archivist, system_admin):
    response = call("GET", url(live_server.url, q="遵义"))
    assert response.status == 200, response.text
    body = response.json
    assert found(body, holdings) == VISIBLE["public"]
    assert body["total"] == 1 and body["page"] == 1 and body["size"] == 20 and body["pages"] == 1
    item = body["items"][0]
    assert set(item) == ITEM_KEYS
    unit = holdings["open"]
    assert item["reference_code"] == unit.reference_code and item["fonds"] == "Z109"
    assert item["classification"] == "public" and item["openness_display"] == "开放"
    assert item["date"] == "2016-03-05"
    assert "<mark>" in item["title_html"] and item["title"] == unit.title
    assert isinstance(item["score"], float)
    # The public's facets count only what the public sees.
    assert {f["value"]: f["count"] for f in body["facets"]["classification"]} == {"public": 1}
    assert set(body["facets"]) >= {"fonds", "category", "retention", "classification", "openness", "level", "year"}
    assert body["query_description"] and isinstance(body["took_ms"], float)

    _, key = do_create_api_token(archivist, "检索")
    body = call("GET", url(live_server.url, q="遵义"), token=key).json
    assert found(body, holdings) == VISIBLE["archivist"] and body["total"] == 4
    _, admin_key = do_create_api_token(system_admin, "检索")
    assert found(call("GET", url(live_server.url, q="遵义"), token=admin_key).json, holdings) == VISIBLE["system_admin"]

    # A token that does not exist is refused, not quietly read as the public.
    assert call("GET", url(live_server.url, q="遵义"), token="dg_not-a-token").status == 401

    response = call("GET", url(live_server.url, q='"遵义'))
    assert response.status == 422
    assert response.json["errors"] == {"q": response.json["detail"]} and response.json["detail"]


@pytest.mark.django_db
def test_filters_sort_and_paging(client, fonds, categories, archivist):
    for n in range(25):
        make_item(fonds, categories, f"关于脱贫攻坚第{n + 1}批项目的批复", year=2010 + n % 5, openness="open")
    client.force_login(archivist)
    body = client.get("/api/search", {"q": "脱贫攻坚", "size": 10, "page": 3}).json()
    assert body["total"] == 25 and body["pages"] == 3 and body["size"] == 10 and len(body["items"]) == 5
    assert body["has_next"] is False
    assert client.get("/api/search", {"q": "脱贫攻坚", "size": 10}).json()["has_next"] is True
    for params in ({"size": 500}, {"page": 0}, {"page": -1}, {"page": 10**20}):  # refused, not clamped
        response = client.get("/api/search", {"q": "脱贫攻坚", **params})
        assert response.status_code == 422 and response.json()["detail"].startswith("请求数据有误"), params
    body = client.get("/api/search", {"q": "脱贫攻坚", "year_from": 2012, "year_to": 2012}).json()
    assert body["total"] == 5
    years = {f["value"]: f["count"] for f in client.get("/api/search", {"q": "脱贫攻坚"}).json()["facets"]["year"]}
    assert years == {str(y): 5 for y in range(2010, 2015)}
    codes = [
        i["reference_code"]
        for i in client.get("/api/search", {"q": "脱贫攻坚", "sort": "reference_code"}).json()["items"]
    ]
    assert codes == sorted(codes)


@pytest.mark.django_db
def test_invalid_filter_values_are_422_with_chinese_messages(client, holdings):
    response = client.get("/api/search", {"q": "遵义", "classification": "topsecret", "sort": "random"})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"classification", "sort"}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in message) for message in errors.values())
    response = client.get("/api/search", {"q": "遵义", "year_from": "abc"})
    assert response.status_code == 422 and "year_from" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ['"遵义', "遵义 AND", "(遵义"])
def test_a_malformed_query_is_422(client, holdings, query):
    response = client.get("/api/search", {"q": query})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] and body["errors"] == {"q": body["detail"]}


@pytest.mark.django_db
def test_sessions_and_roles(client, holdings, archivist, security_auditor):
    client.force_login(archivist)
    assert client.get("/api/search", {"q": "遵义"}).json()["total"] == 4
    client.force_login(security_auditor)
    response = client.get("/api/search", {"q": "遵义"})
    assert response.status_code == 403 and response.json()["detail"] == "您没有执行此操作的权限。"


@pytest.mark.django_db
def test_a_session_that_must_change_its_password_searches_as_the_public(client, holdings, archivist):
    archivist.must_change_password = True
    archivist.save()
    client.force_login(archivist)
    body = client.get("/api/search", {"q": "遵义"}).json()
    assert found(body, holdings) == VISIBLE["public"]


@pytest.mark.django_db
def test_the_openapi_document_lists_the_parameters(client):
    spec = client.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "fonds", "sort", "page", "size", "year_from"}
