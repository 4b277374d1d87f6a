"""Editing a fonds (全宗): the form on the fonds page and PATCH /api/fonds/{code}, the 全宗号 rule, the audit log."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(fonds: Fonds, **changes: Any) -> dict[str, Any]:
    data = {
        "code": fonds.code,
        "name": fonds.name,
        "creator": fonds.creator,
        "start_year": fonds.start_year or "",
        "end_year": fonds.end_year or "",
        "arrangement": fonds.arrangement,
        "history": fonds.history,
        "scheme_notes": fonds.scheme_notes,
    }
    data.update(changes)
    return data


def test_an_archivist_edits_a_fonds_and_the_audit_log_names_only_what_changed(fonds, archivist):
    client = client_for(archivist)
    url = reverse("catalog:fonds_edit", args=[fonds.code])
    page = client.get(url).content.decode()
    assert "编辑全宗" in page and 'value="贵州省扶贫开发办公室"' in page

    response = client.post(
        url, form_data(fonds, name="贵州省乡村振兴局", start_year=1986, end_year=2021, history="1986年成立。")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:fonds_detail", args=["Z109"]) + "?tab=about"
    fonds.refresh_from_db()
    assert (fonds.name, fonds.start_year, fonds.end_year, fonds.history) == (
        "贵州省乡村振兴局",
        1986,
        2021,
        "1986年成立。",
    )
    entry = AuditEntry.objects.filter(action="catalog.fonds.update").get()
    assert entry.user == archivist
    assert set(entry.data["after"]) == {"name", "start_year", "end_year", "history"}
    assert entry.data["before"]["name"] == "贵州省扶贫开发办公室"

    # Saving the form unchanged writes nothing and logs nothing.
    client.post(url, form_data(fonds))
    assert AuditEntry.objects.filter(action="catalog.fonds.update").count() == 1
    about = client.get(reverse("catalog:fonds_detail", args=["Z109"]) + "?tab=about").content.decode()
    assert "贵州省乡村振兴局" in about and "1986—2021" in about and "编辑全宗" in about


def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(fonds, archivist):
    client = client_for(archivist)
    url = reverse("catalog:fonds_edit", args=[fonds.code])
    response = client.post(url, form_data(fonds, name="新名称", start_year=2020, end_year=2010, creator="坏\x07字"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "终止年度 2010 早于起始年度 2020" in text
    assert "含有控制字符或乱码字符（U+0007）" in text
    response = client.patch("/api/fonds/Z109", data=json.dumps({"name": " "}), content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"]["name"] == "全宗名称不能为空。"
    response = client.patch("/api/fonds/Z109", data=json.dumps({"end_year": 3000}), content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"]["end_year"] == "年度 3000 不合理"
    fonds.refresh_from_db()
    assert fonds.name == "贵州省扶贫开发办公室" and fonds.start_year is None
    assert not AuditEntry.objects.filter(action="catalog.fonds.update").exists()


def test_the_fonds_code_can_be_corrected_only_while_the_fonds_is_empty(fonds, categories, archivist):
    client = client_for(archivist)
    url = reverse("catalog:fonds_edit", args=[fonds.code])
    assert "尚无档案时可以更正全宗号" in client.get(url).content.decode()
    response = client.post(url, form_data(fonds, code="Z110"))
    assert response["Location"] == reverse("catalog:fonds_detail", args=["Z110"]) + "?tab=about"
    fonds.refresh_from_db()
    assert fonds.code == "Z110"
    entry = AuditEntry.objects.get(action="catalog.fonds.update")
    assert entry.data == {"before": {"code": "Z109"}, "after": {"code": "Z110"}}

    unit = do_create_unit(
        CONSOLE,
        fonds,
        {"title": "关于开展脱贫攻坚工作的通知", "category": categories["WS"], "year": 2011, "retention": "Y"},
    )
    assert unit.reference_code == "Z110-WS·2011-Y-0001"
    url = reverse("catalog:fonds_edit", args=["Z110"])
    page = client.get(url).content.decode()
    assert "本全宗已有档案" in page and "disabled" in page
    # A code posted anyway (the field is disabled in the form) is ignored by the form …
    response = client.post(url, form_data(fonds, code="Z111", name="新名称"))
    assert response.status_code == 302
    fonds.refresh_from_db()
    assert (fonds.code, fonds.name) == ("Z110", "新名称")
    # … and refused by the API, with the reason.
    response = client.patch("/api/fonds/Z110", data=json.dumps({"code": "Z111"}), content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert "全宗号是每件档案档号的一部分" in body["errors"]["code"]
    fonds.refresh_from_db()
    assert fonds.code == "Z110"
    assert ArchivalUnit.objects.get(pk=unit.pk).reference_code == "Z110-WS·2011-Y-0001"


def test_the_api_changes_a_fonds_and_refuses_a_taken_code(fonds, institution, archivist):
    from dangan.catalog.actions.configuration import do_create_fonds

    do_create_fonds(CONSOLE, "X013", "中共贵州省委")
    client = client_for(archivist)
    response = client.patch(
        "/api/fonds/Z109",
        data=json.dumps({"creator": "贵州省乡村振兴局", "arrangement": "year-retention-org"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["arrangement"] == "year-retention-org"
    response = client.patch("/api/fonds/Z109", data=json.dumps({"code": "x013"}), content_type="application/json")
    assert response.status_code == 422 and "全宗号 x013 已存在" in response.json()["errors"]["code"]
    response = client.patch("/api/fonds/Z109", data=json.dumps({"code": "Z 1"}), content_type="application/json")
    assert response.status_code == 422 and "全宗号只能由字母和数字组成" in response.json()["errors"]["code"]
    response = client.patch("/api/fonds/Z109", data=json.dumps({"code": "Z200"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["code"] == "Z200"
    assert client.get("/api/fonds/Z109").status_code == 404


def test_only_those_who_change_the_catalog_edit_a_fonds(fonds, system_admin, security_auditor):
    url = reverse("catalog:fonds_edit", args=[fonds.code])
    for user in (system_admin, security_auditor):
        client = client_for(user)
        assert client.get(url).status_code == 403, user.username
        assert client.post(url, form_data(fonds, name="改名")).status_code == 403
    assert (
        "编辑全宗"
        not in client_for(system_admin).get(reverse("catalog:fonds_detail", args=[fonds.code])).content.decode()
    )
    fonds.refresh_from_db()
    assert fonds.name == "贵州省扶贫开发办公室"
