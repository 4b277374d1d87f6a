"""Dates entered as typed (1935年1月, 1935, 民国二十四年): the form, the API and the pages keep the precision and
never invent a day."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.validation import parse_partial_date
from dangan.core.actors import CONSOLE


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("typed", "date", "precision", "label"),
    [
        ("1935年1月", dt.date(1935, 1, 1), "month", "1935年1月"),
        ("1935-01", dt.date(1935, 1, 1), "month", "1935年1月"),
        ("1935.1", dt.date(1935, 1, 1), "month", "1935年1月"),
        ("193501", dt.date(1935, 1, 1), "month", "1935年1月"),
        ("1935", dt.date(1935, 1, 1), "year", "1935年"),
        ("1935年", dt.date(1935, 1, 1), "year", "1935年"),
        ("民国二十四年", dt.date(1935, 1, 1), "year", "1935年"),
        ("民国24年3月", dt.date(1935, 3, 1), "month", "1935年3月"),
        ("一九三五年一月十五日", dt.date(1935, 1, 15), "day", "1935年1月15日"),
        ("１９３５年１月", dt.date(1935, 1, 1), "month", "1935年1月"),
        ("1935-01-15", dt.date(1935, 1, 15), "day", "1935年1月15日"),
        ("19350115", dt.date(1935, 1, 15), "day", "1935年1月15日"),
        ("19350000", dt.date(1935, 1, 1), "year", "1935年"),
    ],
)
def test_dates_are_read_at_the_precision_they_are_written(typed, date, precision, label):
    parsed = parse_partial_date(typed)
    assert (parsed.date, parsed.precision, parsed.label) == (date, precision, label)


@pytest.mark.parametrize("typed", ["1935-13", "1935年13月", "二〇二一年二月三十日", "明年", "35.1", "19350005"])
def test_what_is_not_a_date_is_refused_in_chinese(typed):
    with pytest.raises(ValidationError) as caught:
        parse_partial_date(typed)
    assert "无法识别的日期" in caught.value.messages[0]


@pytest.mark.django_db
def test_the_unit_form_takes_a_month_and_shows_it_back_as_a_month(fonds, archivist):
    client = client_for(archivist)
    base = {"level": "item", "classification": "public", "openness": "pending"}
    response = client.post(
        reverse("catalog:unit_create", args=[fonds.code]), {**base, "title": "遵义会议决议", "date": "1935年1月"}
    )
    assert response.status_code == 302, response.content.decode()
    unit = ArchivalUnit.objects.get(title="遵义会议决议")
    assert (unit.date, unit.date_precision) == (dt.date(1935, 1, 1), "month")
    page = client.get(reverse("catalog:unit_detail", args=[unit.uuid])).content.decode()
    assert "<dd>1935年1月</dd>" in page and "1935年1月1日" not in page and "19350101" not in page
    edit = client.get(reverse("catalog:unit_edit", args=[unit.uuid])).content.decode()
    assert 'name="date" value="1935-01"' in edit and 'type="date"' not in edit

    # Edited to a year in the Republican calendar; the day stays unknown.
    form = {**base, "title": "遵义会议决议", "date": "民国二十四年"}
    assert client.post(reverse("catalog:unit_edit", args=[unit.uuid]), form).status_code == 302
    unit.refresh_from_db()
    assert (unit.date, unit.date_precision) == (dt.date(1935, 1, 1), "year")

    response = client.post(reverse("catalog:unit_edit", args=[unit.uuid]), {**form, "date": "1935年13月"})
    assert response.status_code == 400
    assert "无法识别的日期“1935年13月”" in response.content.decode()
    unit.refresh_from_db()
    assert unit.date_precision == "year"


@pytest.mark.django_db
def test_an_older_full_date_without_a_precision_is_not_changed_by_saving_the_form(fonds, archivist):
    unit = do_create_unit(CONSOLE, fonds, {"title": "旧数据", "date": dt.date(2011, 3, 5)})
    assert unit.date_precision == ""
    client = client_for(archivist)
    form = {"level": "item", "classification": "public", "openness": "pending", "title": "旧数据", "date": "2011-03-05"}
    assert client.post(reverse("catalog:unit_edit", args=[unit.uuid]), form).status_code == 302
    unit.refresh_from_db()
    assert unit.date_precision == ""


@pytest.mark.django_db
def test_the_api_takes_partial_dates_and_refuses_an_invented_day(fonds, archivist):
    client = client_for(archivist)

    def send(method: str, url: str, body: dict[str, Any]) -> Any:
        return client.generic(method, url, json.dumps(body), content_type="application/json")

    response = send("POST", "/api/units", {"fonds": "Z109", "title": "红军总政治部布告", "date": "1935-01"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["date"], created["date_precision"], created["date_display"]) == ("1935-01-01", "month", "1935年1月")
    url = f"/api/units/{created['uuid']}"
    response = send("PATCH", url, {"date": "民国二十四年"})
    assert (response.json()["date_precision"], response.json()["date_display"]) == ("year", "1935年")
    response = send("PATCH", url, {"date": "1935-01-15", "date_precision": "month"})
    assert response.status_code == 422 and "不能有日" in response.json()["errors"]["date"]
    response = send("PATCH", url, {"date": "1935-01", "date_precision": "day"})
    assert response.status_code == 422 and "只精确到月" in response.json()["errors"]["date_precision"]
    response = send("PATCH", url, {"date": "1935-02-01", "date_precision": "month"})
    assert response.status_code == 200 and response.json()["date_display"] == "1935年2月"
    response = send("PATCH", url, {"date": "2016-03-08"})
    assert (response.json()["date_precision"], response.json()["date_display"]) == ("day", "2016年3月8日")
    response = send("PATCH", url, {"date": None})
    assert (response.json()["date"], response.json()["date_precision"], response.json()["date_display"]) == (
        None,
        "",
        "",
    )


@pytest.mark.parametrize(
    "typed", ["2021-03-05 10:30", "２０２１年３月５日", "2021-03-05T10:30:00", " 2021 年 3 月 5 日 "]
)
def test_the_form_and_the_import_read_a_date_alike(typed):
    """One reader for dates: what the form accepts, an imported cell gives the same date and precision."""
    from dangan.catalog.tabular import parse_date

    found = parse_partial_date(typed)
    assert (found.date, found.precision) == (dt.date(2021, 3, 5), "day") == parse_date(typed)
