"""REST API authentication over real HTTP: bearer tokens, and what happens without a good one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangan.core.actions.accounts import do_create_api_token
from dangan.core.api import request_errors_body, validation_error_body
from tests.helpers import call

live = pytest.mark.django_db(transaction=True)


@live
def test_bearer_tokens_over_http(live_server, archivist, junior_archivist):
    url = f"{live_server.url}/api/me"
    _, key = do_create_api_token(archivist, "脚本")
    _, expired_key = do_create_api_token(archivist, "过期", expires=timezone.now() - dt.timedelta(minutes=1))
    _, inactive_key = do_create_api_token(junior_archivist, "停用账号")
    junior_archivist.is_active = False
    junior_archivist.save(update_fields=["is_active"])

    assert call("GET", url).status == 401
    assert call("GET", f"{live_server.url}/api/fonds").status == 401
    assert call("GET", url, token="dg_not-a-real-token").status == 401
    assert call("GET", url, token=expired_key).status == 401
    assert call("GET", url, token=inactive_key).status == 401

    response = call("GET", url, token=key)
    assert response.status == 200
    assert response.json == {
        "username": "archivist",
        "full_name": "",
        "role": "archivist",
        "role_display": "业务人员",
        "clearance": "confidential",
    }
    assert archivist.api_tokens.get(name="脚本").last_used is not None


@live
def test_openapi_document_and_docs_page(live_server):
    schema = call("GET", f"{live_server.url}/api/openapi.json")
    assert schema.status == 200
    paths = schema.json["paths"]
    for path in (
        "/api/me",
        "/api/fonds",
        "/api/fonds/{code}",
        "/api/fonds/{code}/children",
        "/api/fonds/{code}/renumber",
        "/api/units",
        "/api/units/{unit_id}",
        "/api/units/{unit_id}/move",
        "/api/units/{unit_id}/authorities",
        "/api/units/{unit_id}/authorities/{link_id}",
        "/api/authorities",
        "/api/authorities/{authority_id}",
        "/api/imports",
        "/api/imports/{batch_id}",
    ):
        assert path in paths, path
    assert "bearer" in str(schema.json["components"]["securitySchemes"]).lower()
    docs = call("GET", f"{live_server.url}/api/docs")
    assert docs.status == 200 and "openapi.json" in docs.text


def test_error_bodies_are_chinese_per_field():
    from django.core.exceptions import ValidationError

    body = validation_error_body(ValidationError({"title": "题名不能为空", "date": "日期晚于今天"}))
    assert body["errors"] == {"title": "题名不能为空", "date": "日期晚于今天"}
    assert "题名不能为空" in body["detail"]
    assert validation_error_body(ValidationError("档号已被使用"))["errors"] == {}

    parsed = request_errors_body(
        [
            {"type": "date_from_datetime_parsing", "loc": ("body", "payload", "date"), "msg": "Input should be…"},
            {"type": "int_parsing", "loc": ("query", "page"), "msg": "…"},
            {"type": "less_than_equal", "loc": ("body", "payload", "page_count"), "ctx": {"le": 5}},
        ]
    )
    assert parsed["errors"] == {"date": "日期格式应为 YYYY-MM-DD", "page": "应为整数", "page_count": "应不大于 5"}
