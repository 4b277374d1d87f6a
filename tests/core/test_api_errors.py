"""Every error of the REST API is JSON ``{"detail": <Chinese>, "errors": {…}}``: those of the endpoints and the actions,
and those that never reach an endpoint — a URL under /api/ that matches nothing, a wrong method, a body too large, a
crash (logged with its traceback, answered without one). The workspace pages keep their HTML error pages."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client
from ninja.errors import Throttled

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def assert_json_error(response: Any, status: int, fragment: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) >= {"detail", "errors"} and fragment in body["detail"], body
    assert any("\u4e00" <= c <= "\u9fff" for c in body["detail"]), body  # a message in Chinese
    return body


def test_errors_that_never_reach_an_endpoint_are_json_too(archivist):
    client = signed_in(archivist)
    assert_json_error(client.get("/api/no-such-thing"), 404, "未找到")
    assert_json_error(client.get("/api/units/not-a-uuid"), 404, "未找到")  # the URL pattern wants a UUID
    wrong = client.delete("/api/fonds")
    assert_json_error(wrong, 405, "不支持")
    assert set(wrong["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    # The workspace keeps its pages.
    assert client.get("/manage/no-such-page/")["Content-Type"].startswith("text/html")


def test_bad_requests_and_missing_credentials_say_so_in_chinese(archivist):
    assert_json_error(Client().get("/api/units"), 401, "未登录或令牌无效")
    assert_json_error(Client().get("/api/units", HTTP_AUTHORIZATION="Bearer dg_nonsense"), 401, "令牌")
    client = signed_in(archivist)
    assert_json_error(client.post("/api/fonds", "{not json", content_type="application/json"), 400, "请求格式有误")
    body = assert_json_error(client.post("/api/fonds", {"code": 5}, content_type="application/json"), 422)
    assert body["errors"] == {"code": "应为文本", "name": "必填"}


def test_a_body_over_the_limit_is_413(archivist, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"code": "Z1", "name": "全" * 2000})
    assert_json_error(signed_in(archivist).post("/api/fonds", body, content_type="application/json"), 413, "过大")


def test_an_unexpected_exception_is_logged_and_answered_without_a_traceback(fonds, archivist, monkeypatch, caplog):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals /srv/dangan/var")

    monkeypatch.setattr("dangan.catalog.api.fonds.fonds_out", broken)
    with caplog.at_level(logging.ERROR, logger="dangan.api"):
        response = signed_in(archivist).get("/api/fonds")
    body = assert_json_error(response, 500, "服务器内部错误")
    assert "secret internals" not in response.content.decode() and "Traceback" not in body["detail"]
    logged = [r for r in caplog.records if r.name == "dangan.api"]
    assert logged and logged[0].exc_info and "secret internals" in str(logged[0].exc_info[1])


def test_throttling_is_429_with_retry_after(fonds, archivist, monkeypatch):
    def throttled(*args: Any, **kwargs: Any) -> Any:
        raise Throttled(wait=7)

    monkeypatch.setattr("dangan.catalog.api.fonds.fonds_out", throttled)
    response = signed_in(archivist).get("/api/fonds")
    assert_json_error(response, 429, "请求过于频繁")
    assert response["Retry-After"] == "7"
