"""Catalog import from real .xlsx and .csv files into a real database: all or nothing, row-by-row reports,
idempotence, generated 档号, hierarchy, the CLI and the background task."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from dangan.catalog.actions.configuration import do_set_code_rule
from dangan.catalog.actions.importing import (
    ImportError_,
    do_start_import,
    import_catalog,
    run_import_batch,
)
from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.models import ArchivalUnit, ImportBatch
from dangan.catalog.refcodes import DA_T_13
from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry

HEADER = [
    "序号",
    "档号",
    "文号",
    "责任者",
    "题名",
    "日期",
    "密级",
    "页数",
    "备注",
    "年度",
    "保管期限",
    "上级档号",
    "全宗号",
]
TITLE_ROW = ["归档文件目录"]


def code(n: int, year: int = 2021, retention: str = "Y", org: str = "BGS") -> str:
    return f"Z109-WS·{year}-{retention}-{org}-{n:04d}"


def good_row(n: int) -> list:
    return [
        n,
        code(n),
        f"黔扶办发〔2021〕{n}号",
        "贵州省扶贫开发办公室",
        f"关于做好第{n}批易地扶贫搬迁工作的通知",
        "20210305",
        "",
        4,
        "",
        2021,
        "永久",
        "",
        "Z109",
    ]


def write_xlsx(path: Path, header: list, rows: list[list], title: list | None = TITLE_ROW) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append(title)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, header: list, rows: list[list], encoding: str = "utf-8-sig") -> Path:
    lines = [",".join(str(c) for c in header)] + [",".join("" if c is None else str(c) for c in row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def units() -> int:
    return ArchivalUnit.objects.count()


# ---------------------------------------------------------------- a good file


def test_a_good_file_imports_every_row_with_one_audit_entry(tmp_path, fonds, categories):
    path = write_xlsx(tmp_path / "目录.xlsx", HEADER, [good_row(n) for n in (1, 2, 3)])
    result = import_catalog(CONSOLE, path, fonds)
    assert result.status == "done" and result.ok
    assert (result.created, result.unchanged, result.total_rows) == (3, 0, 3)
    assert result.summary() == "已导入 3 条，未变化 0 条"
    unit = ArchivalUnit.objects.get(reference_code=code(2))
    assert unit.category == categories["WS"]  # taken from the 档号
    assert (unit.year, unit.retention, unit.organization, unit.item_number) == (2021, "Y", "BGS", 2)
    assert (unit.date, unit.date_precision) == (dt.date(2021, 3, 5), "day")
    assert (unit.classification, unit.openness, unit.level, unit.page_count) == ("public", "pending", "item", 4)
    assert unit.document_number == "黔扶办发〔2021〕2号" and unit.import_batch == result.batch
    assert unit.former_reference_codes == [] and unit.is_sample is False and unit.created <= unit.updated
    assert len({u.uuid for u in ArchivalUnit.objects.all()}) == 3
    assert [u.position for u in ArchivalUnit.objects.order_by("position")] == [1, 2, 3]
    fonds.refresh_from_db()
    assert (fonds.unit_count, fonds.top_level_count) == (3, 3)
    batch = result.batch
    assert (batch.status, batch.created_count, batch.total_rows, batch.processed_rows) == ("done", 3, 3, 3)
    assert len(batch.sha256) == 64 and batch.finished is not None
    entry = AuditEntry.objects.get(action="catalog.import")
    assert entry.data == {
        "file": "目录.xlsx",
        "sha256": batch.sha256,
        "created": 3,
        "unchanged": 0,
        "batch": str(batch.uuid),
    }
    assert AuditEntry.objects.filter(action="catalog.unit.create").count() == 0


def test_progress_is_reported_and_recorded(tmp_path, fonds, categories):
    path = write_xlsx(tmp_path / "目录.xlsx", HEADER, [good_row(n) for n in range(1, 2501)])
    calls: list[tuple[int, int]] = []
    result = import_catalog(CONSOLE, path, fonds, progress=lambda done, total: calls.append((done, total)))
    assert calls[:2] == [(1000, 2500), (2000, 2500)] and calls[-1] == (2500, 2500)
    assert result.created == 2500 and result.batch.processed_rows == 2500


# ---------------------------------------------------------------- bad rows: reported, nothing written


BAD_CELLS = [
    # (column, value, reason, DA/T 70 item[, other cells of the row changed with it])
    ("日期", "2021-13-01", "无法识别的日期", "1-3"),
    ("日期", (dt.date.today() + dt.timedelta(days=30)).strftime("%Y%m%d"), "日期晚于今天", "1-5"),
    ("密级", "超密", "不是可用的取值", "1-4"),
    ("保管期限", "99年", "不是可用的取值", "1-4"),
    ("题名", "", "题名不能为空", "2-4"),
    ("题名", "关于\ufffd扶贫的通知", "含有控制字符或乱码字符（U+FFFD）", "1-6"),  # mojibake
    ("题名", "长" * 1001, "超过上限 1000", "1-2"),
    ("档号", "Z110-WS·2021-Y-BGS-0050", "全宗号 Z110 与所属全宗 Z109 不符", "1-7"),
    ("档号", "Z109/2021/50", "不符合档号格式", "1-7"),
    ("档号", code(50, year=2020), "与著录的 2021 不一致", "1-7"),
    ("档号", code(49), "档号与第 51 行重复", "1-8"),
    ("年度", 2020, "年度 2020 与日期 2021-03-05 不一致", "1-5", {"档号": ""}),
    ("页数", -3, "页数不能为负数", "1-5"),
    ("页数", "3.5", "应为整数", "1-3"),
    ("上级档号", code(999), "上级档号在本文件和本全宗中都不存在", ""),
    ("全宗号", "Z110", "全宗号与所选全宗 Z109 不符", "1-9"),
]


@pytest.mark.parametrize("case", BAD_CELLS, ids=[c[2][:12] for c in BAD_CELLS])
def test_one_bad_row_among_a_hundred_imports_nothing(tmp_path, fonds, categories, case):
    column, value, reason, item, *also = case
    rows = [good_row(n) for n in range(1, 101)]
    rows[49][HEADER.index(column)] = value  # data row 50 is spreadsheet row 52 (title row, header row)
    for other, other_value in (also[0] if also else {}).items():
        rows[49][HEADER.index(other)] = other_value
    path = write_xlsx(tmp_path / "目录.xlsx", HEADER, rows)
    result = import_catalog(CONSOLE, path, fonds)
    assert result.status == "invalid" and not result.ok
    assert len(result.errors) == 1, [e.line() for e in result.errors]
    error = result.errors[0]
    assert (error.row, error.column, error.code) == (52, column, item)
    assert reason in error.reason and error.value == str(value)
    assert result.summary() == "校验未通过：1 处错误，未导入任何内容"
    assert units() == 0 and result.created == 0
    assert not AuditEntry.objects.filter(action="catalog.import").exists()
    batch = ImportBatch.objects.get()
    assert batch.status == "invalid" and batch.errors == [error.to_dict()]


def test_control_characters_in_a_csv(tmp_path, fonds, categories):
    rows = [good_row(1), good_row(2)]
    rows[1][HEADER.index("责任者")] = "贵州省\x07扶贫办"
    result = import_catalog(CONSOLE, write_csv(tmp_path / "目录.csv", HEADER, rows), fonds)
    [error] = result.errors
    assert (error.row, error.column, error.code) == (3, "责任者", "1-6") and "U+0007" in error.reason
    assert error.line() == "第 3 行 [责任者] “贵州省⟨U+0007⟩扶贫办”：含有控制字符或乱码字符（U+0007）"
    assert units() == 0


def test_the_report_line_and_json(tmp_path, fonds, categories):
    rows = [good_row(1), good_row(2)]
    rows[1][HEADER.index("日期")] = "2021-13-01"
    result = import_catalog(CONSOLE, write_xlsx(tmp_path / "目录.xlsx", HEADER, rows), fonds)
    assert result.errors[0].line() == "第 4 行 [日期] “2021-13-01”：无法识别的日期"
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["status"] == "invalid" and data["ok"] is False and data["batch"] == str(result.batch.uuid)
    assert data["errors"] == [
        {"row": 4, "column": "日期", "value": "2021-13-01", "reason": "无法识别的日期", "code": "1-3"}
    ]


def test_many_errors_are_all_reported_but_only_the_first_thousand_stored(tmp_path, fonds, categories):
    rows = [[n, "", "", "", f"通知{n}", "2021-13-01"] for n in range(1, 1201)]
    result = import_catalog(CONSOLE, write_xlsx(tmp_path / "目录.xlsx", HEADER[:6], rows), fonds)
    assert len(result.errors) == 1200 and len(result.batch.errors) == 1000
    assert "1200 处错误" in result.message and "1000" in result.message


def test_a_code_already_in_the_database_with_other_content_is_an_error(tmp_path, fonds, categories):
    do_create_unit(CONSOLE, fonds, {"title": "原有的题名", "reference_code": code(2), "category": categories["WS"]})
    path = write_xlsx(tmp_path / "目录.xlsx", HEADER, [good_row(1), good_row(2)])
    result = import_catalog(CONSOLE, path, fonds)
    [error] = result.errors
    assert (error.row, error.column, error.code) == (4, "档号", "1-8")
    assert error.reason.startswith("档号已存在且内容不同（") and "题名" in error.reason
    assert units() == 1


def test_an_item_cannot_hold_other_units(tmp_path, fonds, categories):
    header = ["档号", "题名", "层级", "上级档号"]
    rows = [[code(1), "一件", "件", ""], [code(2), "另一件", "件", code(1)], [code(3), "卷", "案卷", code(2)]]
    result = import_catalog(CONSOLE, write_xlsx(tmp_path / "目录.xlsx", header, rows, title=None), fonds)
    reasons = [(e.row, e.column, e.reason) for e in result.errors]
    assert reasons == [(3, "上级档号", "“件”之下不能再有下级档案"), (4, "上级档号", "“件”之下不能再有下级档案")]
    assert units() == 0


def test_a_cycle_of_parents_is_an_error(tmp_path, fonds, categories):
    header = ["档号", "题名", "层级", "上级档号"]
    rows = [[code(1), "甲", "类别", code(2)], [code(2), "乙", "类别", code(1)]]
    result = import_catalog(CONSOLE, write_xlsx(tmp_path / "目录.xlsx", header, rows, title=None), fonds)
    assert {e.reason for e in result.errors} == {"上级关系构成循环"} and units() == 0


def test_missing_title_column_or_unreadable_file_is_a_file_level_error(tmp_path, fonds, categories):
    path = write_xlsx(tmp_path / "目录.xlsx", ["档号", "日期"], [[code(1), "2021"]])
    with pytest.raises(ImportError_, match="题名"):
        import_catalog(CONSOLE, path, fonds)
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and "题名" in batch.message
    (tmp_path / "目录.docx").write_bytes(b"PK\x03\x04")
    with pytest.raises(ImportError_, match="不支持的文件类型"):
        import_catalog(CONSOLE, tmp_path / "目录.docx", fonds)
    assert units() == 0


# ---------------------------------------------------------------- forms archivists use


def test_each_date_form_and_choice_label(tmp_path, fonds, categories):
    header = ["题名", "日期", "密级", "保管期限", "开放状态", "层级"]
    rows = [
        ["甲", "2021-03-05", "秘密", "D30", "划控", "件"],
        ["乙", "2021.3.5", "", "定期30年", "", ""],
        ["丙", "2021/3/5", "内部", "30年", "开放", "案卷"],
        ["丁", 20210305, "公开", "Y", "待审", "卷"],
        ["戊", "1935年1月15日", "机密", "长期", "控制", "类别"],
        ["己", "1935年1月", "绝密", "C", "", ""],
        ["庚", "1935年", "", "永久", "", ""],
        ["辛", "202103", "", "", "", ""],
        ["壬", "1935", "", "", "", ""],
        ["癸", dt.date(2020, 12, 31), "", "", "", ""],
        ["子", "２０２１－０３－０５", "", "", "", ""],
        ["丑", "民国24年3月", "", "", "", ""],
    ]
    result = import_catalog(CONSOLE, write_xlsx(tmp_path / "目录.xlsx", header, rows), fonds)
    assert result.status == "done", [e.line() for e in result.errors]
    got = {
        u.title: (u.date, u.date_precision, u.classification, u.retention, u.openness, u.level)
        for u in ArchivalUnit.objects.all()
    }
    D = dt.date
    assert got == {
        "甲": (D(2021, 3, 5), "day", "secret", "D30", "controlled", "item"),
        "乙": (D(2021, 3, 5), "day", "public", "D30", "pending", "item"),
        "丙": (D(2021, 3, 5), "day", "internal", "D30", "open", "file"),
        "丁": (D(2021, 3, 5), "day", "public", "Y", "pending", "file"),
        "戊": (D(1935, 1, 15), "day", "confidential", "C", "controlled", "series"),
        "己": (D(1935, 1, 1), "month", "top_secret", "C", "pending", "item"),
        "庚": (D(1935, 1, 1), "year", "public", "Y", "pending", "item"),
        "辛": (D(2021, 3, 1), "month", "public", "", "pending", "item"),
        "壬": (D(1935, 1, 1), "year", "public", "", "pending", "item"),
        "癸": (D(2020, 12, 31), "day", "public", "", "pending", "item"),
        "子": (D(2021, 3, 5), "day", "public", "", "pending", "item"),
        "丑": (D(1935, 3, 1), "month", "public", "", "pending", "item"),
    }


def test_header_synonyms_and_ignored_columns(tmp_path, fonds, categories):
    header = [
        " 序 号",
        "文件题名",
        "成文日期",
        "机构（问题）",
        "全宗号",
        "批注",
        "主题词",
        "存放位置",
        "附注",
        "数量及单位",
    ]
    rows = [
        [
            1,
            "关于加强疫情防控的通知",
            "2020.1.28",
            "ＢＧＳ",
            "z109",
            "请复核",
            "疫情防控；新冠肺炎 防控",
            "3库",
            "附",
            "2页",
        ]
    ]
    result = import_catalog(CONSOLE, write_xlsx(tmp_path / "目录.xlsx", header, rows), fonds)
    assert result.status == "done"
    assert result.message == "已导入 1 条，未变化 0 条\n已忽略未识别的列：批注"
    unit = ArchivalUnit.objects.get()
    assert (unit.title, unit.organization, unit.physical_location, unit.notes, unit.extent) == (
        "关于加强疫情防控的通知",
        "BGS",
        "3库",
        "附",
        "2页",
    )
    assert sorted(unit.subjects.values_list("term", flat=True)) == ["新冠肺炎", "疫情防控", "防控"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_as_excel_saves_it(tmp_path, fonds, categories, encoding):
    rows = [good_row(1), good_row(2)]
    path = write_csv(tmp_path / "目录.csv", HEADER, rows, encoding=encoding)
    result = import_catalog(CONSOLE, path, fonds)
    assert result.status == "done" and result.created == 2
    assert ArchivalUnit.objects.get(reference_code=code(1)).title == "关于做好第1批易地扶贫搬迁工作的通知"


def test_the_header_row_below_a_title_row_in_csv(tmp_path, fonds, categories):
    path = tmp_path / "目录.csv"
    path.write_text("贵州省扶贫开发办公室 2021 年归档文件目录,,\n,,\n题名,日期,页数\n通知,2021.3.5,2\n", "utf-8-sig")
    result = import_catalog(CONSOLE, path, fonds)
    assert result.status == "done" and ArchivalUnit.objects.get().page_count == 2


# ---------------------------------------------------------------- importing again


def test_the_same_file_twice_creates_nothing_and_says_when(tmp_path, fonds, categories):
    path = write_xlsx(tmp_path / "目录.xlsx", HEADER, [good_row(n) for n in (1, 2)])
    first = import_catalog(CONSOLE, path, fonds)
    second = import_catalog(CONSOLE, path, fonds)
    assert second.status == "duplicate" and second.ok and second.created == 0
    assert second.summary().startswith("该文件已于 ") and "本次未新建任何档案" in second.summary()
    assert second.batch.pk != first.batch.pk and second.batch.status == "duplicate"
    assert units() == 2 and AuditEntry.objects.filter(action="catalog.import").count() == 1


def test_rows_already_imported_are_unchanged(tmp_path, fonds, categories):
    import_catalog(CONSOLE, write_xlsx(tmp_path / "a.xlsx", HEADER, [good_row(n) for n in (1, 2, 3)]), fonds)
    again = write_csv(tmp_path / "b.csv", HEADER, [good_row(n) for n in (1, 2, 3, 4)])  # another file, same rows
    result = import_catalog(CONSOLE, again, fonds)
    assert (result.status, result.created, result.unchanged) == ("done", 1, 3)
    assert result.summary() == "已导入 1 条，未变化 3 条"
    assert units() == 4


def test_rows_without_a_code_get_the_next_numbers_once(tmp_path, fonds, categories):
    do_create_unit(CONSOLE, fonds, {"title": "已有", "category": categories["WS"], "year": 2021, "retention": "Y"})
    header = ["题名", "门类", "年度", "保管期限", "机构（问题）", "档号", "日期"]
    rows = [
        ["第一件", "文书", 2021, "永久", "", "", "2021-01-05"],
        ["第二件", "WS", 2021, "永久", "", "Z109-WS·2021-Y-0005", ""],
        ["第三件", "WS", 2021, "永久", "", "", ""],
        ["办公室的", "WS", 2021, "永久", "BGS", "", ""],
        ["未分类的", "", 2021, "", "", "", ""],
    ]
    result = import_catalog(CONSOLE, write_xlsx(tmp_path / "a.xlsx", header, rows), fonds)
    assert result.status == "done", [e.line() for e in result.errors]
    codes = dict(ArchivalUnit.objects.values_list("title", "reference_code"))
    assert codes == {
        "已有": "Z109-WS·2021-Y-0001",
        "第一件": "Z109-WS·2021-Y-0006",  # after 0001 in the database and 0005 in the file
        "第二件": "Z109-WS·2021-Y-0005",
        "第三件": "Z109-WS·2021-Y-0007",
        "办公室的": "Z109-WS·2021-Y-BGS-0001",
        "未分类的": None,
    }
    # The same rows in another file: matched by their content, numbered nothing new.
    result = import_catalog(CONSOLE, write_csv(tmp_path / "b.csv", header, rows), fonds)
    assert (result.status, result.created, result.unchanged) == ("done", 0, 5)
    assert units() == 6


def test_generated_codes_follow_the_fonds_pattern(tmp_path, fonds, categories):
    do_set_code_rule(CONSOLE, DA_T_13, fonds=fonds)
    header = ["题名", "门类", "年度", "保管期限", "机构"]
    result = import_catalog(
        CONSOLE, write_xlsx(tmp_path / "a.xlsx", header, [["通知", "WS", 2015, "D30", "办公室"]]), fonds
    )
    assert result.status == "done"
    assert ArchivalUnit.objects.get().reference_code == "Z109-WS·2015·D30·办公室-0001"


# ---------------------------------------------------------------- hierarchy


def test_parents_by_code_in_the_file_or_the_database(tmp_path, fonds, categories):
    existing = do_create_unit(CONSOLE, fonds, {"title": "已有案卷", "level": "file", "reference_code": code(900)})
    do_create_unit(CONSOLE, fonds, {"title": "已有卷内件", "reference_code": code(901)}, parent=existing)
    header = ["档号", "题名", "层级", "上级档号"]
    rows = [
        [code(11), "卷内第一件", "件", code(10)],  # the parent comes later in the file
        [code(10), "2021年案卷", "案卷", ""],
        [code(12), "卷内第二件", "件", code(10)],
        [code(902), "补入已有案卷", "件", code(900)],
    ]
    result = import_catalog(CONSOLE, write_xlsx(tmp_path / "a.xlsx", header, rows), fonds)
    assert result.status == "done", [e.line() for e in result.errors]
    folder = ArchivalUnit.objects.get(reference_code=code(10))
    assert (folder.depth, folder.child_count, folder.parent) == (0, 2, None)
    children = list(folder.children.order_by("position").values_list("title", "depth", "position"))
    assert children == [("卷内第一件", 1, 1), ("卷内第二件", 1, 2)]
    added = ArchivalUnit.objects.get(reference_code=code(902))
    existing.refresh_from_db()
    assert (added.parent, added.depth, added.position, existing.child_count) == (existing, 1, 2, 2)
    fonds.refresh_from_db()
    assert (fonds.unit_count, fonds.top_level_count) == (6, 2)


def test_parents_without_a_code_by_their_sequence_number(tmp_path, fonds, categories):
    header = ["序号", "题名", "层级", "上级序号"]
    rows = [[1, "2021年文书", "类别", ""], [2, "案卷一", "案卷", 1], [3, "件一", "件", 2], [4, "件二", "件", 2]]
    result = import_catalog(CONSOLE, write_xlsx(tmp_path / "a.xlsx", header, rows), fonds)
    assert result.status == "done"
    tree = {u.title: (u.parent.title if u.parent else None, u.depth) for u in ArchivalUnit.objects.all()}
    assert tree == {"2021年文书": (None, 0), "案卷一": ("2021年文书", 1), "件一": ("案卷一", 2), "件二": ("案卷一", 2)}
    again = import_catalog(CONSOLE, write_csv(tmp_path / "b.csv", header, rows), fonds)
    assert (again.created, again.unchanged) == (0, 4)


# ---------------------------------------------------------------- who may import, dry runs


def test_roles_and_clearances(tmp_path, fonds, categories, system_admin, junior_archivist):
    rows = [good_row(1), good_row(2)]
    rows[1][HEADER.index("密级")] = "秘密"
    path = write_xlsx(tmp_path / "a.xlsx", HEADER, rows)
    with pytest.raises(PermissionDenied):
        import_catalog(system_admin, path, fonds)
    result = import_catalog(junior_archivist, path, fonds)
    [error] = result.errors
    assert (error.row, error.column) == (4, "密级") and "超出您可查看的范围" in error.reason
    assert units() == 0


def test_a_dry_run_checks_and_writes_nothing(tmp_path, fonds, categories, archivist):
    path = write_xlsx(tmp_path / "a.xlsx", HEADER, [good_row(1), good_row(2)])
    result = import_catalog(archivist, path, fonds, dry_run=True)
    assert (result.status, result.ok, result.created) == ("checked", True, 2)
    assert "未写入任何内容" in result.summary() and units() == 0
    assert result.batch.user == archivist and result.batch.dry_run
    assert import_catalog(archivist, path, fonds).status == "done"  # a dry run does not count as imported


# ---------------------------------------------------------------- the command line


def test_cli_exit_codes_and_report_on_stderr(tmp_path, fonds, categories, capsys):
    good = write_xlsx(tmp_path / "good.xlsx", HEADER, [good_row(1), good_row(2)])
    assert main(["catalog", "import", str(good), "--fonds", "Z109"]) == 0
    out, err = capsys.readouterr()
    assert "已导入 2 条，未变化 0 条" in out

    assert main(["catalog", "import", str(good), "--fonds", "z109"]) == 0
    assert "本次未新建任何档案" in capsys.readouterr().out

    rows = [good_row(3), good_row(4)]
    rows[1][HEADER.index("日期")] = "2021-13-01"
    bad = write_xlsx(tmp_path / "bad.xlsx", HEADER, rows)
    assert main(["catalog", "import", str(bad), "--fonds", "Z109"]) == 1
    out, err = capsys.readouterr()
    assert "校验未通过：1 处错误，未导入任何内容" in out
    assert "第 4 行 [日期] “2021-13-01”：无法识别的日期" in err
    assert main(["catalog", "import", str(bad), "--fonds", "Z109", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["errors"][0]["row"] == 4

    assert main(["catalog", "import", str(tmp_path / "missing.xlsx"), "--fonds", "Z109"]) == 2
    assert main(["catalog", "import", str(good), "--fonds", "Z999"]) == 2
    (tmp_path / "notes.docx").write_bytes(b"PK")
    assert main(["catalog", "import", str(tmp_path / "notes.docx"), "--fonds", "Z109"]) == 2
    assert "不支持的文件类型" in capsys.readouterr().err
    assert units() == 2


# ---------------------------------------------------------------- the background path


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def _upload(tmp_path: Path, rows: list[list]) -> io.BytesIO:
    return io.BytesIO(write_xlsx(tmp_path / "upload.xlsx", HEADER, rows).read_bytes())


def test_upload_runs_as_a_task_and_a_rerun_changes_nothing(
    tmp_path, media, fonds, categories, archivist, django_capture_on_commit_callbacks
):
    data = _upload(tmp_path, [good_row(1), good_row(2)])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = do_start_import(archivist, fonds, "../../2021年 目录.xlsx", data, dry_run=False)
        assert batch.status == "pending" and units() == 0  # nothing runs before the commit
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.user, batch.file_name) == (
        "done",
        2,
        archivist,
        "2021年 目录.xlsx",
    )
    stored = Path(batch.file_path)
    assert stored == media / "imports" / str(batch.uuid) / "2021年 目录.xlsx" and stored.is_file()

    finished = batch.finished
    run_import_batch(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.finished, units()) == ("done", finished, 2)
    assert AuditEntry.objects.filter(action="catalog.import").count() == 1


def test_a_batch_left_running_by_a_crash_is_redone(
    tmp_path, media, fonds, categories, archivist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        batch = do_start_import(archivist, fonds, "目录.xlsx", _upload(tmp_path, [good_row(1)]), dry_run=False)
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", processed_rows=1)
    run_import_batch(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, units()) == ("done", 1, 1)


def test_a_bad_upload_is_recorded_on_its_batch(
    tmp_path, media, fonds, categories, archivist, django_capture_on_commit_callbacks
):
    rows = [good_row(1)]
    rows[0][HEADER.index("密级")] = "超密"
    with django_capture_on_commit_callbacks(execute=True):
        batch = do_start_import(archivist, fonds, "目录.xlsx", _upload(tmp_path, rows), dry_run=True)
    batch.refresh_from_db()
    assert batch.status == "invalid" and batch.errors[0]["column"] == "密级"
    with pytest.raises(ImportError_, match="不支持的文件类型"):
        do_start_import(archivist, fonds, "目录.pdf", io.BytesIO(b"%PDF"), dry_run=False)


def test_a_queued_batch_records_why_it_could_not_run(
    tmp_path, media, fonds, categories, archivist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = do_start_import(archivist, fonds, "a.xlsx", _upload(tmp_path, [good_row(1)]), dry_run=False)
        second = do_start_import(archivist, fonds, "b.xlsx", _upload(tmp_path, [good_row(2)]), dry_run=False)
    Path(first.file_path).unlink()
    run_import_batch(first.pk)
    first.refresh_from_db()
    assert first.status == "failed" and "无法读取文件" in first.message
    archivist.role = "security_auditor"  # the person lost the right to import before the task ran
    archivist.save()
    run_import_batch(second.pk)
    second.refresh_from_db()
    assert second.status == "failed" and "权限" in second.message and units() == 0
