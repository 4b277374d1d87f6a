"""What the parts share: a unit's check-out and return (出库/入库) and its condition now, recorded by the
conservation staff within what their clearance shows them, audit-logged; the roles' start page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from dangan.catalog.policy import can_view_unit
from dangan.conservation.actions.condition import do_record_condition
from dangan.conservation.actions.custody import do_check_out, do_return
from dangan.conservation.choices import CheckOutPurpose, ConditionSource, DamageGrade
from dangan.conservation.models import CheckOut, UnitCondition
from dangan.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_conservator_sees_up_to_the_clearance_and_no_catalog_workspace(
    conservator: Any, conservation_head: Any, make_unit: Any
) -> None:
    secret, confidential = make_unit(classification="secret"), make_unit(classification="confidential")
    assert can_view_unit(conservator, secret) and not can_view_unit(conservator, confidential)
    assert not can_view_unit(conservation_head, secret)
    client = Client()
    client.force_login(conservator)
    assert client.get("/manage/conservation/").status_code == 200
    assert client.get("/manage/fonds/").status_code == 403


def test_check_out_and_return_are_recorded_once_each(conservator: Any, make_unit: Any) -> None:
    unit = make_unit()
    due = timezone.localdate() + timedelta(days=7)
    checkout = do_check_out(conservator, unit, CheckOutPurpose.RESTORATION, due, "李修复", reference="修复单 1")
    with pytest.raises(ValidationError) as refused:
        do_check_out(conservator, unit, CheckOutPurpose.READING, due, "张三")
    assert "已出库" in str(refused.value)
    returned = do_return(conservator, checkout, "李修复", "完好，页数相符")
    assert returned.returned_at is not None and returned.received_by == conservator
    with pytest.raises(ValidationError):
        do_return(conservator, checkout, "李修复")
    assert CheckOut.objects.filter(unit=unit).count() == 1
    assert list(
        AuditEntry.objects.filter(action__startswith="conservation.").order_by("id").values_list("action", flat=True)
    ) == [
        "conservation.checkout",
        "conservation.return",
    ]


def test_a_check_out_needs_a_taker_a_due_date_ahead_and_the_right_to_see_the_unit(
    conservator: Any, archivist: Any, make_unit: Any
) -> None:
    unit = make_unit()
    with pytest.raises(ValidationError) as refused:
        do_check_out(conservator, unit, CheckOutPurpose.READING, timezone.localdate() - timedelta(days=1), " ")
    assert set(refused.value.message_dict) == {"due", "taken_by"}
    with pytest.raises(PermissionDenied):
        do_check_out(conservator, make_unit(classification="confidential"), "reading", timezone.localdate(), "甲")
    with pytest.raises(PermissionDenied):  # the archivists read conservation, they do not record it
        do_check_out(archivist, unit, "reading", timezone.localdate(), "甲")


def test_the_condition_now_is_the_latest_assessment_graded_with_its_reason(conservator: Any, make_unit: Any) -> None:
    unit = make_unit()
    condition, assessment = do_record_condition(conservator, unit, {"mould": 35, "loss": ""}, ConditionSource.SURVEY)
    assert condition.grade == assessment.grade == DamageGrade.SPECIAL and "霉变 35%" in condition.reason
    assert condition.damages == {"mould": 35}
    do_record_condition(conservator, unit, {"mould": 0}, ConditionSource.RESTORATION)
    assert UnitCondition.objects.get(unit=unit).grade == DamageGrade.INTACT
    entry = AuditEntry.objects.filter(action="conservation.condition").latest("id")
    assert (entry.data["before"], entry.data["after"]) == (DamageGrade.SPECIAL, DamageGrade.INTACT)
    with pytest.raises(ValidationError, match="霉变的面积比例"):
        do_record_condition(conservator, unit, {"mould": 120}, ConditionSource.SURVEY)
    assert UnitCondition.objects.get(unit=unit).grade == DamageGrade.INTACT  # nothing half-written
