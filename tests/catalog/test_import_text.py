"""DA/T 70 item 1-6 (包含特殊字符) in the import: text garbled by a wrong encoding and private-use characters are
errors naming the row, the column and what was found; ordinary Chinese text, with its quotes, dots and dashes,
and foreign names are not."""

from __future__ import annotations

import pytest

from dangan.catalog.actions.import_checks import check_table
from dangan.catalog.actions.importing import import_catalog
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.tabular import read_table
from dangan.core.actors import CONSOLE
from dangan.utilities.text import find_bad_characters, find_mojibake, special_character_problem
from tests.catalog.test_import import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

TITLE = "关于做好易地扶贫搬迁工作的通知"
# (what the cell holds, what the message must name)
GARBLED = [
    (TITLE.encode("utf-8").decode("cp1252", errors="replace"), "疑似乱码"),  # UTF-8 read as Windows-1252
    ("å…³äºŽåš好", "原文可能是“关于"),  # the example, cut short
    ("关于印发".encode().decode("gbk"), "原文可能是“关于印发”"),  # UTF-8 read as GBK: 鍏充簬鍗板彂
    (TITLE.encode("gbk").decode("latin-1"), f"原文可能是“{TITLE}”"),  # GBK read as Latin-1
    ("Ã©cole normale", "原文可能是“école normale”"),
    ("贵州省锟斤拷扶贫办", "锟斤拷"),
]
PRIVATE = [("贵州省\ue000扶贫办", "U+E000"), ("人名\U000f0001", "U+F0001"), ("\U00100abc", "U+100ABC")]
ORDINARY = [
    TITLE,
    "关于印发《扶贫资金管理办法》的通知",
    "“两不愁三保障”工作……——专题",
    "马克·吐温、Zoë·Smith、Café、São Paulo、Müller",
    "黔扶办发〔2021〕12号",
    "温度 25°C ±2，长 3×4 米",
    "䶮、龑（少见字）",
]


@pytest.mark.parametrize(("value", "named"), GARBLED + PRIVATE, ids=[v[1] for v in GARBLED + PRIVATE])
def test_garbled_and_private_use_text_is_a_special_character_error(tmp_path, fonds, categories, value, named):
    path = write_xlsx(tmp_path / "目录.xlsx", ["题名", "责任者"], [[TITLE, "省扶贫办"], ["第二件", value]])
    result = import_catalog(CONSOLE, path, fonds)
    assert result.status == "invalid" and not ArchivalUnit.objects.exists()
    [error] = result.errors
    assert (error.row, error.column, error.code) == (4, "责任者", "1-6")
    assert named in error.reason
    assert error.line().startswith("第 4 行 [责任者] “")


@pytest.mark.parametrize("value", ORDINARY)
def test_ordinary_text_is_not_flagged(tmp_path, fonds, categories, value):
    path = write_xlsx(tmp_path / "目录.xlsx", ["题名", "责任者", "备注"], [[value, value[:300], value]])
    result = import_catalog(CONSOLE, path, fonds)
    assert result.status == "done", [e.line() for e in result.errors]
    assert ArchivalUnit.objects.get().title == value


def test_mojibake_in_a_csv_is_reported_with_what_it_probably_said(tmp_path, fonds, categories):
    path = write_csv(tmp_path / "目录.csv", ["题名", "主题词"], [["å…³äºŽ", "扶贫；é€šçŸ¥"]])
    result = import_catalog(CONSOLE, path, fonds)
    assert [(e.column, e.code) for e in result.errors] == [("题名", "1-6"), ("主题词", "1-6")]
    assert "原文可能是“关于”" in result.errors[0].reason and "原文可能是“通知”" in result.errors[1].reason


def test_private_use_characters_may_be_allowed_for_an_institutions_own_characters(
    tmp_path, settings, fonds, categories
):
    rows = [["人名\ue000（造字）", "省扶贫办"], ["å…³äºŽ", "省扶贫办"]]
    path = write_xlsx(tmp_path / "目录.xlsx", ["题名", "责任者"], rows)
    settings.ALLOW_PRIVATE_USE_CHARACTERS = True
    result = import_catalog(CONSOLE, path, fonds, dry_run=True)
    [error] = result.errors  # the private-use character is accepted; garbled text still is not
    assert error.row == 4 and "疑似乱码" in error.reason
    settings.ALLOW_PRIVATE_USE_CHARACTERS = False
    assert [e.row for e in import_catalog(CONSOLE, path, fonds, dry_run=True).errors] == [3, 4]


def test_the_accession_four_property_check_sees_the_same_errors(tmp_path, fonds, categories):
    """Accession's item 1-6 counts the plan's errors coded 1-6 (accession.checks.items) and checks file names and
    bag-info through utilities.text: both now catch garbled and private-use text."""
    path = write_xlsx(tmp_path / "目录.xlsx", ["题名"], [["å…³äºŽ"], ["名\ue000"]])
    plan = check_table(fonds, read_table(path), visible=None)
    assert [error.code for error in plan.errors] == ["1-6", "1-6"]
    assert find_bad_characters("扫描件\ue000.pdf") == ["U+E000"]
    assert special_character_problem("å…³äºŽ.pdf") is not None


def test_the_text_utilities_directly():
    assert find_mojibake(TITLE) is None and find_mojibake("plain ascii") is None
    assert find_mojibake(TITLE.encode("utf-8").decode("cp1252", errors="replace"))
    assert find_mojibake("鍏充簬") == "关于"
    assert find_mojibake("¹ØÓÚ") == "关于"
    assert special_character_problem("贵州\x07") == "含有控制字符或乱码字符（U+0007）"
    assert special_character_problem(TITLE) is None
