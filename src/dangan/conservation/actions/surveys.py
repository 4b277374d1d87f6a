"""Condition surveys (摸排): campaigns over a selection of units with assigned surveyors, the survey of one unit (a
SurveyRecord kept for ever + the unit's condition now through ``actions.condition.do_record_condition``, source
摸排), and survey sheets (Excel) exported for teams that survey on paper and imported back all or nothing.

Rights: campaigns need CONSERVATION_MANAGE; surveying (the form, a sheet's import) CONSERVATION_WORK and
``catalog.policy.can_view_unit`` for every unit; pages that count show only the units the reader may see."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import can_view_unit, sees_every_unit, visible_units
from dangan.conservation.actions.condition import do_record_condition
from dangan.conservation.choices import ConditionSource, DamageType, Degree
from dangan.conservation.grading import DEGREE, MEASURES, PERCENT, PH, Assessment, GradingError, grade_damages
from dangan.conservation.models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    SurveyOrigin,
    SurveyPhoto,
    SurveyRecord,
)
from dangan.core.actors import account_of
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.utilities.spreadsheets import safe_row

__all__ = [
    "SHEET_COLUMNS",
    "SheetError",
    "check_manage",
    "check_work",
    "do_create_campaign",
    "do_import_sheet",
    "do_record_survey",
    "do_set_campaign_status",
    "export_sheet",
    "next_unit",
    "progress",
    "visible_campaign_units",
]

MAX_PHOTO_BYTES = 20 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")


def check_manage(actor: Any) -> None:
    if not has_capability(actor, Capability.CONSERVATION_MANAGE):
        raise PermissionDenied(_("没有管理摸排任务的权限"))


def check_work(actor: Any) -> None:
    if not has_capability(actor, Capability.CONSERVATION_WORK):
        raise PermissionDenied(_("没有录入摸排结果的权限"))


# ---------------------------------------------------------------- campaigns


def _selection(fonds: Fonds | None, location_prefix: str, reference_codes: Sequence[str]) -> QuerySet[ArchivalUnit]:
    units = ArchivalUnit.objects.filter(disposed=False)
    if fonds is not None:
        units = units.filter(fonds=fonds)
    if location_prefix:
        units = units.filter(
            Q(placement__location__full_code=location_prefix)
            | Q(placement__location__full_code__startswith=location_prefix + "-")
        )
    if reference_codes:
        units = units.filter(reference_code__in=list(reference_codes))
    return units.order_by("fonds_id", "reference_code", "id")


def do_create_campaign(
    actor: Any,
    name: str,
    *,
    fonds: Fonds | None = None,
    location_prefix: str = "",
    reference_codes: Iterable[str] = (),
    surveyors: Sequence[Any] = (),
    starts: date | None = None,
    ends: date | None = None,
    priority: bool = False,
) -> Campaign:
    """A campaign over the units that match every criterion given (a fonds, a location prefix, a list of 档号);
    the selection is fixed now, its units assigned to the surveyors in turn. ValidationError (Chinese) for an empty
    name or selection, an unknown 档号 or location, a surveyor without CONSERVATION_WORK, dates reversed."""
    check_manage(actor)
    name = name.strip()
    codes = [code.strip() for code in reference_codes if code and code.strip()]
    location_prefix = location_prefix.strip().rstrip("-")
    errors: dict[str, list[str]] = {}
    if not name:
        errors.setdefault("name", []).append(_("请填写名称"))
    elif Campaign.objects.filter(name=name).exists():
        errors.setdefault("name", []).append(_("已有同名的摸排任务"))
    if fonds is None and not location_prefix and not codes:
        errors.setdefault("__all__", []).append(_("请至少选择全宗、存放位置范围或档号清单之一"))
    if codes:
        known = set(ArchivalUnit.objects.filter(reference_code__in=codes).values_list("reference_code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            errors.setdefault("reference_codes", []).append(
                _("以下档号不存在：%(codes)s") % {"codes": "、".join(unknown[:20])}
            )
    if location_prefix:
        from dangan.conservation.models import Location

        if not Location.objects.filter(full_code=location_prefix).exists():
            errors.setdefault("location_prefix", []).append(
                _("没有代码为 %(code)s 的存放位置") % {"code": location_prefix}
            )
    for surveyor in surveyors:
        if not has_capability(surveyor, Capability.CONSERVATION_WORK):
            errors.setdefault("surveyors", []).append(
                _("%(user)s 没有录入摸排结果的权限") % {"user": surveyor.get_username()}
            )
    if starts and ends and ends < starts:
        errors.setdefault("ends", []).append(_("结束日期早于开始日期"))
    if errors:
        raise ValidationError(errors)
    unit_ids = list(_selection(fonds, location_prefix, codes).values_list("id", flat=True))
    if not unit_ids:
        raise ValidationError({"__all__": [_("所选范围内没有档案")]})
    people = list(surveyors)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            fonds=fonds,
            location_prefix=location_prefix,
            reference_codes=codes,
            priority=priority,
            starts=starts,
            ends=ends,
            created_by=account_of(actor),
        )
        campaign.surveyors.set(people)
        CampaignUnit.objects.bulk_create(
            [
                CampaignUnit(
                    campaign=campaign,
                    unit_id=unit_id,
                    position=n,
                    assigned_to=people[n % len(people)] if people else None,
                )
                for n, unit_id in enumerate(unit_ids)
            ],
            batch_size=2000,
        )
        log(
            campaign,
            "conservation.campaign",
            actor,
            {
                "after": {
                    "name": name,
                    "fonds": fonds.code if fonds else None,
                    "location_prefix": location_prefix,
                    "reference_codes": len(codes),
                    "units": len(unit_ids),
                    "surveyors": [p.get_username() for p in people],
                    "priority": priority,
                }
            },
        )
    return campaign


def do_set_campaign_status(actor: Any, campaign: Campaign, status: str) -> Campaign:
    check_manage(actor)
    if status not in CampaignStatus.values:
        raise ValidationError(_("状态无法识别"))
    with transaction.atomic():
        before = campaign.status
        campaign.status = status
        campaign.version += 1
        campaign.save(update_fields=["status", "version", "updated"])
        log(campaign, "conservation.campaign_status", actor, {"before": before, "after": status})
    return campaign


def visible_campaign_units(user: Any, campaign: Campaign) -> QuerySet[CampaignUnit]:
    """The campaign's units ``user`` may see (catalog.policy)."""
    rows = CampaignUnit.objects.filter(campaign=campaign)
    if not sees_every_unit(user):
        rows = rows.filter(unit_id__in=visible_units(user).values("id"))
    return rows


def progress(user: Any, campaign: Campaign) -> dict[str, Any]:
    """Surveyed of total, overall and by surveyor, over the units ``user`` may see."""
    rows = visible_campaign_units(user, campaign)
    by = (
        rows.values("assigned_to", "assigned_to__username")
        .annotate(total=Count("id"), surveyed=Count("id", filter=Q(surveyed_at__isnull=False)))
        .order_by("assigned_to__username")
    )
    total = sum(row["total"] for row in by)
    surveyed = sum(row["surveyed"] for row in by)
    return {
        "total": total,
        "surveyed": surveyed,
        "percent": round(100 * surveyed / total) if total else 0,
        "by_surveyor": [
            {"surveyor": row["assigned_to__username"] or "", "total": row["total"], "surveyed": row["surveyed"]}
            for row in by
        ],
    }


def next_unit(actor: Any, campaign: Campaign) -> ArchivalUnit | None:
    """The next unit of ``actor``'s assignment in ``campaign`` not yet surveyed (then any unassigned one) that they
    may see; None when done."""
    todo = visible_campaign_units(actor, campaign).filter(surveyed_at__isnull=True)
    account = account_of(actor)
    row = todo.filter(assigned_to=account).order_by("position").first() if account else None
    if row is None:
        row = todo.filter(assigned_to__isnull=True).order_by("position").first()
    return row.unit if row else None


# ---------------------------------------------------------------- the survey of one unit


def do_record_survey(
    actor: Any,
    unit: ArchivalUnit,
    damages: Mapping[str, object],
    *,
    campaign: Campaign | None = None,
    carrier: str = "",
    paper_type: str = "",
    ink: str = "",
    has_photographs: bool = False,
    notes: str = "",
    photos: Sequence[UploadedFile] = (),
    origin: str = SurveyOrigin.FORM,
) -> tuple[SurveyRecord, Assessment]:
    """Keep a SurveyRecord of ``unit`` and make its damages the unit's condition now (摸排), in one transaction.
    ValidationError (Chinese) for a value that cannot be graded, a photograph that is not an image or too large, a
    unit outside the campaign or a closed campaign; PermissionDenied without CONSERVATION_WORK or sight of the
    unit."""
    check_work(actor)
    if not can_view_unit(actor, unit):
        raise PermissionDenied(_("无权查看该档案"))
    if campaign is not None:
        if campaign.status == CampaignStatus.CLOSED:
            raise ValidationError(_("摸排任务已结束"))
        if not CampaignUnit.objects.filter(campaign=campaign, unit=unit).exists():
            raise ValidationError(_("该档案不在此摸排任务的范围内"))
    for photo in photos:
        if (photo.content_type or "") not in PHOTO_TYPES:
            raise ValidationError(_("照片须为 JPEG、PNG、WebP 或 HEIC 图像：%(name)s") % {"name": photo.name})
        if (photo.size or 0) > MAX_PHOTO_BYTES:
            raise ValidationError(_("照片超过 20 MB：%(name)s") % {"name": photo.name})
    now = timezone.now()
    with transaction.atomic():
        condition, assessment = do_record_condition(actor, unit, damages, ConditionSource.SURVEY)
        record = SurveyRecord.objects.create(
            campaign=campaign,
            unit=unit,
            carrier=carrier.strip(),
            paper_type=paper_type.strip(),
            ink=ink.strip(),
            has_photographs=has_photographs,
            damages=condition.damages,
            grade=assessment.grade,
            reason=assessment.reason,
            notes=notes.strip(),
            origin=origin,
            surveyed_at=now,
            surveyed_by=account_of(actor),
        )
        for photo in photos:
            SurveyPhoto.objects.create(record=record, image=photo, name=(photo.name or "")[:200])
        if campaign is not None:
            CampaignUnit.objects.filter(campaign=campaign, unit=unit).update(surveyed_at=now)
        log(
            record,
            "conservation.survey",
            actor,
            {
                "unit": str(unit.uuid),
                "campaign": campaign.name if campaign else None,
                "grade": assessment.grade,
                "origin": origin,
                "photos": len(photos),
            },
        )
    return record, assessment


# ---------------------------------------------------------------- survey sheets (Excel)

_MEASURE_LABEL = {PERCENT: "%", PH: "pH", DEGREE: "程度"}
FIXED_COLUMNS = ("档号", "题名", "存放位置", "载体", "纸张类型", "字迹材料", "含照片")
SHEET_COLUMNS: tuple[str, ...] = (
    *FIXED_COLUMNS,
    *(f"{DamageType(kind).label}（{_MEASURE_LABEL[measure]}）" for kind, measure in MEASURES.items()),
    "备注",
)
_DEGREE_BY_LABEL = {str(label): value for value, label in Degree.choices}
_YES = {"是", "有", "y", "yes", "1", "true", "√"}
_NO = {"", "否", "无", "n", "no", "0", "false"}


@dataclass(frozen=True)
class SheetError:
    """A bad cell of an imported sheet: its row (as the spreadsheet numbers it), column header, value and why."""

    row: int
    column: str
    value: str
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "why": self.why}

    def __str__(self) -> str:
        return _("第 %(row)s 行「%(column)s」列“%(value)s”：%(why)s") % self.as_dict()


def export_sheet(user: Any, campaign: Campaign) -> bytes:
    """The campaign's survey sheet (.xlsx): one row per unit ``user`` may see, 档号, 题名, 存放位置, then blank columns
    for the material and each damage type, with data validation (per cent 0–100, pH 0–14, a degree from a list)."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = (
        visible_campaign_units(user, campaign).select_related("unit", "unit__placement__location").order_by("position")
    )
    book = Workbook()
    sheet = book.active
    sheet.title = "摸排表"
    sheet.append(list(SHEET_COLUMNS))
    count = 0
    for row in rows:
        unit = row.unit
        placement = getattr(unit, "placement", None)
        sheet.append(
            safe_row([unit.reference_code or "", unit.title, placement.location.full_code if placement else ""])
        )
        count += 1
    last = max(count + 1, 2)
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    degree = DataValidation(type="list", formula1='"' + ",".join(_DEGREE_BY_LABEL) + '"', allow_blank=True)
    percent = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
    ph = DataValidation(type="decimal", operator="between", formula1="0", formula2="14", allow_blank=True)
    for validation in (yes_no, degree, percent, ph):
        validation.error = _("取值不符合要求")
        sheet.add_data_validation(validation)
    from openpyxl.utils import get_column_letter

    yes_no.add(f"{get_column_letter(len(FIXED_COLUMNS))}2:{get_column_letter(len(FIXED_COLUMNS))}{last}")
    for offset, measure in enumerate(MEASURES.values()):
        letter = get_column_letter(len(FIXED_COLUMNS) + 1 + offset)
        {PERCENT: percent, PH: ph, DEGREE: degree}[measure].add(f"{letter}2:{letter}{last}")
    sheet.freeze_panes = "D2"
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_sheet(
    actor: Any, campaign: Campaign | None, source: Path | str | io.BytesIO | Any
) -> tuple[list[dict[str, Any]], list[SheetError]]:
    """The rows of a filled survey sheet as survey arguments, and its bad cells (nothing is written). Rows without
    any material, damage or note are not surveyed yet and skipped."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [SheetError(1, "", "", _("文件不是有效的 Excel 工作簿（.xlsx）"))]
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [_text(cell) for cell in next(lines, ())]
    errors: list[SheetError] = []
    missing = [column for column in SHEET_COLUMNS if column not in header and column not in ("题名", "存放位置")]
    if missing:
        return [], [SheetError(1, column, "", _("缺少此列")) for column in missing]
    at = {column: header.index(column) for column in SHEET_COLUMNS if column in header}
    damage_columns = list(zip(MEASURES, SHEET_COLUMNS[len(FIXED_COLUMNS) : -1], strict=True))
    parsed: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    in_campaign: set[int] = (
        set(CampaignUnit.objects.filter(campaign=campaign).values_list("unit_id", flat=True)) if campaign else set()
    )
    filled_rows: list[tuple[int, dict[str, str]]] = []
    for number, line in enumerate(lines, start=2):
        cells = {column: _text(line[i]) if i < len(line) else "" for column, i in at.items()}
        if any(cells.get(c) for c in SHEET_COLUMNS if c not in ("档号", "题名", "存放位置")):
            filled_rows.append((number, cells))
    book.close()
    codes = [cells["档号"] for _number, cells in filled_rows if cells["档号"]]
    units: dict[str, ArchivalUnit] = {}
    for start in range(0, len(codes), 500):
        units.update(
            (unit.reference_code or "", unit)
            for unit in ArchivalUnit.objects.filter(reference_code__in=codes[start : start + 500])
        )
    for number, cells in filled_rows:
        code = cells["档号"]
        unit = units.get(code) if code else None
        if unit is None or not can_view_unit(actor, unit):
            errors.append(SheetError(number, "档号", code, _("档号为空") if not code else _("没有此档号的档案")))
            continue
        if campaign is not None and unit.id not in in_campaign:
            errors.append(SheetError(number, "档号", code, _("该档案不在此摸排任务的范围内")))
            continue
        if code in seen:
            errors.append(SheetError(number, "档号", code, _("与第 %(row)s 行重复") % {"row": seen[code]}))
            continue
        seen[code] = number
        damages: dict[str, object] = {}
        for kind, column in damage_columns:
            value = cells.get(column, "")
            if not value:
                continue
            measure = MEASURES[kind]
            if measure == DEGREE:
                if value not in _DEGREE_BY_LABEL and value not in Degree.values:
                    errors.append(SheetError(number, column, value, _("程度须为：无、轻微、较重、严重")))
                    continue
                damages[kind] = _DEGREE_BY_LABEL.get(value, value)
            else:
                damages[kind] = value.rstrip("%")
            try:
                grade_damages({kind: damages[kind]})
            except GradingError as exc:
                errors.append(SheetError(number, column, value, str(exc)))
        photographs = cells.get("含照片", "").lower()
        if photographs not in _YES and photographs not in _NO:
            errors.append(SheetError(number, "含照片", cells["含照片"], _("须为“是”或“否”")))
        parsed.append(
            {
                "unit": unit,
                "damages": damages,
                "carrier": cells.get("载体", ""),
                "paper_type": cells.get("纸张类型", ""),
                "ink": cells.get("字迹材料", ""),
                "has_photographs": photographs in _YES,
                "notes": cells.get("备注", ""),
            }
        )
    return parsed, errors


def do_import_sheet(
    actor: Any, campaign: Campaign | None, source: Path | str | io.BytesIO | Any
) -> tuple[list[SurveyRecord], list[SheetError]]:
    """Import a filled survey sheet all or nothing: with any bad cell nothing is written and the errors are
    returned; otherwise one SurveyRecord (origin: sheet) per filled row and each unit's condition now."""
    check_work(actor)
    rows, errors = read_sheet(actor, campaign, source)
    if errors:
        return [], errors
    records: list[SurveyRecord] = []
    with transaction.atomic():
        for row in rows:
            unit = row.pop("unit")
            damages = row.pop("damages")
            record, _assessment = do_record_survey(
                actor, unit, damages, campaign=campaign, origin=SurveyOrigin.SHEET, **row
            )
            records.append(record)
    return records, []
