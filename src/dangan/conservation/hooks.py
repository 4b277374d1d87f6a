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


# ---------------------------------------------------------------- part stacks (actions/stacks.py, views/stacks.py)
for _action, _label in (
    ("conservation.location.add", gettext_lazy("添加库房位置")),
    ("conservation.location.edit", gettext_lazy("修改库房位置")),
    ("conservation.location.move", gettext_lazy("调整库房位置")),
    ("conservation.location.remove", gettext_lazy("删除库房位置")),
    ("conservation.move", gettext_lazy("档案上架/移库")),
):
    register_action(_action, _label)


def _stacks_panel(request: Any, unit: Any) -> str:
    from .views.stacks import unit_panel

    return unit_panel(request, unit)


register_unit_panel(UnitPanel("conservation.stacks", _stacks_panel, order=60))
for _url_name, _link_label, _order, _description in (
    ("conservation:stacks", gettext_lazy("库房与存放位置"), 10, gettext_lazy("库房位置树、上架与移库、标签与排架目录")),
    ("conservation:checkouts", gettext_lazy("出库与入库"), 20, gettext_lazy("在外档案、超期未还提醒、出库单")),
    ("conservation:capacity", gettext_lazy("空余容量"), 30, gettext_lazy("按库房和层级统计，列出已满的位置")),
):
    register_link(Link(_url_name, _link_label, _order, description=_description))
# ---------------------------------------------------------------- part surveys (actions/surveys.py, priorities.py)

register_action("conservation.campaign", gettext_lazy("创建摸排任务"))
register_action("conservation.campaign_status", gettext_lazy("变更摸排任务状态"))
register_action("conservation.survey", gettext_lazy("录入摸排结果"))
register_link(
    Link(
        "conservation:campaigns",
        gettext_lazy("保存状况摸排"),
        20,
        Capability.CONSERVATION_VIEW,
        gettext_lazy("摸排任务、现场录入、Excel 导入导出"),
    )
)
register_link(
    Link(
        "conservation:survey_dashboard",
        gettext_lazy("摸排统计与修复优先级"),
        21,
        Capability.CONSERVATION_VIEW,
        gettext_lazy("按破损等级、全宗、库房统计；需优先修复的档案"),
    )
)


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
# ---------------------------------------------------------------- part environment (actions/environment.py)
register_action("conservation.env.readings", gettext_lazy("录入温湿度读数"))
register_action("conservation.env.limits", gettext_lazy("设置温湿度限值"))
register_action("conservation.env.sensor", gettext_lazy("添加温湿度传感器"))
register_action("conservation.env.sensor_active", gettext_lazy("停用或启用温湿度传感器"))
register_action("conservation.env.acknowledge", gettext_lazy("确认温湿度超限告警"))
from dangan.conservation.views.environment import register_links as _register_environment_links  # noqa: E402

_register_environment_links()
