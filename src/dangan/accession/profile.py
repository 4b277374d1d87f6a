"""The SIP profile (信息包规范) of dangan: a BagIt 1.0 bag whose ``data/metadata/`` holds the catalog of its items —
a sheet ``目录.xlsx`` or ``目录.csv`` with the catalog import's columns plus 电子文件 (each item's files, relative to
``data/``, separated by ";"), or DA/T 46-style XML (``*.xml``, one record per item) — and whose other payload files
are the content. ``read_catalog`` turns either into the catalog's own ``Table``, so the catalog import's row checks
judge it, plus the files of each row. See docs/development/accession.md.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.utils.translation import gettext as _

from dangan.catalog.tabular import (
    FIELD_HEADERS,
    Table,
    TableError,
    cell_text,
    decode_text,
    header_field,
    match_headers,
    normalize_header,
    read_table,
)

METADATA_DIR = "data/metadata/"
SHEET_NAMES = ("目录.xlsx", "目录.csv")
FILES_HEADERS = ("电子文件", "电子文件名", "文件路径", "计算机文件名", "文件名")
FILE_SEPARATORS = re.compile(r"[;；\n]+")

# bag-info.txt labels the profile reads (BagIt reserved labels where one fits).
INFO_SOURCE = "Source-Organization"  # 移交单位
INFO_BATCH = "External-Identifier"  # 移交批次
INFO_FONDS = "Fonds-Code"  # 全宗号
INFO_ITEMS = "Item-Count"  # 声明件数
INFO_BAGGING_DATE = "Bagging-Date"
REQUIRED_INFO = (INFO_SOURCE, INFO_BAGGING_DATE)

# DA/T 46 element names that are not catalog headers.
XML_FILE_NAME = "计算机文件名"
XML_FILE_SIZE = "计算机文件大小"
XML_FORMAT = "格式信息"
XML_RECORDS = ("文件", "电子文件", "记录", "条目")
_XML_CODE_PARTS = {"全宗号": "fonds_code", "年度": "year", "保管期限": "retention", "件号": "item_number"}


@dataclass
class CatalogProblem:
    """Why the metadata cannot be used as it is: ``code`` is the DA/T 70 item (1-12 layout, 3-1 unreadable)."""

    code: str
    message: str
    file: str = ""


@dataclass
class SipCatalog:
    """The catalog of a bag as the profile reads it."""

    kind: str = ""  # "sheet", "xml", or "" when there is none
    paths: list[str] = field(default_factory=list)  # bag-relative metadata files
    table: Table | None = None
    files_header: str = ""
    files: dict[int, list[str]] = field(default_factory=dict)  # row number → data-relative paths as written
    row_sources: dict[int, str] = field(default_factory=dict)  # row number → the metadata file it came from
    declared: dict[str, dict[str, str]] = field(default_factory=dict)  # data-relative path → {"size", "format"}
    problems: list[CatalogProblem] = field(default_factory=list)

    def source_of(self, row: int) -> str:
        return self.row_sources.get(row, self.paths[0] if self.paths else "")

    @property
    def metadata_paths(self) -> set[str]:
        return set(self.paths)


def split_files(value: Any) -> list[str]:
    """The 电子文件 cell as a list of paths (separated by ";", "；" or new lines)."""
    text = cell_text(value)
    return [part.strip() for part in FILE_SEPARATORS.split(text) if part.strip()]


def normalize_path(path: str) -> str | None:
    """A path as written in the catalog, relative to data/ and '/'-separated; None when it leaves data/."""
    text = path.replace("\\", "/").strip()
    while text.startswith("./"):
        text = text[2:]
    if not text or text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return None
    parts = PurePosixPath(text).parts
    if any(part in ("..", ".") for part in parts):
        return None
    return "/".join(parts)


def read_catalog(bag: Path) -> SipCatalog:
    """Find and read the catalog of the bag at ``bag`` (a sheet, else XML records)."""
    metadata = bag / METADATA_DIR
    catalog = SipCatalog()
    if not metadata.is_dir():
        catalog.problems.append(
            CatalogProblem("1-12", _("缺少目录文件夹 data/metadata/（应含 目录.xlsx、目录.csv 或 XML 著录文件）"))
        )
        return catalog
    for name in SHEET_NAMES:
        if (metadata / name).is_file():
            _read_sheet(catalog, metadata / name, METADATA_DIR + name)
            return catalog
    xml_files = sorted(p for p in metadata.iterdir() if p.is_file() and p.suffix.lower() == ".xml")
    if xml_files:
        _read_xml(catalog, xml_files)
        return catalog
    catalog.problems.append(
        CatalogProblem("1-12", _("data/metadata/ 中没有目录文件（目录.xlsx、目录.csv）或 XML 著录文件"), METADATA_DIR)
    )
    return catalog


# ---------------------------------------------------------------------------------------------------- sheets


def _read_sheet(catalog: SipCatalog, path: Path, relative: str) -> None:
    catalog.kind = "sheet"
    catalog.paths = [relative]
    try:
        table = read_table(path)
        header_cells = _header_cells(path, table)
    except TableError as exc:
        catalog.problems.append(CatalogProblem("3-1", str(exc), relative))
        return
    files_column = None
    for index, cell in enumerate(header_cells):
        if normalize_header(cell) in {normalize_header(h) for h in FILES_HEADERS}:
            files_column = index
            catalog.files_header = cell_text(cell)
            break
    if files_column is not None:
        # The catalog import would note the column as unknown; it is the profile's, not unknown here.
        table.header.unknown = [h for h in table.header.unknown if h != catalog.files_header]
        for offset, cells in enumerate(table.rows):
            if files_column < len(cells) and cells[files_column] not in (None, ""):
                catalog.files[table.first_row + offset] = split_files(cells[files_column])
    catalog.table = table


def _header_cells(path: Path, table: Table) -> list[Any]:
    """The header row's cells as written (read_table keeps only the fields it knows)."""
    if path.suffix.lower() == ".csv":
        text = decode_text(path.read_bytes())
        head = text[:4096]
        delimiter = "\t" if head.count("\t") > head.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        row: list[Any] = []
        for _number in range(table.header_row):
            row = next(reader, [])
        return row
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    rows = workbook.get_sheet_by_name(table.sheet).to_python(skip_empty_area=False, nrows=table.header_row)
    return list(rows[table.header_row - 1]) if len(rows) >= table.header_row else []


# ------------------------------------------------------------------------------------------------------- XML


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _read_xml(catalog: SipCatalog, paths: list[Path]) -> None:
    from lxml import etree

    catalog.kind = "xml"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    keys: list[str] = []
    records: list[tuple[str, dict[str, str], list[str]]] = []
    for path in paths:
        relative = METADATA_DIR + path.name
        catalog.paths.append(relative)
        try:
            root = etree.parse(str(path), parser).getroot()
        except (etree.XMLSyntaxError, OSError) as exc:
            catalog.problems.append(CatalogProblem("3-1", _("XML 无法解析：%(error)s") % {"error": exc}, relative))
            continue
        # A file of records (<目录><文件>…</文件>…</目录>), or one record per file.
        elements = [child for child in root if _local(child.tag) in XML_RECORDS] if _has_records(root) else [root]
        if not any(_local(node.tag) == "题名" for element in elements for node in element.iter()):
            catalog.problems.append(
                CatalogProblem("1-12", _("XML 中没有著录条目（含 <题名> 的 <文件> 或 <电子文件>）"), relative)
            )
            continue
        for element in elements:
            values, files = _record(element, catalog)
            for key in values:
                if key not in keys:
                    keys.append(key)
            records.append((relative, values, files))
    if not records:
        return
    if "title" not in keys:
        keys.insert(0, "title")
    headers = [FIELD_HEADERS[key][0] for key in keys]
    rows = [[values.get(key) for key in keys] for _source, values, _files in records]
    catalog.table = Table(match_headers(headers), 0, rows, 1, "")
    catalog.files_header = XML_FILE_NAME
    for number, (source, _values, files) in enumerate(records, start=1):
        catalog.row_sources[number] = source
        if files:
            catalog.files[number] = files


def _has_records(element: Any) -> bool:
    return any(_local(child.tag) in XML_RECORDS for child in element)


def _record(element: Any, catalog: SipCatalog) -> tuple[dict[str, str], list[str]]:
    values: dict[str, str] = {}
    files: list[str] = []
    for node in element.iter():
        name = _local(node.tag)
        if not name or len(node):
            continue
        text = (node.text or "").strip()
        if not text:
            continue
        if name == XML_FILE_NAME:
            files.append(text)
            attributes = {_local(sibling.tag): (sibling.text or "").strip() for sibling in node.getparent()}
            normalized = normalize_path(text)
            if normalized:
                catalog.declared[normalized] = {
                    "size": attributes.get(XML_FILE_SIZE, ""),
                    "format": attributes.get(XML_FORMAT, ""),
                }
            continue
        key = _XML_CODE_PARTS.get(name) or header_field(name)
        if key is not None and key not in values:
            values[key] = text
    return values, files
