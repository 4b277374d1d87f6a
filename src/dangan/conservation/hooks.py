"""What the conservation app registers when Django is ready: its menu entry, audit actions, start-page links, unit
page sections and periodic jobs. Each part adds its registrations in a block of its own."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from dangan.catalog.holds import DeletionHold, register_deletion_hold  # part restoration
from dangan.catalog.panels import UnitPanel, register_unit_panel  # part restoration
from dangan.conservation.navigation import Link, register_link
from dangan.core.audit import register_action
from dangan.core.roles import Capability
from dangan.utilities.registry import MenuItem, register_menu_item

register_menu_item(
    MenuItem(
        "conservation",
        gettext_lazy("保管保护"),
        "conservation:home",
        Capability.CONSERVATION_VIEW,
        order=72,
        active_prefixes=("/manage/conservation",),
    )
)

# ---------------------------------------------------------------- shared: check-out and condition (actions/custody.py,
# actions/condition.py)
register_action("conservation.checkout", gettext_lazy("档案出库"))
register_action("conservation.return", gettext_lazy("档案入库"))
register_action("conservation.condition", gettext_lazy("记录保存状况"))


# ---------------------------------------------------------------- part restoration (actions/restoration.py)
def _restoration_panel(request: Any, unit: Any) -> str:
    from dangan.conservation.views.restoration import unit_panel

    return unit_panel(request, unit)


for _verb, _label in (
    ("create", gettext_lazy("修复单：编制")),
    ("edit", gettext_lazy("修复单：修改方案")),
    ("submit", gettext_lazy("修复单：提交审批")),
    ("approve", gettext_lazy("修复单：批准")),
    ("send_back", gettext_lazy("修复单：退回")),
    ("start", gettext_lazy("修复单：出库修复")),
    ("step", gettext_lazy("修复单：记录修复步骤")),
    ("photographs", gettext_lazy("修复单：保存照片")),
    ("finish", gettext_lazy("修复单：提交验收")),
    ("accept", gettext_lazy("修复单：验收合格")),
    ("reject", gettext_lazy("修复单：验收不合格")),
    ("return", gettext_lazy("修复单：归还入库")),
    ("photo", gettext_lazy("修复单：查看照片")),
):
    register_action(f"conservation.restoration.{_verb}", _label)
register_link(
    Link(
        "conservation:restoration_list",
        gettext_lazy("修复"),
        40,
        Capability.CONSERVATION_VIEW,
        gettext_lazy("修复单：方案、审批、出库修复、验收、归还；修复统计。"),
    )
)
register_unit_panel(UnitPanel("conservation.restoration", _restoration_panel, order=70))


def _units_with_work_orders(unit_ids: list[int]) -> set[int]:
    from dangan.conservation.models import WorkOrder

    return set(WorkOrder.objects.filter(unit_id__in=unit_ids).values_list("unit_id", flat=True))


register_deletion_hold(
    DeletionHold("conservation.restoration", gettext_lazy("有修复记录（修复单）"), _units_with_work_orders)
)
