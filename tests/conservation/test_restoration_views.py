"""Restoration pages, statistics, exports, CLI and API: what each person sees and may do — the buttons only for who
may, an order of a unit above the user's clearance nowhere (list, page, unit page, counts, API), the statistics of
restored units with their Excel and CSV exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangan.cli import main
from dangan.conservation.actions import restoration as actions
from dangan.conservation.actions.condition import do_record_condition
from dangan.conservation.choices import ConditionSource, DamageGrade
from dangan.conservation.models import CheckOut, UnitCondition, WorkOrder
from dangan.conservation.models.restoration import WorkOrderStatus as S
from dangan.core.choices import SecurityClassification
from dangan.core.roles import Role
from tests.helpers import account
from tests.preservation.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> Any:
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    return storage_root()


@pytest.fixture
def inspector(db: Any) -> Any:
    """A second conservator (cleared 绝密 so that the 机密 units can be restored in the tests)."""
    return account(Role.CONSERVATOR, SecurityClassification.TOP_SECRET, username="inspector")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _restore(worker: Any, inspector: Any, head: Any, unit: Any, before: dict, after: dict, hours: str) -> WorkOrder:
    """A work order through its whole life: ``worker`` plans and treats, ``head`` approves, ``inspector`` accepts."""
    do_record_condition(worker, unit, before, ConditionSource.SURVEY)
    order = actions.do_create_work_order(worker, unit, ["cleaning", "repair"], estimated_hours=hours)
    order = actions.do_submit(worker, order, order.version)
    order = actions.do_approve(head, order, order.version)
    order = actions.do_start_treatment(worker, order, order.version, timezone.localdate() + timedelta(days=10))
    actions.do_record_step(
        worker, order, "repair", hours, materials=[{"name": "楮皮纸", "quantity": "2", "unit": "张"}]
    )
    order.refresh_from_db()
    order = actions.do_finish_treatment(worker, order, order.version)
    order = actions.do_accept(inspector, order, order.version, after)
    return actions.do_return_original(worker, order, order.version, "修复人")


def test_statistics_count_restored_units_hours_materials_and_grade_pairs(
    inspector: Any, conservation_head: Any, archivist: Any, make_unit: Any, capsys: Any, tmp_path: Path
) -> None:
    worker = account(Role.CONSERVATION_HEAD, SecurityClassification.TOP_SECRET, username="head-top")
    _restore(worker, inspector, conservation_head, make_unit(), {"mould": 35}, {"mould": 0}, "3")
    _restore(worker, inspector, conservation_head, make_unit(), {"mould": 35}, {"mould": 5}, "2.5")
    _restore(worker, inspector, conservation_head, make_unit(), {"loss": 25}, {"loss": 5}, "4")
    in_treatment = make_unit()
    do_record_condition(worker, in_treatment, {"mould": 35}, ConditionSource.SURVEY)
    actions.do_create_work_order(worker, in_treatment, ["repair"])  # not returned: not counted
    year = timezone.localdate().year

    stats = actions.restoration_stats(archivist, year)
    assert stats["years"] == [{"year": year, "units": 3, "work_orders": 3, "hours": "9.5"}]
    assert stats["materials"] == [{"name": "楮皮纸", "unit": "张", "quantity": "6"}]
    assert stats["grades"] == [
        {"before": DamageGrade.SPECIAL, "after": DamageGrade.MILD, "count": 1},
        {"before": DamageGrade.SPECIAL, "after": DamageGrade.INTACT, "count": 1},
        {"before": DamageGrade.SEVERE, "after": DamageGrade.MILD, "count": 1},
    ]
    assert actions.restoration_stats(archivist, year - 1)["years"] == []

    assert main(["conservation", "restoration", "stats", "--year", str(year), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == stats
    assert main(["conservation", "restoration", "export", str(tmp_path / "修复.xlsx")]) == 0
    book = load_workbook(tmp_path / "修复.xlsx")
    assert [row for row in book["年度"].iter_rows(values_only=True)] == [
        ("年度", "修复档案数", "修复单数", "工时"),
        (year, 3, 3, 9.5),
    ]
    assert list(book["等级"].iter_rows(values_only=True))[1] == ("特残", "轻度", 1)
    assert main(["conservation", "restoration", "export", str(tmp_path / "修复.csv"), "--year", str(year)]) == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "修复.csv").read_text("utf-8-sig"))))
    assert ["工时", str(year), "", "9.5"] in rows and ["材料", "楮皮纸", "张", "6"] in rows
    assert main(["conservation", "restoration", "export", str(tmp_path / "修复.pdf")]) == 2
    assert not (tmp_path / "修复.pdf").exists()
    capsys.readouterr()

    response = _client(archivist).get("/manage/conservation/restoration/stats.xlsx", {"year": year})
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content))["材料"]["B2"].value == 6


def test_a_conservator_cleared_secret_sees_no_work_order_of_a_confidential_unit_anywhere(
    conservator: Any, inspector: Any, make_unit: Any
) -> None:
    head_top = account(Role.CONSERVATION_HEAD, SecurityClassification.TOP_SECRET, username="head-top")
    worker = account(Role.CONSERVATOR, SecurityClassification.TOP_SECRET, username="worker-top")
    hidden_unit = make_unit("遵义会议期间的机密电报", classification="confidential")
    hidden = _restore(worker, inspector, head_top, hidden_unit, {"mould": 35}, {"mould": 0}, "7")
    shown = _restore(worker, inspector, head_top, make_unit(), {"mould": 35}, {"mould": 0}, "2")

    client = _client(conservator)
    listing = client.get("/manage/conservation/restoration/").content.decode()
    assert shown.number in listing and hidden.number not in listing and "机密电报" not in listing
    assert client.get(f"/manage/conservation/restoration/{hidden.number}/").status_code == 404
    assert client.get(f"/manage/conservation/restoration/unit/{hidden_unit.uuid}/").status_code == 404
    stats = actions.restoration_stats(conservator)
    assert stats["years"][0]["units"] == 1 and stats["years"][0]["hours"] == "2.0"
    page = client.get("/manage/conservation/restoration/stats/").content.decode()
    assert "7.0" not in page and "9.0" not in page
    api = client.get("/api/conservation/restoration/work-orders").json()
    assert [item["number"] for item in api["items"]] == [shown.number]
    assert client.get(f"/api/conservation/restoration/work-orders/{hidden.number}").status_code == 404
    assert client.get("/api/conservation/restoration/stats").json()["years"][0]["units"] == 1
    # The one cleared for it sees both, counts included.
    assert actions.restoration_stats(worker)["years"][0]["units"] == 2


def test_the_pages_take_an_order_through_its_life_with_buttons_only_for_who_may(
    conservator: Any, inspector: Any, conservation_head: Any, archivist: Any, make_unit: Any, storage: Any
) -> None:
    unit = make_unit()
    do_record_condition(conservator, unit, {"blocking": 55}, ConditionSource.SURVEY)
    worker = _client(conservator)
    assert _client(archivist).get("/manage/conservation/restoration/new/").status_code == 403
    refused = worker.post(
        "/manage/conservation/restoration/new/",
        {"reference_code": "Z109-没有这个档号", "treatments": ["separation"], "estimated_hours": "3"},
    )
    assert refused.status_code == 400 and "没有这个档号" in refused.content.decode()
    created = worker.post(
        "/manage/conservation/restoration/new/",
        {"reference_code": unit.reference_code, "treatments": ["separation", "lining"], "estimated_hours": "3"},
    )
    order = WorkOrder.objects.get(unit=unit)
    assert created.status_code == 302 and order.status == S.DRAFT and order.grade_before == DamageGrade.SPECIAL
    base = f"/manage/conservation/restoration/{order.number}/"

    page = worker.get(base).content.decode()
    assert "提交审批" in page and "批准" not in page
    assert worker.post(base + "submit/", {"submit-version": str(order.version)}).status_code == 302
    again = worker.post(base + "submit/", {"submit-version": str(order.version)}, follow=True)  # a double submit
    assert "已被他人修改" in again.content.decode() or "不能提交审批" in again.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).events.filter(action="submit").count() == 1
    assert "批准" not in worker.get(base).content.decode()  # not the conservator's to approve
    assert worker.post(base + "approve/", {"approve-version": "2"}).status_code == 403

    head = _client(conservation_head)
    assert "批准" in head.get(base).content.decode()
    head.post(base + "approve/", {"approve-version": "2", "approve-note": "同意"})
    order.refresh_from_db()
    assert order.status == S.APPROVED
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    worker.post(base + "start/", {"start-version": str(order.version), "start-due": due, "start-taken_by": "李修复"})
    assert CheckOut.objects.get(unit=unit, returned_at=None).reference.endswith(order.number)
    worker.post(
        base + "step/",
        {"step-treatment": "separation", "step-hours": "2.5", "step-materials": "蒸馏水，0.5，升\n棉纸，4，张"},
    )
    order.refresh_from_db()
    assert order.steps.get().materials == [
        {"name": "蒸馏水", "quantity": "0.5", "unit": "升"},
        {"name": "棉纸", "quantity": "4", "unit": "张"},
    ]
    photographed = worker.post(
        base + "photos/",
        {"photos-stage": "before", "photos-files": [SimpleUploadedFile("现场.JPG", jpeg_bytes(3), "image/jpeg")]},
        follow=True,
    )
    assert "已保存 1 张照片" in photographed.content.decode()
    kept = order.photographs.get()
    assert kept.logical_path == f"content/conservation/{order.number}/before-01.jpg"
    shown = _client(archivist).get(f"{base}photos/{kept.pk}/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content) == jpeg_bytes(3)  # read back from the package
    order.refresh_from_db()
    worker.post(base + "finish/", {"finish-version": str(order.version)})
    order.refresh_from_db()
    assert order.status == S.AWAITING_ACCEPTANCE
    assert "验收合格" not in worker.get(base).content.decode()  # the treater does not accept
    assert worker.post(base + "accept/", {"accept-version": str(order.version)}).status_code == 403
    _client(inspector).post(base + "accept/", {"accept-version": str(order.version), "accept-damage_blocking": "0"})
    order.refresh_from_db()
    worker.post(base + "return/", {"return-version": str(order.version), "return-returned_by": "李修复"})
    order.refresh_from_db()
    assert order.status == S.RETURNED and UnitCondition.objects.get(unit=unit).grade == DamageGrade.INTACT
    listing = _client(archivist)
    assert (
        order.number
        in listing.get("/manage/conservation/restoration/", {"conservator": "conservator"}).content.decode()
    )
    assert order.number not in listing.get("/manage/conservation/restoration/", {"status": "draft"}).content.decode()
    assert order.number not in listing.get("/manage/conservation/restoration/", {"year": "1999"}).content.decode()
    timeline = _client(archivist).get(base).content.decode()
    assert "已归还" in timeline and "待验收" in timeline and order.number in timeline
    assert "<form" not in timeline.split("流转记录")[0].split("修复前后照片")[1]  # an archivist gets no buttons
    unit_page = _client(archivist).get(reverse("catalog:unit_detail", args=[unit.uuid]))
    assert unit_page.status_code == 200 and order.number in unit_page.content.decode()  # the unit page's section
