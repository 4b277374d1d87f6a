"""Dates as archivists write them: known to the day, the month or only the year (1935年1月 is not 1935-01-01).

A unit stores the date (the first day of the month or year when only those are known) and its precision; this
module turns what a person typed into that pair without inventing a day, and writes it back at the same precision.
The form, the API and the catalog import all parse with ``parse_partial_date``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangan.utilities.text import fold_width

from .choices import DatePrecision

__all__ = [
    "REPUBLIC_OFFSET",
    "PartialDate",
    "date_input_text",
    "date_label",
    "parse_date_text",
    "parse_partial_date",
    "resolve_date",
]

# 2021-03-05, 2021.3.5, 2021/3/5 (a time after it is ignored), 1935-01, 1935.1
_SEPARATED = re.compile(r"(\d{4})[-./](\d{1,2})(?:[-./](\d{1,2}))?(?:[T\s]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
# 20210305, 193501, 1935; unknown parts written as 00 (19350000) lower the precision
_DIGITS = re.compile(r"(\d{4})(\d{2})?(\d{2})?")
# 1935年1月15日, 1935年, 民国24年, 民国二十四年一月, 一九三五年一月
_CHINESE = re.compile(r"(民国)?([^年月日]{1,6})年(?:([^年月日]{1,3})月(?:([^年月日]{1,3})日?)?)?")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0, "两": 2}
_SPACES = re.compile(r"\s+")
REPUBLIC_OFFSET = 1911  # 民国元年 = 1912


@dataclass(frozen=True)
class PartialDate:
    """A date and how much of it is known (``DatePrecision``); the unknown parts of ``date`` are 1."""

    date: dt.date
    precision: str

    @property
    def label(self) -> str:
        return date_label(self.date, self.precision)

    @property
    def input_text(self) -> str:
        return date_input_text(self.date, self.precision)


def _number(text: str) -> int | None:
    """Arabic or Chinese numerals: "24", "二十四", "廿四", "一九三五"."""
    if text.isdigit():
        return int(text)
    text = text.replace("廿", "二十").replace("卅", "三十")
    if "十" in text:
        tens, _sep, units = text.partition("十")
        if (tens and tens not in _CN_DIGITS) or (units and units not in _CN_DIGITS):
            return None
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    if text and all(c in _CN_DIGITS for c in text):
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    return None


def _make(year: int, month: int | None, day: int | None) -> PartialDate:
    if not month:  # None or 0: month unknown
        return PartialDate(dt.date(year, 1, 1), DatePrecision.YEAR)
    if not day:
        return PartialDate(dt.date(year, month, 1), DatePrecision.MONTH)
    return PartialDate(dt.date(year, month, day), DatePrecision.DAY)


def _invalid(value: str) -> ValidationError:
    return ValidationError(
        _("无法识别的日期“%(value)s”：请写作 1935-01-15、1935年1月、1935 或 民国二十四年。") % {"value": value},
        code="date",
    )


def parse_date_text(text: str) -> PartialDate:
    """``text`` as a date and its precision; ValueError when it is not a date (the import's cells, the form's field
    and the API all read dates through here). Accepts 1935-01-15, 1935.1.15, 1935/1/15 (a time after it is ignored),
    19350115, 1935-01, 193501, 1935, 1935年1月15日, 1935年1月, 1935年, 民国24年, 民国二十四年一月, 一九三五年一月
    (full-width digits too). A day or month of 00 means "not known"."""
    text = fold_width(text).strip() if not text.isascii() else text.strip()
    if match := _SEPARATED.fullmatch(text):
        year, month, day = (int(g) if g else None for g in match.groups())
        return _make(year, month, day)  # type: ignore[arg-type]
    compact = _SPACES.sub("", text)
    if match := _DIGITS.fullmatch(compact):
        year, month, day = (int(g) if g else None for g in match.groups())
        if month == 0 and day:  # 19350005 makes no sense
            raise ValueError(text)
        return _make(year, month, day)  # type: ignore[arg-type]
    if match := _CHINESE.fullmatch(compact):
        republic, year_text, month_text, day_text = match.groups()
        year = _number(year_text)
        month = _number(month_text) if month_text else None
        day = _number(day_text) if day_text else None
        if year is None or (month_text and month is None) or (day_text and day is None):
            raise ValueError(text)
        if republic:
            year += REPUBLIC_OFFSET
        return _make(year, month, day)
    raise ValueError(text)


def parse_partial_date(value: str) -> PartialDate:
    """What a person typed, as a date and its precision (``parse_date_text``); ValidationError (in Chinese) when it
    is not a date."""
    try:
        return parse_date_text(str(value))
    except ValueError:
        raise _invalid(str(value)) from None


def date_label(date: dt.date | None, precision: str = "") -> str:
    """The date as shown to people, no more precise than it is known: 1935年1月15日, 1935年1月, 1935年."""
    if date is None:
        return ""
    if precision == DatePrecision.YEAR:
        return _("%(year)d年") % {"year": date.year}
    if precision == DatePrecision.MONTH:
        return _("%(year)d年%(month)d月") % {"year": date.year, "month": date.month}
    return _("%(year)d年%(month)d月%(day)d日") % {"year": date.year, "month": date.month, "day": date.day}


def date_input_text(date: dt.date | None, precision: str = "") -> str:
    """The date as a form shows it for editing, at its precision: 1935-01-15, 1935-01 or 1935."""
    if date is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{date.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()


def resolve_date(value: str | dt.date | None, precision: str | None) -> tuple[dt.date | None, str | None]:
    """A date given to the API (text at any precision, or a date) and an optional precision, as the pair a unit
    stores; a precision of None means the caller left it out. ValidationError when the two disagree."""
    if value is None or value == "":
        return None, ("" if precision is None else precision)
    if isinstance(value, dt.date):
        return value, precision
    parsed = parse_partial_date(value)
    if precision and precision != parsed.precision:
        if parsed.precision != DatePrecision.DAY:
            raise ValidationError(
                {
                    "date_precision": _("日期“%(value)s”只精确到%(known)s，与日期精度“%(given)s”不符")
                    % {
                        "value": value,
                        "known": DatePrecision(parsed.precision).label,
                        "given": precision,
                    }
                }
            )
        return parsed.date, precision  # a full date with a coarser precision: checked by check_unit_fields
    return parsed.date, parsed.precision
