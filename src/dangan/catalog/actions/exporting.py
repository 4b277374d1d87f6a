"""Catalog export (目录导出) to .xlsx or .csv, in the layout the importer reads back unchanged.

A whole fonds, or part of it (a selection, a filtered list): rows come in tree order (each parent before its
children, siblings by position), only the units the person may see (catalog.policy), fetched in chunks so that a
large fonds is never loaded whole. Every text cell goes through utilities.spreadsheets.safe_text, so a title that
starts with "=" or "+" is never run as a formula by the reader's spreadsheet; the importer takes the guard off
again (catalog.tabular.unguard), so an export imports back unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
from dangan.utilities.spreadsheets import safe_row

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
EXPORT_FORMATS = (".xlsx", ".csv")


class ExportScope:
    """What part of a fonds an export or a print covers (recorded in the audit log)."""

    FONDS = "fonds"  # the whole fonds
    FILTER = "filter"  # the units a filtered list shows
    SELECTION = "selection"  # units picked one by one


def units_to_export(actor: Any, fonds: Fonds, units: QuerySet[ArchivalUnit] | None = None) -> QuerySet[ArchivalUnit]:
    """The units of ``fonds`` (or of ``units``, a part of it) that ``actor`` may see: what every export and print
    covers. The same door as every other route (catalog.policy)."""
    base = ArchivalUnit.objects.all() if units is None else units
    return visible_units(actor, base.filter(fonds=fonds))


def export_catalog(
    actor: Any,
    fonds: Fonds,
    path: Path,
    *,
    units: QuerySet[ArchivalUnit] | None = None,
    scope: str = ExportScope.FONDS,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the catalog of ``fonds`` that ``actor`` may see (the console sees everything) to ``path``
    (.xlsx or .csv by its suffix); returns the number of rows written.

    ``units`` narrows it to part of the fonds (a selection or a filtered list, in that queryset's order; ``scope``
    says which, for the audit log): a unit whose parent is not exported names its parent's 档号 in 上级档号 if
    ``actor`` may see the parent, and nothing about it otherwise."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise ValidationError(_("导出文件须为 .xlsx 或 .csv"))
    require_actor(actor, Capability.CATALOG_VIEW)
    queryset = units_to_export(actor, fonds, units)
    rows = _rows(actor, queryset, progress, whole=units is None)
    partial = path.with_name(f".{path.name}.part")
    count = _write_xlsx(partial, rows) if suffix == ".xlsx" else _write_csv(partial, rows)
    partial.replace(path)  # never a half-written file under the real name
    data = {"file": path.name, "format": suffix.lstrip("."), "rows": count, "scope": scope}
    log(fonds, "catalog.export", actor, data)
    return count


@dataclass
class TreeOrder:
    """The ids to export in tree order, each one's parent within the export, its 档号, and for those whose parent
    is outside the export but visible, that parent's 档号."""

    order: list[int]
    parents: dict[int, int | None]
    codes: dict[int, str]
    outside: dict[int, str] = field(default_factory=dict)


def tree_order(actor: Any, units: QuerySet[ArchivalUnit], *, whole: bool = True) -> TreeOrder:
    """The ids of ``units`` in tree order (three small values per unit). For the whole fonds siblings come by
    position; for a part, the units whose parent is not part of it come in the queryset's order."""
    ordered = units.order_by("position", "id") if whole or not units.ordered else units
    skeleton = list(ordered.values_list("id", "parent_id", "reference_code"))
    exported = {unit_id for unit_id, _parent, _code in skeleton}
    children: dict[int | None, list[int]] = {}
    parents: dict[int, int | None] = {}
    codes: dict[int, str] = {}
    away: dict[int, int] = {}  # unit → its parent, not exported
    for unit_id, parent_id, code in skeleton:
        parent = parent_id if parent_id in exported else None  # a hidden parent is not revealed, not even its 档号
        if parent_id is not None and parent is None:
            away[unit_id] = parent_id
        parents[unit_id] = parent
        codes[unit_id] = code or ""
        children.setdefault(parent, []).append(unit_id)
    if not whole and away:
        # A part of the fonds: a parent left out but visible to the person is still named, so the rows import back
        # under it; one they may not see stays unnamed.
        seen: dict[int, str] = {}
        for chunk in chunks(set(away.values())):
            ids = visible_units(actor, ArchivalUnit.objects.filter(id__in=chunk))
            seen.update((pk, code or "") for pk, code in ids.values_list("id", "reference_code"))
        outside = {unit_id: seen[parent] for unit_id, parent in away.items() if seen.get(parent)}
    else:
        outside = {}
    order: list[int] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        unit_id = stack.pop()
        order.append(unit_id)
        stack.extend(reversed(children.get(unit_id, [])))
    return TreeOrder(order, parents, codes, outside)


def choice_labels() -> dict[type, dict[str, str]]:
    """The Chinese label of every value of the choices a catalog row shows."""
    return {
        enum: {value: chinese_label(enum, value) for value in enum.values}
        for enum in (SecurityClassification, RetentionPeriod, UnitLevel, Openness)
    }


def _rows(
    actor: Any, units: QuerySet[ArchivalUnit], progress: Callable[[int, int], None] | None, *, whole: bool
) -> Iterator[list[Any]]:
    labels = choice_labels()
    tree = tree_order(actor, units, whole=whole)
    order, parents, codes = tree.order, tree.parents, tree.codes
    sequence = {unit_id: number for number, unit_id in enumerate(order, start=1)}
    done = 0
    subjects = Prefetch("subjects", queryset=Subject.objects.order_by("term"))
    for chunk in chunks(order, FETCH_CHUNK):
        loaded = units.filter(id__in=chunk).select_related("category").prefetch_related(subjects).in_bulk()
        for unit_id in chunk:
            parent = parents[unit_id]
            parent_code = codes.get(parent, "") if parent else tree.outside.get(unit_id, "")
            yield safe_row(_row(loaded[unit_id], sequence[unit_id], parent_code, parent, sequence, labels))
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
            elif isinstance(value, str) and value.startswith("#"):
                # Text, not an error value: openpyxl takes "#N/A", "#REF!" … for Excel's error codes. (Formulas
                # need nothing here: safe_text has put an apostrophe before any text that begins with "=".)
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
