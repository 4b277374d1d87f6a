"""Disposal (鉴定销毁) in the catalog alone: a disposed-of unit keeps its row and its number, leaves the hierarchy,
the counts and the filters, and can no longer be changed. (The whole flow with a preserved package, through the
pages and the API, is in tests/preservation/test_app_disposal.py.)"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangan.catalog.actions.disposals import do_approve_disposal, do_request_disposal
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
from dangan.catalog.policy import can_view_unit, can_view_unit_record, visible_units
from dangan.core.actors import CONSOLE

pytestmark = pytest.mark.django_db


def item(fonds, categories, title: str, parent=None):
    data = {"title": title, "category": categories["WS"], "year": 2011, "retention": "Y", "organization": "BGS"}
    return do_create_unit(CONSOLE, fonds, data, parent=parent)


def dispose(unit: ArchivalUnit, requester, approver) -> None:
    do_approve_disposal(approver, do_request_disposal(requester, unit, "保管期限已满，鉴定销毁"))


def test_a_disposed_unit_leaves_the_holdings_but_keeps_its_row_and_number(
    fonds, categories, archivist, junior_archivist
):
    series = do_create_unit(CONSOLE, fonds, {"title": "2011年", "level": UnitLevel.SERIES})
    units = [item(fonds, categories, f"第{n}件", parent=series) for n in range(1, 4)]
    with pytest.raises(ValidationError, match="还有下级档案"):
        do_request_disposal(archivist, series, "整类销毁")
    with pytest.raises(PermissionDenied):
        do_approve_disposal(archivist, do_request_disposal(archivist, units[1], "保管期限已满"))
    do_approve_disposal(junior_archivist, units[1].disposals.get())
    gone = ArchivalUnit.objects.get(pk=units[1].pk)
    assert gone.disposed and gone.reference_code == "Z109-WS·2011-Y-BGS-0002"
    assert not can_view_unit(archivist, gone) and can_view_unit_record(archivist, gone)
    assert list(visible_units(archivist).filter(parent=series)) == [units[0], units[2]]
    series.refresh_from_db()
    fonds.refresh_from_db()
    assert series.child_count == 2 and fonds.unit_count == 3
    page = children_page(archivist, fonds, series)
    assert page.total == 2 and [u.title for u in page.units] == ["第1件", "第3件"]

    # Its number is never given again, and renumbering leaves it alone.
    assert item(fonds, categories, "新件").reference_code == "Z109-WS·2011-Y-BGS-0004"
    group = ClassificationGroup(fonds, categories["WS"], 2011, "Y", "BGS")
    with pytest.raises(ValidationError, match="冲突"):
        do_renumber_range(archivist, group, 3, 4, 2)
    do_renumber_range(archivist, group, 3, 4, 5)
    assert ArchivalUnit.objects.get(pk=gone.pk).item_number == 2

    # It is a record now: not described, moved or deleted any more; the series keeps it, so is not deleted either.
    for change in (
        lambda: do_update_unit(archivist, gone, {"title": "改题名"}),
        lambda: do_move_unit(archivist, gone, None),
        lambda: do_delete_unit(archivist, gone),
    ):
        with pytest.raises(ValidationError, match="已处置"):
            change()
    with pytest.raises(ValidationError):
        do_request_disposal(archivist, gone, "再销毁一次")
    with pytest.raises(ValidationError, match="已处置"):
        do_create_unit(archivist, fonds, {"title": "处置后的下级"}, parent=gone)


def test_a_unit_with_a_disposal_record_is_not_deleted(fonds, categories, archivist):
    """Even a withdrawn request stays in the register with its unit: deleting the unit is refused, not a 500."""
    from dangan.catalog.actions.disposals import do_withdraw_disposal

    unit = item(fonds, categories, "著录有误的条目")
    do_withdraw_disposal(archivist, do_request_disposal(archivist, unit, "重复著录，申请销毁"))
    with pytest.raises(ValidationError, match="鉴定销毁记录"):
        do_delete_unit(archivist, unit)
    assert ArchivalUnit.objects.filter(pk=unit.pk).exists()
