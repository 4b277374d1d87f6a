"""Catalog spreadsheets: reading .xlsx (python-calamine) and .csv (UTF-8 or GB18030) within the limits of
catalog.tabular_limits, finding and matching the Chinese header row, and parsing cells the way archivists type
them (dates, numbers, choice labels or codes).

Pure parsing, no database: the import process (catalog.actions.importing) builds on it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from dangan.utilities.spreadsheets import is_formula_like
from dangan.utilities.text import clean_cell, fold_width

from .choices import DatePrecision, Openness, RetentionPeriod, SecurityClassification, UnitLevel
from .dates import parse_date_text
from .tabular_limits import ReadLimits, TableError, check_extent, check_file_size, check_xlsx

# Only formats whose extent can be known before they are read (see tabular_limits): .xls, .xlsb and .ods are
# refused with a hint to save them as .xlsx.
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm"})
UNBOUNDED_SUFFIXES = frozenset({".xls", ".xlsb", ".ods", ".et"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES | CSV_SUFFIXES
HEADER_SEARCH_ROWS = 10  # a title row ("归档文件目录") or two often sits above the header

Cell = Any  # str | int | float | bool | date | datetime | None, as the readers give them


class CellError(ValueError):
    """A cell that cannot be parsed; ``code`` is the DA/T 70 item it fails."""

    def __init__(self, reason: str, code: str = "1-3") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


# ---------------------------------------------------------------- headers

# Field key → the headers archivists use for it (compared after normalize_header).
FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "sequence": ("序号", "顺序号"),
    "reference_code": ("档号", "档案号"),
    "document_number": ("文号", "文件编号", "发文字号", "发文号", "文件字号"),
    "responsible": ("责任者", "发文单位", "发文机关", "责任单位", "作者"),
    "title": ("题名", "文件题名", "标题", "案卷题名", "正题名", "文件标题", "题名与责任说明"),
    "date": ("日期", "成文日期", "形成日期", "时间", "文件日期", "形成时间", "成文时间", "发文日期"),
    "classification": ("密级",),
    "page_count": ("页数", "页", "张数"),
    "remarks": ("备注",),
    "category": ("门类", "档案门类", "门类代码", "档案门类代码"),
    "year": ("年度", "归档年度", "年份"),
    "retention": ("保管期限", "保管年限", "期限"),
    "organization": (
        "机构(问题)",
        "机构问题",
        "机构",
        "问题",
        "机构或问题",
        "机构(问题)代码",
        "机构问题代码",
        "机构代码",
        "组织机构",
    ),
    "item_number": ("件号",),
    "level": ("层级", "聚合层次", "层次", "整理层级"),
    "parent_code": ("上级档号", "所属案卷档号", "案卷档号", "父级档号"),
    "parent_sequence": ("上级序号",),
    "openness": ("开放状态", "开放情况", "开放标识", "开放审核结果"),
    "subjects": ("主题词", "关键词", "主题词或关键词"),
    "physical_location": ("存放位置", "存放地点", "存址", "库房位置", "位置"),
    "extent": ("数量及单位", "数量"),
    "notes": ("附注",),
    "fonds_code": ("全宗号", "全宗代码"),
}
_HEADER_STRIP = re.compile(r"[\s*＊:：]+")


_WIDE = re.compile("[\uff01-\uff5e\u3000]")


def fold(text: str) -> str:
    """fold_width, skipping the common case of text with nothing full-width in it."""
    return fold_width(text) if _WIDE.search(text) else text


def normalize_header(value: Cell) -> str:
    """A header cell folded for comparison: full-width to half-width, no spaces, no "*" or ":" marks."""
    return _HEADER_STRIP.sub("", fold(clean_cell(value)))


@cache
def _header_index() -> dict[str, str]:
    return {normalize_header(name): key for key, names in FIELD_HEADERS.items() for name in names}


def header_field(value: Cell) -> str | None:
    """The field key a header names, or None."""
    return _header_index().get(normalize_header(value))


@dataclass
class HeaderMap:
    """Which column holds which field; ``unknown`` and ``repeated`` are headers that are ignored."""

    columns: dict[str, int] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # field key → the header as written in the file
    unknown: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)

    def __contains__(self, key: str) -> bool:
        return key in self.columns


def match_headers(row: Iterable[Cell]) -> HeaderMap:
    found = HeaderMap()
    for index, cell in enumerate(row):
        text = clean_cell(cell)
        if not text:
            continue
        key = header_field(text)
        if key is None:
            found.unknown.append(text)
        elif key in found.columns:
            found.repeated.append(text)
        else:
            found.columns[key] = index
            found.headers[key] = text
    return found


def find_header_row(rows: list[list[Cell]]) -> int | None:
    """The index of the first of the first rows that has a 题名 column, or None."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(header_field(cell) == "title" for cell in row if cell not in (None, "")):
            return index
    return None


# ---------------------------------------------------------------- reading files


@dataclass
class Table:
    """The header and data rows of a sheet. ``first_row`` is the spreadsheet number of ``rows[0]``."""

    header: HeaderMap
    header_row: int
    rows: list[list[Cell]]
    first_row: int
    sheet: str = ""


def unsupported_type_message(suffix: str) -> str:
    if suffix in UNBOUNDED_SUFFIXES:
        return _("不支持“%(suffix)s”文件：请在 Excel 或 WPS 中另存为 .xlsx 后导入") % {"suffix": suffix}
    return _("不支持的文件类型“%(suffix)s”，请使用 .xlsx 或 .csv 文件") % {"suffix": suffix or _("无扩展名")}


def read_table(path: Path, suffix: str | None = None, limits: ReadLimits | None = None) -> Table:
    """Read the catalog table of ``path`` (the first sheet that has a 题名 header), within ``limits`` (by default
    the DANGAN_IMPORT_MAX_* settings): TableError, naming the limit, for a file or a sheet that exceeds one."""
    suffix = (suffix or path.suffix).lower()
    limits = limits or ReadLimits.from_settings()
    if suffix not in SUPPORTED_SUFFIXES:
        raise TableError(unsupported_type_message(suffix))
    check_file_size(path, limits)
    sheets: Iterable[tuple[str, list[list[Cell]]]]
    sheets = _read_spreadsheet(path, limits) if suffix in SPREADSHEET_SUFFIXES else [("", _read_csv(path, limits))]
    for name, rows in sheets:
        index = find_header_row(rows)
        if index is not None:
            return Table(match_headers(rows[index]), index + 1, rows[index + 1 :], index + 2, name)
    raise TableError(
        _("在前 %(n)d 行中没有找到含“题名”的表头行，请检查文件是否为归档文件目录") % {"n": HEADER_SEARCH_ROWS}
    )


def _read_spreadsheet(path: Path, limits: ReadLimits) -> Iterable[tuple[str, list[list[Cell]]]]:
    from python_calamine import CalamineWorkbook

    check_xlsx(path, limits)  # before calamine allocates the used range of any sheet
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for damaged, encrypted or mislabelled files
        raise TableError(_("无法读取 Excel 文件：%(error)s") % {"error": exc}) from exc
    return _sheets(workbook)


def _sheets(workbook: Any) -> Iterable[tuple[str, list[list[Cell]]]]:
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    for meta in workbook.sheets_metadata:
        if meta.visible != SheetVisibleEnum.Visible or meta.typ != SheetTypeEnum.WorkSheet:
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            head = sheet.to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)
            if find_header_row(head) is None:
                continue
            yield meta.name, sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise TableError(
                _("无法读取 Excel 工作表“%(sheet)s”：%(error)s") % {"sheet": meta.name, "error": exc}
            ) from exc


def decode_text(data: bytes) -> str:
    """Text of a CSV file: UTF-16 or UTF-8 (with or without BOM), else GB18030 as Excel saves it on Chinese
    Windows; a file that is neither is refused rather than imported as mojibake."""
    encodings = ("utf-16",) if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(_("无法识别 CSV 文件的编码（应为 UTF-8 或 GBK/GB18030）"))


def _read_csv(path: Path, limits: ReadLimits) -> list[list[Cell]]:
    try:
        text = decode_text(path.read_bytes())
    except OSError as exc:
        raise TableError(_("无法读取文件：%(error)s") % {"error": exc}) from exc
    head = text[:4096]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    rows: list[list[Cell]] = []
    columns = cells = 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            columns = max(columns, len(row))
            cells += len(row)
            if len(rows) > limits.max_rows or columns > limits.max_columns or cells > limits.max_cells:
                check_extent(path.name, len(rows), columns, limits)
    except csv.Error as exc:
        raise TableError(_("CSV 文件格式有误：%(error)s") % {"error": exc}) from exc
    return rows


# ---------------------------------------------------------------- cells

_DOTS = str.maketrans({"・": "·", "•": "·", "‧": "·", "∙": "·", "･": "·", "●": "·"})
_SPACES = re.compile(r"\s+")


def cell_text(value: Cell) -> str:
    """A cell as trimmed text (dates as yyyy-mm-dd, whole numbers without ".0")."""
    if isinstance(value, dt.datetime):
        value = value.date() if not value.time() else value
    return clean_cell(value)


def unguard(value: Cell) -> Cell:
    """A text cell as it was before an export guarded it against formula injection (utilities.spreadsheets
    .safe_text): "'=HYPERLINK(…)" reads back as "=HYPERLINK(…)", so an exported catalog imports unchanged."""
    if isinstance(value, str) and value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value


def code_text(value: Cell) -> str:
    """A code (档号, 全宗号, 门类 …): half-width, no spaces, middle-dot look-alikes as "·"."""
    return _SPACES.sub("", fold(clean_cell(value))).translate(_DOTS)


_INT = re.compile(r"[+-]?\d+")


def parse_int(value: Cell, suffix: str = "") -> int:
    """A whole number, from a number cell or text like "12" or "12页" (``suffix`` allowed after it)."""
    if isinstance(value, bool):
        raise CellError(_("应为整数"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(_("应为整数"))
    text = code_text(value)
    if suffix and text.endswith(suffix):
        text = text[: -len(suffix)]
    if not _INT.fullmatch(text):
        raise CellError(_("应为整数"))
    return int(text)


def parse_date(value: Cell) -> tuple[dt.date, str]:
    """A date and its precision (day, month or year; the 1st stands for an unknown day or month): a spreadsheet's
    date cell as it is, text as ``catalog.dates`` reads what people type."""
    if isinstance(value, dt.datetime):
        return value.date(), DatePrecision.DAY
    if isinstance(value, dt.date):
        return value, DatePrecision.DAY
    try:
        found = parse_date_text(cell_text(value))
    except ValueError:
        raise CellError(_("无法识别的日期")) from None
    return found.date, found.precision


# ---------------------------------------------------------------- choices (label or code)

_EXTRA_CHOICES: dict[str, dict[str, str]] = {
    "classification": {"非密": SecurityClassification.PUBLIC, "无": SecurityClassification.PUBLIC},
    "retention": {
        "30年": RetentionPeriod.THIRTY_YEARS,
        "30": RetentionPeriod.THIRTY_YEARS,
        "定期-30年": RetentionPeriod.THIRTY_YEARS,
        "10年": RetentionPeriod.TEN_YEARS,
        "10": RetentionPeriod.TEN_YEARS,
        "定期-10年": RetentionPeriod.TEN_YEARS,
    },
    "openness": {
        "划控": Openness.CONTROLLED,
        "控制使用": Openness.CONTROLLED,
        "不开放": Openness.CONTROLLED,
        "延期开放": Openness.CONTROLLED,
        "未审": Openness.PENDING,
        "待审核": Openness.PENDING,
    },
    "level": {"卷": UnitLevel.FILE, "类": UnitLevel.SERIES, "系列": UnitLevel.SERIES, "文件": UnitLevel.ITEM},
}
CHOICE_ENUMS = {
    "classification": SecurityClassification,
    "retention": RetentionPeriod,
    "openness": Openness,
    "level": UnitLevel,
}


def choice_key(value: Cell) -> str:
    return _SPACES.sub("", fold(clean_cell(value))).upper()


def chinese_label(enum: type, value: str) -> str:
    """The Chinese label of a choice value, whatever language is active."""
    with translation.override("zh-hans"):
        return str(enum(value).label)


@cache
def choice_table(kind: str) -> dict[str, str]:
    """Normalized label or code → stored value, for one choice field."""
    enum: Any = CHOICE_ENUMS[kind]
    table: dict[str, str] = {}
    for member in enum:
        table[choice_key(member.value)] = member.value
        table[choice_key(chinese_label(enum, member.value))] = member.value
    for text, value in _EXTRA_CHOICES.get(kind, {}).items():
        table[choice_key(text)] = str(value)
    return table


@lru_cache(maxsize=4096)
def parse_choice(kind: str, value: Cell) -> str:
    """The stored value of a choice cell given as label or code; 密级 "秘密★10年" counts as 秘密."""
    key = choice_key(value)
    if kind == "classification":
        key = key.split("★", 1)[0]
    found = choice_table(kind).get(key)
    if found is None:
        enum = CHOICE_ENUMS[kind]
        allowed = "、".join(chinese_label(enum, v) for v in enum.values)
        raise CellError(_("不是可用的取值（可用：%(allowed)s）") % {"allowed": allowed}, code="1-4")
    return found
