"""Registering a digitization batch (登记): its scanning specification, who scans, the dates, and the units to
digitize — chosen from the catalog or listed in a sheet by 档号. A unit the person may not see cannot be added: it
is reported exactly as a 档号 that does not exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.core.actors import account_of
from dangan.core.audit import log
from dangan.digitization.choices import BatchStatus, ColourMode, MasterFormat
from dangan.digitization.models import Batch, BatchUnit
from dangan.digitization.sheets import TableError, read_reference_codes

from .common import bump, check_version, person_name, require_digitize, require_visible_unit

# Statuses in which units may still be added to a batch.
OPEN_FOR_UNITS = (BatchStatus.PLANNED, BatchStatus.SCANNING, BatchStatus.CHECKING, BatchStatus.REWORK)

SPEC_FIELDS = (
    "dpi",
    "colour_mode",
    "master_format",
    "max_skew_degrees",
    "operator",
    "organisation",
    "planned_start",
    "planned_end",
    "sample_percent",
    "accept_percent",
    "notes",
)


def check_spec(fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    dpi = fields.get("dpi")
    if dpi is not None and not 50 <= int(dpi) <= 4800:
        errors["dpi"] = _("分辨率应在 50 至 4800 dpi 之间。")
    if fields.get("colour_mode") not in (None, *ColourMode.values):
        errors["colour_mode"] = _("色彩模式无效。")
    if fields.get("master_format") not in (None, *MasterFormat.values):
        errors["master_format"] = _("存储格式应为 TIFF、JPEG 或 JPEG 2000。")
    skew = fields.get("max_skew_degrees")
    if skew is not None and not 0 <= float(skew) <= 45:
        errors["max_skew_degrees"] = _("最大倾斜角应在 0 至 45 度之间。")
    for name in ("sample_percent", "accept_percent"):
        value = fields.get(name)
        if value is not None and not 0 < float(value) <= 100:
            errors[name] = _("百分比应大于 0 且不超过 100。")
    start, end = fields.get("planned_start"), fields.get("planned_end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        errors["planned_end"] = _("计划完成日期不能早于开始日期。")
    if errors:
        raise ValidationError(errors)


def check_create_batch(actor: Any, name: str, fonds: Fonds | None, fields: dict[str, Any]) -> None:
    require_digitize(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写批次名称。")})
    if len(name) > 200:
        raise ValidationError({"name": _("批次名称不能超过 200 个字符。")})
    if fonds is None:
        raise ValidationError({"fonds": _("请选择全宗。")})
    if Batch.objects.filter(name=name).exists():
        raise ValidationError({"name": _("批次名称“%(name)s”已被使用。") % {"name": name}})
    unknown = set(fields) - set(SPEC_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    check_spec(fields)


def do_create_batch(
    actor: Any,
    name: str,
    fonds: Fonds | None,
    *,
    units: Sequence[ArchivalUnit] = (),
    **fields: Any,
) -> Batch:
    """Register a batch with its specification (``fields``: SPEC_FIELDS) and, optionally, its units."""
    fields = {k: v for k, v in fields.items() if v is not None and v != ""}
    with transaction.atomic():
        check_create_batch(actor, name, fonds, fields)
        assert fonds is not None  # check_create_batch refuses a batch without one
        batch = Batch.objects.create(
            name=name.strip(),
            fonds=fonds,
            created_by=account_of(actor),
            created_by_name=person_name(actor),
            **fields,
        )
        log(
            batch,
            "digitization.batch.create",
            actor,
            {
                "after": {
                    "name": batch.name,
                    "fonds": fonds.code if fonds else "",
                    **{k: str(v) for k, v in fields.items()},
                }
            },
        )
        if units:
            _add(actor, batch, units)
    return batch


def find_units(actor: Any, fonds: Fonds, codes: Iterable[str]) -> tuple[list[ArchivalUnit], list[str]]:
    """The units of ``fonds`` with these 档号 that ``actor`` may see, in the order given, and the codes not found
    (unknown and not visible alike: nobody learns that a hidden unit exists)."""
    wanted = [c.strip() for c in codes if c and c.strip()]
    found = {
        u.reference_code: u
        for u in visible_units(actor, ArchivalUnit.objects.filter(fonds=fonds, reference_code__in=wanted))
    }
    return [found[c] for c in wanted if c in found], [c for c in wanted if c not in found]


def check_add_units(actor: Any, batch: Batch, units: Sequence[ArchivalUnit]) -> None:
    require_digitize(actor)
    if batch.status not in OPEN_FOR_UNITS:
        raise ValidationError(_("批次处于“%(status)s”状态，不能再添加档案。") % {"status": batch.get_status_display()})
    for unit in units:
        require_visible_unit(actor, unit)
        if unit.fonds_id != batch.fonds_id:
            raise ValidationError(_("档案 %(code)s 不属于批次的全宗。") % {"code": unit.reference_code or unit.title})
        if not unit.reference_code:
            raise ValidationError(
                _("档案“%(title)s”没有档号，无法数字化（扫描文件夹以档号命名）。") % {"title": unit.title}
            )


def _add(actor: Any, batch: Batch, units: Sequence[ArchivalUnit]) -> list[BatchUnit]:
    check_add_units(actor, batch, units)
    present = set(batch.units.values_list("unit_id", flat=True))
    position = batch.units.aggregate(m=Max("position"))["m"] or 0
    added = []
    for unit in units:
        if unit.pk in present:
            continue
        present.add(unit.pk)
        position += 1
        added.append(
            BatchUnit(
                batch=batch,
                unit=unit,
                reference_code=unit.reference_code or "",
                position=position,
                expected_pages=unit.page_count,
            )
        )
    BatchUnit.objects.bulk_create(added)
    if added:
        log(batch, "digitization.batch.add_units", actor, {"after": {"units": [b.reference_code for b in added]}})
    return added


def do_add_units(
    actor: Any, batch: Batch, units: Sequence[ArchivalUnit], *, expected_version: int | None = None
) -> list[BatchUnit]:
    """Add ``units`` (of the batch's fonds, visible to ``actor``) to ``batch``; those already in it are skipped."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        check_version(batch, expected_version)
        added = _add(actor, batch, units)
        if added:
            bump(batch)
    return added


def do_add_units_by_codes(
    actor: Any, batch: Batch, codes: Iterable[str], *, expected_version: int | None = None
) -> list[BatchUnit]:
    """Add the units with these 档号; ValidationError naming every code that is unknown (or not visible)."""
    require_digitize(actor)
    units, missing = find_units(actor, batch.fonds, codes)
    if missing:
        raise ValidationError(
            {
                "units": _("全宗 %(fonds)s 中没有这些档号（或您无权查看）：%(codes)s")
                % {"fonds": batch.fonds.code, "codes": "、".join(missing[:50])}
            }
        )
    return do_add_units(actor, batch, units, expected_version=expected_version)


def units_from_sheet(actor: Any, fonds: Fonds, path: Path) -> list[ArchivalUnit]:
    """The units listed (by 档号) in the sheet at ``path``; ValidationError for a bad sheet or unknown codes."""
    require_digitize(actor)
    try:
        codes = read_reference_codes(path)
    except TableError as exc:
        raise ValidationError({"sheet": str(exc)}) from exc
    units, missing = find_units(actor, fonds, codes)
    if missing:
        raise ValidationError(
            {
                "sheet": _("全宗 %(fonds)s 中没有这些档号（或您无权查看）：%(codes)s")
                % {"fonds": fonds.code, "codes": "、".join(missing[:50])}
            }
        )
    return units


def visible_batch_units(actor: Any, batch: Batch) -> list[BatchUnit]:
    """The batch's units that ``actor`` may see, in order."""
    rows = list(batch.units.select_related("unit", "unit__fonds"))
    return [row for row in rows if can_view_unit(actor, row.unit)]
