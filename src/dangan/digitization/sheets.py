"""Reading the two small sheets of a digitization batch (.xlsx or .csv, first row with a recognised header):

- a unit list: a column 档号 (the units to digitize);
- a mapping sheet: columns 文件夹 (the folder name a scanner wrote) and 档号 (the unit it holds).

The catalog's limits apply (file size, rows, columns: catalog.tabular_limits), and CSV may be UTF-8 or GB18030.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.utils.translation import gettext as _

from dangan.catalog.tabular import cell_text, decode_text, normalize_header
from dangan.catalog.tabular_limits import ReadLimits, TableError, check_file_size, check_xlsx

__all__ = ["MAPPING_SHEET_NAMES", "TableError", "read_mapping", "read_reference_codes"]

REFERENCE_HEADERS = frozenset({"档号", "档案号"})
FOLDER_HEADERS = frozenset({"文件夹", "文件夹名", "目录", "目录名", "文件夹名称"})
# A mapping sheet lying in an import folder under one of these names is used without being named.
MAPPING_SHEET_NAMES = ("对照表.xlsx", "对照表.csv", "mapping.xlsx", "mapping.csv")
HEADER_ROWS = 10


def _rows(path: Path) -> list[list[str]]:
    limits = ReadLimits.from_settings()
    suffix = path.suffix.lower()
    check_file_size(path, limits)
    if suffix in (".xlsx", ".xlsm"):
        from python_calamine import CalamineWorkbook

        check_xlsx(path, limits)
        try:
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
            values = sheet.to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises several types for damaged or mislabelled files
            raise TableError(_("无法读取 Excel 文件：%(error)s") % {"error": exc}) from exc
        return [[cell_text(v) for v in row] for row in values]
    if suffix in (".csv", ".txt"):
        text = decode_text(path.read_bytes())
        try:
            return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise TableError(_("CSV 文件格式有误：%(error)s") % {"error": exc}) from exc
    raise TableError(_("不支持的文件类型“%(suffix)s”，请使用 .xlsx 或 .csv 文件") % {"suffix": suffix or "—"})


def _columns(rows: list[list[str]], *wanted: frozenset[str]) -> tuple[int, list[int]]:
    """The header row's index and the column of each ``wanted`` header set."""
    for index, row in enumerate(rows[:HEADER_ROWS]):
        headers = [normalize_header(cell) for cell in row]
        found = [next((i for i, h in enumerate(headers) if h in names), -1) for names in wanted]
        if all(i >= 0 for i in found):
            return index, found
    names = "、".join(sorted(next(iter(sorted(w))) for w in wanted))
    raise TableError(_("在前 %(n)d 行中没有找到表头（应含：%(names)s）") % {"n": HEADER_ROWS, "names": names})


def read_reference_codes(path: Path) -> list[str]:
    """The 档号 listed in a unit list, in order, each once."""
    rows = _rows(path)
    header, (column,) = _columns(rows, REFERENCE_HEADERS)
    codes: list[str] = []
    for row in rows[header + 1 :]:
        code = row[column].strip() if column < len(row) else ""
        if code and code not in codes:
            codes.append(code)
    if not codes:
        raise TableError(_("表中没有档号"))
    return codes


def read_mapping(path: Path) -> dict[str, str]:
    """Folder name → 档号 from a mapping sheet."""
    rows = _rows(path)
    header, (folder_column, code_column) = _columns(rows, FOLDER_HEADERS, REFERENCE_HEADERS)
    mapping: dict[str, str] = {}
    for number, row in enumerate(rows[header + 1 :], header + 2):
        folder = row[folder_column].strip() if folder_column < len(row) else ""
        code = row[code_column].strip() if code_column < len(row) else ""
        if not folder and not code:
            continue
        if not folder or not code:
            raise TableError(_("对照表第 %(row)d 行缺少文件夹名或档号") % {"row": number})
        if folder in mapping and mapping[folder] != code:
            raise TableError(_("对照表中文件夹“%(folder)s”对应了两个档号") % {"folder": folder})
        mapping[folder] = code
    return mapping
