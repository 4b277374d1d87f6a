"""The stacks' climate (温湿度): readings by hand, from a data logger's CSV file and from sensors; the hourly summaries
every write keeps up to date in the same transaction; excursions against the stack's limits found on every write
(incrementally) and alerted once by e-mail; the month report and the charts' data, read from the summaries.

Every write path ends in ``_store``: one ``executemany`` of the readings, the hours they touch summarised in one pass
and merged into ``HourlySummary``, then the excursions — the four point limits walked reading by reading from the
excursions still open, and the daily swing of each local day the batch touched, from that day's summaries."""

from __future__ import annotations

import csv
import io
import logging
import os
import zoneinfo
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice, repeat
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.conservation.choices import LocationKind
from dangan.conservation.models import (
    ClimateLimits,
    Excursion,
    HourlySummary,
    Location,
    MonthlySeries,
    Reading,
    Sensor,
)
from dangan.conservation.models.environment import DEFAULT_LIMITS, ExcursionKind, ReadingSource
from dangan.core.actors import SYSTEM, account_of
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability

__all__ = [
    "ImportProblems",
    "Problem",
    "chart_data",
    "check_reading",
    "do_acknowledge",
    "do_add_sensor",
    "do_import_readings",
    "do_record_reading",
    "do_sensor_readings",
    "do_set_limits",
    "hourly_from_raw",
    "hourly_from_summaries",
    "limits_of",
    "month_report",
    "month_series",
    "month_series_from_raw",
    "parse_csv",
    "sensor_for_key",
    "stack_by_code",
]

logger = logging.getLogger(__name__)

# (time UTC, temperature °C, humidity % RH)
Row = tuple[datetime, float, float]

TEMPERATURE_RANGE = (-40.0, 80.0)  # what a stack's sensor can plausibly report; beyond: a wrong column or unit
HEADERS = {
    "time": ("时间", "time", "日期时间", "datetime", "timestamp"),
    "temperature": ("温度", "temperature", "温度(°c)", "温度（°c）", "temperature (°c)", "temperature °c", "temp"),
    "humidity": ("湿度", "humidity", "相对湿度", "湿度(%rh)", "湿度（%rh）", "humidity (% rh)", "humidity % rh", "rh"),
}
COLUMN_NAMES = {"time": "时间", "temperature": "温度", "humidity": "湿度"}


def _tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


# ---------------------------------------------------------------- look-ups


def stack_by_code(code: str) -> Location | None:
    """The stack (库房) with ``code``, or None."""
    return Location.objects.filter(parent__isnull=True, kind=LocationKind.STACK, code=code).first()


def limits_of(stack: Location) -> dict[str, float]:
    row = ClimateLimits.objects.filter(stack=stack).first()
    return row.as_dict() if row else dict(DEFAULT_LIMITS)


def sensor_for_key(key: str) -> Sensor | None:
    """The active sensor whose token is ``key``, or None."""
    return Sensor.objects.select_related("stack").filter(key_hash=Sensor.hash_key(key), active=True).first()


# ---------------------------------------------------------------- parsing and checking


@dataclass(frozen=True)
class Problem:
    row: int  # the file's line (the header is line 1)
    column: str
    value: str
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "why": self.why}


@dataclass
class ImportProblems(Exception):
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return _("导入文件有 %(n)d 处问题，未导入任何读数") % {"n": len(self.problems)}


def _value_problem(column: str, value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return _("应为有限的数字")
    if column == "temperature" and not TEMPERATURE_RANGE[0] <= value <= TEMPERATURE_RANGE[1]:
        return _("温度应在 %(lo)s 至 %(hi)s °C 之间") % {"lo": TEMPERATURE_RANGE[0], "hi": TEMPERATURE_RANGE[1]}
    if column == "humidity" and not 0 <= value <= 100:
        return _("相对湿度应在 0 至 100 % 之间")
    return ""


def _aware_utc(moment: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def check_reading(taken_at: datetime, temperature: float, humidity: float) -> Row:
    """A reading as stored (time in UTC), or ValidationError by field in Chinese."""
    errors = {}
    for column, value in (("temperature", temperature), ("humidity", humidity)):
        if why := _value_problem(column, float(value)):
            errors[column] = why
    if taken_at is None:
        errors["taken_at"] = _("请填写时间")
    elif _aware_utc(taken_at, _tz()) > timezone.now() + timedelta(minutes=10):
        errors["taken_at"] = _("时间不能晚于现在")
    if errors:
        raise ValidationError(errors)
    return (_aware_utc(taken_at, _tz()).replace(tzinfo=None), float(temperature), float(humidity))


def _header_map(header: Sequence[str]) -> tuple[dict[str, int], list[Problem]]:
    where: dict[str, int] = {}
    for index, name in enumerate(header):
        key = name.strip().lstrip("\ufeff").lower()
        for column, names in HEADERS.items():
            if key in names or any(key.startswith(n + "(") or key.startswith(n + "（") for n in names[:2]):
                where.setdefault(column, index)
    missing = [
        Problem(
            1, COLUMN_NAMES[c], "", _("缺少“%(name)s”列（时间/time、温度/temperature、湿度/humidity）") % {"name": c}
        )
        for c in HEADERS
        if c not in where
    ]
    return where, missing


class _LocalToUTC:
    """Naive UTC of a logger's time text: local times (no zone) shifted by the zone's offset at that hour, looked
    up once per hour of the file rather than once per reading."""

    def __init__(self, tz: zoneinfo.ZoneInfo) -> None:
        self.tz = tz
        self.offsets: dict[str, timedelta] = {}
        self.prefixes: dict[str, tuple[str, timedelta] | None] = {}

    def __call__(self, text: str) -> datetime:
        text = text.strip()
        if "/" in text:
            text = text.replace("/", "-")
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            return moment.astimezone(UTC).replace(tzinfo=None)
        offset = self.offsets.get(text[:13])  # "YYYY-MM-DD HH"
        if offset is None:
            hour = moment.replace(minute=0, second=0, microsecond=0, tzinfo=self.tz)
            offset = self.offsets[text[:13]] = hour.utcoffset() or timedelta(0)
        return moment - offset

    def hour_prefix(self, key: str) -> tuple[str, timedelta] | None:
        """For a local hour "YYYY-MM-DD HH": its UTC hour as text (same format) and the zone's offset then; None
        where the offset is not whole hours (the minutes would shift too)."""
        found = self.prefixes.get(key)
        if found is None and key not in self.prefixes:
            local = datetime.fromisoformat(key + ":00:00")
            offset = local.replace(tzinfo=self.tz).utcoffset() or timedelta(0)
            found = None if offset % timedelta(hours=1) else ((local - offset).isoformat(" ")[:13], offset)
            self.prefixes[key] = found
        return found


def parse_csv(data: bytes | str) -> tuple[list[Row], list[Problem]]:
    """The readings of a data logger's CSV file (UTF-8, with or without BOM, or GB18030), and every problem found
    (line, column, value, why). Times without a zone are local (``TIME_ZONE``)."""
    rows, _stamps, problems = _parse_csv(data)
    return rows, problems


def _parse_csv(data: bytes | str) -> tuple[list[Row], list[str], list[Problem]]:
    """``parse_csv``, with each row's UTC time also as the text SQLite stores ("YYYY-MM-DD HH:MM:SS"): for the
    loggers' usual local "YYYY-MM-DD HH:MM:SS" made by slicing, the hour's UTC text looked up once per hour."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030", errors="replace")
    else:
        text = data.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        return [], [], [Problem(1, "", "", _("文件为空"))]
    where, problems = _header_map(header)
    if problems:
        return [], [], problems
    to_utc = _LocalToUTC(_tz())
    it, ic, ih = where["time"], where["temperature"], where["humidity"]
    width = max(it, ic, ih) + 1
    now = (timezone.now() + timedelta(minutes=10)).astimezone(UTC).replace(tzinfo=None)
    t_low, t_high = TEMPERATURE_RANGE
    rows: list[Row] = []
    stamps: list[str] = []
    append = rows.append
    append_stamp = stamps.append
    fromisoformat = datetime.fromisoformat
    prefixes = to_utc.prefixes
    for line, record in enumerate(reader, start=2):
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        if len(record) < width:
            problems.append(Problem(line, "", ",".join(record), _("列数不足")))
            continue
        bad = False
        moment = now
        stamp = ""
        try:
            text = record[it]
            local = fromisoformat(text) if len(text) == 19 and text[10] == " " else None
            hour = None
            if local is not None and local.tzinfo is None:
                key = text[:13]
                hour = prefixes[key] if key in prefixes else to_utc.hour_prefix(key)
            if local is not None and hour is not None:  # the usual local "YYYY-MM-DD HH:MM:SS": by slicing
                moment = local - hour[1]
                stamp = hour[0] + text[13:]
            else:
                moment = to_utc(text)
                stamp = moment.isoformat(" ")
            if moment > now:
                problems.append(Problem(line, "时间", record[it], _("时间不能晚于现在")))
                bad = True
        except ValueError:
            problems.append(Problem(line, "时间", record[it], _("时间格式应为 YYYY-MM-DD HH:MM[:SS]")))
            bad = True
        try:
            t = float(record[ic])
            h = float(record[ih])
        except ValueError:
            t = h = float("nan")
        if t_low <= t <= t_high and 0.0 <= h <= 100.0:  # the usual row: two comparisons, no more
            if not bad:
                append((moment, t, h))
                append_stamp(stamp)
            continue
        for column, index in (("temperature", ic), ("humidity", ih)):
            try:
                value = float(record[index])
            except ValueError:
                problems.append(Problem(line, COLUMN_NAMES[column], record[index], _("应为数字")))
                continue
            if why := _value_problem(column, value):
                problems.append(Problem(line, COLUMN_NAMES[column], record[index], why))
    if not rows and not problems:
        problems.append(Problem(2, "", "", _("文件中没有读数")))
    return rows, stamps, problems


# ---------------------------------------------------------------- storing


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _summarise(rows: Sequence[Row], stamps: Sequence[str] | None = None) -> dict[datetime, list[float]]:
    """count, tmin, tmax, tsum, hmin, hmax, hsum per UTC hour (aware), in one pass; ``stamps``: the rows' times as
    "YYYY-MM-DD HH:MM:SS" where the caller has them already (the hour is their first 13 characters)."""
    if stamps is None:
        stamps = [m.isoformat(" ") for m, _t, _h in rows]
    hours: dict[str, list[float]] = {}
    for stamp, (_m, t, h) in zip(stamps, rows, strict=True):
        key = stamp[:13]
        s = hours.get(key)
        if s is None:
            hours[key] = [1, t, t, t, h, h, h]
        else:
            s[0] += 1
            if t < s[1]:
                s[1] = t
            if t > s[2]:
                s[2] = t
            s[3] += t
            if h < s[4]:
                s[4] = h
            if h > s[5]:
                s[5] = h
            s[6] += h
    return {datetime.fromisoformat(key + ":00:00+00:00"): s for key, s in hours.items()}


def _merge_summaries(stack: Location, hours: dict[datetime, list[float]]) -> dict[datetime, list[float]]:
    """Add ``hours`` (a batch's summaries) to the stored ones; every stored hour from the batch's first to its last
    as it now is (count, tmin, tmax, tsum, hmin, hmax, hsum), for the month series."""
    if not hours:
        return {}
    # SQLite: the naive UTC text Django stores, without its adapter (a settings look-up per call)
    adapt = (lambda h: h.isoformat(" ")[:19]) if connection.vendor == "sqlite" else (lambda h: h)
    existing = {
        s.hour: s for s in HourlySummary.objects.filter(stack=stack, hour__gte=min(hours), hour__lte=max(hours))
    }
    new: list[tuple[Any, ...]] = []
    changed = []
    now: dict[datetime, list[float]] = {
        s.hour: [
            s.count,
            s.temperature_min,
            s.temperature_max,
            s.temperature_sum,
            s.humidity_min,
            s.humidity_max,
            s.humidity_sum,
        ]
        for s in existing.values()
        if s.hour not in hours
    }
    for hour, (n, tmin, tmax, tsum, hmin, hmax, hsum) in hours.items():
        s = existing.get(hour)
        if s is None:
            new.append((stack.pk, adapt(hour), int(n), tmin, tmax, tsum, hmin, hmax, hsum))
            now[hour] = [n, tmin, tmax, tsum, hmin, hmax, hsum]
            continue
        s.count += int(n)
        s.temperature_min = min(s.temperature_min, tmin)
        s.temperature_max = max(s.temperature_max, tmax)
        s.temperature_sum += tsum
        s.humidity_min = min(s.humidity_min, hmin)
        s.humidity_max = max(s.humidity_max, hmax)
        s.humidity_sum += hsum
        changed.append(s)
        now[hour] = [
            s.count,
            s.temperature_min,
            s.temperature_max,
            s.temperature_sum,
            s.humidity_min,
            s.humidity_max,
            s.humidity_sum,
        ]
    columns = (
        f"{HourlySummary._meta.db_table} (stack_id, hour, count, temperature_min, temperature_max, "
        "temperature_sum, humidity_min, humidity_max, humidity_sum)"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and new:  # COPY, as the readings: no statement per hour
            with cursor.cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                for row in new:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {columns} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", new)
    fields = [
        "count",
        "temperature_min",
        "temperature_max",
        "temperature_sum",
        "humidity_min",
        "humidity_max",
        "humidity_sum",
    ]
    HourlySummary.objects.bulk_update(changed, fields, batch_size=500)
    return now


_POINT_KINDS = (
    # kind, index in Row, limit key, sign: +1 outside above the limit, -1 below
    (ExcursionKind.TOO_HOT, 1, "temperature_max", 1),
    (ExcursionKind.TOO_COLD, 1, "temperature_min", -1),
    (ExcursionKind.TOO_HUMID, 2, "humidity_max", 1),
    (ExcursionKind.TOO_DRY, 2, "humidity_min", -1),
)


def _spans(rows: list[Row], index: int, limit: float, sign: int, since: datetime | None) -> list[list[Any]]:
    """The runs of ``rows`` outside ``limit`` (sign +1: above, -1: below) as [start, end or None, worst (signed,
    None when no reading of these rows was outside)]; ``since``: the start of a run open before these rows (its
    readings before ``since`` are ignored)."""
    spans: list[list[Any]] = []
    current: list[Any] | None = [since, None, None] if since is not None else None
    signed_limit = sign * limit
    for row in rows:
        if since is not None and row[0] < since:
            continue
        v = sign * row[index]  # type: ignore[operator]
        if v > signed_limit:
            if current is None:
                current = [row[0], None, v]
            elif current[2] is None or v > current[2]:
                current[2] = v
        elif current is not None:
            current[1] = row[0]
            spans.append(current)
            current = None
    if current is not None:
        spans.append(current)
    return spans


def _detect(stack: Location, rows: list[Row], hours: Iterable[datetime], limits: dict[str, float]) -> list[Excursion]:
    """Update the excursions for ``rows`` (sorted by time); the new ones, to alert."""
    open_ = {e.kind: e for e in Excursion.objects.filter(stack=stack, ended_at__isnull=True)}
    created: list[Excursion] = []
    for kind, index, key, sign in _POINT_KINDS:
        limit = limits[key]
        current = open_.get(kind)
        since = current.started_at.astimezone(UTC).replace(tzinfo=None) if current else None
        for start, end, worst in _spans(rows, index, limit, sign, since):
            aware_end = end.replace(tzinfo=UTC) if end else None
            if current is not None and start == since:  # the run already open goes on, or ends here
                if worst is not None:
                    current.worst = max(current.worst, sign * worst) if sign > 0 else min(current.worst, sign * worst)
                if worst is not None or aware_end is not None:
                    current.ended_at = aware_end
                    current.save(update_fields=["worst", "ended_at"])
                continue
            created.append(
                Excursion(
                    stack=stack,
                    kind=kind,
                    started_at=start.replace(tzinfo=UTC),
                    ended_at=aware_end,
                    worst=sign * worst,
                    limit=limit,
                )
            )
    Excursion.objects.bulk_create(created, batch_size=500)
    return created + _detect_swings(stack, hours, limits)


def _detect_swings(stack: Location, hours: Iterable[datetime], limits: dict[str, float]) -> list[Excursion]:
    """The daily swing of each local day among ``hours`` (those the batch touched), from the day's summaries."""
    tz = _tz()
    days = sorted({hour.astimezone(tz).date() for hour in hours})
    if not days:
        return []
    start = datetime.combine(days[0], datetime.min.time(), tz).astimezone(UTC)
    end = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), tz).astimezone(UTC)
    per_day: dict[date, list[float]] = {}
    for hour, tmin, tmax, hmin, hmax in HourlySummary.objects.filter(
        stack=stack, hour__gte=start, hour__lt=end
    ).values_list("hour", "temperature_min", "temperature_max", "humidity_min", "humidity_max"):
        day = hour.astimezone(tz).date()
        d = per_day.get(day)
        if d is None:
            per_day[day] = [tmin, tmax, hmin, hmax]
        else:
            d[0], d[1], d[2], d[3] = min(d[0], tmin), max(d[1], tmax), min(d[2], hmin), max(d[3], hmax)
    wanted = set(days)
    existing = {
        (e.kind, e.started_at): e
        for e in Excursion.objects.filter(
            stack=stack,
            kind__in=[ExcursionKind.TEMPERATURE_SWING, ExcursionKind.HUMIDITY_SWING],
            started_at__gte=start,
            started_at__lt=end,
        )
    }
    created: list[Excursion] = []
    for day, (tmin, tmax, hmin, hmax) in per_day.items():
        if day not in wanted:
            continue
        day_start = datetime.combine(day, datetime.min.time(), tz).astimezone(UTC)
        day_end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz).astimezone(UTC)
        for kind, swing, limit in (
            (ExcursionKind.TEMPERATURE_SWING, tmax - tmin, limits["temperature_swing"]),
            (ExcursionKind.HUMIDITY_SWING, hmax - hmin, limits["humidity_swing"]),
        ):
            swing = round(swing, 3)
            if swing <= limit:
                continue
            found = existing.get((kind, day_start))
            if found is None:
                created.append(
                    Excursion(stack=stack, kind=kind, started_at=day_start, ended_at=day_end, worst=swing, limit=limit)
                )
            elif swing > found.worst:
                found.worst = swing
                found.save(update_fields=["worst"])
    Excursion.objects.bulk_create(created, batch_size=500)
    return created


def _store(
    stack: Location, rows: list[Row], source: str, sensor: Sensor | None = None, stamps: list[str] | None = None
) -> tuple[list[Excursion], int]:
    """Insert ``rows`` (one executemany), merge their hourly summaries, detect excursions; inside the caller's
    transaction. The new excursions (to alert once committed) and the number of hours touched. ``stamps``: the
    rows' UTC times as "YYYY-MM-DD HH:MM:SS[.ffffff]" where the caller has them (the CSV parser)."""
    if stamps is None or len(stamps) != len(rows):
        rows.sort(key=itemgetter(0))
        stamps = [m.isoformat(" ") for m, _t, _h in rows]
    elif any(a[0] > b[0] for a, b in zip(rows, islice(rows, 1, None), strict=False)):  # usually in order
        order = sorted(range(len(rows)), key=lambda i: rows[i][0])
        rows[:] = [rows[i] for i in order]
        stamps = [stamps[i] for i in order]
    table = Reading._meta.db_table
    sensor_id = sensor.pk if sensor else None
    sql = f"INSERT INTO {table} (stack_id, taken_at, temperature, humidity, source, sensor_id) "
    pk = stack.pk
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # what Django stores (UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"), straight
            cursor.connection.executemany(  # the parameter tuples made by zip (in C), not a Python loop
                sql + "VALUES (?, ?, ?, ?, ?, ?)",
                zip(
                    repeat(pk),
                    stamps,
                    map(itemgetter(1), rows),
                    map(itemgetter(2), rows),
                    repeat(source),
                    repeat(sensor_id),
                ),
            )
        elif connection.vendor == "postgresql":  # COPY: one stream, no statement per row
            # COPY's text format built here, a block at a time (psycopg's write_row is ~1 µs a row): the stamps are
            # UTC text, the floats' repr round-trips, the source is one of ReadingSource's plain words.
            tail = f"\t{source}\t{sensor_id if sensor_id is not None else chr(92) + 'N'}\n"
            with cursor.cursor.copy(
                f"COPY {table} (stack_id, taken_at, temperature, humidity, source, sensor_id) FROM STDIN"
            ) as copy:
                for begin in range(0, len(rows), 50_000):
                    copy.write(
                        "".join(
                            [
                                f"{pk}\t{stamp}+00\t{t!r}\t{h!r}{tail}"
                                for stamp, (_m, t, h) in zip(
                                    stamps[begin : begin + 50_000], rows[begin : begin + 50_000], strict=True
                                )
                            ]
                        )
                    )
        else:
            cursor.executemany(
                sql + "VALUES (%s, %s, %s, %s, %s, %s)",
                [(pk, m.replace(tzinfo=UTC), t, h, source, sensor_id) for m, t, h in rows],
            )
    hours = _summarise(rows, stamps)
    _refresh_month_series(stack, hours, _merge_summaries(stack, hours))
    return _detect(stack, rows, hours, limits_of(stack)), len(hours)


def alert_recipients() -> list[str]:
    """``DANGAN_CONSERVATION_ALERT_EMAILS`` (comma-separated); else the e-mail of every active head of
    conservation."""
    configured = getattr(settings, "CONSERVATION_ALERT_EMAILS", None) or os.environ.get(
        "DANGAN_CONSERVATION_ALERT_EMAILS", ""
    )
    if isinstance(configured, str):
        configured = [a.strip() for a in configured.split(",") if a.strip()]
    if configured:
        return list(configured)
    from dangan.core.choices import Role
    from dangan.core.models import User

    return list(
        User.objects.filter(role=Role.CONSERVATION_HEAD, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _alert(stack: Location, excursions: list[Excursion]) -> None:
    """One e-mail naming every new excursion; each excursion is mailed once (``notified_at``)."""
    if not excursions:
        return
    recipients = alert_recipients()
    if not recipients:
        return
    tz = _tz()
    lines = [
        _("%(kind)s：自 %(start)s 起，最不利值 %(worst)s%(unit)s（限值 %(limit)s%(unit)s）")
        % {
            "kind": e.get_kind_display(),
            "start": e.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "worst": f"{e.worst:g}",
            "limit": f"{e.limit:g}",
            "unit": e.unit,
        }
        for e in excursions[:100]
    ]
    if len(excursions) > 100:
        lines.append(_("……共 %(n)d 条") % {"n": len(excursions)})
    subject = _("【温湿度超限】%(stack)s：%(n)d 条") % {"stack": str(stack), "n": len(excursions)}
    try:
        send_mail(subject, "\n".join(lines), None, recipients)
    except Exception:  # a mail server down must not lose the readings; the alerts stay in the workspace
        logger.exception("conservation: the excursion alert for %s could not be sent", stack.full_code)
        return
    Excursion.objects.filter(pk__in=[e.pk for e in excursions]).update(notified_at=timezone.now())


def _write(
    actor: Any,
    stack: Location,
    rows: list[Row],
    source: str,
    sensor: Sensor | None = None,
    stamps: list[str] | None = None,
) -> tuple[int, int]:
    """Store ``rows`` and log it; (new excursions, hours touched)."""
    with transaction.atomic():
        created, hours = _store(stack, rows, source, sensor, stamps)
        log(
            sensor or stack,
            "conservation.env.readings",
            actor,
            {
                "stack": stack.full_code,
                "source": source,
                "count": len(rows),
                "first": rows[0][0].replace(tzinfo=UTC).isoformat() if rows else None,
                "last": rows[-1][0].replace(tzinfo=UTC).isoformat() if rows else None,
                "sensor": sensor.name if sensor else None,
                "excursions": len(created),
            },
        )
    _alert(stack, created)
    return len(created), hours


def _require(actor: Any, capability: str, message: str) -> None:
    if not has_capability(actor, capability):
        raise PermissionDenied(message)


def do_record_reading(actor: Any, stack: Location, taken_at: datetime, temperature: float, humidity: float) -> int:
    """A reading entered by hand; the number of new excursions it raised."""
    _require(actor, Capability.CONSERVATION_WORK, _("没有录入温湿度的权限"))
    return _write(actor, stack, [check_reading(taken_at, temperature, humidity)], ReadingSource.MANUAL)[0]


@dataclass(frozen=True)
class ImportResult:
    readings: int
    hours: int
    excursions: int


def do_import_readings(actor: Any, stack: Location, data: bytes | str) -> ImportResult:
    """A data logger's CSV file, all or nothing: ImportProblems (every bad row) and nothing stored, or every row."""
    _require(actor, Capability.CONSERVATION_WORK, _("没有导入温湿度的权限"))
    rows, stamps, problems = _parse_csv(data)
    if problems:
        raise ImportProblems(problems)
    excursions, hours = _write(actor, stack, rows, ReadingSource.LOGGER, stamps=stamps)
    return ImportResult(len(rows), hours, excursions)


def do_sensor_readings(sensor: Sensor, rows: list[tuple[datetime, float, float]], stack_code: str = "") -> int:
    """Readings a sensor posted with its token: only into its own stack (PermissionDenied for another);
    ValidationError naming the first bad reading."""
    if stack_code and stack_code != sensor.stack.code:
        raise PermissionDenied(_("该传感器令牌只能写入其所属库房 %(code)s") % {"code": sensor.stack.code})
    checked = []
    for index, (taken_at, t, h) in enumerate(rows):
        try:
            checked.append(check_reading(taken_at, t, h))
        except ValidationError as exc:
            raise ValidationError(
                {f"readings[{index}].{k}": v for k, v in exc.message_dict.items()}  # which reading
            ) from exc
    if not checked:
        raise ValidationError({"readings": _("没有读数")})
    created, _hours = _write(SYSTEM, sensor.stack, checked, ReadingSource.SENSOR, sensor)
    Sensor.objects.filter(pk=sensor.pk).update(last_seen=timezone.now())
    return created


def do_set_limits(actor: Any, stack: Location, values: dict[str, float]) -> ClimateLimits:
    _require(actor, Capability.CONSERVATION_MANAGE, _("没有设置温湿度限值的权限"))
    merged = {**limits_of(stack), **{k: float(v) for k, v in values.items() if k in DEFAULT_LIMITS}}
    errors = {}
    if merged["temperature_min"] >= merged["temperature_max"]:
        errors["temperature_max"] = _("温度上限应高于下限")
    if merged["humidity_min"] >= merged["humidity_max"]:
        errors["humidity_max"] = _("湿度上限应高于下限")
    for key in ("temperature_swing", "humidity_swing"):
        if merged[key] <= 0:
            errors[key] = _("日较差上限应大于 0")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = limits_of(stack)
        row, _created = ClimateLimits.objects.update_or_create(stack=stack, defaults=merged)
        log(row, "conservation.env.limits", actor, {"stack": stack.full_code, "before": before, "after": merged})
    return row


def do_add_sensor(actor: Any, stack: Location, name: str) -> tuple[Sensor, str]:
    """A new sensor of ``stack`` and its token, shown once (only its hash is kept)."""
    _require(actor, Capability.CONSERVATION_MANAGE, _("没有管理传感器的权限"))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写传感器名称")})
    if Sensor.objects.filter(stack=stack, name=name).exists():
        raise ValidationError({"name": _("该库房已有同名传感器")})
    key = Sensor.new_key()
    with transaction.atomic():
        sensor = Sensor.objects.create(stack=stack, name=name, prefix=key[:8], key_hash=Sensor.hash_key(key))
        log(sensor, "conservation.env.sensor", actor, {"stack": stack.full_code, "name": name, "prefix": key[:8]})
    return sensor, key


def do_set_sensor_active(actor: Any, sensor: Sensor, active: bool) -> Sensor:
    """Switch ``sensor`` off (its token refused from now on: a sensor lost, stolen or replaced) or on again."""
    _require(actor, Capability.CONSERVATION_MANAGE, _("没有管理传感器的权限"))
    with transaction.atomic():
        locked = Sensor.objects.select_for_update().select_related("stack").get(pk=sensor.pk)
        if locked.active == active:
            return locked
        locked.active = active
        locked.save(update_fields=["active"])
        log(
            locked,
            "conservation.env.sensor_active",
            actor,
            {"stack": locked.stack.full_code, "name": locked.name, "prefix": locked.prefix, "active": active},
        )
    return locked


def do_acknowledge(actor: Any, excursion: Excursion) -> Excursion:
    _require(actor, Capability.CONSERVATION_WORK, _("没有确认超限告警的权限"))
    if excursion.acknowledged_at:
        raise ValidationError(_("该告警已确认"))
    with transaction.atomic():
        excursion.acknowledged_by = account_of(actor)
        excursion.acknowledged_at = timezone.now()
        excursion.save(update_fields=["acknowledged_by", "acknowledged_at"])
        log(excursion, "conservation.env.acknowledge", actor, {"stack": excursion.stack.full_code})
    return excursion


# ---------------------------------------------------------------- reading: report, charts


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    tz = _tz()
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _point(
    hour: datetime, n: int, tmin: float, tmax: float, tsum: float, hmin: float, hmax: float, hsum: float
) -> dict[str, Any]:
    return {
        "hour": hour.astimezone(_tz()).isoformat(),
        "count": n,
        "temperature": {"min": tmin, "max": tmax, "mean": round(tsum / n, 3)},
        "humidity": {"min": hmin, "max": hmax, "mean": round(hsum / n, 3)},
    }


def hourly_from_summaries(stack: Location, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Min, max and mean per hour from ``start`` to ``end`` — from the hourly summaries: one range of the (stack,
    hour) index, read with a plain cursor (the chart's hot path: ~720 rows a month). The hour comes back as epoch
    seconds (an integer the driver loads in C; Django's timestamptz loader runs in Python, ~5 µs a row on
    PostgreSQL) and is turned into local time here."""
    rows = _summary_rows(stack.pk, start, end)
    tz = _tz()
    local = datetime.fromtimestamp
    return [
        {
            "hour": local(seconds, tz).isoformat(),
            "count": n,
            "temperature": {"min": tmin, "max": tmax, "mean": round(tsum / n, 3)},
            "humidity": {"min": hmin, "max": hmax, "mean": round(hsum / n, 3)},
        }
        for seconds, n, tmin, tmax, tsum, hmin, hmax, hsum in rows
    ]


def hourly_from_raw(stack: Location, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The same, computed from the raw readings (the comparison of the bench and the tests)."""
    from django.db.models import Count
    from django.db.models.functions import TruncHour

    rows = (
        Reading.objects.filter(stack=stack, taken_at__gte=start, taken_at__lt=end)
        .annotate(h=TruncHour("taken_at", tzinfo=UTC))
        .values("h")
        .annotate(
            n=Count("id"),
            tmin=Min("temperature"),
            tmax=Max("temperature"),
            tsum=Sum("temperature"),
            hmin=Min("humidity"),
            hmax=Max("humidity"),
            hsum=Sum("humidity"),
        )
        .order_by("h")
        .values_list("h", "n", "tmin", "tmax", "tsum", "hmin", "hmax", "hsum")
    )
    return [_point(*row) for row in rows]


# ---------------------------------------------------------------- a month's series, kept (the chart's read)
#
# The month chart is what people open most, and a month's hours change only when readings of that month arrive:
# every write path rebuilds the series of the local months it touched (``_refresh_month_series``, after the
# hourly summaries are merged, in the same transaction), so that reading a month is one row by its key and no
# per-hour work at all. A series missing (data written before 0008) or made for another TIME_ZONE is built from
# the summaries on reading and kept.

_SeriesRow = tuple[int, int, float, float, float, float, float, float]  # epoch seconds, n, tmin, tmax, tsum, …


def _series(rows: Iterable[_SeriesRow], tz: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """The chart's series from per-hour rows (epoch seconds of the hour, count, min/max/sum of each measure), in
    order: labels (local "YYYY-MM-DD HH:MM"), counts, and min/max/mean (3 decimals) per measure."""
    labels: list[str] = []
    count: list[int] = []
    t: tuple[list[float], list[float], list[float]] = ([], [], [])
    h: tuple[list[float], list[float], list[float]] = ([], [], [])
    local = datetime.fromtimestamp
    for seconds, n, tmin, tmax, tsum, hmin, hmax, hsum in rows:
        labels.append(local(seconds, tz).strftime("%Y-%m-%d %H:%M"))
        count.append(int(n))
        t[0].append(tmin)
        t[1].append(tmax)
        t[2].append(round(tsum / n, 3))
        h[0].append(hmin)
        h[1].append(hmax)
        h[2].append(round(hsum / n, 3))
    return {
        "labels": labels,
        "count": count,
        "temperature": {"min": t[0], "max": t[1], "mean": t[2]},
        "humidity": {"min": h[0], "max": h[1], "mean": h[2]},
    }


def _pack_series(series: dict[str, Any]) -> bytes:
    """Labels as UTF-8 text, one per line, a NUL, then the seven value columns as native doubles."""
    values = array("d", series["count"])
    for measure in ("temperature", "humidity"):
        for key in ("min", "max", "mean"):
            values.extend(series[measure][key])
    return "\n".join(series["labels"]).encode() + b"\0" + values.tobytes()


def _unpack_series(payload: bytes | memoryview) -> dict[str, Any]:
    data = bytes(payload)
    cut = data.index(b"\0")
    labels = data[:cut].decode().split("\n") if cut else []
    values = array("d")
    values.frombytes(data[cut + 1 :])
    n = len(labels)
    columns = [values[i * n : (i + 1) * n].tolist() for i in range(7)]
    return {
        "labels": labels,
        "count": [int(c) for c in columns[0]],
        "temperature": {"min": columns[1], "max": columns[2], "mean": columns[3]},
        "humidity": {"min": columns[4], "max": columns[5], "mean": columns[6]},
    }


def _summary_rows(stack_id: int, start: datetime, end: datetime) -> list[_SeriesRow]:
    """The stored hourly summaries of a stack from ``start`` to ``end``, the hour as epoch seconds."""
    adapt = connection.ops.adapt_datetimefield_value
    epoch = (
        "CAST(strftime('%%s', hour) AS INTEGER)"
        if connection.vendor == "sqlite"
        else "CAST(EXTRACT(EPOCH FROM hour) AS BIGINT)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {epoch}, count, temperature_min, temperature_max, temperature_sum, humidity_min, "
            f"humidity_max, humidity_sum FROM {HourlySummary._meta.db_table} "
            "WHERE stack_id = %s AND hour >= %s AND hour < %s ORDER BY hour",
            [stack_id, adapt(start), adapt(end)],
        )
        return cursor.fetchall()


def _keep_series(rows: list[MonthlySeries], *, replace: bool = True) -> None:
    """Store month series. A write path replaces a row; a reader (``replace=False``) only adds a missing one or
    replaces one made for another time zone, so that a reader that built from summaries a concurrent write has
    since changed never overwrites the writer's newer row."""
    if replace:
        MonthlySeries.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["stack", "month"],
            update_fields=["time_zone", "hours", "payload"],
        )
        return
    MonthlySeries.objects.bulk_create(rows, ignore_conflicts=True)
    for row in rows:
        MonthlySeries.objects.filter(stack_id=row.stack_id, month=row.month).exclude(
            time_zone=settings.TIME_ZONE
        ).update(time_zone=row.time_zone, hours=row.hours, payload=row.payload)


def _series_row(stack_id: int, year: int, month: int, series: dict[str, Any]) -> MonthlySeries:
    return MonthlySeries(
        stack_id=stack_id,
        month=date(year, month, 1),
        time_zone=settings.TIME_ZONE,
        hours=len(series["labels"]),
        payload=_pack_series(series),
    )


def _store_month_series(stack_id: int, year: int, month: int, *, replace: bool = True) -> dict[str, Any]:
    """Build the month's series from its hourly summaries and keep it (``_keep_series``)."""
    start, end = month_bounds(year, month)
    series = _series(_summary_rows(stack_id, start, end), _tz())
    _keep_series([_series_row(stack_id, year, month, series)], replace=replace)
    return series


def _refresh_month_series(stack: Location, hours: Iterable[datetime], known: dict[datetime, list[float]]) -> None:
    """Rebuild the kept series of every local month among ``hours`` (the UTC hours a write touched). ``known``:
    every stored hour from the first of ``hours`` to the last, as it now is — a month wholly inside that span is
    built from it; the first and last months from the stored summaries."""
    tz = _tz()
    touched = sorted({(local.year, local.month) for local in (h.astimezone(tz) for h in hours)})
    if not touched:
        return
    ordered = sorted(known)
    first, last = ordered[0], ordered[-1] + timedelta(hours=1)
    rows: list[MonthlySeries] = []
    for year, month in touched:
        start, end = month_bounds(year, month)
        if first <= start and end <= last:
            inside = ordered[bisect_left(ordered, start) : bisect_left(ordered, end)]
            series = _series(
                ((int(hour.timestamp()), int(known[hour][0]), *known[hour][1:]) for hour in inside),  # type: ignore[misc]
                tz,
            )
            rows.append(_series_row(stack.pk, year, month, series))
        else:
            _store_month_series(stack.pk, year, month)
    _keep_series(rows)


def month_series(stack: Location, year: int, month: int) -> dict[str, Any]:
    """The month's chart series of ``stack`` — ``labels`` (local hours), ``count``, and ``temperature`` /
    ``humidity`` each with ``min``, ``max``, ``mean`` lists — read as one kept row (built and kept if missing)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT time_zone, payload FROM {MonthlySeries._meta.db_table} WHERE stack_id = %s AND month = %s",
            [stack.pk, connection.ops.adapt_datefield_value(date(year, month, 1))],
        )
        row = cursor.fetchone()
    if row is not None and row[0] == settings.TIME_ZONE:
        return _unpack_series(row[1])
    with transaction.atomic():
        return _store_month_series(stack.pk, year, month, replace=False)


def month_series_from_raw(stack: Location, year: int, month: int) -> dict[str, Any]:
    """The same series computed from the raw readings: one GROUP BY the UTC hour over the month's readings of the
    stack (the (stack, taken_at) index) — the comparison of the bench and the tests."""
    start, end = month_bounds(year, month)
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor == "sqlite":  # taken_at is UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]"
        hour = "CAST(strftime('%%s', substr(taken_at, 1, 13) || ':00:00') AS INTEGER)"
    else:
        hour = "CAST(EXTRACT(EPOCH FROM date_trunc('hour', taken_at AT TIME ZONE 'UTC')) AS BIGINT)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {hour} AS h, COUNT(*), MIN(temperature), MAX(temperature), SUM(temperature), MIN(humidity), "
            f"MAX(humidity), SUM(humidity) FROM {Reading._meta.db_table} "
            "WHERE stack_id = %s AND taken_at >= %s AND taken_at < %s GROUP BY h ORDER BY h",
            [stack.pk, adapt(start), adapt(end)],
        )
        rows = cursor.fetchall()
    return _series(rows, _tz())


def _excursion_dict(e: Excursion) -> dict[str, Any]:
    tz = _tz()
    return {
        "kind": e.kind,
        "label": str(e.get_kind_display()),
        "start": e.started_at.astimezone(tz).isoformat(),
        "end": e.ended_at.astimezone(tz).isoformat() if e.ended_at else None,
        "worst": e.worst,
        "limit": e.limit,
        "unit": e.unit,
        "acknowledged": e.acknowledged_at is not None,
    }


def excursions_between(stack: Location, start: datetime, end: datetime) -> list[Excursion]:
    from django.db.models import Q

    return list(
        Excursion.objects.filter(stack=stack, started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .order_by("started_at", "kind")
    )


def month_report(stack: Location, year: int, month: int) -> dict[str, Any]:
    """The month's report (docs/operations.md, ``dangan conservation env report``)."""
    start, end = month_bounds(year, month)
    return {
        "stack": stack.code,
        "name": stack.name,
        "month": f"{year:04d}-{month:02d}",
        "time_zone": settings.TIME_ZONE,
        "limits": limits_of(stack),
        "hours": hourly_from_summaries(stack, start, end),
        "excursions": [_excursion_dict(e) for e in excursions_between(stack, start, end)],
    }


def chart_data(stack: Location, period: str, day: date) -> dict[str, Any]:
    """The series of a chart: ``day`` (its hours), ``month`` (its hours) or ``year`` (its days), min/max/mean of
    each, with the limits."""
    tz = _tz()
    if period == "day":
        start = datetime.combine(day, datetime.min.time(), tz).astimezone(UTC)
        end = start + timedelta(days=1)
    elif period == "month":
        start, end = month_bounds(day.year, day.month)
    elif period == "year":
        start = datetime(day.year, 1, 1, tzinfo=tz).astimezone(UTC)
        end = datetime(day.year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    else:
        raise ValidationError({"period": _("时段应为 day、month 或 year")})
    if period == "month":
        kept = month_series(stack, day.year, day.month)
        return {
            "stack": stack.code,
            "period": period,
            "start": start.astimezone(tz).isoformat(),
            "end": end.astimezone(tz).isoformat(),
            "labels": kept["labels"],
            "temperature": kept["temperature"],
            "humidity": kept["humidity"],
            "limits": limits_of(stack),
        }
    hours = hourly_from_summaries(stack, start, end)
    if period == "year":
        days: dict[str, list[float]] = {}
        for p in hours:
            key = p["hour"][:10]
            t, h, n = p["temperature"], p["humidity"], p["count"]
            d = days.get(key)
            if d is None:
                days[key] = [n, t["min"], t["max"], t["mean"] * n, h["min"], h["max"], h["mean"] * n]
            else:
                d[0] += n
                d[1], d[2], d[3] = min(d[1], t["min"]), max(d[2], t["max"]), d[3] + t["mean"] * n
                d[4], d[5], d[6] = min(d[4], h["min"]), max(d[5], h["max"]), d[6] + h["mean"] * n
        labels = list(days)
        series = list(days.values())
        temperature = {
            "min": [s[1] for s in series],
            "max": [s[2] for s in series],
            "mean": [round(s[3] / s[0], 2) for s in series],
        }
        humidity = {
            "min": [s[4] for s in series],
            "max": [s[5] for s in series],
            "mean": [round(s[6] / s[0], 2) for s in series],
        }
    else:
        labels = [p["hour"][:16].replace("T", " ") for p in hours]
        temperature = {k: [p["temperature"][k] for p in hours] for k in ("min", "max", "mean")}
        humidity = {k: [p["humidity"][k] for p in hours] for k in ("min", "max", "mean")}
    return {
        "stack": stack.code,
        "period": period,
        "start": start.astimezone(tz).isoformat(),
        "end": end.astimezone(tz).isoformat(),
        "labels": labels,
        "temperature": temperature,
        "humidity": humidity,
        "limits": limits_of(stack),
    }


def open_alerts() -> Any:
    """Excursions not yet acknowledged, newest first (the workspace's alerts)."""
    return Excursion.objects.filter(acknowledged_at__isnull=True).select_related("stack").order_by("-started_at")
