"""The audit log as the 安全审计员 reads it: who did what, when, to which object — but no content of a unit beyond
what catalog.policy lets the reader see (the page and the export alike); Chinese labels and values, a readable client;
filters by time, user, action and object; export to .csv and .xlsx (formula-safe, itself audit-logged); paging
without counting the whole log."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangan.catalog.actions.units import do_create_unit, do_delete_unit, do_update_unit
from dangan.catalog.policy import can_view_unit
from dangan.core.actions.accounts import do_set_clearance, do_set_role
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry

pytestmark = pytest.mark.django_db

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def classified_history(fonds, archivist):
    """An archivist's work on units of several 密级: what the auditor must not read."""
    secret = do_create_unit(archivist, fonds, {"title": "秘密甲号会议纪要", "classification": "secret"})
    do_update_unit(archivist, secret, {"title": "秘密乙号会议纪要", "responsible": "秘密责任者"})
    lowered = do_create_unit(archivist, fonds, {"title": "曾为机密的丙件", "classification": "confidential"})
    do_update_unit(archivist, lowered, {"classification": "public", "openness": "open"})
    gone = do_create_unit(archivist, fonds, {"title": "已删除的秘密丁件", "classification": "secret"})
    do_delete_unit(archivist, gone)
    public = do_create_unit(archivist, fonds, {"title": "公开的戊件"})
    return {"secret": secret, "lowered": lowered, "gone": gone, "public": public}


SECRET_WORDS = ["秘密甲号", "秘密乙号", "秘密责任者", "曾为机密的丙件", "已删除的秘密丁件"]


def _export(client, fmt: str, **filters) -> bytes:
    response = client.post(reverse("core:audit_export"), {"format": fmt, **filters})
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel on Chinese Windows
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_rows(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


# ---------------------------------------------------------------- what the auditor may read


def test_the_auditor_reads_who_did_what_to_which_object_but_no_classified_content(classified_history, security_auditor):
    client = client_for(security_auditor)
    page = client.get(reverse("core:audit_list")).content.decode()
    for word in SECRET_WORDS:
        assert word not in page, word
    assert "archivist" in page and "创建档案" in page and "修改档案" in page and "删除档案" in page
    for unit in classified_history.values():
        assert str(unit.uuid) in page  # the object's id: the auditor's work is to say which object
    assert "内容不予显示" in page and "涉及：题名、责任者" in page
    # A 公开 unit's content is shown exactly as far as the policy lets the auditor see it.
    public = classified_history["public"]
    assert ("公开的戊件" in page) == can_view_unit(security_auditor, public)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_withholds_what_the_page_withholds(classified_history, security_auditor, fmt):
    data = _export(client_for(security_auditor), fmt)
    rows = _csv_rows(data) if fmt == "csv" else _xlsx_rows(data)
    text = "\n".join(" ".join(str(v) for v in row if v is not None) for row in rows)
    for word in SECRET_WORDS:
        assert word not in text, word
    assert rows[0][:4] == ["编号", "时间", "用户", "操作"]
    assert str(classified_history["secret"].uuid) in text and "archivist" in text


def test_a_reader_sees_a_unit_entry_only_at_every_level_it_records(classified_history, junior_archivist, archivist):
    """The rule behind the page, with readers the policy lets see 公开 units (junior) or up to 机密 (archivist)."""
    from dangan.core.auditlog.display import present

    entries = list(AuditEntry.objects.filter(object_type="catalog.archivalunit").order_by("id"))
    views = present(entries, junior_archivist)
    shown = {(v.entry.action, v.entry.object_id): not v.withheld for v in views}
    lowered, public = str(classified_history["lowered"].uuid), str(classified_history["public"].uuid)
    assert shown[("catalog.unit.create", public)]
    # 公开 now, but created and described as 机密: those entries stay withheld from a 公开 reader.
    assert not shown[("catalog.unit.create", lowered)] and not shown[("catalog.unit.update", lowered)]
    assert not shown[("catalog.unit.delete", str(classified_history["gone"].uuid))]
    assert not shown[("catalog.unit.update", str(classified_history["secret"].uuid))]
    assert all(not view.withheld for view in present(entries, archivist))  # cleared to 机密: everything


def test_a_deleted_unit_is_judged_by_its_last_recorded_level(fonds, archivist, junior_archivist):
    from dangan.core.auditlog.display import present

    unit = do_create_unit(archivist, fonds, {"title": "公开后删除"})
    do_update_unit(archivist, unit, {"title": "公开后删除（改）"})
    do_delete_unit(archivist, unit)
    views = present(AuditEntry.objects.filter(object_id=str(unit.uuid)), junior_archivist)
    assert [v.withheld for v in views] == [False, False, False]
    assert "公开后删除（改）" in views[0].changes_text() + views[1].changes_text() + views[2].changes_text()


def test_entries_no_app_describes_are_withheld(fonds, archivist, security_auditor):
    from dangan.core.audit import log, register_action
    from dangan.core.auditlog.display import present

    if "tests.undescribed.poke" not in __import__("dangan.core.audit", fromlist=["audit_actions"]).audit_actions:
        register_action("tests.undescribed.poke", "测试：未登记显示规则的操作")
    entry = log(fonds, "tests.undescribed.poke", archivist, {"after": {"title": "不该显示的内容"}})
    (view,) = present([entry], security_auditor)
    assert view.withheld and view.object_text == "" and not view.changes


# ---------------------------------------------------------------- readable entries


def test_entries_read_in_chinese_with_a_readable_client(institution, security_admin, system_admin, security_auditor):
    from dangan.core.actions.accounts import do_change_own_password, do_create_user

    user, _password = do_create_user(system_admin, "zhang", "archivist", full_name="张三")
    do_change_own_password(user, "Huang-He-2026!x")  # a clearance waits for the holder's own password (三员分立)
    do_set_clearance(security_admin, user, "confidential")
    do_set_role(CONSOLE, user, "system_admin")  # administrator roles are granted only at the console
    Client().post(reverse("core:login"), {"username": "zhang", "password": "wrong"}, HTTP_USER_AGENT=CHROME)
    page = client_for(security_auditor).get(reverse("core:audit_list")).content.decode()
    assert "修改涉密等级" in page and "涉密等级" in page and "公开" in page and "机密" in page
    assert "角色" in page and "业务人员" in page and "系统管理员" in page
    assert "Chrome 120 · Windows 10/11" in page and "127.0.0.1" in page
    assert "账号" in page  # the model's name, not core.user
    for raw in ("confidential", "system_admin", "user_agent", "Mozilla/5.0", "core.user<", '"clearance"'):
        assert raw not in page, raw


def test_unit_fields_and_values_read_in_chinese(fonds, archivist):
    from dangan.core.auditlog.display import present

    unit = do_create_unit(archivist, fonds, {"title": "关于扶贫的通知"})
    do_update_unit(archivist, unit, {"classification": "internal", "openness": "controlled", "retention": "D30"})
    (view,) = present([AuditEntry.objects.get(action="catalog.unit.update")], archivist)
    rows = {row.label: (row.before, row.after) for row in view.changes}
    assert (
        rows["密级"] == ("公开", "内部") and rows["开放状态"] == ("待审", "控制") and rows["保管期限"][1] == "定期30年"
    )
    assert view.object_type_label == "档案" and view.action_label == "修改档案"


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (CHROME, "Chrome 120 · Windows 10/11"),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121 · Linux"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
            "Safari/537.36 Edg/120.0.2210.91",
            "Edge 120 · Windows 10/11",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.1 Mobile/15E148 Safari/604.1",
            "Safari 17 · iOS 17",
        ),
        ("", ""),
    ],
)
def test_user_agents_are_described(agent, expected):
    from dangan.core.auditlog.useragent import describe_user_agent

    assert describe_user_agent(agent) == expected


# ---------------------------------------------------------------- filters, paging, export


def test_the_auditor_filters_by_time_user_action_and_object(fonds, archivist, junior_archivist, security_auditor):
    first = do_create_unit(archivist, fonds, {"title": "甲"})
    do_update_unit(archivist, first, {"title": "甲改"})
    do_create_unit(junior_archivist, fonds, {"title": "乙"})
    AuditEntry.objects.filter(object_id=str(first.uuid), action="catalog.unit.create").update(
        timestamp=timezone.now() - dt.timedelta(days=3)
    )
    client = client_for(security_auditor)
    url = reverse("core:audit_list")

    def ids(**params) -> set[int]:
        response = client.get(url, params)
        assert response.status_code == 200
        return {view.entry.pk for view in response.context["rows"]}

    by_user = ids(user="junior")
    assert by_user and all(AuditEntry.objects.get(pk=i).username == "junior" for i in by_user)
    by_object = ids(object_type="catalog.archivalunit", object_id=str(first.uuid))
    assert {AuditEntry.objects.get(pk=i).action for i in by_object} == {"catalog.unit.create", "catalog.unit.update"}
    since = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    recent = ids(object_id=str(first.uuid), date_from=since)
    assert {AuditEntry.objects.get(pk=i).action for i in recent} == {"catalog.unit.update"}
    three_days_ago = (timezone.localtime() - dt.timedelta(days=3)).date().isoformat()
    assert ids(object_id=str(first.uuid), date_to=three_days_ago) == by_object - recent  # a day: all of it
    assert ids(action="catalog.unit.update") == {AuditEntry.objects.get(action="catalog.unit.update").pk}
    bad = client.get(url, {"date_from": "2024-13-40"})
    assert bad.status_code == 200 and "请输入一个有效的日期" in bad.content.decode()
    backwards = client.get(url, {"date_from": "2024-05-02", "date_to": "2024-05-01"})
    assert "截止时间早于起始时间" in backwards.content.decode()


def test_the_page_never_counts_the_whole_log(fonds, archivist, security_auditor, settings):
    for i in range(35):
        do_create_unit(archivist, fonds, {"title": f"件{i}"})
    client = client_for(security_auditor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("core:audit_list"), {"page": 2})
    assert response.status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(response.context["rows"]) == AuditEntry.objects.count() - 30
    assert "上一页" in response.content.decode()


def test_the_export_is_filtered_formula_safe_and_audit_logged(institution, archivist, security_auditor):
    # A name typed at the sign-in form is recorded as it was typed; a spreadsheet must not run it.
    Client().post(reverse("core:login"), {"username": '=HYPERLINK("http://evil.example","点我")', "password": "x"})
    Client().post(reverse("core:login"), {"username": "+cmd|' /C calc'!A0", "password": "x"})
    client = client_for(security_auditor)
    rows = _csv_rows(_export(client, "csv", action="core.user.login_failed"))
    users = sorted(row[2] for row in rows[1:])
    assert users == ["'+cmd|' /C calc'!A0", '\'=HYPERLINK("http://evil.example","点我")']
    assert all(row[3] == "登录失败" for row in rows[1:])

    sheet_rows = _xlsx_rows(_export(client, "xlsx", action="core.user.login_failed"))
    assert sorted(row[2] for row in sheet_rows[1:]) == users

    exports = AuditEntry.objects.filter(action="core.audit.export").order_by("id")
    assert [e.data["format"] for e in exports] == ["csv", "xlsx"]
    assert exports[0].username == "auditor" and exports[0].data["rows"] == 2
    assert exports[0].data["filters"] == {"action": "core.user.login_failed"}


def test_only_the_auditor_exports_and_only_by_post(institution, archivist, system_admin, security_auditor):
    for user in (archivist, system_admin):
        assert client_for(user).post(reverse("core:audit_export"), {"format": "csv"}).status_code == 403
    assert client_for(security_auditor).get(reverse("core:audit_export"), {"format": "csv"}).status_code == 405
    response = client_for(security_auditor).post(reverse("core:audit_export"), {"format": "pdf"}, follow=True)
    assert "导出格式须为" in response.content.decode()
    assert not AuditEntry.objects.filter(action="core.audit.export").exists()
