"""What the conservation app registers when Django is ready: its menu entry, audit actions, start-page links, unit
page sections and periodic jobs. Each part adds its registrations in a block of its own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

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

# ---------------------------------------------------------------- part environment (actions/environment.py)
register_action("conservation.env.readings", gettext_lazy("录入温湿度读数"))
register_action("conservation.env.limits", gettext_lazy("设置温湿度限值"))
register_action("conservation.env.sensor", gettext_lazy("添加温湿度传感器"))
register_action("conservation.env.acknowledge", gettext_lazy("确认温湿度超限告警"))
from dangan.conservation.views.environment import register_links as _register_environment_links  # noqa: E402

_register_environment_links()
