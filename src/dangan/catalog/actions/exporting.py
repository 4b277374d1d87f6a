"""Catalog export (目录导出) to .xlsx or .csv, in the layout the importer reads back unchanged.

Rows come in tree order (each parent before its children, siblings by position), only the units the person may
see (catalog.policy), fetched in chunks so that a large fonds is never loaded whole.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from dangan.catalog.choices import Openness, RetentionPeriod, SecurityClassification, UnitLevel
from dangan.catalog.models import ArchivalUnit, Fonds, Subject
from dangan.catalog.policy import visible_units
from dangan.catalog.tabular import chinese_label
from dangan.core.actions.accounts import require_actor
from dangan.core.audit import log
from dangan.core.roles import Capability

from .import_rows import chunks

# The 归档文件目录 columns of DA/T 22, then the other fields; 上级序号 names a parent that has no 档号.
EXPORT_COLUMNS: list[str] = [
    "序号",
    "档号",
    "文号",
    "责任者",
    "题名",
    "日期",
    "密级",
    "页数",
    "备注",
    "门类",
    "年度",
    "保管期限",
    "机构（问题）",
    "件号",
    "层级",
    "上级档号",
    "开放状态",
    "主题词",
    "存放位置",
    "数量及单位",
    "附注",
    "上级序号",
]
SUBJECT_JOINER = "；"
FETCH_CHUNK = 1000
PROGRESS_EVERY = 1000


def export_catalog(actor: Any, fonds: Fonds, path: Path, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the catalog of ``fonds`` that ``actor`` may see (the console sees everything) to ``path``
    (.xlsx or .csv by its suffix); returns the number of rows written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError(_("导出文件须为 .xlsx 或 .csv"))
    require_actor(actor, Capability.CATALOG_VIEW)
    units = visible_units(actor, ArchivalUnit.objects.filter(fonds=fonds))
    rows = _rows(units, progress)
    partial = path.with_name(f".{path.name}.part")
    count = _write_xlsx(partial, rows) if suffix == ".xlsx" else _write_csv(partial, rows)
    partial.replace(path)  # never a half-written file under the real name
    log(fonds, "catalog.export", actor, {"file": path.name, "format": suffix.lstrip("."), "rows": count})
    return count


def _tree_order(units: QuerySet[ArchivalUnit]) -> tuple[list[int], dict[int, int | None], dict[int, str]]:
    """The ids in tree order, with each one's visible parent and 档号 (three small values per unit)."""
    skeleton = list(units.order_by("position", "id").values_list("id", "parent_id", "reference_code"))
    visible = {unit_id for unit_id, _parent, _code in skeleton}
    children: dict[int | None, list[int]] = {}
    parents: dict[int, int | None] = {}
    codes: dict[int, str] = {}
    for unit_id, parent_id, code in skeleton:
        parent = parent_id if parent_id in visible else None  # a hidden parent is not revealed, not even its 档号
        parents[unit_id] = parent
        codes[unit_id] = code or ""
        children.setdefault(parent, []).append(unit_id)
    order: list[int] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        unit_id = stack.pop()
        order.append(unit_id)
        stack.extend(reversed(children.get(unit_id, [])))
    return order, parents, codes


def _rows(units: QuerySet[ArchivalUnit], progress: Callable[[int, int], None] | None) -> Iterator[list[Any]]:
    labels = {
        enum: {value: chinese_label(enum, value) for value in enum.values}
        for enum in (SecurityClassification, RetentionPeriod, UnitLevel, Openness)
    }
    order, parents, codes = _tree_order(units)
    sequence = {unit_id: number for number, unit_id in enumerate(order, start=1)}
    done = 0
    subjects = Prefetch("subjects", queryset=Subject.objects.order_by("term"))
    for chunk in chunks(order, FETCH_CHUNK):
        loaded = units.filter(id__in=chunk).select_related("category").prefetch_related(subjects).in_bulk()
        for unit_id in chunk:
            parent = parents[unit_id]
            parent_code = codes.get(parent, "") if parent else ""
            yield _row(loaded[unit_id], sequence[unit_id], parent_code, parent, sequence, labels)
            done += 1
            if progress and (done % PROGRESS_EVERY == 0 or done == len(order)):
                progress(done, len(order))


def _row(
    unit: ArchivalUnit,
    number: int,
    parent_code: str,
    parent: int | None,
    sequence: dict[int, int],
    labels: dict[type, dict[str, str]],
) -> list[Any]:
    def label(enum: type, value: str) -> str:
        return labels[enum].get(value, value)

    return [
        number,
        unit.reference_code or "",
        unit.document_number,
        unit.responsible,
        unit.title,
        unit.date_display,  # DA/T 22: 8 digits (or 6, or 4 when only the month or year is known)
        label(SecurityClassification, unit.classification),
        unit.page_count if unit.page_count is not None else "",
        unit.remarks,
        unit.category.code if unit.category else "",
        unit.year if unit.year is not None else "",
        label(RetentionPeriod, unit.retention),
        unit.organization,
        unit.item_number if unit.item_number is not None else "",
        label(UnitLevel, unit.level),
        parent_code,
        label(Openness, unit.openness),
        SUBJECT_JOINER.join(subject.term for subject in unit.subjects.all()),
        unit.physical_location,
        unit.extent,
        unit.notes,
        sequence[parent] if parent and not parent_code else "",
    ]


def _write_xlsx(path: Path, rows: Iterator[list[Any]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("归档文件目录"))
    sheet.append(EXPORT_COLUMNS)
    count = 0
    for row in rows:
        cells: list[Any] = []
        for value in row:
            if value == "":
                cells.append(None)  # an empty cell: nothing to write
            elif isinstance(value, str) and value.startswith("="):
                # Text, never a formula: a title that starts with "=" must not run in the reader's Excel.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count


def _write_csv(path: Path, rows: Iterator[list[Any]]) -> int:
    count = 0
    # UTF-8 with a BOM: Excel on Chinese Windows then opens it without garbling.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
