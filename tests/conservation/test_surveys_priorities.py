"""Priorities and the dashboard: which units to restore first (grade, then value — red archives of the Long March,
or a 重点 campaign —, then use), exportable; counts by grade, fonds and stack; only units the user may see; the
same through the API."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from dangan.catalog.models import Subject
from dangan.cli import main
from dangan.conservation.actions.custody import do_check_out, do_return
from dangan.conservation.actions.surveys import do_create_campaign, do_record_survey
from dangan.conservation.choices import CheckOutPurpose
from dangan.conservation.priorities import dashboard_counts, priority_list

from .test_surveys import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveyed(conservator: Any, conservation_head: Any, make_unit: Any) -> dict[str, Any]:
    units = {
        "severe_plain": make_unit(title="严重·普通"),
        "severe_used": make_unit(title="严重·常用"),
        "severe_red": make_unit(title="严重·长征"),
        "special": make_unit(title="特残·普通"),
        "mild_campaign": make_unit(title="轻度·重点任务"),
        "intact": make_unit(title="完好"),
        "hidden": make_unit(title="机密·特残", classification="confidential"),
    }
    units["severe_red"].subjects.add(Subject.objects.create(term="红军长征"))
    place(units["special"], "K1-A-01")
    place(units["severe_red"], "K2-B-01")
    do_create_campaign(
        conservation_head, "重点", reference_codes=[units["mild_campaign"].reference_code], priority=True
    )
    due = timezone.localdate() + timedelta(days=3)
    for _ in range(2):
        checkout = do_check_out(conservator, units["severe_used"], CheckOutPurpose.READING, due, "读者")
        do_return(conservator, checkout, "读者")
    damages = {
        "severe_plain": {"loss": "25"},
        "severe_used": {"loss": "25"},
        "severe_red": {"stains": "30"},
        "special": {"mould": "40"},
        "mild_campaign": {"creases": "light"},
        "intact": {},
    }
    for key, value in damages.items():
        do_record_survey(conservator, units[key], value)
    from dangan.core.actors import CONSOLE

    do_record_survey(CONSOLE, units["hidden"], {"mould": "90"})
    return units


def test_priorities_order_by_grade_then_value_then_use(surveyed: dict[str, Any], conservator: Any) -> None:
    rows = priority_list(conservator)
    assert [row["title"] for row in rows] == ["特残·普通", "严重·长征", "严重·常用", "严重·普通", "轻度·重点任务"]
    assert rows[1]["valued"] and rows[4]["valued"] and not rows[2]["valued"]
    assert rows[2]["uses"] == 2 and rows[0]["location"] == "K1-A-01"


def test_a_clearance_bounds_what_is_counted(surveyed: dict[str, Any], conservator: Any, archivist: Any) -> None:
    counts = dashboard_counts(conservator)
    assert counts["total"] == 6
    assert {row["grade"]: row["count"] for row in counts["grades"]} == {
        "special": 1,
        "severe": 3,
        "moderate": 0,
        "mild": 1,
        "intact": 1,
    }
    assert {row["stack"]: row["total"] for row in counts["by_stack"]} == {"": 4, "K1": 1, "K2": 1}
    assert dashboard_counts(archivist)["total"] == 7  # cleared 机密
    assert "机密·特残" not in [row["title"] for row in priority_list(conservator, limit=None)]
    assert [row["title"] for row in priority_list(archivist)][:2] == ["特残·普通", "机密·特残"]  # 特残 by 档号


def test_the_pages_show_the_dashboard_and_export_the_priorities(surveyed: dict[str, Any], conservator: Any) -> None:
    client = Client()
    client.force_login(conservator)
    page = client.get("/manage/conservation/surveys/dashboard/").content.decode()
    assert "vendor/echarts/echarts.min.js" in page and 'id="survey-chart-data"' in page
    assert "机密·特残" not in page and "特残·普通" in page
    assert "<script>" not in page  # CSP: no inline script
    sheet = client.get("/manage/conservation/surveys/priorities/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(min_row=2, values_only=True))
    assert [row[2] for row in rows][:2] == ["特残·普通", "严重·长征"] and len(rows) == 5


def test_the_api_grades_records_and_lists(surveyed: dict[str, Any], conservator: Any, make_unit: Any) -> None:
    client = Client()
    client.force_login(conservator)
    graded = client.post(
        "/api/conservation/surveys/grade", {"damages": {"acidification": 4.8}}, content_type="application/json"
    )
    assert graded.status_code == 200 and graded.json()["grade"] == "special"
    unit = make_unit(title="新摸排")
    made = client.post(
        "/api/conservation/surveys/records",
        {"unit": str(unit.uuid), "damages": {"blocking": "55"}},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["grade"] == "special"
    hidden = client.post(
        "/api/conservation/surveys/records",
        {"unit": str(surveyed["hidden"].uuid), "damages": {"mould": "1"}},
        content_type="application/json",
    )
    assert hidden.status_code == 404
    listed = client.get("/api/conservation/surveys/priorities?limit=3").json()
    assert [row["title"] for row in listed] == ["特残·普通", "新摸排", "严重·长征"]
    assert client.get("/api/conservation/surveys/dashboard").json()["total"] == 7


def test_the_cli_lists_the_priorities(surveyed: dict[str, Any], capsys: Any) -> None:
    assert main(["conservation", "survey", "priorities", "--limit", "2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["title"] for row in rows] == ["特残·普通", "机密·特残"]  # the console sees every unit


def test_a_work_order_is_started_from_the_priorities(
    surveyed: dict[str, Any], conservator: Any, archivist: Any
) -> None:
    """The survey's priorities lead to restoration: a conservator follows a row's link to a new work order for that
    unit, its condition before taken from the survey; the archivists (who read but do not record) get no link."""
    from dangan.conservation.models import WorkOrder

    client = Client()
    client.force_login(conservator)
    page = client.get("/manage/conservation/surveys/priorities/").content.decode()
    link = f"/manage/conservation/restoration/new/?unit={surveyed['special'].uuid}"
    assert link in page and str(surveyed["hidden"].uuid) not in page
    form = client.get(link).content.decode()
    assert surveyed["special"].reference_code in form
    made = client.post(
        "/manage/conservation/restoration/new/",
        {"reference_code": surveyed["special"].reference_code, "treatments": ["cleaning"], "estimated_hours": "4"},
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    order = WorkOrder.objects.get(unit=surveyed["special"])
    assert order.grade_before == "special"

    reader = Client()
    reader.force_login(archivist)
    assert "restoration/new/" not in reader.get("/manage/conservation/surveys/priorities/").content.decode()
