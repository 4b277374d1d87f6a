"""The register's API (/api/access/register, /api/access/statistics): the page's filters and paging envelope, a
hidden unit unnamed, an entry added by hand, the year's figures, and Chinese errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dangan.access.actions.register import record_use
from dangan.access.choices import Channel, Purpose, UseKind
from dangan.access.models import UseRecord
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

REGISTER = "/api/access/register"
STATISTICS = "/api/access/statistics"


def test_the_register_as_a_paged_list(access_staff: Any, reader: Any, make_unit: Any) -> None:
    unit = make_unit("查阅的档案")
    record_use(access_staff, kind=UseKind.VISIT, reader=reader, purpose=Purpose.HISTORY)
    record_use(access_staff, kind=UseKind.VIEW, reader=reader, unit=unit, purpose=Purpose.HISTORY)

    body = client_for(access_staff).get(REGISTER, {"size": 1}).json()

    assert (body["page"], body["size"], body["total"], body["pages"], body["has_next"]) == (1, 1, 2, 2, True)
    item = body["items"][0]
    assert item["kind"] == "view" and item["kind_display"] == "查阅"
    assert item["reader"] == "张三" and item["purpose_display"] == "编史修志"
    assert item["unit"] == str(unit.uuid) and item["reference_code"] == unit.reference_code
    assert item["title"] == "查阅的档案" and item["hidden"] is False and item["fonds"] == "Z109"


def test_filters_are_those_of_the_page(access_staff: Any, make_unit: Any) -> None:
    record_use(access_staff, kind=UseKind.VISIT, note="到馆")
    record_use(access_staff, kind=UseKind.COPY, unit=make_unit(), pages=2, channel=Channel.ONLINE, note="复制")
    client = client_for(access_staff)

    assert [i["note"] for i in client.get(REGISTER, {"kind": "copy"}).json()["items"]] == ["复制"]
    assert [i["note"] for i in client.get(REGISTER, {"channel": "reading_room"}).json()["items"]] == ["到馆"]
    assert client.get(REGISTER, {"fonds": "X99"}).json()["total"] == 0


def test_a_hidden_unit_is_not_named(access_staff: Any, make_unit: Any) -> None:
    secret = make_unit("秘密的档案", classification=SecurityClassification.SECRET)
    record_use(CONSOLE, kind=UseKind.VIEW, unit=secret)

    response = client_for(access_staff).get(REGISTER)

    item = response.json()["items"][0]
    assert item["hidden"] is True and item["unit"] is None and item["reference_code"] == "" and item["title"] == ""
    assert "秘密的档案" not in response.content.decode() and str(secret.uuid) not in response.content.decode()


def test_bad_filters_are_a_422_in_chinese(access_staff: Any) -> None:
    response = client_for(access_staff).get(REGISTER, {"kind": "telepathy"})
    assert response.status_code == 422
    assert "筛选条件有误" in response.json()["detail"] and "telepathy" in response.json()["errors"]["kind"]


def test_add_an_entry_by_hand(access_staff: Any, reader: Any, make_unit: Any) -> None:
    unit = make_unit()
    response = client_for(access_staff).post(
        REGISTER,
        {
            "kind": "copy",
            "channel": "online",
            "purpose": "rights",
            "unit": unit.reference_code,
            "pages": 3,
            "reader": "reader-zhang",
            "note": "信函答复",
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "copy" and body["pages"] == 3 and body["source"] == "manual" and body["reader"] == "张三"
    entry = UseRecord.objects.get()
    assert entry.unit == unit and entry.staff == access_staff


def test_a_bad_entry_is_a_422_in_chinese_and_stores_nothing(access_staff: Any) -> None:
    client = client_for(access_staff)
    missing_unit = client.post(REGISTER, {"kind": "view", "channel": "online"}, content_type="application/json")
    future = (timezone.now() + dt.timedelta(days=2)).isoformat()
    late = client.post(REGISTER, {"kind": "visit", "channel": "online", "at": future}, content_type="application/json")
    wrong_kind = client.post(REGISTER, {"kind": "dream", "channel": "online"}, content_type="application/json")

    assert missing_unit.status_code == 422 and "须填写档号" in missing_unit.json()["errors"]["unit"]
    assert late.status_code == 422 and "不能晚于现在" in late.json()["errors"]["at"]
    assert wrong_kind.status_code == 422 and "kind" in wrong_kind.json()["errors"]
    assert not UseRecord.objects.exists()


def test_the_year_s_statistics(access_staff: Any, reader: Any) -> None:
    when = dt.datetime(2025, 5, 1, 10, tzinfo=timezone.get_current_timezone())
    record_use(access_staff, kind=UseKind.VISIT, reader=reader, purpose=Purpose.EDUCATION, at=when)

    body = client_for(access_staff).get(STATISTICS, {"year": 2025}).json()

    assert body["year"] == 2025
    assert body["totals"]["visits"] == 1 and body["totals"]["readers"] == 1
    may = next(row for row in body["by_month"] if row["key"] == 5)
    assert may["visits"] == 1 and may["label"] == "5月"
    education = next(row for row in body["by_purpose"] if row["key"] == "education")
    assert education["visits"] == 1 and education["label"] == "宣传教育"


def test_this_year_unless_asked_and_a_wrong_year_is_a_422(access_staff: Any) -> None:
    client = client_for(access_staff)
    assert client.get(STATISTICS).json()["year"] == timezone.localdate().year
    assert client.get(STATISTICS, {"year": "abc"}).status_code == 422
    assert client.get(STATISTICS, {"year": 99999}).status_code == 422


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_AUDITOR, Role.READER])
def test_others_are_refused(role: str) -> None:
    client = client_for(role)
    assert client.get(REGISTER).status_code == 403
    assert client.get(STATISTICS).status_code == 403
    assert (
        client.post(REGISTER, {"kind": "visit", "channel": "online"}, content_type="application/json").status_code
        == 403
    )


def test_anonymous_callers_get_401() -> None:
    assert client_for(None).get(REGISTER).status_code == 401
    assert client_for(None).get(STATISTICS).status_code == 401


def test_paging_out_of_bounds_is_a_422(access_staff: Any) -> None:
    client = client_for(access_staff)
    assert client.get(REGISTER, {"page": 0}).status_code == 422
    assert client.get(REGISTER, {"size": 201}).status_code == 422
    past_the_end = client.get(REGISTER, {"page": 9}).json()
    assert past_the_end["items"] == [] and past_the_end["has_next"] is False
