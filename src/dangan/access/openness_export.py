"""The openness review's spreadsheets (.xlsx): a round's report and the list of newly opened records. Every text cell
goes through ``safe_row`` (a title that begins with "=" never runs as a formula)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from dangan.utilities.spreadsheets import safe_row

Sheet = tuple[str, list[str], Iterable[list[Any]]]


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    """An .xlsx of ``sheets`` (title, header, rows), written row by row (write-only mode: memory stays small)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for row in rows:
            cells: list[Any] = []
            for value in safe_row(row):
                if isinstance(value, str) and value.startswith("#"):
                    # Text, not one of Excel's error values ("#N/A").
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"
                    cells.append(cell)
                else:
                    cells.append(value)
            sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
