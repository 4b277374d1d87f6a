"""Survey sheets (摸排表) for teams that survey on paper: a campaign's sheet exported with one row per unit the
user may see and data validation, a filled sheet imported all or nothing with the bad cells listed in Chinese
(row, column, value, why), the same through `dangan conservation survey export|import` and the workspace."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from dangan.cli import main
from dangan.conservation.actions.surveys import SHEET_COLUMNS, do_create_campaign, do_import_sheet, export_sheet
from dangan.conservation.choices import DamageGrade
from dangan.conservation.models import SurveyRecord, UnitCondition

pytestmark = pytest.mark.django_db


def fill(data: bytes, values: dict[str, dict[str, Any]]) -> bytes:
    """The exported sheet ``data`` with the cells of the rows whose 档号 is a key of ``values`` filled in."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        cells = values.get(row[0].value or "", {})
        for column, value in cells.items():
            row[header.index(column)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def campaign(conservation_head: Any, conservator: Any, make_unit: Any) -> Any:
    units = [make_unit(title=f"红军长征途经贵州的布告（{n}）") for n in range(3)]
    make_unit(title="机密的电报", classification="confidential")
    campaign = do_create_campaign(conservation_head, "纸质摸排", fonds=units[0].fonds, surveyors=[conservator])
    campaign.test_units = units
    return campaign


def test_the_exported_sheet_has_a_row_per_visible_unit_and_validation(campaign: Any, conservator: Any) -> None:
    book = load_workbook(io.BytesIO(export_sheet(conservator, campaign)))
    sheet = book.active
    assert [cell.value for cell in sheet[1]] == list(SHEET_COLUMNS)
    codes = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert codes == [unit.reference_code for unit in campaign.test_units]  # not the 机密 unit
    assert "机密的电报" not in {row[1].value for row in sheet.iter_rows(min_row=2)}
    ranges = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert any("轻微" in (formula or "") for formula in ranges.values())


def test_a_filled_sheet_is_imported_whole(campaign: Any, conservator: Any) -> None:
    first, second, third = campaign.test_units
    data = fill(
        export_sheet(conservator, campaign),
        {
            first.reference_code: {"霉变（%）": 35, "纸张类型": "毛边纸", "含照片": "否"},
            second.reference_code: {"酸化（pH）": 5.3, "褪色（程度）": "较重", "备注": "边缘脆"},
        },
    )
    records, errors = do_import_sheet(conservator, campaign, io.BytesIO(data))
    assert errors == [] and len(records) == 2
    assert UnitCondition.objects.get(unit=first).grade == DamageGrade.SPECIAL
    second_record = SurveyRecord.objects.get(unit=second)
    assert second_record.grade == DamageGrade.SEVERE and second_record.damages["fading"] == "moderate"
    assert second_record.origin == "sheet" and second_record.notes == "边缘脆"
    assert not SurveyRecord.objects.filter(unit=third).exists()  # a blank row is not surveyed yet


def test_a_sheet_with_bad_cells_writes_nothing_and_lists_them(campaign: Any, conservator: Any) -> None:
    first, second, third = campaign.test_units
    data = fill(
        export_sheet(conservator, campaign),
        {
            first.reference_code: {"霉变（%）": 35},
            second.reference_code: {"酸化（pH）": 15},
            third.reference_code: {"褪色（程度）": "有点"},
        },
    )
    records, errors = do_import_sheet(conservator, campaign, io.BytesIO(data))
    assert records == [] and not SurveyRecord.objects.exists() and not UnitCondition.objects.exists()
    assert [(e.row, e.column, e.value) for e in errors] == [(3, "酸化（pH）", "15"), (4, "褪色（程度）", "有点")]
    assert "pH 值须在 0 到 14 之间" in errors[0].why
    assert str(errors[1]).startswith("第 4 行「褪色（程度）」列“有点”：")


def test_a_hidden_or_unknown_unit_in_a_sheet_is_refused_alike(campaign: Any, conservator: Any, make_unit: Any) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(list(SHEET_COLUMNS))
    hidden = make_unit(classification="confidential")
    row = [""] * len(SHEET_COLUMNS)
    row[0], row[SHEET_COLUMNS.index("霉变（%）")] = hidden.reference_code, 5
    sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    _records, errors = do_import_sheet(conservator, campaign, io.BytesIO(out.getvalue()))
    assert [(e.row, e.column, e.why) for e in errors] == [(2, "档号", "没有此档号的档案")]


def test_the_cli_exports_and_imports_with_exit_codes(campaign: Any, tmp_path: Path, capsys: Any) -> None:
    first, second, _third = campaign.test_units
    sheet = tmp_path / "摸排表.xlsx"
    assert main(["conservation", "survey", "export", "--campaign", "纸质摸排", "--output", str(sheet)]) == 0
    assert main(["conservation", "survey", "export", "--campaign", "无此任务", "--output", str(sheet)]) == 2
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(fill(sheet.read_bytes(), {first.reference_code: {"残缺（%）": "很多"}}))
    capsys.readouterr()
    assert main(["conservation", "survey", "import", str(bad), "--campaign", "纸质摸排"]) == 1
    err = capsys.readouterr().err
    assert "未导入任何记录" in err and "残缺（%）" in err and "很多" in err
    assert not SurveyRecord.objects.exists()
    good = tmp_path / "good.xlsx"
    good.write_bytes(fill(sheet.read_bytes(), {second.reference_code: {"残缺（%）": 45}}))
    assert main(["conservation", "survey", "import", str(good), "--campaign", "纸质摸排", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"imported": 1, "errors": []}
    assert UnitCondition.objects.get(unit=second).grade == DamageGrade.SPECIAL


def test_the_workspace_imports_a_sheet_or_lists_its_problems(campaign: Any, conservator: Any) -> None:
    first = campaign.test_units[0]
    client = Client()
    client.force_login(conservator)
    exported = client.get(f"/manage/conservation/surveys/{campaign.pk}/sheet.xlsx")
    assert exported.status_code == 200
    data = b"".join(exported.streaming_content) if exported.streaming else exported.content
    bad = fill(data, {first.reference_code: {"含照片": "也许"}})
    answer = client.post(
        f"/manage/conservation/surveys/{campaign.pk}/import/", {"sheet": io.BytesIO(bad)}, format="multipart"
    )
    assert (
        answer.status_code == 400 and "也许" in answer.content.decode() and "须为“是”或“否”" in answer.content.decode()
    )
    good = fill(data, {first.reference_code: {"霉变（%）": 3}})
    upload = io.BytesIO(good)
    upload.name = "sheet.xlsx"
    answer = client.post(f"/manage/conservation/surveys/{campaign.pk}/import/", {"sheet": upload})
    assert answer.status_code == 302 and SurveyRecord.objects.get(unit=first).grade == DamageGrade.MILD
