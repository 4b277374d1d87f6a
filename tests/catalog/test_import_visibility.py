"""The import sees the catalog as the importing person may see it (catalog.policy): a unit above their clearance is
never confirmed, compared field by field, matched, or used as a parent; the answers about it are the ones a code
that does not exist, or cannot be used, gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from dangan.catalog.actions.import_checks import check_table
from dangan.catalog.actions.importing import import_catalog
from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.tabular import read_table
from dangan.core.actors import CONSOLE
from tests.catalog.test_import import write_xlsx

pytestmark = pytest.mark.django_db

HIDDEN_FILE = "Z109-WS·2021-Y-BGS-0100"  # a 秘密 案卷
HIDDEN_ITEM = "Z109-WS·2021-Y-BGS-0101"  # a 秘密 item in it
OTHER_FONDS_ITEM = "Z110-WS·2021-Y-BGS-0001"


@pytest.fixture
def hidden(fonds, categories):
    """A 秘密 案卷 holding a 秘密 item, and a 公开 unit of another fonds."""
    from dangan.catalog.actions.configuration import do_create_fonds

    ws = categories["WS"]
    folder = do_create_unit(
        CONSOLE,
        fonds,
        {"title": "绝密会议纪要汇集", "level": "file", "reference_code": HIDDEN_FILE, "category": ws},
    )
    ArchivalUnit.objects.filter(pk=folder.pk).update(classification="secret")
    item = do_create_unit(
        CONSOLE,
        fonds,
        {
            "title": "关于某项目选址的会议纪要",
            "responsible": "某秘密机关",
            "reference_code": HIDDEN_ITEM,
            "category": ws,
            "classification": "secret",
        },
        parent=folder,
    )
    other = do_create_fonds(CONSOLE, "Z110", "另一全宗")
    do_create_unit(CONSOLE, other, {"title": "另一全宗的文件", "reference_code": OTHER_FONDS_ITEM, "category": ws})
    return {"folder": folder, "item": item}


def rows_file(tmp_path: Path, rows: list[list], name: str = "目录.xlsx") -> Path:
    return write_xlsx(tmp_path / name, ["档号", "题名", "责任者", "上级档号"], rows, title=None)


def errors_of(result) -> list[tuple[int, str, str, str, str]]:
    return [(e.row, e.column, e.value, e.reason, e.code) for e in result.errors]


def test_a_hidden_existing_code_reveals_nothing(tmp_path, fonds, hidden, junior_archivist, archivist):
    rows = [
        [HIDDEN_ITEM, "另拟的题名", "另一个责任者", ""],  # differs from the hidden unit in 题名 and 责任者
        [HIDDEN_ITEM.replace("0101", "0100"), "绝密会议纪要汇集", "", ""],  # the hidden 案卷, word for word
    ]
    path = rows_file(tmp_path, rows)
    result = import_catalog(junior_archivist, path, fonds, dry_run=True)
    found = errors_of(result)
    reasons = {reason for _row, _col, _value, reason, _code in found}
    # One answer, whatever the content: the code cannot be used (uniqueness tells that much), nothing more.
    assert reasons == {"档号已被其他档案使用，不能用于本次导入"}, found
    assert [(row, column, value, code) for row, column, value, _reason, code in found] == [
        (2, "档号", HIDDEN_ITEM, "1-8"),
        (3, "档号", HIDDEN_FILE, "1-8"),
    ]
    assert result.unchanged == 0  # the hidden 案卷 written word for word is not confirmed as "unchanged" either
    for reason in reasons:
        assert "题名" not in reason and "责任者" not in reason and "秘密" not in reason
    # Cleared for 秘密, the archivist gets the field-by-field answer about the unit they may see.
    cleared = import_catalog(archivist, path, fonds, dry_run=True)
    first = cleared.errors[0].reason
    assert first.startswith("档号已存在且内容不同（") and "题名" in first and "责任者" in first
    assert len(cleared.errors) == 1  # the 案卷, word for word, is that unit unchanged


def test_a_hidden_parent_is_answered_like_a_missing_one_and_nothing_is_written_under_it(
    tmp_path, fonds, hidden, junior_archivist
):
    rows = [
        ["", "卷内补充的会议纪要", "省扶贫办", HIDDEN_FILE],
        ["", "另一件", "省扶贫办", "Z109-WS·2021-Y-BGS-0999"],  # does not exist at all
    ]
    result = import_catalog(junior_archivist, rows_file(tmp_path, rows), fonds)
    assert [(e.row, e.column, e.reason, e.code) for e in result.errors] == [
        (2, "上级档号", "上级档号在本文件和本全宗中都不存在", ""),
        (3, "上级档号", "上级档号在本文件和本全宗中都不存在", ""),
    ]
    assert result.status == "invalid"
    assert not ArchivalUnit.objects.filter(parent=hidden["folder"]).exclude(pk=hidden["item"].pk).exists()
    # Alone, the row under the hidden 案卷 is refused too: the import never writes under it.
    alone = import_catalog(junior_archivist, rows_file(tmp_path, rows[:1], "单行.xlsx"), fonds)
    assert alone.status == "invalid" and ArchivalUnit.objects.filter(parent=hidden["folder"]).count() == 1


def test_a_row_without_a_code_is_never_matched_to_a_hidden_unit(tmp_path, fonds, hidden, junior_archivist):
    # The same 题名 and 责任者 as the hidden item: "unchanged" would confirm them.
    path = write_xlsx(tmp_path / "目录.xlsx", ["题名", "责任者"], [["关于某项目选址的会议纪要", "某秘密机关"]])
    result = import_catalog(junior_archivist, path, fonds, dry_run=True)
    assert (result.status, result.created, result.unchanged) == ("checked", 1, 0)
    console = import_catalog(CONSOLE, path, fonds, dry_run=True)
    assert (console.created, console.unchanged) == (0, 1)  # the console sees it, and it is the same unit


def test_accession_checks_by_levels_get_the_same_protection(tmp_path, fonds, hidden):
    """Accession calls check_table with the 密级 levels (``visible``), not a viewer: the same rules hold."""
    path = rows_file(tmp_path, [[HIDDEN_ITEM, "另拟的题名", "", ""], ["", "卷内文件", "", HIDDEN_FILE]])
    plan = check_table(fonds, read_table(path), visible=["public", "internal"])
    assert [(e.row, e.reason) for e in plan.errors] == [
        (2, "档号已被其他档案使用，不能用于本次导入"),
        (3, "上级档号在本文件和本全宗中都不存在"),
    ]
    everything = check_table(fonds, read_table(path))  # no viewer, no levels: the console's view
    assert "档号已存在且内容不同" in everything.errors[0].reason
