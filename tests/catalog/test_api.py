"""The catalog REST API: who may do what, CRUD with Chinese validation messages, filters, paging and imports.

Authentication, one CRUD flow and the import go over real HTTP (live_server + urllib); the role matrix and the
detailed cases use Django's test client, which runs the same code without a socket.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.models import ArchivalUnit, Authority, UnitAuthority
from dangan.core.actions.accounts import do_create_api_token
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from tests.helpers import call, multipart

live = pytest.mark.django_db(transaction=True)


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def tree(fonds, categories) -> dict[str, Any]:
    """A year series holding one item at each 密级 up to 机密, and one open item at the top of the fonds."""
    ws = categories["WS"]
    series = do_create_unit(CONSOLE, fonds, {"title": "2016年", "level": "series", "year": 2016})

    def item(title: str, classification: str, **extra: Any) -> ArchivalUnit:
        data = {"title": title, "category": ws, "year": 2016, "retention": "Y", "organization": "BGS"}
        return do_create_unit(CONSOLE, fonds, {**data, "classification": classification, **extra}, parent=series)

    units = {
        "series": series,
        "public": item("关于印发脱贫攻坚实施方案的通知", "public", openness="open", responsible="省扶贫办"),
        "internal": item("扶贫资金使用情况的报告", "internal", document_number="黔扶办发〔2016〕12号"),
        "secret": item("易地扶贫搬迁安置点选址意见", "secret"),
        "confidential": item("有关专项工作的请示", "confidential"),
    }
    units["top"] = do_create_unit(
        CONSOLE, fonds, {"title": "全宗说明", "category": ws, "year": 2017, "retention": "D30", "openness": "open"}
    )
    return units


def get(client, user, url: str, **params: Any):
    if user is not None:
        client.force_login(user)
    return client.get(url, params)


def send(client, user, method: str, url: str, body: Any = None):
    if user is not None:
        client.force_login(user)
    return client.generic(
        method, url, json.dumps(body, ensure_ascii=False) if body is not None else "", "application/json"
    )


# ---------------------------------------------------------------- who may see and do what


@pytest.mark.django_db
def test_anonymous_callers_get_401(client, tree):
    assert client.get("/api/fonds").status_code == 401
    assert client.get(f"/api/units/{tree['public'].uuid}").status_code == 401
    assert send(client, None, "POST", "/api/units", {"fonds": "Z109", "title": "x"}).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("role_fixture", ["security_auditor", "security_admin"])
def test_auditor_and_security_admin_are_refused_the_catalog(client, tree, role_fixture, request):
    user = request.getfixturevalue(role_fixture)
    for url in ("/api/fonds", "/api/fonds/Z109", "/api/units", f"/api/units/{tree['public'].uuid}", "/api/authorities"):
        response = get(client, user, url)
        assert response.status_code == 403, url
        assert response.json()["detail"] == "您没有执行此操作的权限。"
    # Even for a unit they could never see: 403 for everything, so nothing is learnt.
    assert get(client, user, f"/api/units/{tree['secret'].uuid}").status_code == 403
    assert send(client, user, "PATCH", f"/api/units/{tree['public'].uuid}", {"title": "改"}).status_code == 403


@pytest.mark.django_db
def test_system_admin_reads_only_public_units_and_never_learns_of_the_others(client, tree, system_admin):
    assert get(client, system_admin, f"/api/units/{tree['public'].uuid}").status_code == 200
    for key in ("internal", "secret", "confidential"):
        response = get(client, system_admin, f"/api/units/{tree[key].uuid}")
        assert response.status_code == 404 and response.json()["detail"] == "档案不存在"
    listed = get(client, system_admin, "/api/units", fonds="Z109").json()
    assert {u["title"] for u in listed["items"]} == {"2016年", "关于印发脱贫攻坚实施方案的通知", "全宗说明"}
    assert listed["total"] == 3
    children = get(client, system_admin, "/api/fonds/Z109/children", parent=str(tree["series"].uuid)).json()
    assert children["total"] == 1 and [u["title"] for u in children["items"]] == ["关于印发脱贫攻坚实施方案的通知"]
    top = get(client, system_admin, "/api/fonds/Z109/children").json()
    series = next(u for u in top["items"] if u["level"] == "series")
    assert series["child_count"] == 1  # the stored count is 4
    fonds = get(client, system_admin, "/api/fonds/Z109").json()
    assert fonds["unit_count"] is None and fonds["top_level_count"] == 2
    # Reading is all the system administrator may do with the catalog.
    assert send(client, system_admin, "PATCH", f"/api/units/{tree['public'].uuid}", {"title": "改"}).status_code == 403
    assert send(client, system_admin, "POST", "/api/fonds", {"code": "Z200", "name": "某全宗"}).status_code == 403


@pytest.mark.django_db
def test_an_archivist_sees_up_to_the_clearance_and_hidden_units_are_404_even_for_writes(
    client, tree, archivist, junior_archivist
):
    for key in ("public", "internal", "secret", "confidential"):
        assert get(client, archivist, f"/api/units/{tree[key].uuid}").status_code == 200
    series = get(client, archivist, f"/api/units/{tree['series'].uuid}").json()
    assert series["child_count"] == 4
    assert get(client, junior_archivist, f"/api/units/{tree['secret'].uuid}").status_code == 404
    assert (
        send(client, junior_archivist, "PATCH", f"/api/units/{tree['secret'].uuid}", {"title": "改"}).status_code == 404
    )
    assert send(client, junior_archivist, "DELETE", f"/api/units/{tree['secret'].uuid}").status_code == 404
    response = send(
        client,
        junior_archivist,
        "POST",
        "/api/units",
        {"fonds": "Z109", "parent": str(tree["secret"].uuid), "title": "下级"},
    )
    assert response.status_code == 422 and "不存在" in response.json()["errors"]["parent"]
    assert get(client, junior_archivist, f"/api/units/{tree['secret'].uuid}/authorities").status_code == 404
    assert get(client, archivist, "/api/fonds/Z109").json()["unit_count"] is None  # 绝密 is still beyond 机密


# ---------------------------------------------------------------- units: create, change, filters, paging


@pytest.mark.django_db
def test_unit_json_carries_the_described_fields(client, tree, archivist):
    unit = tree["internal"]
    unit.subjects.create(term="扶贫资金")
    body = get(client, archivist, f"/api/units/{unit.uuid}").json()
    assert body["reference_code"] == "Z109-WS·2016-Y-BGS-0002"
    assert body["fonds"] == "Z109" and body["parent"] == str(tree["series"].uuid) and body["category"] == "WS"
    assert (body["retention"], body["retention_display"]) == ("Y", "永久")
    assert (body["classification"], body["classification_display"]) == ("internal", "内部")
    assert (body["openness"], body["openness_display"]) == ("pending", "待审")
    assert body["document_number"] == "黔扶办发〔2016〕12号" and body["subjects"] == ["扶贫资金"]
    assert body["child_count"] == 0 and body["former_reference_codes"] == []
    for key in ("date", "date_precision", "page_count", "remarks", "extent", "physical_location", "notes", "updated"):
        assert key in body


@pytest.mark.django_db
def test_create_and_change_units_with_chinese_validation_messages(client, tree, archivist):
    response = send(client, archivist, "POST", "/api/units", {"fonds": "Z109", "title": "  "})
    assert response.status_code == 422
    assert response.json()["errors"] == {"title": "题名不能为空"}
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    response = send(
        client, archivist, "POST", "/api/units", {"fonds": "Z109", "title": "通知\x07", "date": tomorrow, "year": 1900}
    )
    errors = response.json()["errors"]
    assert response.status_code == 422 and "控制字符" in errors["title"] and errors["date"] == "日期晚于今天"
    response = send(client, archivist, "POST", "/api/units", {"fonds": "Z999", "title": "题名"})
    assert response.status_code == 422 and response.json()["errors"] == {"fonds": "全宗 Z999 不存在"}
    response = send(client, archivist, "POST", "/api/units", {"fonds": "Z109", "title": "题名", "category": "QQ"})
    assert response.json()["errors"] == {"category": "未知门类：QQ"}
    response = send(
        client,
        archivist,
        "POST",
        "/api/units",
        {"fonds": "Z109", "title": "题名", "reference_code": "Z110-WS·2016-Y-0001"},
    )
    assert response.status_code == 422 and "全宗号" in response.json()["detail"]
    response = send(client, archivist, "POST", "/api/units", {"fonds": "Z109", "title": "题名", "classification": "x"})
    assert response.status_code == 422 and "classification" in response.json()["errors"]

    response = send(
        client,
        archivist,
        "POST",
        "/api/units",
        {
            "fonds": "Z109",
            "parent": str(tree["series"].uuid),
            "title": "关于下达2016年财政专项扶贫资金的通知",
            "category": "WS",
            "year": 2016,
            "retention": "D30",
            "organization": "GHC",
            "date": "2016-03-08",
            "date_precision": "day",
            "page_count": 4,
            "subjects": ["扶贫资金", "财政"],
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["reference_code"] == "Z109-WS·2016-D30-GHC-0001"
    assert created["subjects"] == ["扶贫资金", "财政"] and created["date"] == "2016-03-08"

    url = f"/api/units/{created['uuid']}"
    response = send(client, archivist, "PATCH", url, {"page_count": -1})
    assert response.status_code == 422 and response.json()["errors"]["page_count"].startswith("页数应为")
    response = send(client, archivist, "PATCH", url, {"date": "2016-13-45"})
    assert response.status_code == 422  # the request itself does not parse
    response = send(client, archivist, "PATCH", url, {"reference_code": "Z109-WS·2016-D30-GHC-0007", "remarks": "补"})
    assert response.status_code == 200
    changed = response.json()
    assert changed["reference_code"] == "Z109-WS·2016-D30-GHC-0007" and changed["item_number"] == 7
    assert changed["former_reference_codes"] == ["Z109-WS·2016-D30-GHC-0001"] and changed["remarks"] == "补"
    assert AuditEntry.objects.filter(action="catalog.unit.update", user=archivist).count() == 1


@pytest.mark.django_db
def test_move_delete_and_renumber(client, tree, archivist):
    top = tree["top"]
    response = send(client, archivist, "POST", f"/api/units/{top.uuid}/move", {"parent": str(tree["series"].uuid)})
    assert response.status_code == 200 and response.json()["parent"] == str(tree["series"].uuid)
    response = send(client, archivist, "POST", f"/api/units/{top.uuid}/move", {"parent": str(tree["public"].uuid)})
    assert response.status_code == 422 and "件" in response.json()["detail"]
    response = send(client, archivist, "POST", f"/api/units/{top.uuid}/move", {"parent": None})
    assert response.json()["parent"] is None
    response = send(client, archivist, "DELETE", f"/api/units/{tree['series'].uuid}")
    assert response.status_code == 422 and "下级" in response.json()["detail"]

    body = {"category": "WS", "year": 2016, "retention": "Y", "organization": "BGS", "first": 2, "last": 4, "start": 12}
    response = send(client, archivist, "POST", "/api/fonds/Z109/renumber", body)
    assert response.status_code == 200, response.content
    assert response.json()["changes"][0] == {"old": "Z109-WS·2016-Y-BGS-0002", "new": "Z109-WS·2016-Y-BGS-0012"}
    assert len(response.json()["changes"]) == 3
    bad = send(client, archivist, "POST", "/api/fonds/Z109/renumber", {**body, "first": 5, "last": 1})
    assert bad.status_code == 422 and "编号范围无效" in bad.json()["detail"]

    response = send(client, archivist, "DELETE", f"/api/units/{top.uuid}")
    assert response.status_code == 204
    assert get(client, archivist, f"/api/units/{top.uuid}").status_code == 404


@pytest.mark.django_db
def test_renumbering_a_range_with_units_the_caller_may_not_see_is_refused(client, tree, junior_archivist):
    body = {"category": "WS", "year": 2016, "retention": "Y", "organization": "BGS", "first": 1, "last": 4, "start": 21}
    response = send(client, junior_archivist, "POST", "/api/fonds/Z109/renumber", body)
    assert response.status_code == 422
    assert "无权查看" in str(response.json())


@pytest.mark.django_db
def test_unit_filters_and_their_errors(client, tree, archivist):
    def titles(**params: Any) -> list[str]:
        response = get(client, archivist, "/api/units", **params)
        assert response.status_code == 200, response.content
        return [u["title"] for u in response.json()["items"]]

    assert titles(classification="secret") == ["易地扶贫搬迁安置点选址意见"]
    assert titles(level="series") == ["2016年"]
    assert titles(q="黔扶办发") == ["扶贫资金使用情况的报告"]
    assert titles(year_from="2017") == ["全宗说明"]
    assert titles(parent=str(tree["series"].uuid), openness="open") == ["关于印发脱贫攻坚实施方案的通知"]
    assert titles(retention="D30", category="WS", fonds="z109") == ["全宗说明"]
    assert titles(fonds="Z109", ordering="title", year_to="2016", level="item")[0] == "关于印发脱贫攻坚实施方案的通知"

    response = get(client, archivist, "/api/units", year_from="二〇一六", classification="绝密", ordering="size")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["year_from"] == "年度应为四位数字：二〇一六"
    assert errors["classification"] == "无效的取值：绝密"
    assert errors["ordering"] == "无效的排序：size"
    assert response.json()["detail"].startswith("筛选条件有误：年度应为四位数字")


@pytest.mark.django_db
def test_unit_list_paging_and_totals(client, tree, archivist, system_admin):
    page = get(client, archivist, "/api/units", size=2, ordering="position").json()
    assert page["total"] is None and page["pages"] is None and page["has_next"] is True  # unfiltered: no COUNT
    assert len(page["items"]) == 2
    last = get(client, archivist, "/api/units", size=2, page=3).json()
    assert len(last["items"]) == 2 and last["has_next"] is False
    filtered = get(client, archivist, "/api/units", level="item", size=2).json()
    assert filtered["total"] == 5 and filtered["pages"] == 3
    # Out of bounds is refused, not clamped (docs/development/api.md): 1 ≤ page ≤ 100000, 1 ≤ size ≤ 200.
    for params in ({"size": 1000}, {"size": 0}, {"page": -1}, {"page": 10**20}, {"size": "many"}):
        response = get(client, archivist, "/api/units", **params)
        assert response.status_code == 422, params
        assert response.json()["detail"].startswith("请求数据有误") and set(response.json()["errors"]) <= {
            "page",
            "size",
        }
    beyond = get(client, archivist, "/api/units", page=100000).json()
    assert beyond["items"] == [] and beyond["has_next"] is False


@pytest.mark.django_db
def test_children_paging(client, fonds, categories, archivist):
    series = do_create_unit(CONSOLE, fonds, {"title": "2018年", "level": "series", "year": 2018})
    for n in range(5):
        do_create_unit(
            CONSOLE,
            fonds,
            {"title": f"第{n + 1}件", "category": categories["WS"], "year": 2018, "retention": "D10"},
            parent=series,
        )
    url = "/api/fonds/Z109/children"
    first = get(client, archivist, url, parent=str(series.uuid), size=2).json()
    assert (first["total"], first["pages"], first["page"], first["has_next"]) == (5, 3, 1, True)
    assert [u["title"] for u in first["items"]] == ["第1件", "第2件"]
    third = get(client, archivist, url, parent=str(series.uuid), size=2, page=3).json()
    assert [u["title"] for u in third["items"]] == ["第5件"] and third["has_next"] is False
    top = get(client, archivist, url).json()
    assert top["total"] == 1 and top["items"][0]["child_count"] == 5
    assert get(client, archivist, url, parent="not-a-uuid").status_code == 404
    assert get(client, archivist, "/api/fonds/Z999/children").status_code == 404


# ---------------------------------------------------------------- fonds and authorities


@pytest.mark.django_db
def test_fonds_endpoints(client, tree, archivist):
    listed = get(client, archivist, "/api/fonds").json()
    assert [f["code"] for f in listed["items"]] == ["Z109"] and listed["items"][0]["top_level_count"] == 2
    assert (listed["total"], listed["page"], listed["pages"], listed["has_next"]) == (1, 1, 1, False)
    response = send(
        client, archivist, "POST", "/api/fonds", {"code": "X013", "name": "中共贵州省工委", "start_year": 1937}
    )
    assert response.status_code == 201 and response.json()["arrangement_display"] == "年度—机构(问题)—保管期限"
    assert send(client, archivist, "POST", "/api/fonds", {"code": "X013", "name": "重复"}).json()["detail"] == (
        "全宗号 X013 已存在"
    )
    response = send(client, archivist, "POST", "/api/fonds", {"code": "X-1", "name": "坏代码"})
    assert response.status_code == 422 and "字母和数字" in response.json()["detail"]
    response = send(
        client, archivist, "PATCH", "/api/fonds/x013", {"creator": "中共贵州省工作委员会", "end_year": 1949}
    )
    assert response.status_code == 200 and response.json()["creator"] == "中共贵州省工作委员会"
    response = send(client, archivist, "PATCH", "/api/fonds/X013", {"arrangement": "by-colour"})
    assert response.status_code == 422 and "arrangement" in response.json()["errors"]
    assert get(client, archivist, "/api/fonds/X999").status_code == 404


@pytest.mark.django_db
def test_authorities_and_links(client, tree, archivist, system_admin):
    response = send(client, archivist, "POST", "/api/authorities", {"kind": "place", "name": "遵义", "dates": ""})
    assert response.status_code == 201
    zunyi = response.json()
    assert zunyi["kind_display"] == "地点"
    response = send(client, archivist, "POST", "/api/authorities", {"kind": "place", "name": "遵义"})
    assert response.status_code == 422 and response.json()["errors"]["name"] == "同类规范档案“遵义”已存在"
    response = send(client, archivist, "POST", "/api/authorities", {"kind": "planet", "name": ""})
    assert set(response.json()["errors"]) == {"kind", "name"}
    assert send(client, system_admin, "POST", "/api/authorities", {"kind": "place", "name": "x"}).status_code == 403

    url = f"/api/authorities/{zunyi['uuid']}"
    response = send(client, archivist, "PATCH", url, {"variant_names": ["遵义县"], "description": "黔北重镇"})
    assert response.status_code == 200 and response.json()["variant_names"] == ["遵义县"]
    assert get(client, system_admin, url).json()["name"] == "遵义"
    listing = get(client, archivist, "/api/authorities", kind="place", q="遵").json()
    assert listing["total"] == 1 and listing["items"][0]["uuid"] == zunyi["uuid"]

    unit_url = f"/api/units/{tree['public'].uuid}/authorities"
    response = send(client, archivist, "POST", unit_url, {"authority": zunyi["uuid"], "role": "place"})
    assert response.status_code == 201 and response.json()["role_display"] == "地点"
    link_id = response.json()["id"]
    response = send(client, archivist, "POST", unit_url, {"authority": zunyi["uuid"], "role": "spouse"})
    assert response.status_code == 422 and "未知关系" in response.json()["detail"]
    other = "00000000-0000-0000-0000-000000000000"
    response = send(client, archivist, "POST", unit_url, {"authority": other, "role": "place"})
    assert response.status_code == 422 and "authority" in response.json()["errors"]
    assert [link["id"] for link in get(client, archivist, unit_url).json()] == [link_id]
    wrong_unit = f"/api/units/{tree['internal'].uuid}/authorities/{link_id}"
    assert send(client, archivist, "DELETE", wrong_unit).status_code == 404
    assert send(client, archivist, "DELETE", f"{unit_url}/{link_id}").status_code == 204
    assert not UnitAuthority.objects.exists() and Authority.objects.count() == 1


@pytest.mark.django_db
def test_import_endpoints_check_capability_and_existence(client, fonds, system_admin, archivist):
    assert send(client, system_admin, "GET", "/api/imports/00000000-0000-0000-0000-000000000000").status_code == 403
    assert send(client, archivist, "GET", "/api/imports/00000000-0000-0000-0000-000000000000").status_code == 404
    client.force_login(system_admin)
    response = client.post("/api/imports", {"fonds": "Z109", "file": _csv_upload()})
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_file_that_cannot_be_imported_at_all_is_422(client, fonds, archivist):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(archivist)
    upload = SimpleUploadedFile("目录.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post("/api/imports", {"fonds": "Z109", "file": upload})
    assert response.status_code == 422 and "不支持的文件类型" in response.json()["errors"]["file"]
    response = client.post("/api/imports", {"fonds": "Z999", "file": _csv_upload()})
    assert response.status_code == 422 and response.json()["errors"] == {"fonds": "全宗 Z999 不存在"}


def _csv_upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("目录.csv", b"\xef\xbb\xbf" + _good_csv(), content_type="text/csv")


# ---------------------------------------------------------------- over real HTTP


@live
def test_crud_flow_over_http(live_server, fonds, categories, archivist, system_admin):
    _, key = do_create_api_token(archivist, "编目脚本")
    _, admin_key = do_create_api_token(system_admin, "管理")
    api = f"{live_server.url}/api"

    response = call("POST", f"{api}/units", token=key, json_body={"fonds": "Z109", "title": ""})
    assert response.status == 422 and response.json["errors"] == {"title": "题名不能为空"}
    body = {
        "fonds": "Z109",
        "title": "关于开展脱贫攻坚“春风行动”的通知",
        "category": "WS",
        "year": 2017,
        "retention": "Y",
        "organization": "BGS",
        "document_number": "黔扶办发〔2017〕3号",
        "classification": "secret",
        "subjects": ["脱贫攻坚"],
    }
    response = call("POST", f"{api}/units", token=key, json_body=body)
    assert response.status == 201, response.text
    unit = response.json
    assert unit["reference_code"] == "Z109-WS·2017-Y-BGS-0001" and unit["classification_display"] == "秘密"
    url = f"{api}/units/{unit['uuid']}"

    assert call("GET", url, token=key).json["title"] == body["title"]
    assert call("GET", url, token=admin_key).status == 404  # 秘密: the system administrator may not know of it
    response = call("PATCH", url, token=key, json_body={"classification": "public", "openness": "open"})
    assert response.status == 200 and response.json["openness_display"] == "开放"
    assert call("GET", url, token=admin_key).status == 200
    listed = call("GET", f"{api}/units?fonds=Z109&q=%E6%98%A5%E9%A3%8E", token=admin_key).json  # q=春风
    assert listed["total"] == 1 and listed["items"][0]["uuid"] == unit["uuid"]
    assert call("GET", f"{api}/units?year_from=abc", token=key).status == 422
    assert call("DELETE", url, token=admin_key).status == 403
    assert call("DELETE", url, token=key).status == 204
    assert call("GET", url, token=key).status == 404


def _good_csv() -> bytes:
    rows = [
        "档号,文号,责任者,题名,日期,密级,页数,备注",
        "Z109-WS·2016-Y-BGS-0001,黔扶办发〔2016〕12号,贵州省扶贫开发办公室,关于做好易地扶贫搬迁工作的通知,20160312,公开,4,",
        "Z109-WS·2016-Y-BGS-0002,黔扶办发〔2016〕13号,贵州省扶贫开发办公室,关于产业扶贫项目验收的报告,20160401,内部,6,",
    ]
    return ("\n".join(rows) + "\n").encode("utf-8")


@live
def test_import_over_http(live_server, fonds, categories, archivist):
    _, key = do_create_api_token(archivist, "导入")
    api = f"{live_server.url}/api"

    data, ctype = multipart(
        {"fonds": "Z109", "dry_run": "false"}, {"file": ("目录.csv", b"\xef\xbb\xbf" + _good_csv(), "text/csv")}
    )
    response = call("POST", f"{api}/imports", token=key, data=data, content_type=ctype)
    assert response.status == 201, response.text
    batch = response.json
    assert batch["status"] == "done" and batch["created_count"] == 2 and batch["errors"] == []
    assert call("GET", f"{api}/imports/{batch['uuid']}", token=key).json["status"] == "done"
    assert ArchivalUnit.objects.filter(fonds=fonds).count() == 2

    bad = _good_csv().replace(b"20160401", b"20169999").replace(b"-0002", b"-0003")
    data, ctype = multipart({"fonds": "Z109", "dry_run": "true"}, {"file": ("坏目录.csv", bad, "text/csv")})
    response = call("POST", f"{api}/imports", token=key, data=data, content_type=ctype)
    assert response.status == 201
    batch = response.json
    assert batch["status"] == "invalid" and batch["errors"]
    error = batch["errors"][0]
    assert set(error) >= {"row", "column", "value", "reason", "code"} and error["row"] is not None

    data, ctype = multipart({"fonds": "Z999"}, {"file": ("目录.csv", _good_csv(), "text/csv")})
    response = call("POST", f"{api}/imports", token=key, data=data, content_type=ctype)
    assert response.status == 422 and response.json["errors"] == {"fonds": "全宗 Z999 不存在"}


def test_a_code_with_a_control_character_is_refused_not_a_server_error(client, tree, archivist):
    """Found by the OpenAPI fuzz on PostgreSQL, which refuses NUL in a query's text: a 422 naming the field."""
    body = {"category": "WS", "year": 2016, "retention": "Y", "organization": "\x00BGS", "first": 1, "last": 2}
    response = send(client, archivist, "POST", "/api/fonds/Z109/renumber", {**body, "start": 1})
    assert response.status_code == 422 and "organization" in response.json()["errors"]
