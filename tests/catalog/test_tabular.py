"""Reading catalog spreadsheets and parsing cells the way archivists type them (no database)."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from dangan.catalog.tabular import (
    CellError,
    TableError,
    header_field,
    match_headers,
    parse_choice,
    parse_date,
    parse_int,
    read_table,
)

D = dt.date


@pytest.mark.parametrize(
    ("cell", "expected", "precision"),
    [
        ("2021-03-05", D(2021, 3, 5), "day"),
        ("2021.3.5", D(2021, 3, 5), "day"),
        ("2021/3/5", D(2021, 3, 5), "day"),
        ("20210305", D(2021, 3, 5), "day"),
        (20210305.0, D(2021, 3, 5), "day"),  # a number cell, as calamine gives it
        ("1935年1月15日", D(1935, 1, 15), "day"),
        ("1935年1月", D(1935, 1, 1), "month"),
        ("1935年", D(1935, 1, 1), "year"),
        ("202103", D(2021, 3, 1), "month"),
        ("2021-03", D(2021, 3, 1), "month"),
        ("2021.3", D(2021, 3, 1), "month"),
        ("1935", D(1935, 1, 1), "year"),
        (1935.0, D(1935, 1, 1), "year"),
        ("19350000", D(1935, 1, 1), "year"),  # unknown month and day written as 00
        ("19350300", D(1935, 3, 1), "month"),
        (D(2021, 3, 5), D(2021, 3, 5), "day"),  # an Excel date cell
        (dt.datetime(2021, 3, 5, 0, 0), D(2021, 3, 5), "day"),
        ("2021-03-05 00:00:00", D(2021, 3, 5), "day"),
        ("２０２１－０３－０５", D(2021, 3, 5), "day"),  # full-width digits
        ("２０２１年３月５日", D(2021, 3, 5), "day"),
        (" 2021 年 3 月 5 日 ", D(2021, 3, 5), "day"),
        ("民国24年", D(1935, 1, 1), "year"),
        ("民国二十四年三月", D(1935, 3, 1), "month"),
        ("一九三五年一月十五日", D(1935, 1, 15), "day"),
        ("一九三五年十二月廿一日", D(1935, 12, 21), "day"),
    ],
)
def test_dates_as_archivists_type_them(cell, expected, precision):
    assert parse_date(cell) == (expected, precision)


@pytest.mark.parametrize(
    "cell",
    ["2021-13-01", "2021-02-30", "20211", "2021.3.5.6", "三月五日", "不详", "20210035", "19350005", "1935年13月"],
)
def test_dates_that_cannot_be_read(cell):
    with pytest.raises(CellError, match="无法识别的日期") as exc:
        parse_date(cell)
    assert exc.value.code == "1-3"


@pytest.mark.parametrize(
    ("kind", "cell", "value"),
    [
        ("classification", "公开", "public"),
        ("classification", "内部", "internal"),
        ("classification", "秘密", "secret"),
        ("classification", "机密", "confidential"),
        ("classification", "绝密", "top_secret"),
        ("classification", "秘密★10年", "secret"),
        ("classification", "非密", "public"),
        ("classification", "SECRET", "secret"),
        ("retention", "永久", "Y"),
        ("retention", "Y", "Y"),
        ("retention", "y", "Y"),
        ("retention", "定期30年", "D30"),
        ("retention", "D30", "D30"),
        ("retention", "30年", "D30"),
        ("retention", "定期10年", "D10"),
        ("retention", "Ｄ１０", "D10"),
        ("retention", "长期", "C"),
        ("retention", "短期", "D"),
        ("openness", "开放", "open"),
        ("openness", "控制", "controlled"),
        ("openness", "划控", "controlled"),
        ("openness", "待审", "pending"),
        ("level", "件", "item"),
        ("level", "案卷", "file"),
        ("level", "卷", "file"),
        ("level", "类别", "series"),
    ],
)
def test_choices_by_label_or_code(kind, cell, value):
    assert parse_choice(kind, cell) == value


def test_an_unknown_choice_names_the_allowed_values():
    with pytest.raises(CellError) as exc:
        parse_choice("classification", "超密")
    assert exc.value.code == "1-4" and "公开、内部、秘密、机密、绝密" in exc.value.reason
    with pytest.raises(CellError):
        parse_choice("retention", "99年")


def test_whole_numbers():
    assert parse_int(12.0) == 12
    assert parse_int("12") == 12
    assert parse_int("１２页", "页") == 12
    assert parse_int("-3") == -3
    for bad in ("3.5", 3.5, "十二", "12册"):
        with pytest.raises(CellError, match="整数"):
            parse_int(bad, "页")


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("机构（问题）", "organization"),
        ("机构(问题)", "organization"),
        ("机构问题", "organization"),
        ("机构", "organization"),
        (" 题 名 ", "title"),
        ("文件题名", "title"),
        ("标题", "title"),
        ("*题名", "title"),
        ("成文日期", "date"),
        ("形成日期", "date"),
        ("时间", "date"),
        ("件号", "item_number"),
        ("层级", "level"),
        ("上级档号", "parent_code"),
        ("存放位置", "physical_location"),
        ("附注", "notes"),
        ("数量及单位", "extent"),
        ("全宗号", "fonds_code"),
        ("保管期限", "retention"),
        ("开放状态", "openness"),
        ("主题词", "subjects"),
        ("门类", "category"),
        ("年度", "year"),
        ("ＤＡＴＥ", None),
        ("批注", None),
    ],
)
def test_header_synonyms(header, key):
    assert header_field(header) == key


def test_unknown_and_repeated_headers_are_set_aside():
    found = match_headers(["序号", "题名", "批注", "", None, "标题", "机构（问题）"])
    assert found.columns == {"sequence": 0, "title": 1, "organization": 6}
    assert found.unknown == ["批注"] and found.repeated == ["标题"]
    assert found.headers["organization"] == "机构（问题）"


def _xlsx(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_the_header_row_is_found_below_a_title_row(tmp_path):
    path = _xlsx(tmp_path / "目录.xlsx", [["归档文件目录"], [], ["序号", "题名", "日期"], [1, "通知", "20210305"]])
    table = read_table(path)
    assert table.header_row == 3 and table.first_row == 4
    assert table.rows[0][:3] == [1.0, "通知", "20210305"]


def test_a_workbook_whose_first_sheet_is_not_the_catalog(tmp_path):
    workbook = Workbook()
    workbook.active.append(["说明：本表为 2021 年度归档文件目录"])
    workbook.create_sheet("目录").append(["档号", "标题"])
    workbook["目录"].append(["Z109-WS·2021-Y-0001", "通知"])
    workbook.save(tmp_path / "目录.xlsx")
    table = read_table(tmp_path / "目录.xlsx")
    assert table.sheet == "目录" and table.rows == [["Z109-WS·2021-Y-0001", "通知"]]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "utf-16"])
def test_csv_in_the_encodings_excel_writes(tmp_path, encoding):
    path = tmp_path / "目录.csv"
    path.write_bytes(
        "归档文件目录\n题名,责任者\n关于做好易地扶贫搬迁工作的通知,贵州省扶贫开发办公室\n".encode(encoding)
    )
    table = read_table(path)
    assert table.header_row == 2
    assert table.rows == [["关于做好易地扶贫搬迁工作的通知", "贵州省扶贫开发办公室"]]


def test_tab_separated_text(tmp_path):
    path = tmp_path / "目录.txt"
    path.write_text("题名\t日期\n通知\t2021.3.5\n", encoding="utf-8")
    assert read_table(path).rows == [["通知", "2021.3.5"]]


def test_files_that_are_not_catalogs(tmp_path):
    with pytest.raises(TableError, match="没有找到含“题名”的表头行"):
        read_table(_xlsx(tmp_path / "a.xlsx", [["档号", "日期"], ["Z109-WS·2021-Y-0001", "2021"]]))
    (tmp_path / "b.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(TableError, match="不支持的文件类型"):
        read_table(tmp_path / "b.pdf")
    (tmp_path / "c.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(TableError, match="无法读取 Excel 文件"):
        read_table(tmp_path / "c.xlsx")
    (tmp_path / "d.csv").write_bytes(b"\xff\xfe\x00\xd8" * 3 + b"\x81\x30\x81")  # neither UTF-8 nor GB18030
    with pytest.raises(TableError):
        read_table(tmp_path / "d.csv")
