"""The stacks' climate (温湿度): a logger's CSV imported all or nothing with the bad rows named (Chinese or English
headers), the hourly summaries equal to the raw readings' aggregates whatever the write path, the month report,
excursions (point limits and the daily swing) alerted once by e-mail, sensors' tokens scoped to their stack, pages."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from dangan.cli import main
from dangan.conservation.actions import environment as env
from dangan.conservation.choices import LocationKind
from dangan.conservation.models import Excursion, HourlySummary, Location, MonthlySeries, Reading, Sensor
from dangan.core.models import AuditEntry

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def stack() -> Location:
    return Location.objects.create(kind=LocationKind.STACK, code="K1", full_code="K1", name="一号库房")


@pytest.fixture
def other_stack() -> Location:
    return Location.objects.create(kind=LocationKind.STACK, code="K2", full_code="K2", name="二号库房")


def csv_text(rows: list[tuple[str, Any, Any]], header: str = "时间,温度,湿度") -> str:
    return header + "\n" + "".join(f"{t},{a},{b}\n" for t, a, b in rows)


def calm_day(day: str = "2026-03-02", every: int = 30) -> list[tuple[str, float, float]]:
    """A day within the limits (18–19 °C, 50–52 %)."""
    out = []
    for minute in range(0, 24 * 60, every):
        out.append((f"{day} {minute // 60:02d}:{minute % 60:02d}", 18 + (minute % 120) / 120, 50 + (minute % 90) / 45))
    return out


def test_import_all_or_nothing_names_every_bad_row(tmp_path: Any, stack: Location, capsys: Any) -> None:
    rows: list[tuple[str, Any, Any]] = [
        ("2026-03-02 08:00", 18.5, 52),
        ("2026-03-02 08:05", "十八", 52),
        ("2026-03-02 25:10", 18.5, 52),
        ("2026-03-02 08:15", 18.5, 130),
    ]
    path = tmp_path / "bad.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    assert main(["conservation", "env", "import", str(path), "--stack", "K1"]) == 1
    err = capsys.readouterr().err
    assert "第 3 行" in err and "温度" in err and "十八" in err and "应为数字" in err
    assert "第 4 行" in err and "时间格式" in err
    assert "第 5 行" in err and "0 至 100" in err
    assert main(["conservation", "env", "import", str(path), "--stack", "K1", "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(3, "温度"), (4, "时间"), (5, "湿度")]
    assert Reading.objects.count() == 0 and HourlySummary.objects.count() == 0

    assert main(["conservation", "env", "import", str(path), "--stack", "K9"]) == 2
    assert main(["conservation", "env", "import", str(tmp_path / "none.csv"), "--stack", "K1"]) == 2


@pytest.mark.parametrize(
    "header",
    [
        "时间,温度,湿度",
        "time,temperature,humidity",
        "Time,Temperature (°C),Humidity (% RH)",
        "\ufeff时间,温度(°C),湿度(%RH)",
    ],
)
def test_import_reads_chinese_and_english_headers(tmp_path: Any, stack: Location, header: str, capsys: Any) -> None:
    path = tmp_path / "log.csv"
    path.write_text(csv_text(calm_day(), header), encoding="utf-8")
    assert main(["conservation", "env", "import", str(path), "--stack", "K1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"imported": 48, "hours": 24, "excursions": 0, "problems": []}
    assert Reading.objects.filter(stack=stack, source="logger").count() == 48
    first = Reading.objects.order_by("taken_at").first()
    assert first is not None and first.taken_at == datetime(2026, 3, 2, 0, 0, tzinfo=TZ)


def test_a_file_without_the_columns_is_refused(stack: Location, conservator: Any) -> None:
    with pytest.raises(env.ImportProblems) as refused:
        env.do_import_readings(conservator, stack, "date,t\n2026-03-02 08:00,18\n")
    assert {p.column for p in refused.value.problems} == {"时间", "温度", "湿度"}
    assert Reading.objects.count() == 0


def _summaries(stack: Location) -> list[dict[str, Any]]:
    return env.hourly_from_summaries(stack, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def _raw(stack: Location) -> list[dict[str, Any]]:
    return env.hourly_from_raw(stack, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def test_summaries_match_the_raw_aggregates_across_write_paths(stack: Location, conservator: Any) -> None:
    env.do_import_readings(conservator, stack, csv_text(calm_day(every=7)))
    # a second file overlapping the same hours, a reading by hand and a sensor's batch into them as well
    env.do_import_readings(conservator, stack, csv_text(calm_day(every=11), "time,temperature,humidity"))
    env.do_record_reading(conservator, stack, datetime(2026, 3, 2, 9, 31, tzinfo=TZ), 19.25, 51.5)
    sensor = Sensor.objects.create(stack=stack, name="S1", prefix="x", key_hash=Sensor.hash_key("k"))
    env.do_sensor_readings(sensor, [(datetime(2026, 3, 2, 9, 45, tzinfo=TZ), 18.75, 50.25)])
    summaries, raw = _summaries(stack), _raw(stack)
    assert len(summaries) == 24 and summaries == raw
    assert sum(p["count"] for p in summaries) == Reading.objects.count()


def _same_series(kept: dict[str, Any], raw: dict[str, Any]) -> None:
    assert kept["labels"] == raw["labels"] and kept["count"] == raw["count"]
    for measure in ("temperature", "humidity"):
        assert kept[measure]["min"] == raw[measure]["min"] and kept[measure]["max"] == raw[measure]["max"]
        assert kept[measure]["mean"] == pytest.approx(raw[measure]["mean"], abs=0.0011)


def test_the_kept_month_series_follows_every_write_path(stack: Location, conservator: Any) -> None:
    """The month chart reads one kept row (MonthlySeries); every write path rebuilds the months it touched, so the
    row always equals the series computed from the raw readings — also across a local month boundary."""
    env.do_import_readings(conservator, stack, csv_text(calm_day("2026-03-31", every=7)))
    env.do_import_readings(conservator, stack, csv_text(calm_day("2026-03-31", every=11)))
    env.do_record_reading(conservator, stack, datetime(2026, 4, 1, 0, 31, tzinfo=TZ), 19.25, 51.5)
    sensor = Sensor.objects.create(stack=stack, name="S1", prefix="x", key_hash=Sensor.hash_key("k"))
    env.do_sensor_readings(sensor, [(datetime(2026, 3, 31, 9, 45, tzinfo=TZ), 18.75, 50.25)])
    assert set(MonthlySeries.objects.filter(stack=stack).values_list("month", flat=True)) == {
        date(2026, 3, 1),
        date(2026, 4, 1),
    }
    march, april = env.month_series(stack, 2026, 3), env.month_series(stack, 2026, 4)
    _same_series(march, env.month_series_from_raw(stack, 2026, 3))
    _same_series(april, env.month_series_from_raw(stack, 2026, 4))
    assert len(march["labels"]) == 24 and march["labels"][0] == "2026-03-31 00:00"
    assert april == {
        "labels": ["2026-04-01 00:00"],
        "count": [1],
        "temperature": {"min": [19.25], "max": [19.25], "mean": [19.25]},
        "humidity": {"min": [51.5], "max": [51.5], "mean": [51.5]},
    }
    assert sum(march["count"]) + 1 == Reading.objects.count()
    assert env.chart_data(stack, "month", date(2026, 3, 5))["temperature"] == march["temperature"]


def test_a_month_wholly_inside_an_import_is_kept_from_what_was_there_and_the_new_rows(
    stack: Location, conservator: Any
) -> None:
    """A file spanning February to April: February and April are its edges (built from the stored summaries),
    March lies wholly inside it (built from the merged hours in memory) — with readings of March already stored
    (by hand, in an hour the file also covers, and in one it does not)."""
    env.do_record_reading(conservator, stack, datetime(2026, 3, 10, 8, 20, tzinfo=TZ), 17.5, 49.0)
    env.do_record_reading(conservator, stack, datetime(2026, 3, 10, 8, 59, tzinfo=TZ), 16.5, 48.0)
    env.do_record_reading(conservator, stack, datetime(2026, 3, 10, 9, 30, tzinfo=TZ), 15.5, 47.0)
    rows: list[tuple[str, Any, Any]] = []
    moment = datetime(2026, 2, 27, 12, 0)
    while moment < datetime(2026, 4, 2, 6, 0):
        if not (moment.day == 10 and moment.month == 3 and moment.hour == 9):  # that hour has only the hand's
            rows.append((f"{moment:%Y-%m-%d %H:%M}", 18 + moment.minute / 100, 50 + moment.hour / 10))
        moment += timedelta(minutes=20)
    env.do_import_readings(conservator, stack, csv_text(rows))
    for month in (2, 3, 4):
        _same_series(env.month_series(stack, 2026, month), env.month_series_from_raw(stack, 2026, month))
    march = env.month_series(stack, 2026, 3)
    assert len(march["labels"]) == 31 * 24
    at_eight = march["labels"].index("2026-03-10 08:00")
    assert march["count"][at_eight] == 3 + 2 and march["temperature"]["min"][at_eight] == 16.5
    assert march["count"][at_eight + 1] == 1 and march["temperature"]["max"][at_eight + 1] == 15.5


def test_a_missing_or_foreign_month_series_is_built_on_reading(
    stack: Location, conservator: Any, settings: Any
) -> None:
    env.do_import_readings(conservator, stack, csv_text(calm_day("2026-03-02")))
    MonthlySeries.objects.all().delete()  # as after the upgrade to 0008: summaries, no series yet
    assert env.month_series(stack, 2026, 3) == env.month_series_from_raw(stack, 2026, 3)
    assert MonthlySeries.objects.get(stack=stack).time_zone == "Asia/Shanghai"
    assert env.month_series(stack, 2026, 5)["labels"] == []  # a month without readings: an empty series
    settings.TIME_ZONE = "UTC"
    utc = env.month_series(stack, 2026, 3)
    assert utc["labels"][0] == "2026-03-01 16:00"  # the local day 2026-03-02 began at 16:00 UTC the day before
    assert MonthlySeries.objects.get(stack=stack, month=date(2026, 3, 1)).time_zone == "UTC"


def test_every_time_format_lands_at_the_same_instant_in_any_order(stack: Location, conservator: Any) -> None:
    """The usual "YYYY-MM-DD HH:MM:SS" (local, read by slicing) and the other forms a logger writes (no seconds,
    slashes, an explicit zone, UTC "Z") give the same stored instants, out of order in the file or not."""
    rows = [
        ("2026-03-02 10:05:00", 18.5, 50),  # the usual form, local (UTC+8)
        ("2026-03-02 00:30:00", 18.0, 50),  # before the first: the file is out of order
        ("2026/03/02 10:10", 18.5, 51),
        ("2026-03-02T10:15:00+08:00", 18.5, 52),
        ("2026-03-02T02:20:00Z", 18.5, 53),
        ("2026-03-01 23:59:59", 18.0, 54),  # local yesterday, UTC the same day
        ("2026-03-02 02:25+00", 18.5, 55),  # as long as the usual form, but with its zone
    ]
    assert env.do_import_readings(conservator, stack, csv_text(rows)).readings == 7
    stored = [
        (r.taken_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S"), r.humidity)
        for r in Reading.objects.filter(stack=stack).order_by("taken_at")
    ]
    assert stored == [
        ("2026-03-01 23:59:59", 54),
        ("2026-03-02 00:30:00", 50),
        ("2026-03-02 10:05:00", 50),
        ("2026-03-02 10:10:00", 51),
        ("2026-03-02 10:15:00", 52),
        ("2026-03-02 10:20:00", 53),
        ("2026-03-02 10:25:00", 55),
    ]
    summaries = _summaries(stack)
    assert summaries == _raw(stack)
    assert [(p["hour"], p["count"]) for p in summaries] == [
        ("2026-03-01T23:00:00+08:00", 1),
        ("2026-03-02T00:00:00+08:00", 1),
        ("2026-03-02T10:00:00+08:00", 5),
    ]


def test_month_report_json(tmp_path: Any, stack: Location, capsys: Any) -> None:
    rows = [*calm_day("2026-03-02"), ("2026-03-03 10:00", 26.5, 50), ("2026-03-03 10:30", 27.0, 50)]
    rows += [("2026-03-03 11:00", 18.0, 50)]
    path = tmp_path / "log.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    assert main(["conservation", "env", "import", str(path), "--stack", "K1"]) == 0
    capsys.readouterr()
    assert main(["conservation", "env", "report", "--stack", "K1", "--month", "2026-03", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"stack", "name", "month", "time_zone", "limits", "hours", "excursions"}
    assert report["stack"] == "K1" and report["month"] == "2026-03"
    assert report["limits"]["temperature_max"] == 24.0 and report["limits"]["humidity_swing"] == 5.0
    assert len(report["hours"]) == 24 + 2
    first = report["hours"][0]
    assert first["hour"] == "2026-03-02T00:00:00+08:00" and first["count"] == 2
    assert set(first["temperature"]) == {"min", "max", "mean"}
    hot = [e for e in report["excursions"] if e["kind"] == "too_hot"]
    assert hot == [
        {
            "kind": "too_hot",
            "label": "温度过高",
            "start": "2026-03-03T10:00:00+08:00",
            "end": "2026-03-03T11:00:00+08:00",
            "worst": 27.0,
            "limit": 24.0,
            "unit": "°C",
            "acknowledged": False,
        }
    ]
    assert main(["conservation", "env", "report", "--stack", "K1", "--month", "2026-13", "--json"]) == 2
    assert main(["conservation", "env", "report", "--stack", "NOPE", "--month", "2026-03", "--json"]) == 2
    assert main(["conservation", "env", "report", "--stack", "K1", "--month", "2026-04", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hours"] == []


def test_excursions_are_incremental_and_mailed_once(
    stack: Location, conservator: Any, conservation_head: Any, settings: Any
) -> None:
    settings.CONSERVATION_ALERT_EMAILS = ["baoguan@example.cn"]
    env.do_set_limits(conservation_head, stack, {"humidity_swing": 50})  # the point limits alone here
    at = datetime(2026, 3, 2, 8, 0, tzinfo=TZ)
    assert env.do_record_reading(conservator, stack, at, 18, 40) == 1  # too dry
    assert len(mail.outbox) == 1 and "湿度过低" in mail.outbox[0].body
    assert mail.outbox[0].to == ["baoguan@example.cn"]
    env.do_record_reading(conservator, stack, at + timedelta(minutes=5), 18, 38)  # worse, same excursion
    env.do_record_reading(conservator, stack, at + timedelta(minutes=10), 18, 39)
    assert len(mail.outbox) == 1
    dry = Excursion.objects.get(kind="too_dry")
    assert dry.worst == 38 and dry.ended_at is None and dry.notified_at is not None
    env.do_record_reading(conservator, stack, at + timedelta(minutes=15), 18, 50)  # back in range
    dry.refresh_from_db()
    assert dry.ended_at == at + timedelta(minutes=15)
    env.do_record_reading(conservator, stack, at + timedelta(minutes=20), 18, 41)  # a new one
    assert Excursion.objects.filter(kind="too_dry").count() == 2 and len(mail.outbox) == 2


def test_the_daily_swing_is_checked_per_day(stack: Location, conservator: Any, settings: Any) -> None:
    settings.CONSERVATION_ALERT_EMAILS = ["baoguan@example.cn"]
    rows = [("2026-03-02 06:00", 16.0, 50), ("2026-03-02 14:00", 18.5, 50), ("2026-03-03 06:00", 17.0, 50)]
    env.do_import_readings(conservator, stack, csv_text(rows))
    swing = Excursion.objects.get()
    assert swing.kind == "temperature_swing" and swing.worst == 2.5 and swing.limit == 2.0
    assert swing.started_at == datetime(2026, 3, 2, tzinfo=TZ) and swing.ended_at == datetime(2026, 3, 3, tzinfo=TZ)
    # a later reading of the same day widens the swing: the same excursion, no second e-mail
    env.do_record_reading(conservator, stack, datetime(2026, 3, 2, 15, 0, tzinfo=TZ), 19.0, 50)
    swing.refresh_from_db()
    assert Excursion.objects.count() == 1 and swing.worst == 3.0 and len(mail.outbox) == 1
    # humidity within 5 %: no humidity swing; above: one
    env.do_record_reading(conservator, stack, datetime(2026, 3, 3, 7, 0, tzinfo=TZ), 17.0, 55.0)
    assert not Excursion.objects.filter(kind="humidity_swing").exists()
    env.do_record_reading(conservator, stack, datetime(2026, 3, 3, 8, 0, tzinfo=TZ), 17.0, 55.5)
    assert Excursion.objects.filter(kind="humidity_swing").get().worst == 5.5


def test_the_stacks_limits_apply(stack: Location, conservator: Any, conservation_head: Any) -> None:
    with pytest.raises(PermissionDenied):
        env.do_set_limits(conservator, stack, {"temperature_max": 22})
    with pytest.raises(ValidationError):
        env.do_set_limits(conservation_head, stack, {"temperature_min": 25})
    env.do_set_limits(conservation_head, stack, {"temperature_max": 22})
    env.do_record_reading(conservator, stack, datetime(2026, 3, 2, 8, 0, tzinfo=TZ), 23, 50)
    assert Excursion.objects.get().kind == "too_hot"
    assert AuditEntry.objects.filter(action="conservation.env.limits").count() == 1


def test_a_sensor_token_writes_only_its_own_stack(
    stack: Location, other_stack: Location, conservation_head: Any, archivist: Any
) -> None:
    sensor, key = env.do_add_sensor(conservation_head, stack, "一号库房 东墙")
    assert Sensor.objects.get().key_hash != key and key not in str(sensor.__dict__.values())
    client = Client()
    url = "/api/conservation/sensors/readings"
    one = {"time": "2026-03-02T08:00:00+08:00", "temperature": 18.5, "humidity": 52}
    ok = client.post(url, one, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert ok.status_code == 200, ok.content
    assert ok.json() == {"stack": "K1", "accepted": 1, "excursions": 0}
    batch = {"readings": [{**one, "time": f"2026-03-02T08:{m:02d}:00+08:00"} for m in (5, 10)]}
    assert (
        client.post(url, batch, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}").json()["accepted"]
        == 2
    )
    other = client.post(
        url, {**one, "stack": "K2"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert other.status_code == 403 and "K1" in other.json()["detail"]
    assert client.post(url, one, content_type="application/json", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    from dangan.core.models import APIToken

    user_key = APIToken.new_key()
    APIToken.objects.create(user=archivist, name="t", prefix=user_key[:8], key_hash=APIToken.hash_key(user_key))
    as_user = client.post(url, one, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {user_key}")
    assert as_user.status_code == 401  # an account's token is not a sensor's
    bad = client.post(
        url, {**one, "humidity": 130}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert bad.status_code == 422
    assert Reading.objects.filter(stack=stack, source="sensor").count() == 3
    assert not Reading.objects.filter(stack=other_stack).exists()


def test_a_sensor_switched_off_in_the_workspace_is_refused_until_switched_on(
    stack: Location, conservation_head: Any, conservator: Any
) -> None:
    sensor, key = env.do_add_sensor(conservation_head, stack, "二号库房 西墙")
    url = "/api/conservation/sensors/readings"
    one = {"time": "2026-03-02T08:00:00+08:00", "temperature": 18.5, "humidity": 52}
    api = Client()
    head = Client()
    head.force_login(conservation_head)
    page = f"/manage/conservation/environment/stacks/K1/sensors/{sensor.pk}/active/"
    assert head.post(page, {"active": "0"}).status_code == 302
    refused = api.post(url, one, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert refused.status_code == 401 and not Reading.objects.exists()
    listed = head.get("/manage/conservation/environment/stacks/K1/sensors/").content.decode()
    assert "二号库房 西墙" in listed and "启用</button>" in listed
    staff = Client()
    staff.force_login(conservator)
    assert staff.post(page, {"active": "1"}).status_code == 403  # the head manages sensors
    assert head.post(page, {"active": "1"}).status_code == 302
    assert api.post(url, one, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    switched = AuditEntry.objects.filter(action="conservation.env.sensor_active").order_by("id")
    assert [entry.data["active"] for entry in switched] == [False, True]


def test_pages_chart_and_alerts(stack: Location, conservator: Any, archivist: Any, conservation_head: Any) -> None:
    env.do_import_readings(conservator, stack, csv_text([*calm_day(), ("2026-03-02 23:59", 30, 50)]))
    client = Client()
    client.force_login(archivist)
    home = client.get("/manage/conservation/")
    assert "未确认的超限告警 2 条" in home.content.decode()  # too hot, and the day's swing
    page = client.get("/manage/conservation/environment/")
    assert page.status_code == 200 and "温度过高" in page.content.decode()
    stack_page = client.get("/manage/conservation/environment/stacks/K1/?period=day&date=2026-03-02")
    body = stack_page.content.decode()
    assert "data-env-chart" in body and "echarts.min.js" in body and "<script>" not in body
    assert "手工录入读数" not in body  # archivists read only
    chart = client.get("/manage/conservation/environment/stacks/K1/chart.json?period=day&date=2026-03-02").json()
    assert len(chart["labels"]) == 24 and chart["limits"]["temperature_max"] == 24.0
    assert max(chart["temperature"]["max"]) == 30
    year = client.get("/manage/conservation/environment/stacks/K1/chart.json?period=year&date=2026-03-02").json()
    assert year["labels"] == ["2026-03-02"]
    excursion = Excursion.objects.get(kind="too_hot")
    assert client.post(f"/manage/conservation/environment/excursions/{excursion.pk}/acknowledge/").status_code == 403

    client.force_login(conservator)
    assert "手工录入读数" in client.get("/manage/conservation/environment/stacks/K1/").content.decode()
    response = client.post(f"/manage/conservation/environment/excursions/{excursion.pk}/acknowledge/")
    assert response.status_code == 302
    excursion.refresh_from_db()
    assert excursion.acknowledged_by == conservator
    assert "未确认的超限告警 1 条" in client.get("/manage/conservation/").content.decode()
    posted = client.post(
        "/manage/conservation/environment/stacks/K1/readings/",
        {"taken_at": "2026-03-02T10:07", "temperature": "18.2", "humidity": "51"},
    )
    assert posted.status_code == 302 and Reading.objects.filter(source="manual").count() == 1
    upload = client.post(
        "/manage/conservation/environment/stacks/K1/import/",
        {"file": _upload("bad.csv", csv_text([("2026-03-02 08:00", "x", 50)]))},
    )
    assert upload.status_code == 200 and "应为数字" in upload.content.decode()
    assert client.get("/manage/conservation/environment/stacks/K1/sensors/").status_code == 403

    client.force_login(conservation_head)
    added = client.post("/manage/conservation/environment/stacks/K1/sensors/", {"name": "西墙"})
    assert added.status_code == 200 and "dgs_" in added.content.decode()


def _upload(name: str, text: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")
