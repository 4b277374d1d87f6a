"""/api/access/requests… and /api/access/grants…: readers' own requests, reviewers' decisions, the same actions as the
pages, with Chinese 4xx details."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from dangan.access.models import AccessGrant, AccessRequest
from dangan.core.choices import SecurityClassification
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def controlled(make_unit: Callable[..., Any]) -> Any:
    return make_unit("关于张家湾村危房改造补助名单的报告", openness="controlled")


def submit(client: Any, **body: Any) -> Any:
    return post(client, "/api/access/requests", {"purpose": "rights", "description": "父亲的工作记录", **body})


def test_a_reader_submits_lists_and_reads_their_own(reader: Any, other_reader: Any, make_unit: Callable) -> None:
    opened = make_unit("开放文件", openness="open")
    client = client_for(reader)
    created = submit(client, units=[str(opened.uuid)])
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "submitted" and body["status_display"] == "待审核"
    assert [u["title"] for u in body["units"]] == ["开放文件"]
    assert body["reviewer"] is None
    listing = client.get("/api/access/requests").json()
    assert listing["total"] == 1 and listing["items"][0]["uuid"] == body["uuid"]
    assert client_for(other_reader).get("/api/access/requests").json()["total"] == 0
    missing = client_for(other_reader).get(f"/api/access/requests/{body['uuid']}")
    assert missing.status_code == 404
    assert "不存在" in missing.json()["detail"]


def test_a_closed_unit_is_refused_like_a_missing_one(reader: Any, controlled: Any) -> None:
    response = submit(client_for(reader), units=[str(controlled.uuid)])
    assert response.status_code == 422
    assert "没有找到这些档案（或暂未开放）" in response.json()["detail"]
    assert controlled.title not in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_bad_input_gets_a_chinese_422(reader: Any) -> None:
    response = post(client_for(reader), "/api/access/requests", {"purpose": "rights"})
    assert response.status_code == 422
    assert "请选择档案，或描述您需要查阅的档案" in response.json()["detail"]


def test_staff_review_through_the_api(reader: Any, access_staff: Any, controlled: Any) -> None:
    created = submit(client_for(reader)).json()
    staff = client_for(access_staff)
    url = f"/api/access/requests/{created['uuid']}"
    added = post(staff, f"{url}/units", {"units": [str(controlled.uuid)], "version": created["version"]})
    assert added.status_code == 200, added.content
    body = added.json()
    stale = post(staff, f"{url}/approve", {"version": created["version"]})
    assert stale.status_code == 409
    approved = post(staff, f"{url}/approve", {"version": body["version"], "reading_room_only": True})
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["status"] == "approved_with_conditions"
    assert [g["reading_room_only"] for g in body["grants"]] == [True]
    grants = client_for(reader).get("/api/access/grants").json()
    assert [g["title"] for g in grants["items"]] == [controlled.title]
    revoked = post(staff, f"/api/access/grants/{body['grants'][0]['uuid']}/revoke", {"reason": "违规"})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client_for(reader).get("/api/access/grants").json()["total"] == 0


def test_ask_answer_refuse_and_withdraw(reader: Any, access_staff: Any) -> None:
    mine = client_for(reader)
    staff = client_for(access_staff)
    created = submit(mine).json()
    url = f"/api/access/requests/{created['uuid']}"
    asked = post(staff, f"{url}/ask", {"question": "请说明年代"}).json()
    assert asked["status"] == "needs_info" and asked["reason"] == "请说明年代"
    answered = post(mine, f"{url}/answer", {"text": "1998年", "version": asked["version"]}).json()
    assert answered["status"] == "submitted"
    refused = post(staff, f"{url}/refuse", {"reason": ""})
    assert refused.status_code == 422
    assert post(staff, f"{url}/refuse", {"reason": "未到开放期限"}).json()["status"] == "refused"
    late = post(mine, f"{url}/withdraw", {})
    assert late.status_code == 409
    assert "不能撤回" in late.json()["detail"]


def test_who_may_call_what(reader: Any, access_staff: Any, system_admin: Any, make_unit: Callable) -> None:
    created = submit(client_for(reader)).json()
    url = f"/api/access/requests/{created['uuid']}"
    assert client_for(None).get("/api/access/requests").status_code == 401
    assert client_for(system_admin).get("/api/access/requests").status_code == 403
    assert client_for(system_admin).get(url).status_code == 403
    assert submit(client_for(access_staff)).status_code == 403  # staff do not submit
    assert post(client_for(reader), f"{url}/refuse", {"reason": "自己批"}).status_code == 403
    assert client_for(access_staff).get(url).json()["reader"] == "张三"


def test_a_secret_unit_cannot_be_granted_through_the_api(reader: Any, archivist: Any, make_unit: Callable) -> None:
    secret = make_unit("秘密文件", classification=SecurityClassification.SECRET)
    created = submit(client_for(reader)).json()
    response = post(
        client_for(archivist), f"/api/access/requests/{created['uuid']}/units", {"units": [str(secret.uuid)]}
    )
    assert response.status_code == 422
    assert "涉密档案" in response.json()["detail"]
    assert not AccessGrant.objects.exists()
