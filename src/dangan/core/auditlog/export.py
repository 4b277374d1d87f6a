"""The audit log written as a spreadsheet (.csv UTF-8 with a BOM, or .xlsx), exactly as the page shows it to the
reader: Chinese labels, the content withheld where the reader may not see it, every text cell through ``safe_text``
(a title typed as ``=HYPERLINK(…)`` must never run in the reader's spreadsheet)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dangan.core.models import AuditEntry
from dangan.utilities.spreadsheets import safe_row

from .display import EntryView, present

FORMATS = ("csv", "xlsx")
CHUNK = 500  # entries presented (and their describers asked) at a time


def columns() -> list[str]:
    return [
        _("编号"),
        _("时间"),
        _("用户"),
        _("操作"),
        _("操作代码"),
        _("对象类型"),
        _("对象标识"),
        _("对象"),
        _("修改内容"),
        _("其他内容"),
        _("客户端"),
        _("IP 地址"),
        _("哈希"),
    ]


def _row(view: EntryView) -> list[Any]:
    entry = view.entry
    return [
        entry.pk,
        view.local_time,
        entry.username,
        view.action_label,
        entry.action,
        view.object_type_label,
        entry.object_id,
        view.object_text,
        view.changes_text(),
        "" if view.withheld else view.details_text(),
        view.client,
        view.ip,
        entry.entry_hash,
    ]


def rows(entries: QuerySet[AuditEntry], reader: Any) -> Iterator[list[Any]]:
    """The rows of ``entries`` (newest first) as ``reader`` may read them, fetched and presented in chunks."""
    last_id: int | None = None
    while True:
        chunk_query = entries.order_by("-id")
        if last_id is not None:
            chunk_query = chunk_query.filter(id__lt=last_id)
        chunk = list(chunk_query[:CHUNK])
        if not chunk:
            return
        for view in present(chunk, reader):
            yield safe_row(_row(view))
        last_id = chunk[-1].pk


def write(path: Path, fmt: str, entries: QuerySet[AuditEntry], reader: Any) -> int:
    """Write the export to ``path``; returns the number of entries written."""
    if fmt == "xlsx":
        return _write_xlsx(path, rows(entries, reader))
    return _write_csv(path, rows(entries, reader))


def _write_csv(path: Path, data: Iterator[list[Any]]) -> int:
    count = 0
    # UTF-8 with a BOM, as the catalog export: Excel on Chinese Windows then opens it without garbling.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns())
        for row in data:
            writer.writerow(row)
            count += 1
    return count


def _write_xlsx(path: Path, data: Iterator[list[Any]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("审计日志"))
    sheet.append(columns())
    count = 0
    for row in data:
        cells: list[Any] = []
        for value in row:
            if isinstance(value, str):
                # Control characters (a pasted user agent, a title) cannot be stored in .xlsx at all.
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # text, never a formula, whatever it starts with
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count
