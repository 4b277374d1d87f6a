"""The damage grade (破损等级) a unit's surveyed damages imply, with its reason — GB/T 42468.1-2023.

Measures: the area damages (霉变, 虫蛀, 鼠啮, 污渍, 残缺, 粘连) as a share of the page area in per cent; 酸化 as the
pH measured; the rest (褪色, 字迹扩散, 脆化, 撕裂, 折皱) as a degree seen by eye (``choices.Degree``).

Thresholds: from the standard where STANDARDS.md gives them — 特残 霉变 > 30 %, 虫害 > 30 %, 污染 > 60 %, 残缺 > 40 %,
粘连 > 50 %; 严重 霉变 20–30 %, 虫害 20–30 %, 污染 20–60 %, 残缺 20–40 %; pH < 5.0 特残, 5.0–5.5 严重, 5.5–6.2 中度
(DA/T 64.1-2017's bands, kept by the 2023 edition). Where it gives none, the project's defaults, marked ``default``
below: 粘连 严重 from 20 %, every area damage 中度 from 10 % and 轻度 above 0; by eye, 严重 → 严重, 较重 → 中度,
轻微 → 轻度. The unit's grade is the worst any of its damages implies; the reason names each damage that set it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .choices import DamageGrade, DamageType, Degree

__all__ = ["AREA_THRESHOLDS", "MEASURES", "Assessment", "GradingError", "grade_damages"]

PERCENT, PH, DEGREE = "percent", "ph", "degree"

MEASURES: dict[str, str] = {
    DamageType.MOULD: PERCENT,
    DamageType.INSECTS: PERCENT,
    DamageType.RODENTS: PERCENT,
    DamageType.STAINS: PERCENT,
    DamageType.LOSS: PERCENT,
    DamageType.BLOCKING: PERCENT,
    DamageType.ACIDIFICATION: PH,
    DamageType.FADING: DEGREE,
    DamageType.INK_SPREAD: DEGREE,
    DamageType.BRITTLENESS: DEGREE,
    DamageType.TEARS: DEGREE,
    DamageType.CREASES: DEGREE,
}

#: (特残 above, 严重 from, 中度 from) in per cent of the area; 轻度 above 0.
AREA_THRESHOLDS: dict[str, tuple[int, int, int]] = {
    DamageType.MOULD: (30, 20, 10),  # 中度: default
    DamageType.INSECTS: (30, 20, 10),  # 虫害; 中度: default
    DamageType.RODENTS: (30, 20, 10),  # counted with 虫害 (虫鼠害); 中度: default
    DamageType.STAINS: (60, 20, 10),  # 污染; 中度: default
    DamageType.LOSS: (40, 20, 10),  # 中度: default
    DamageType.BLOCKING: (50, 20, 10),  # 严重 and 中度: default
}
#: pH below: 特残, 严重, 中度.
PH_BANDS: tuple[Decimal, Decimal, Decimal] = (Decimal("5.0"), Decimal("5.5"), Decimal("6.2"))
_BY_EYE = {Degree.SEVERE: DamageGrade.SEVERE, Degree.MODERATE: DamageGrade.MODERATE, Degree.LIGHT: DamageGrade.MILD}


class GradingError(ValueError):
    """A damage value that cannot be graded (an unknown type, a share outside 0–100, a pH outside 0–14, an unknown
    degree); the message says which, in Chinese."""


@dataclass(frozen=True)
class Assessment:
    grade: str  # DamageGrade
    reasons: tuple[str, ...]  # each damage that set the grade, e.g. "霉变 35%（特残：> 30%）"

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


def grade_damages(damages: Mapping[str, object]) -> Assessment:
    """The grade of a unit whose damages are ``damages`` (``DamageType`` value → its measure: per cent, pH or a
    ``Degree`` value; absent, None, "" or 0 per cent: not present)."""
    found: list[tuple[str, str]] = []  # (grade, reason)
    for kind, raw in damages.items():
        if raw is None or raw == "":
            continue
        measure = MEASURES.get(kind)
        if measure is None:
            raise GradingError(_("未知的破损类型：%(kind)s") % {"kind": kind})
        label = str(DamageType(kind).label)
        if measure == PERCENT:
            share = _number(raw, label)
            if not 0 <= share <= 100:
                raise GradingError(
                    _("%(label)s的面积比例须在 0 到 100 之间：%(value)s") % {"label": label, "value": raw}
                )
            graded = _grade_area(kind, share)
            if graded:
                found.append((graded[0], f"{label} {_plain(share)}%（{graded[1]}）"))
        elif measure == PH:
            ph = _number(raw, label)
            if not 0 <= ph <= 14:
                raise GradingError(_("pH 值须在 0 到 14 之间：%(value)s") % {"value": raw})
            graded = _grade_ph(ph)
            if graded:
                found.append((graded[0], f"{label} pH {_plain(ph)}（{graded[1]}）"))
        else:
            if raw not in Degree.values:
                raise GradingError(_("%(label)s的程度无法识别：%(value)s") % {"label": label, "value": raw})
            if raw in _BY_EYE:
                by_eye = _BY_EYE[Degree(raw)]
                found.append((by_eye, f"{label}{Degree(raw).label}（{DamageGrade(by_eye).label}）"))
    if not found:
        return Assessment(DamageGrade.INTACT, (_("未见破损"),))
    worst = DamageGrade.values[min(DamageGrade.rank(grade) for grade, _reason in found)]
    return Assessment(worst, tuple(reason for grade, reason in found if grade == worst))


def _grade_area(kind: str, share: Decimal) -> tuple[str, str] | None:
    special, severe, moderate = AREA_THRESHOLDS[kind]
    if share > special:
        return DamageGrade.SPECIAL, f"特残：> {special}%"
    if share >= severe:
        return DamageGrade.SEVERE, f"严重：{severe}–{special}%"
    if share >= moderate:
        return DamageGrade.MODERATE, f"中度：{moderate}–{severe}%"
    if share > 0:
        return DamageGrade.MILD, f"轻度：< {moderate}%"
    return None


def _grade_ph(ph: Decimal) -> tuple[str, str] | None:
    special, severe, moderate = PH_BANDS
    if ph < special:
        return DamageGrade.SPECIAL, f"特残：pH < {special}"
    if ph < severe:
        return DamageGrade.SEVERE, f"严重：pH {special}–{severe}"
    if ph < moderate:
        return DamageGrade.MODERATE, f"中度：pH {severe}–{moderate}"
    return None


def _number(raw: object, label: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip().rstrip("%"))
    except InvalidOperation:
        raise GradingError(_("%(label)s的数值无法识别：%(value)s") % {"label": label, "value": raw}) from None
    if not value.is_finite():
        raise GradingError(_("%(label)s的数值无法识别：%(value)s") % {"label": label, "value": raw})
    return value


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
