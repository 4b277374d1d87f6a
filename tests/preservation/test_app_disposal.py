"""Removing a preserved unit: plain deletion is refused; disposal (鉴定销毁) needs a reason and a second person, keeps
the OCFL object and its package reachable through the register to those allowed, and takes the unit out of every
list, count and search — through the pages and through the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dangan.catalog.actions.disposals import do_approve_disposal, do_request_disposal
from dangan.catalog.models import ArchivalUnit, UnitDisposal
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import AuditEntry, User
from dangan.preservation.actions.preserving import do_preserve
from dangan.search.sync import reindex_all

from .conftest import PDF, TEXT

pytestmark = pytest.mark.django_db

TITLE = "关于遵义会议会址修缮的请示"


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def second_archivist(db: Any) -> Any:
    user = User.objects.create(username="reviewer", role=Role.ARCHIVIST, clearance=SecurityClassification.CONFIDENTIAL)
    user.set_password("correct-horse-battery")
    user.save()
    return user


@pytest.fixture
def preserved_unit(storage, make_unit, source_files) -> ArchivalUnit:
    unit = make_unit(title=TITLE, openness="open")
    do_preserve(CONSOLE, unit, source_files({"0001.pdf": PDF, "说明.txt": TEXT}), message="接收")
    return unit


def object_dir(storage: Any, unit: ArchivalUnit) -> Path:
    return Path(storage.backend.describe()) / unit.preserved_packages.get().object_path


def post_json(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_preserved_unit_cannot_simply_be_deleted(preserved_unit, archivist, storage):
    client = client_for(archivist)
    url = reverse("catalog:unit_delete", args=[preserved_unit.uuid])
    page = client.get(url).content.decode()
    assert "不能直接删除" in page and "申请鉴定销毁" in page and 'name="version"' not in page
    response = client.post(url, follow=True)
    assert "已长期保存（有保存包），不能直接删除" in response.content.decode()
    api = client.delete(f"/api/units/{preserved_unit.uuid}")
    assert api.status_code == 422 and "请申请鉴定销毁" in api.json()["detail"]
    assert ArchivalUnit.objects.filter(pk=preserved_unit.pk).exists()
    assert (object_dir(storage, preserved_unit) / "inventory.json").exists()


def test_disposal_through_the_pages(preserved_unit, storage, archivist, second_archivist, junior_archivist):
    unit = preserved_unit
    package = unit.preserved_packages.get()
    requester, reviewer = client_for(archivist), client_for(second_archivist)

    # Asking: a reason is required (in Chinese on the field); the unit stays in the holdings meanwhile.
    form_url = reverse("catalog:unit_dispose", args=[unit.uuid])
    assert "已长期保存（有保存包）" in requester.get(form_url).content.decode()
    empty = requester.post(form_url, {"reason": " ", "version": unit.version})
    assert empty.status_code == 400 and "请填写处置理由" in empty.content.decode()
    response = requester.post(form_url, {"reason": "保管期限已满，经鉴定小组鉴定无继续保存价值", "version": "1"})
    disposal = UnitDisposal.objects.get()
    assert response["Location"] == reverse("catalog:disposal_detail", args=[disposal.uuid])
    assert "待另一人审批" in requester.get(reverse("catalog:unit_detail", args=[unit.uuid])).content.decode()
    assert requester.post(form_url, {"reason": "再申请一次", "version": "1"}).status_code == 400

    # The requester cannot approve; the page does not even offer it, and a forged POST is refused.
    detail_url = reverse("catalog:disposal_detail", args=[disposal.uuid])
    mine = requester.get(detail_url).content.decode()
    assert "批准处置" not in mine and "撤回申请" in mine
    decide = reverse("catalog:disposal_decide", args=[disposal.uuid])
    refused = requester.post(decide, {"decision": "approve"}, follow=True)
    assert "不能审批自己的申请" in refused.content.decode()
    assert not ArchivalUnit.objects.get(pk=unit.pk).disposed

    # A second person approves.
    assert "批准处置" in reviewer.get(detail_url).content.decode()
    approved = reviewer.post(decide, {"decision": "approve", "note": "同意销毁"}, follow=True)
    assert "档案已处置" in approved.content.decode()
    unit.refresh_from_db()
    disposal.refresh_from_db()
    assert unit.disposed and disposal.status == "approved" and disposal.decided_by_name == "reviewer"

    # Gone from the holdings: its page, the fonds' tree and list, the counts, search (staff and public).
    assert requester.get(reverse("catalog:unit_detail", args=[unit.uuid])).status_code == 404
    fonds_url = reverse("catalog:fonds_detail", args=[unit.fonds.code])
    assert TITLE not in requester.get(fonds_url).content.decode()
    assert TITLE not in requester.get(fonds_url, {"tab": "list", "q": "遵义"}).content.decode()
    assert requester.get("/api/units", {"q": "遵义"}).json()["items"] == []
    assert requester.get("/api/search", {"q": "遵义会议会址"}).json()["total"] == 0
    assert Client().get("/api/search", {"q": "遵义会议会址"}).json()["total"] == 0
    assert TITLE not in requester.get(reverse("search:search"), {"q": "遵义会议会址"}).content.decode()
    reindex_all(processes=1)  # a full rebuild of the index does not bring it back
    assert requester.get("/api/search", {"q": "遵义会议会址"}).json()["total"] == 0
    unit.fonds.refresh_from_db()
    assert unit.fonds.unit_count == 0 and unit.fonds.top_level_count == 0

    # Still in the register, with its record and its package, for those allowed.
    register = requester.get(reverse("catalog:disposal_list"), {"status": "approved"}).content.decode()
    assert TITLE in register and "reviewer" in register
    entry = requester.get(detail_url).content.decode()
    assert TITLE in entry and "保管期限已满" in entry and "同意销毁" in entry and package.object_id in entry
    package_page = requester.get(reverse("preservation:package_detail", args=[package.uuid]))
    assert package_page.status_code == 200 and "鉴定销毁登记" in package_page.content.decode()
    download = requester.get(reverse("preservation:file_download", args=[package.uuid, 1, "content/说明.txt"]))
    assert b"".join(download.streaming_content) == TEXT
    # Storage keeps the object as it was.
    assert (object_dir(storage, unit) / "inventory.json").exists()

    # The actions are in the audit log with their reason and both people.
    disposed = AuditEntry.objects.get(action="catalog.unit.dispose")
    assert disposed.username == "reviewer" and disposed.data["requested_by"] == "archivist"
    assert disposed.data["reason"].startswith("保管期限已满")
    assert AuditEntry.objects.filter(action="catalog.unit.disposal.request", username="archivist").exists()


def test_the_register_and_the_package_stay_hidden_from_others(
    storage, make_unit, source_files, archivist, second_archivist, junior_archivist, system_admin, security_auditor
):
    secret = make_unit(title="秘密级请示", classification="secret")
    package = do_preserve(CONSOLE, secret, source_files({"说明.txt": TEXT})).package
    disposal = do_request_disposal(archivist, secret, "保管期限已满，鉴定销毁")
    do_approve_disposal(second_archivist, disposal, "同意")
    urls = {
        "register": reverse("catalog:disposal_list") + "?status=all",
        "entry": reverse("catalog:disposal_detail", args=[disposal.uuid]),
        "package": reverse("preservation:package_detail", args=[package.uuid]),
        "download": reverse("preservation:file_download", args=[package.uuid, 1, "content/说明.txt"]),
        "package_api": f"/api/units/{secret.uuid}/package",
        "entry_api": f"/api/disposals/{disposal.uuid}",
        "unit": reverse("catalog:unit_detail", args=[secret.uuid]),
        "unit_api": f"/api/units/{secret.uuid}",
    }
    expected = {
        # The cleared archivist reads the register, the record and the package, not the unit among the holdings.
        archivist: {
            "register": 200,
            "entry": 200,
            "package": 200,
            "download": 200,
            "package_api": 200,
            "entry_api": 200,
            "unit": 404,
            "unit_api": 404,
        },
        # The 公开-cleared archivist: the entry and the package do not exist for them.
        junior_archivist: {
            "register": 200,
            "entry": 404,
            "package": 404,
            "download": 404,
            "package_api": 404,
            "entry_api": 404,
            "unit": 404,
            "unit_api": 404,
        },
        # The system administrator does not read the register; the package is hidden like the unit.
        system_admin: {
            "register": 403,
            "entry": 403,
            "package": 404,
            "download": 404,
            "package_api": 404,
            "entry_api": 403,
            "unit": 404,
            "unit_api": 404,
        },
        security_auditor: {
            "register": 403,
            "entry": 403,
            "package": 403,
            "download": 403,
            "package_api": 403,
            "entry_api": 403,
            "unit": 403,
            "unit_api": 403,
        },
    }
    for user, statuses in expected.items():
        client = client_for(user)
        for key, status in statuses.items():
            response = client.get(urls[key])
            assert response.status_code == status, (user.username, key)
            if status != 200:
                assert "秘密级请示" not in response.content.decode(), (user.username, key)
        if statuses["register"] == 200:
            assert ("秘密级请示" in client.get(urls["register"]).content.decode()) is (user is archivist)
    assert Client().get(urls["entry_api"]).status_code == 401


def test_disposal_through_the_api(preserved_unit, storage, archivist, second_archivist):
    unit = preserved_unit
    requester, reviewer = client_for(archivist), client_for(second_archivist)
    url = f"/api/units/{unit.uuid}/disposal"
    short = post_json(requester, url, {"reason": "无"})
    assert short.status_code == 422 and "请填写处置理由" in short.json()["errors"]["reason"]
    stale = requester.post(
        url, json.dumps({"reason": "保管期限已满"}), content_type="application/json", headers={"If-Match": '"9"'}
    )
    assert stale.status_code == 409
    created = post_json(requester, url, {"reason": "保管期限已满", "version": 1})
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "requested" and body["requested_by"] == "archivist"
    assert body["holds"] == ["已长期保存（有保存包）"] and body["unit"]["uuid"] == str(unit.uuid)
    entry = f"/api/disposals/{body['uuid']}"

    own = post_json(requester, f"{entry}/approve", {"note": "自己批准"})
    assert own.status_code == 403 and "另一人审批" in own.json()["detail"]
    assert post_json(reviewer, f"{entry}/reject", {"note": ""}).status_code == 422  # a rejection needs a reason
    listing = reviewer.get("/api/disposals", {"status": "requested"}).json()
    assert listing["total"] == 1 and listing["items"][0]["uuid"] == body["uuid"]
    assert reviewer.get("/api/disposals", {"status": "nonsense"}).status_code == 422

    approved = post_json(reviewer, f"{entry}/approve", {"note": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert post_json(reviewer, f"{entry}/approve", {"note": "再批一次"}).status_code == 422
    assert requester.get(f"/api/units/{unit.uuid}").status_code == 404
    assert requester.get("/api/search", {"q": "遵义会议会址"}).json()["total"] == 0
    package = requester.get(f"/api/units/{unit.uuid}/package").json()
    assert package["unit"] == str(unit.uuid) and package["head_version"] == "v1"
    assert requester.get(package["files"][0]["download_url"]).status_code == 200
    assert [i["status"] for i in requester.get("/api/disposals").json()["items"]] == ["approved"]


def test_a_request_can_be_withdrawn_or_rejected_and_the_unit_stays(preserved_unit, archivist, second_archivist):
    unit = preserved_unit
    requester, reviewer = client_for(archivist), client_for(second_archivist)
    first = post_json(requester, f"/api/units/{unit.uuid}/disposal", {"reason": "误以为已到期"}).json()
    assert post_json(reviewer, f"/api/disposals/{first['uuid']}/withdraw", {}).status_code == 403
    assert post_json(requester, f"/api/disposals/{first['uuid']}/withdraw", {}).json()["status"] == "withdrawn"
    second = post_json(requester, f"/api/units/{unit.uuid}/disposal", {"reason": "保管期限已满"}).json()
    rejected = post_json(reviewer, f"/api/disposals/{second['uuid']}/reject", {"note": "仍有利用价值，继续保存"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["decided_by"] == "reviewer"
    unit.refresh_from_db()
    assert not unit.disposed and requester.get(f"/api/units/{unit.uuid}").status_code == 200
    assert requester.get("/api/search", {"q": "遵义会议会址"}).json()["total"] == 1
