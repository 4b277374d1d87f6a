"""The annual utilization statistics (利用统计): the figures, the page, and the Excel workbook."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dangan.access.actions.register import record_use
from dangan.access.choices import Channel, Purpose, UseKind
from dangan.access.statistics import annual_statistics
from dangan.catalog.actions.configuration import do_create_fonds
from dangan.catalog.actions.units import do_create_unit
from dangan.core.actors import CONSOLE
from dangan.core.choices import SecurityClassification
from dangan.core.models import AuditEntry
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

URL = "/manage/access/statistics/"
EXPORT_URL = "/manage/access/statistics/export/"


def at(year: int, month: int, day: int = 10, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def year_2025(
    access_staff: Any, reader: Any, other_reader: Any, make_unit: Any, fonds: Any, categories: Any
) -> dict[str, Any]:
    """A year's register: two readers, two fonds, a 秘密 unit among the units used, and entries of 2024 and 2026
    that the year must not count."""
    other_fonds = do_create_fonds(CONSOLE, "X01", "某县档案馆", creator="某单位")
    first = make_unit("第一件")
    second = make_unit("第二件")
    secret = make_unit("秘密件", classification=SecurityClassification.SECRET)
    elsewhere = do_create_unit(
        CONSOLE,
        other_fonds,
        {"title": "他宗件", "category": categories["WS"], "year": 2011, "retention": "Y", "organization": "BGS"},
    )
    use = record_use
    use(access_staff, kind=UseKind.VISIT, reader=reader, purpose=Purpose.RESEARCH, at=at(2025, 1))
    use(access_staff, kind=UseKind.VISIT, reader=reader, purpose=Purpose.RESEARCH, at=at(2025, 3))
    use(access_staff, kind=UseKind.VISIT, reader=other_reader, purpose=Purpose.RIGHTS, at=at(2025, 3))
    use(reader, kind=UseKind.REQUEST, reader=reader, purpose=Purpose.RESEARCH, channel=Channel.ONLINE, at=at(2025, 2))
    use(access_staff, kind=UseKind.VIEW, reader=reader, unit=first, purpose=Purpose.RESEARCH, at=at(2025, 3))
    use(access_staff, kind=UseKind.VIEW, reader=reader, unit=first, purpose=Purpose.RESEARCH, at=at(2025, 3, 11))
    use(access_staff, kind=UseKind.VIEW, reader=other_reader, unit=secret, purpose=Purpose.RIGHTS, at=at(2025, 3))
    use(
        access_staff,
        kind=UseKind.COPY,
        reader=other_reader,
        unit=second,
        purpose=Purpose.RIGHTS,
        pages=7,
        at=at(2025, 12, 31, 23),  # late on New Year's Eve in Beijing: still 2025 (UTC: 15:00)
    )
    use(reader, kind=UseKind.VIEW, reader=reader, unit=elsewhere, channel=Channel.ONLINE, at=at(2025, 6))
    use(access_staff, kind=UseKind.VISIT, reader=reader, at=at(2024, 12, 31, 23))
    use(access_staff, kind=UseKind.VISIT, reader=reader, at=at(2026, 1, 1, 0))
    return {"fonds": fonds, "other_fonds": other_fonds, "secret": secret}


def test_the_year_s_figures(year_2025: dict[str, Any]) -> None:
    stats = annual_statistics(2025)
    totals = stats.totals.as_dict()

    assert totals["visits"] == 3
    assert totals["readers"] == 2
    assert totals["requests"] == 1
    assert totals["views"] == 4 and totals["copies"] == 1
    assert totals["units_used"] == 5
    assert totals["distinct_units"] == 4
    assert totals["pages"] == 7


def test_per_month_purpose_and_channel(year_2025: dict[str, Any]) -> None:
    stats = annual_statistics(2025)

    months = {row.key: row.figures for row in stats.by_month}
    assert list(months) == list(range(1, 13))
    assert months[1].visits == 1 and months[2].requests == 1
    assert months[3].visits == 2 and months[3].views == 3
    assert months[12].copies == 1 and months[12].pages == 7
    assert months[4].total == 0

    purposes = {row.key: row.figures for row in stats.by_purpose}
    assert purposes["research"].visits == 2 and purposes["research"].units_used == 2
    assert purposes["rights"].units_used == 2 and purposes["rights"].readers == 1
    assert purposes["history"].total == 0  # every purpose is listed, empty ones too
    assert purposes[""].views == 1  # not given

    channels = {row.key: row.figures for row in stats.by_channel}
    assert channels["online"].requests == 1 and channels["online"].views == 1
    assert channels["reading_room"].visits == 3


def test_per_fonds_counts_every_use_also_of_hidden_units(year_2025: dict[str, Any]) -> None:
    by_fonds = {row.key: row for row in annual_statistics(2025).by_fonds}

    assert by_fonds["Z109"].figures.units_used == 4  # the 秘密 unit's view among them
    assert by_fonds["Z109"].label == "Z109 贵州省扶贫开发办公室"
    assert by_fonds["X01"].figures.views == 1
    assert by_fonds[""].figures.visits == 3 and by_fonds[""].figures.requests == 1  # no unit: no fonds


def test_an_empty_year_has_its_shape_and_zeros(db: Any) -> None:
    stats = annual_statistics(2020)
    assert stats.empty and stats.totals.total == 0
    assert len(stats.by_month) == 12 and stats.by_fonds == []


def test_the_page_shows_the_year(access_staff: Any, year_2025: dict[str, Any]) -> None:
    response = client_for(access_staff).get(URL, {"year": "2025"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "2025年档案利用统计" in page
    assert "到馆人次" in page and "利用人数" in page and "利用档案（卷/件次）" in page and "复制页数" in page
    assert "贵州省扶贫开发办公室" in page and "学术研究" in page and "12月" in page and "合计" in page
    assert "秘密件" not in page and str(year_2025["secret"].uuid) not in page
    assert f"{EXPORT_URL}?year=2025" in page


def test_this_year_by_default(access_staff: Any) -> None:
    page = client_for(access_staff).get(URL).content.decode()
    assert f"{timezone.localdate().year}年档案利用统计" in page


@pytest.mark.parametrize("value", ["二〇二五", "99999", "-1"])
def test_a_wrong_year_is_a_chinese_message(access_staff: Any, value: str) -> None:
    response = client_for(access_staff).get(URL, {"year": value})
    assert response.status_code == 400
    assert "年度应" in response.content.decode()


def test_the_workbook(access_staff: Any, year_2025: dict[str, Any]) -> None:
    response = client_for(access_staff).get(EXPORT_URL, {"year": "2025"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    logged = AuditEntry.objects.get(action="access.register.export")
    assert logged.username == access_staff.username and logged.data["year"] == 2025
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["总计", "按月份", "按全宗", "按利用目的", "按渠道"]

    totals = {row[0]: row[1] for row in book["总计"].iter_rows(min_row=2, values_only=True)}
    assert totals["到馆人次"] == 3 and totals["利用人数"] == 2 and totals["复制页数"] == 7
    assert totals["利用档案（卷/件次）"] == 5

    months = list(book["按月份"].iter_rows(values_only=True))
    assert months[0][:3] == ("月份", "到馆人次", "利用人数")
    assert months[3][0] == "3月" and months[3][1] == 2
    assert months[-1][0] == "合计" and months[-1][1] == 3

    fonds_rows = {row[0]: row[6] for row in book["按全宗"].iter_rows(min_row=2, values_only=True)}
    assert fonds_rows["X01 某县档案馆"] == 1 and fonds_rows["Z109 贵州省扶贫开发办公室"] == 4


def test_a_wrong_year_for_the_workbook_goes_back_to_the_page(access_staff: Any) -> None:
    response = client_for(access_staff).get(EXPORT_URL, {"year": "abc"})
    assert response.status_code == 302 and response["Location"] == URL
