"""Limits on what a catalog spreadsheet may make the server read, checked before any reader allocates anything.

python-calamine loads a sheet as one dense block from its top-left to its farthest cell with a value: a 5 KB
.xlsx with values at A1 and XFD1048576 asks for 17 billion cells (512 GiB) and the process aborts — in the web
server or the worker, which then picks the same import up again. So an .xlsx is first scanned here, as a zip and
as XML, for the farthest cell each sheet holds (the used range), and refused with a Chinese message that names
the limit when it is too large; only then does calamine open it. .xls, .xlsb and .ods, whose extent cannot be
known without decoding them, are not read at all (save them as .xlsx). CSV rows are counted as they are read.

The limits are settings (DANGAN_IMPORT_MAX_BYTES, _ROWS, _COLUMNS, _CELLS; see docs/operations.md).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

# An .xlsx is a zip of XML; its parts may unpack to this many times the largest file accepted (XML of a catalog
# compresses about 5 to 15 times). A "zip bomb" that unpacks to more is refused before calamine opens it.
UNPACKED_FACTOR = 10
SCAN_BLOCK = 1 << 20
_SHEET_PARTS = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)


class TableError(Exception):
    """The file cannot be read as a catalog table; the message is fit to show the user."""


@dataclass(frozen=True)
class ReadLimits:
    """How large a catalog file may be: bytes on disk, and rows, columns and cells of a sheet's used range."""

    max_bytes: int
    max_rows: int
    max_columns: int
    max_cells: int

    @classmethod
    def from_settings(cls) -> ReadLimits:
        return cls(
            max_bytes=settings.IMPORT_MAX_BYTES,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_columns=settings.IMPORT_MAX_COLUMNS,
            max_cells=settings.IMPORT_MAX_CELLS,
        )

    @property
    def max_unpacked_bytes(self) -> int:
        return self.max_bytes * UNPACKED_FACTOR


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB" if size < 10 * 1024 * 1024 else f"{size // (1024 * 1024):,d} MB"


def too_large_message(size: int, limit: int) -> str:
    return _("文件过大（%(size)s），上限为 %(limit)s；请拆分后分批导入。") % {
        "size": megabytes(size),
        "limit": megabytes(limit),
    }


def check_file_size(path: Path, limits: ReadLimits) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TableError(_("无法读取文件：%(error)s") % {"error": exc.strerror or exc}) from exc
    if size > limits.max_bytes:
        raise TableError(too_large_message(size, limits.max_bytes))


def column_letters(index: int) -> str:
    """The spreadsheet name of the 1-based column ``index`` (1 → A, 16384 → XFD)."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """The 1-based index of column ``letters`` (A → 1, XFD → 16384)."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


def check_extent(sheet: str, rows: int, columns: int, limits: ReadLimits) -> None:
    """Refuse a sheet whose used range (``rows`` × ``columns``, from A1) exceeds a limit, naming the limit and the
    farthest cell, which in a small file is usually a stray value far below or to the right of the table."""
    corner = f"{column_letters(columns)}{rows}" if rows and columns else ""
    context = {"sheet": sheet, "corner": corner, "rows": f"{rows:,d}", "columns": f"{columns:,d}"}
    if rows > limits.max_rows:
        message = _("工作表“%(sheet)s”用到第 %(rows)s 行（最远的单元格为 %(corner)s），超过导入行数上限 %(limit)s 行")
        limit = limits.max_rows
    elif columns > limits.max_columns:
        message = _(
            "工作表“%(sheet)s”用到第 %(columns)s 列（最远的单元格为 %(corner)s），超过导入列数上限 %(limit)s 列"
        )
        limit = limits.max_columns
    elif rows * columns > limits.max_cells:
        message = _(
            "工作表“%(sheet)s”的已用区域为 %(rows)s 行 × %(columns)s 列（至 %(corner)s），超过导入单元格数上限 %(limit)s 个"
        )
        limit = limits.max_cells
    else:
        return
    hint = _("请删除表格以外多余的内容，或拆分文件后分批导入。")
    raise TableError((message % {**context, "limit": f"{limit:,d}"}) + "；" + hint)


# ---------------------------------------------------------------- .xlsx


@dataclass
class UsedRange:
    rows: int = 0  # the farthest row with a value, 1-based (0: no value)
    columns: int = 0


def check_xlsx(path: Path, limits: ReadLimits) -> None:
    """Refuse an .xlsx (or .xlsm) that is not a readable zip, unpacks to too much, or has a sheet whose used range
    exceeds the limits. Every part a reader may load as a sheet is scanned."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            unpacked = sum(info.file_size for info in infos)
            if unpacked > limits.max_unpacked_bytes:
                raise TableError(
                    _("Excel 文件解压后过大（%(size)s），超过上限 %(limit)s；请检查文件或拆分后导入。")
                    % {"size": megabytes(unpacked), "limit": megabytes(limits.max_unpacked_bytes)}
                )
            names = {info.filename for info in infos}
            for part, sheet in _sheet_parts(archive, names).items():
                used = _scan_sheet(archive, part, limits)
                check_extent(sheet, used.rows, used.columns, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise TableError(_("无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式")) from exc
    except OSError as exc:
        raise TableError(_("无法读取文件：%(error)s") % {"error": exc.strerror or exc}) from exc


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Zip part → sheet name, for every part the workbook names as a sheet and every file under xl/worksheets/."""
    parts = {name: posixpath.basename(name) for name in names if _SHEET_PARTS.match(name)}
    rels, book = "xl/_rels/workbook.xml.rels", "xl/workbook.xml"
    if rels not in names or book not in names:
        return parts
    targets: dict[str, str] = {}
    for attrs in _elements(archive, rels, "Relationship"):
        if attrs.get("Type", "").lower().endswith("sheet") and attrs.get("Target"):
            target = attrs["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[attrs.get("Id", "")] = path
    for path in targets.values():
        parts.setdefault(path, posixpath.basename(path))
    for attrs in _elements(archive, book, "sheet"):
        rel = next((value for key, value in attrs.items() if key.rsplit(":", 1)[-1] == "id"), "")
        if rel in targets and attrs.get("name"):
            parts[targets[rel]] = attrs["name"]
    return {part: name for part, name in parts.items() if part in names}


def _elements(archive: zipfile.ZipFile, part: str, tag: str) -> list[dict[str, str]]:
    """The attributes of each element named ``tag`` (any namespace prefix) in a small XML part."""
    found: list[dict[str, str]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.rsplit(":", 1)[-1] == tag:
            found.append(attrs)

    parser = _parser()
    parser.StartElementHandler = start
    with archive.open(part) as handle:
        _feed(parser, _blocks(handle))
    return found


def _parser() -> Any:
    parser = expat.ParserCreate()
    # No DTD, no entities: nothing in an uploaded file makes the parser fetch or expand anything.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args: Any) -> None:
        raise TableError(_("无法读取 Excel 文件：文件中含有不允许的 XML 实体声明"))

    parser.EntityDeclHandler = refuse
    return parser


def _feed(parser: Any, blocks: Iterator[bytes]) -> None:
    try:
        for block in blocks:
            parser.Parse(block, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise TableError(_("无法读取 Excel 文件：XML 格式有误（%(error)s）") % {"error": exc}) from exc


def _blocks(handle: IO[bytes]) -> Iterator[bytes]:
    while block := handle.read(SCAN_BLOCK):
        yield block


def _scan_sheet(archive: zipfile.ZipFile, part: str, limits: ReadLimits) -> UsedRange:
    """The used range of one sheet part: first fast, from the positions the cells state; when some cell does not
    state its position plainly, or the fast answer is over a limit (it counts empty formatted cells too), exactly."""
    with archive.open(part) as handle:
        used = _scan_refs(handle)
    if used is not None and _within(used, limits):
        return used
    with archive.open(part) as handle:
        return _scan_exactly(handle)


def _within(used: UsedRange, limits: ReadLimits) -> bool:
    return (
        used.rows <= limits.max_rows
        and used.columns <= limits.max_columns
        and used.rows * used.columns <= limits.max_cells
    )


# Fast path: every cell written as <c r="A1" …> (Excel, WPS, LibreOffice, openpyxl and xlsxwriter all put r first).
_CELL_REFS = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_CELL_TAGS = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL_TAGS = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")


def _scan_refs(handle: IO[bytes]) -> UsedRange | None:
    """The farthest row and column named by any cell (with a value or not: an over-estimate, which is safe), or
    None when some cell is written another way (no r, r not first, a namespace prefix) and positions must be
    followed exactly."""
    rows: set[bytes] = set()
    columns: set[bytes] = set()
    tail = b""  # from the last "<" of a block on, read with the next block; at the end "</worksheet>"
    for block in _blocks(handle):
        data = tail + block
        cut = data.rfind(b"<")
        if cut <= 0:
            tail = data
            continue
        data, tail = data[:cut], data[cut:]
        found = _CELL_REFS.findall(data)
        # Counting is much faster than matching: match only in a block where the counts disagree (<cols>,
        # <cfRule> … also start with "<c"; a prefixed "<x:c" would not be counted at all).
        if data.count(b"<c") != len(found) and len(_CELL_TAGS.findall(data)) != len(found):
            return None
        if b":c" in data and _PREFIXED_CELL_TAGS.search(data):
            return None
        for column, row in set(found):
            columns.add(column)
            rows.add(row)
    used = UsedRange()
    if rows:
        used.rows = max(int(row) for row in rows)
        used.columns = max(column_index(column.decode()) for column in columns)
    return used


_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})$")


@dataclass
class _Position:
    row: int = 0
    column: int = 0
    cell: tuple[int, int] = (0, 0)
    in_cell: bool = False


def _scan_exactly(handle: IO[bytes]) -> UsedRange:
    """The used range as calamine computes it: a cell without r follows the one before it in its row, a row
    without r follows the row before it, and only a cell with content (a value, an inline string or a formula)
    counts."""
    used = UsedRange()
    at = _Position()

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1]
        if local == "row":
            ref = attrs.get("r", "")
            at.row = int(ref) if ref.isdigit() else at.row + 1
            at.column = 0
        elif local == "c":
            match = _REF.match(attrs.get("r", ""))
            if match:
                row, column = int(match.group(2)), column_index(match.group(1))
            else:
                row, column = max(at.row, 1), at.column + 1
            at.column = column
            at.cell = (row, column)
            at.in_cell = True
        elif at.in_cell:  # the cell has content
            used.rows = max(used.rows, at.cell[0])
            used.columns = max(used.columns, at.cell[1])
            at.in_cell = False

    def end(name: str) -> None:
        if name.rsplit(":", 1)[-1] == "c":
            at.in_cell = False

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    _feed(parser, _blocks(handle))
    return used
