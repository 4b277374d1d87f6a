"""Condition surveys (摸排): campaigns over a selection with surveyors and their progress, the fast survey form (a
SurveyRecord kept and the unit's condition now), the live grade, photographs, and the policy on every unit shown
or counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dangan.conservation.actions.surveys import do_create_campaign, do_record_survey, next_unit, progress
from dangan.conservation.choices import DamageGrade
from dangan.conservation.models import (
    Campaign,
    CampaignUnit,
    Location,
    Placement,
    SurveyPhoto,
    SurveyRecord,
    UnitCondition,
)
from dangan.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def place(unit: Any, full_code: str) -> None:
    parent = None
    codes = full_code.split("-")
    kinds = ["stack", "zone", "row", "section", "shelf", "box"]
    for depth, code in enumerate(codes):
        location, _created = Location.objects.get_or_create(
            full_code="-".join(codes[: depth + 1]),
            defaults={"parent": parent, "kind": kinds[depth], "code": code, "depth": depth},
        )
        parent = location
    Placement.objects.create(unit=unit, location=parent, placed_at=timezone.now())


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_campaign_fixes_its_selection_and_shares_it_among_the_surveyors(
    conservation_head: Any, conservator: Any, archivist: Any, make_unit: Any
) -> None:
    units = [make_unit() for _ in range(4)]
    place(units[0], "K1-A-01")
    place(units[1], "K1-A-02")
    place(units[2], "K2-B-01")
    by_place = do_create_campaign(conservation_head, "一号库摸排", location_prefix="K1-A", surveyors=[conservator])
    assert set(CampaignUnit.objects.filter(campaign=by_place).values_list("unit_id", flat=True)) == {
        units[0].id,
        units[1].id,
    }
    assert set(CampaignUnit.objects.filter(campaign=by_place).values_list("assigned_to", flat=True)) == {conservator.id}
    by_codes = do_create_campaign(
        conservation_head,
        "清单摸排",
        reference_codes=[units[2].reference_code, units[3].reference_code],
        surveyors=[conservator, conservation_head],
    )
    assigned = list(
        CampaignUnit.objects.filter(campaign=by_codes).order_by("position").values_list("assigned_to", flat=True)
    )
    assert sorted(assigned) == sorted([conservator.id, conservation_head.id])
    assert AuditEntry.objects.filter(action="conservation.campaign").count() == 2


def test_a_campaign_refuses_a_bad_selection_or_surveyor_in_chinese(
    conservation_head: Any, conservator: Any, archivist: Any, make_unit: Any
) -> None:
    unit = make_unit()
    with pytest.raises(ValidationError) as empty:
        do_create_campaign(conservation_head, "空的")
    assert "请至少选择" in str(empty.value)
    with pytest.raises(ValidationError) as unknown:
        do_create_campaign(conservation_head, "错号", reference_codes=[unit.reference_code, "Z109-NO-SUCH"])
    assert "Z109-NO-SUCH" in str(unknown.value)
    with pytest.raises(ValidationError) as who:
        do_create_campaign(conservation_head, "错人", fonds=unit.fonds, surveyors=[archivist])
    assert "没有录入摸排结果的权限" in str(who.value)
    with pytest.raises(PermissionDenied):
        do_create_campaign(conservator, "越权", fonds=unit.fonds)
    assert not Campaign.objects.exists()


def test_the_form_records_a_unit_keeps_every_assessment_and_goes_on_to_the_next(
    conservation_head: Any, conservator: Any, make_unit: Any
) -> None:
    first, second = make_unit(), make_unit()
    campaign = do_create_campaign(conservation_head, "Z109 摸排", fonds=first.fonds, surveyors=[conservator])
    client = client_for(conservator)
    page = client.get(f"/manage/conservation/surveys/entry/?campaign={campaign.pk}")
    assert page.status_code == 200 and first.title in page.content.decode()
    answer = client.post(
        "/manage/conservation/surveys/entry/",
        {
            "campaign": campaign.pk,
            "code": first.reference_code,
            "carrier": "纸质",
            "paper_type": "毛边纸",
            "ink": "墨汁",
            "d_mould": "35",
            "d_acidification": "5.2",
            "d_fading": "light",
            "notes": "第 3 页霉斑",
        },
    )
    assert answer.status_code == 302
    record = SurveyRecord.objects.get(unit=first)
    assert record.grade == DamageGrade.SPECIAL and "霉变 35%（特残：> 30%）" in record.reason
    assert record.damages == {"mould": "35", "acidification": "5.2", "fading": "light"}
    assert record.paper_type == "毛边纸" and record.campaign == campaign and record.surveyed_by == conservator
    condition = UnitCondition.objects.get(unit=first)
    assert (condition.grade, condition.source) == (DamageGrade.SPECIAL, "survey")
    following = client.get(answer["Location"])
    assert second.title in following.content.decode()
    assert "毛边纸" in following.content.decode()  # the last material is the next unit's default
    assert progress(conservator, campaign)["surveyed"] == 1
    # A second assessment keeps the first.
    do_record_survey(conservator, first, {"mould": "5"}, campaign=campaign)
    assert SurveyRecord.objects.filter(unit=first).count() == 2
    assert UnitCondition.objects.get(unit=first).grade == DamageGrade.MILD


def test_a_bad_extent_is_refused_and_nothing_is_written(conservator: Any, make_unit: Any) -> None:
    unit = make_unit()
    client = client_for(conservator)
    answer = client.post(
        "/manage/conservation/surveys/entry/", {"code": unit.reference_code, "d_mould": "130", "d_fading": "none"}
    )
    assert answer.status_code == 200
    assert not SurveyRecord.objects.exists() and not UnitCondition.objects.exists()
    answer = client.post("/manage/conservation/surveys/entry/", {"code": "Z109-无此档号", "d_mould": "5"})
    assert "没有此档号的档案" in answer.content.decode()


def test_the_grade_is_shown_live_with_its_reason(conservator: Any, archivist: Any) -> None:
    client = client_for(conservator)
    answer = client.post("/manage/conservation/surveys/grade/", {"d_blocking": "20", "d_acidification": "6.0"})
    text = answer.content.decode()
    assert "严重" in text and "粘连 20%（严重：20–50%）" in text
    answer = client.post("/manage/conservation/surveys/grade/", {"d_acidification": "15"})
    assert "pH 值须在 0 到 14 之间" in answer.content.decode()
    assert client_for(archivist).post("/manage/conservation/surveys/grade/", {"d_mould": "5"}).status_code == 403


def test_photographs_are_stored_with_the_record(
    conservator: Any, make_unit: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    unit = make_unit()
    photo = SimpleUploadedFile("p1.jpg", b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg")
    answer = client_for(conservator).post(
        "/manage/conservation/surveys/entry/", {"code": unit.reference_code, "d_loss": "12", "photos": [photo]}
    )
    assert answer.status_code == 302
    stored = SurveyPhoto.objects.get(record__unit=unit)
    assert Path(stored.image.path).read_bytes() == b"\xff\xd8\xff\xe0 jpeg"
    text = SimpleUploadedFile("x.txt", b"hello", content_type="text/plain")
    answer = client_for(conservator).post(
        "/manage/conservation/surveys/entry/", {"code": unit.reference_code, "d_loss": "12", "photos": [text]}
    )
    assert "照片须为" in answer.content.decode()
    assert SurveyRecord.objects.filter(unit=unit).count() == 1


def test_a_unit_above_the_clearance_is_never_shown_surveyed_or_counted(
    conservation_head: Any, conservator: Any, make_unit: Any
) -> None:
    open_unit = make_unit(title="公开的通知")
    hidden = make_unit(title="机密的电报", classification="confidential")
    campaign = do_create_campaign(conservation_head, "全宗摸排", fonds=open_unit.fonds, surveyors=[conservator])
    assert progress(conservator, campaign)["total"] == 1
    assert next_unit(conservator, campaign) == open_unit
    do_record_survey(conservator, open_unit, {"mould": "1"}, campaign=campaign)
    assert next_unit(conservator, campaign) is None
    with pytest.raises(PermissionDenied):
        do_record_survey(conservator, hidden, {"mould": "1"})
    client = client_for(conservator)
    page = client.get(f"/manage/conservation/surveys/entry/?code={hidden.reference_code}").content.decode()
    assert "机密的电报" not in page
    detail = client.get(f"/manage/conservation/surveys/{campaign.pk}/").content.decode()
    assert "1 / 1" in detail


def test_the_head_makes_a_campaign_in_the_workspace_and_closes_it(
    conservation_head: Any, conservator: Any, archivist: Any, make_unit: Any
) -> None:
    units = [make_unit(), make_unit()]
    head = client_for(conservation_head)
    form = head.get("/manage/conservation/surveys/add/").content.decode()
    assert f'value="{conservator.pk}"' in form and f'value="{archivist.pk}"' not in form  # surveyors: WORK only
    answer = head.post(
        "/manage/conservation/surveys/add/",
        {
            "name": "红军档案摸排",
            "reference_codes": "\n".join(unit.reference_code for unit in units),
            "surveyors": [conservator.pk],
            "starts": "2026-12-01",
            "ends": "2026-11-01",
        },
    )
    assert "结束日期早于开始日期" in answer.content.decode() and not Campaign.objects.exists()
    answer = head.post(
        "/manage/conservation/surveys/add/",
        {
            "name": "红军档案摸排",
            "reference_codes": "\n".join(unit.reference_code for unit in units),
            "surveyors": [conservator.pk],
            "priority": "on",
        },
    )
    campaign = Campaign.objects.get(name="红军档案摸排")
    assert answer["Location"] == f"/manage/conservation/surveys/{campaign.pk}/" and campaign.priority
    assert "0 / 2" in head.get(answer["Location"]).content.decode()
    assert client_for(conservator).post(answer["Location"], {"status": "closed"}).status_code == 403
    head.post(answer["Location"], {"status": "closed"})
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    with pytest.raises(ValidationError) as closed:
        do_record_survey(conservator, units[0], {"mould": "5"}, campaign=campaign)
    assert "摸排任务已结束" in str(closed.value)
