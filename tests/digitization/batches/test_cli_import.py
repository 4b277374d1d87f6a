"""`dangan digitize import`: the three exit codes with real image folders, the --json report, resuming, the mapping
sheet, a page count that does not match the unit's 页数, and an unknown 档号 folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dangan.cli import main
from dangan.digitization.choices import BatchStatus, UnitStatus
from dangan.digitization.models import Batch, PageScan
from dangan.preservation.models import PackageFile, PackageVersion

from .conftest import grey_batch, write_page

pytestmark = pytest.mark.django_db


def run(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main(["digitize", "import", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.django_db(transaction=True)  # as the command runs: its threads see what it committed
def test_all_pages_pass_exit_0_and_units_preserved(
    capsys, digitization_env, fonds, make_unit, scan_folder, settings
) -> None:
    settings.DIGITIZATION_PROCESS_MIN_PAGES = 1  # the pages are checked on a pool of processes, as in a large import
    # …and, outside a transaction, the units are preserved two chunks at a time.
    a, b = make_unit(pages=2), make_unit(pages=3)
    folder = scan_folder({a.reference_code: 2, b.reference_code: 3})
    grey_batch("一号批次", fonds)
    code, out, err = run(capsys, str(folder), "--fonds", fonds.code, "--batch", "一号批次", "--json")
    assert code == 0, out + err
    data = json.loads(out)
    assert data["ok"] is True and data["problems"] == []
    assert data["pages"] == 5 and data["checked"] == 5
    assert sorted(data["preserved"]) == sorted([a.reference_code, b.reference_code])
    batch = Batch.objects.get(name="一号批次")
    assert batch.status == BatchStatus.PRESERVED
    head = PackageVersion.objects.filter(package__unit=b).order_by("-number").first()
    paths = sorted(PackageFile.objects.filter(version=head).values_list("logical_path", flat=True))
    assert [p for p in paths if "masters" in p] == [
        "content/masters/0001.tif",
        "content/masters/0002.tif",
        "content/masters/0003.tif",
    ]
    # The staged copies are removed once preserved.
    assert not any((digitization_env["staging"] / str(batch.uuid)).rglob("*.tif"))


def test_problems_exit_1_with_json_keys(capsys, digitization_env, fonds, make_unit, scan_folder) -> None:
    a, b = make_unit(pages=3), make_unit(pages=2)
    folder = scan_folder(
        {a.reference_code: 3, b.reference_code: 2},
        bad={(a.reference_code, 2): "skew", (b.reference_code, 1): "low_dpi"},
    )
    grey_batch("二号批次", fonds)
    code, out, err = run(capsys, str(folder), "--fonds", fonds.code, "--batch", "二号批次", "--json")
    assert code == 1, out + err
    problems = json.loads(out)["problems"]
    assert problems and all(set(p) == {"unit", "page", "check", "measured", "limit", "message"} for p in problems)
    skew = next(p for p in problems if p["check"] == "skew")
    assert skew["unit"] == a.reference_code and skew["page"] == 2 and skew["limit"] == "≤ 3°"
    assert skew["measured"].endswith("°")
    low = next(p for p in problems if p["check"] == "resolution")
    assert low["unit"] == b.reference_code and low["page"] == 1 and low["measured"] == "150 dpi"
    # Nothing of a unit with a failing page is preserved.
    assert not PackageVersion.objects.filter(package__unit__in=[a, b]).exists()
    assert Batch.objects.get(name="二号批次").status == BatchStatus.REWORK


def test_table_output_lists_unit_page_check_measured_limit(
    capsys, digitization_env, fonds, make_unit, scan_folder
) -> None:
    a = make_unit(pages=2)
    folder = scan_folder({a.reference_code: 2}, bad={(a.reference_code, 2): "skew"})
    grey_batch("表格批次", fonds)
    code, out, _err = run(capsys, str(folder), "--fonds", fonds.code, "--batch", "表格批次")
    assert code == 1
    line = next(line for line in out.splitlines() if line.startswith(a.reference_code))
    assert "0002" in line and "≤ 3°" in line and "°" in line


def test_usage_errors_exit_2(capsys, digitization_env, fonds, tmp_path) -> None:
    code, _out, err = run(capsys, str(tmp_path / "missing"), "--fonds", fonds.code)
    assert code == 2 and "文件夹不存在" in err
    code, _out, err = run(capsys, str(tmp_path), "--fonds", "NOPE")
    assert code == 2 and "全宗不存在" in err


def test_unknown_reference_code_folder_is_a_qc_problem(capsys, digitization_env, fonds, make_unit, scan_folder) -> None:
    a = make_unit(pages=1)
    folder = scan_folder({a.reference_code: 1, "Z109-WS·1934-Y-BGS-9999": 1})
    grey_batch("未知档号", fonds)
    code, out, _err = run(capsys, str(folder), "--fonds", fonds.code, "--batch", "未知档号", "--json")
    assert code == 1
    data = json.loads(out)
    unknown = [p for p in data["problems"] if p["check"] == "reference_code"]
    assert unknown and unknown[0]["unit"] == "Z109-WS·1934-Y-BGS-9999" and unknown[0]["page"] is None
    assert data["preserved"] == [a.reference_code]  # the known unit that passed is stored all the same


def test_page_count_mismatch(capsys, digitization_env, fonds, make_unit, scan_folder) -> None:
    a = make_unit(pages=4)
    folder = scan_folder({a.reference_code: 3})
    grey_batch("页数不符", fonds)
    code, out, _err = run(capsys, str(folder), "--fonds", fonds.code, "--batch", "页数不符", "--json")
    assert code == 1
    problem = next(p for p in json.loads(out)["problems"] if p["check"] == "page_count")
    assert problem["measured"] == "3 页" and problem["limit"] == "4 页" and problem["page"] is None


def test_rerun_resumes_and_checks_only_changed_pages(capsys, digitization_env, fonds, make_unit, scan_folder) -> None:
    a = make_unit(pages=3)
    folder = scan_folder({a.reference_code: 3}, bad={(a.reference_code, 3): "skew"})
    grey_batch("续传批次", fonds)
    code, out, _err = run(capsys, str(folder), "--fonds", fonds.code, "--batch", "续传批次", "--json")
    assert code == 1 and json.loads(out)["checked"] == 3
    first = {p.number: p.sha256 for p in PageScan.objects.filter(batch_unit__unit=a)}
    # The scanner rescans page 3; the import is run again over the same folder.
    write_page(folder / a.reference_code / "0003.tif", 3)
    code, out, _err = run(capsys, str(folder), "--fonds", fonds.code, "--batch", "续传批次", "--json")
    data = json.loads(out)
    assert code == 0, data["problems"]
    assert data["checked"] == 1 and data["skipped"] == 2
    assert data["preserved"] == [a.reference_code]
    after = {p.number: p.sha256 for p in PageScan.objects.filter(batch_unit__unit=a)}
    assert after[1] == first[1] and after[3] != first[3]


def test_without_batch_name_from_folder_and_date(
    capsys, digitization_env, fonds, make_unit, scan_folder, settings
) -> None:
    settings.DIGITIZATION_CLI_INSPECTION = True  # the batch waits for its sample inspection in the workspace
    a = make_unit(pages=1)
    folder = scan_folder({a.reference_code: 1}, name="扫描成果")
    Batch.objects.all().delete()
    code, out, _err = run(capsys, str(folder), "--fonds", fonds.code, "--json")
    data = json.loads(out)
    assert data["batch"].startswith("扫描成果 ")
    # Pages were rendered black on white but the default specification asks for colour.
    assert code == 1 and {p["check"] for p in data["problems"]} == {"colour_mode"}
    batch = Batch.objects.get(name=data["batch"])
    assert batch.units.get().status == UnitStatus.FAILED


def test_mapping_sheet(capsys, digitization_env, fonds, make_unit, tmp_path: Path) -> None:
    a = make_unit(pages=2)
    root = tmp_path / "mapped"
    for number in (1, 2):
        write_page(root / "卷一" / f"{number:04d}.tif", number)
    (root / "对照表.csv").write_text(f"文件夹,档号\n卷一,{a.reference_code}\n", encoding="utf-8")
    code, out, _err = run(
        capsys, str(root), "--fonds", fonds.code, "--batch", "对照表批次", "--colour-mode", "grey", "--json"
    )
    assert code == 0, out
    assert json.loads(out)["preserved"] == [a.reference_code]
    assert Batch.objects.get(name="对照表批次").colour_mode == "grey"  # the new batch's specification


def test_rerun_of_a_preserved_batch_changes_nothing(capsys, digitization_env, fonds, make_unit, scan_folder) -> None:
    a = make_unit(pages=2)
    folder = scan_folder({a.reference_code: 2})
    grey_batch("已入库重跑", fonds)
    assert run(capsys, str(folder), "--fonds", fonds.code, "--batch", "已入库重跑", "--json")[0] == 0
    versions = PackageVersion.objects.filter(package__unit=a).count()
    code, out, _err = run(capsys, str(folder), "--fonds", fonds.code, "--batch", "已入库重跑", "--json")
    data = json.loads(out)
    assert code == 0 and data["skipped"] == 2 and data["checked"] == 0 and data["status"] == "preserved"
    assert PackageVersion.objects.filter(package__unit=a).count() == versions
    write_page(folder / a.reference_code / "0002.tif", 99)  # changed after it was preserved
    code, out, _err = run(capsys, str(folder), "--fonds", fonds.code, "--batch", "已入库重跑", "--json")
    assert code == 1 and [(p["page"], p["check"]) for p in json.loads(out)["problems"]] == [(2, "preserved")]
    assert PackageVersion.objects.filter(package__unit=a).count() == versions
