"""Behaviour of the unit actions: reference codes, numbering, hierarchy, renumbering."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangan.catalog.actions.configuration import do_set_code_rule
from dangan.catalog.actions.units import (
    ClassificationGroup,
    children_page,
    do_create_unit,
    do_delete_unit,
    do_move_unit,
    do_renumber_range,
    do_update_unit,
)
from dangan.catalog.choices import UnitLevel
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.refcodes import DA_T_13
from dangan.core.models import AuditEntry


def item(fonds, categories, **extra):
    data = {
        "title": "关于开展脱贫攻坚工作的通知",
        "category": categories["WS"],
        "year": 2011,
        "retention": "Y",
        "organization": "BGS",
    }
    data.update(extra)
    return data


def test_items_get_the_next_number_and_a_da_t_22_code(fonds, categories, archivist):
    first = do_create_unit(archivist, fonds, item(fonds, categories))
    second = do_create_unit(archivist, fonds, item(fonds, categories))
    other_year = do_create_unit(archivist, fonds, item(fonds, categories, year=2012))
    assert first.reference_code == "Z109-WS·2011-Y-BGS-0001"
    assert second.reference_code == "Z109-WS·2011-Y-BGS-0002"
    assert other_year.reference_code == "Z109-WS·2012-Y-BGS-0001"
    assert AuditEntry.objects.filter(action="catalog.unit.create").count() == 3


def test_the_da_t_13_form_can_be_chosen_per_fonds(fonds, categories, system_admin, archivist):
    do_set_code_rule(system_admin, DA_T_13, fonds=fonds)
    unit = do_create_unit(archivist, fonds, item(fonds, categories, organization="办公室"))
    assert unit.reference_code == "Z109-WS·2011·Y·办公室-0001"


def test_a_given_code_fills_the_classification_and_must_match_the_fonds(fonds, categories, archivist):
    unit = do_create_unit(
        archivist, fonds, {"title": "题名", "category": categories["WS"], "reference_code": "Z109-WS·2015-D30-ZZB-0042"}
    )
    assert (unit.year, unit.retention, unit.organization, unit.item_number) == (2015, "D30", "ZZB", 42)
    with pytest.raises(ValidationError, match="全宗号"):
        do_create_unit(archivist, fonds, {"title": "题名", "reference_code": "Z110-WS·2015-D30-ZZB-0043"})
    with pytest.raises(ValidationError, match="不符合档号格式"):
        do_create_unit(archivist, fonds, {"title": "题名", "reference_code": "Z109/2015/42"})
    with pytest.raises(ValidationError, match="已被使用"):
        do_create_unit(
            archivist,
            fonds,
            {"title": "题名", "category": categories["WS"], "reference_code": "Z109-WS·2015-D30-ZZB-0042"},
        )


def test_bad_descriptions_are_refused_with_chinese_messages(fonds, categories, archivist):
    with pytest.raises(ValidationError) as exc:
        do_create_unit(archivist, fonds, item(fonds, categories, title="  "))
    assert "题名不能为空" in str(exc.value)
    with pytest.raises(ValidationError, match="控制字符"):
        do_create_unit(archivist, fonds, item(fonds, categories, title="通知\x07"))
    with pytest.raises(ValidationError, match="晚于今天"):
        do_create_unit(archivist, fonds, item(fonds, categories, date=dt.date.today() + dt.timedelta(days=3)))


def test_roles_without_change_rights_cannot_create(fonds, categories, system_admin, security_auditor):
    for user in (system_admin, security_auditor):
        with pytest.raises(PermissionDenied):
            do_create_unit(user, fonds, item(fonds, categories))


def test_hierarchy_counts_paging_and_moves(fonds, categories, archivist):
    series = do_create_unit(archivist, fonds, {"title": "2011年文书", "level": UnitLevel.SERIES})
    folder = do_create_unit(archivist, fonds, {"title": "案卷一", "level": UnitLevel.FILE}, parent=series)
    items = [
        do_create_unit(archivist, fonds, item(fonds, categories, title=f"第{i}件"), parent=folder) for i in range(1, 8)
    ]
    folder.refresh_from_db()
    assert folder.child_count == 7 and items[-1].depth == 2
    page = children_page(archivist, fonds, folder, page=2, size=3)
    assert [u.title for u in page.units] == ["第4件", "第5件", "第6件"]
    assert (page.total, page.pages, page.has_next) == (7, 3, True)
    with pytest.raises(ValidationError):
        do_create_unit(archivist, fonds, {"title": "x", "level": UnitLevel.SERIES}, parent=folder)
    with pytest.raises(ValidationError):
        do_move_unit(archivist, series, folder)
    do_move_unit(archivist, items[0], None)
    folder.refresh_from_db()
    fonds.refresh_from_db()
    assert folder.child_count == 6 and fonds.top_level_count == 2 and fonds.unit_count == 9
    with pytest.raises(ValidationError, match="下级"):
        do_delete_unit(archivist, folder)
    do_delete_unit(archivist, items[0])
    fonds.refresh_from_db()
    assert fonds.unit_count == 8


def test_children_hide_what_the_reader_may_not_see(fonds, categories, archivist, junior_archivist, system_admin):
    do_create_unit(archivist, fonds, item(fonds, categories, title="公开件"))
    do_create_unit(archivist, fonds, item(fonds, categories, title="秘密件", classification="secret"))
    assert children_page(archivist, fonds, None).total == 2
    for reader in (junior_archivist, system_admin):
        page = children_page(reader, fonds, None)
        assert [u.title for u in page.units] == ["公开件"] and page.total == 1


def test_renumbering_a_range_keeps_identity_and_history(fonds, categories, archivist):
    units = [do_create_unit(archivist, fonds, item(fonds, categories, title=f"件{i}")) for i in range(1, 6)]
    uuids = [u.uuid for u in units]
    group = ClassificationGroup(fonds, categories["WS"], 2011, "Y", "BGS")
    with pytest.raises(ValidationError, match="冲突"):
        do_renumber_range(archivist, group, 2, 4, 3)  # 3, 4, 5 would clash with 5, outside the range
    do_delete_unit(archivist, units[1])  # leaves a gap at 0002
    changes = do_renumber_range(archivist, group, 3, 5, 2)
    assert changes == [
        ("Z109-WS·2011-Y-BGS-0003", "Z109-WS·2011-Y-BGS-0002"),
        ("Z109-WS·2011-Y-BGS-0004", "Z109-WS·2011-Y-BGS-0003"),
        ("Z109-WS·2011-Y-BGS-0005", "Z109-WS·2011-Y-BGS-0004"),
    ]
    moved = type(units[2]).objects.get(uuid=uuids[2])
    assert moved.reference_code == "Z109-WS·2011-Y-BGS-0002"
    assert moved.former_reference_codes == ["Z109-WS·2011-Y-BGS-0003"]


def test_editing_a_code_keeps_the_former_one(fonds, categories, archivist):
    unit = do_create_unit(archivist, fonds, item(fonds, categories))
    do_update_unit(
        archivist,
        unit,
        {"reference_code": "Z109-WS·2011-Y-BGS-0009", "item_number": 9, "subjects": ["脱贫攻坚", "扶贫"]},
    )
    unit.refresh_from_db()
    assert unit.reference_code.endswith("0009") and unit.former_reference_codes == ["Z109-WS·2011-Y-BGS-0001"]
    assert sorted(unit.subjects.values_list("term", flat=True)) == ["扶贫", "脱贫攻坚"]
    entry = AuditEntry.objects.filter(action="catalog.unit.update").get()
    assert entry.data["before"]["reference_code"] == "Z109-WS·2011-Y-BGS-0001"
    assert entry.data["after"]["subjects"] == ["脱贫攻坚", "扶贫"]


def test_nobody_classifies_above_their_own_clearance(fonds, categories, archivist, junior_archivist):
    with pytest.raises(ValidationError, match="涉密等级"):
        do_create_unit(junior_archivist, fonds, item(fonds, categories, classification="secret"))
    unit = do_create_unit(junior_archivist, fonds, item(fonds, categories))
    with pytest.raises(ValidationError, match="涉密等级"):
        do_update_unit(junior_archivist, unit, {"classification": "internal"})
    with pytest.raises(ValidationError, match="涉密等级"):
        do_create_unit(archivist, fonds, item(fonds, categories, classification="top_secret"))
    assert do_create_unit(archivist, fonds, item(fonds, categories, classification="confidential")).pk


def test_renumbering_needs_sight_of_every_unit_in_the_range(fonds, categories, archivist, junior_archivist):
    do_create_unit(archivist, fonds, item(fonds, categories, title="件1"))
    do_create_unit(archivist, fonds, item(fonds, categories, title="件2", classification="secret"))
    group = ClassificationGroup(fonds, categories["WS"], 2011, "Y", "BGS")
    with pytest.raises(ValidationError, match="无权查看"):
        do_renumber_range(junior_archivist, group, 1, 2, 5)
    assert len(do_renumber_range(archivist, group, 1, 2, 5)) == 2


@pytest.mark.django_db
def test_a_garbled_title_is_refused_in_the_form_and_the_api_as_in_the_import(fonds, archivist):
    """DA/T 70 1-6 holds for every way of describing a unit, not only the import: text decoded with the wrong
    encoding (关于扶贫 as UTF-8 read as Windows-1252) is refused with what it probably said."""
    with pytest.raises(ValidationError) as caught:
        do_create_unit(archivist, fonds, {"title": "å…³äºŽæ‰¶è´«"})
    assert "乱码" in str(caught.value) and "关于扶贫" in str(caught.value)
    assert not ArchivalUnit.objects.exists()
