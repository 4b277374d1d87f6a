"""The readers API under /api/access/: the desk's list, detail, registration and verification (READERS only), and
a reader's own profile at /api/access/me."""

from __future__ import annotations

import pytest
from django.test import Client

from dangan.access.models import ReaderProfile, ReaderStatus
from tests.access.readers_helpers import resident_id, self_registered
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def test_the_list_is_for_the_desk_only_and_masks_numbers(institution, access_staff, archivist):
    number = resident_id()
    self_registered(document_number=number, username="wang-xiaoming")
    response = client_for(access_staff).get("/api/access/readers")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1 and set(body) >= {"items", "page", "size", "pages", "has_next"}
    item = body["items"][0]
    assert item["document_number_masked"] == number[:4] + "**********" + number[-4:]
    assert number not in response.content.decode() and "13812345678" not in response.content.decode()
    assert client_for(access_staff).get("/api/access/readers", {"document": number}).json()["total"] == 1
    assert client_for(access_staff).get("/api/access/readers", {"document": number[:-1]}).json()["total"] == 0
    bad = client_for(access_staff).get("/api/access/readers", {"status": "x"})
    assert bad.status_code == 422 and "筛选条件有误" in bad.json()["detail"]
    denied = client_for(archivist).get("/api/access/readers")
    assert denied.status_code == 403 and "权限" in denied.json()["detail"]
    assert Client().get("/api/access/readers").status_code == 401


def test_the_desk_registers_reads_and_verifies_a_reader(institution, access_staff):
    client = client_for(access_staff)
    number = resident_id()
    payload = {
        "real_name": "吴老师",
        "document_type": "resident_id",
        "document_number": number,
        "phone": "13500000000",
        "verified": False,
        "consent": True,
    }
    created = client.post("/api/access/readers", payload, content_type="application/json")
    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    body = created.json()
    assert body["document_number"] == number and body["one_time_password"] and body["status"] == "pending"
    duplicate = client.post("/api/access/readers", {**payload, "phone": "13500000001"}, content_type="application/json")
    assert duplicate.status_code == 422 and "该证件已登记过查档账号" in duplicate.json()["errors"]["document_number"]
    wrong = client.post("/api/access/readers", {**payload, "document_number": "123"}, content_type="application/json")
    assert wrong.status_code == 422 and "document_number" in wrong.json()["errors"]
    uuid = body["uuid"]
    detail = client.get(f"/api/access/readers/{uuid}").json()
    assert "one_time_password" not in detail and detail["phone"] == "13500000000"
    stale = client.post(
        f"/api/access/readers/{uuid}/verify", {"document_checked": True, "version": 99}, content_type="application/json"
    )
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    unchecked = client.post(
        f"/api/access/readers/{uuid}/verify", {"document_checked": False}, content_type="application/json"
    )
    assert unchecked.status_code == 422
    done = client.post(
        f"/api/access/readers/{uuid}/verify", {"document_checked": True, "version": 1}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == ReaderStatus.VERIFIED
    assert client.get("/api/access/readers/00000000-0000-0000-0000-000000000000").status_code == 404


def test_a_reader_reads_and_changes_their_own_profile(institution, access_staff):
    number = resident_id()
    profile = self_registered(document_number=number)
    client = client_for(profile.user)
    me = client.get("/api/access/me")
    assert me.status_code == 200
    assert me.json()["document_number_masked"].endswith(number[-4:]) and number not in me.content.decode()
    changed = client.patch(
        "/api/access/me", {"phone": "13700001111", "organisation": "", "version": 1}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["phone"] == "13700001111"
    wrong = client.patch("/api/access/me", {"phone": "1"}, content_type="application/json")
    assert wrong.status_code == 422 and "phone" in wrong.json()["errors"]
    assert ReaderProfile.objects.get(pk=profile.pk).phone == "13700001111"
    # Readers reach nothing of the desk's, and staff have no reader's profile.
    assert client.get("/api/access/readers").status_code == 403
    assert client_for(access_staff).get("/api/access/me").status_code == 403
    assert Client().get("/api/access/me").status_code == 401
