"""Registers the access app's audit action types, menu entry and links between its parts. Each part adds its own
registrations below its heading."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangan.core.audit import register_action
from dangan.core.roles import Capability
from dangan.utilities.registry import MenuItem, register_menu_item

from .navigation import STAFF_CAPABILITIES, Link, register_staff_link

# The utilization register (actions/register.py): every use is also an audit entry.
register_action("access.use.visit", gettext_lazy("到馆查档"))
register_action("access.use.request", gettext_lazy("提交查档申请"))
register_action("access.use.view", gettext_lazy("查阅档案"))
register_action("access.use.copy", gettext_lazy("复制档案"))

register_menu_item(
    MenuItem(
        "access",
        gettext_lazy("利用"),
        "access:home",
        STAFF_CAPABILITIES,
        order=42,
        active_prefixes=("/manage/access",),
    )
)

# ---------------------------------------------------------------- portal

# ---------------------------------------------------------------- readers

# ---------------------------------------------------------------- access requests and grants

# ---------------------------------------------------------------- reading room

# ---------------------------------------------------------------- copies

# ---------------------------------------------------------------- utilization register and statistics
register_action("access.register.export", gettext_lazy("导出利用统计"))
register_staff_link(
    Link(
        "access:register",
        gettext_lazy("利用登记"),
        order=70,
        capability=Capability.READING_ROOM,
        description=gettext_lazy("到馆、查档申请、查阅、复制的逐条登记；电话咨询等可手工登记"),
    )
)
register_staff_link(
    Link(
        "access:statistics",
        gettext_lazy("利用统计"),
        order=71,
        capability=Capability.READING_ROOM,
        description=gettext_lazy("年度利用人次、人数、档案卷/件次、复制页数，按月份、全宗、利用目的统计，可导出 Excel"),
    )
)

# ---------------------------------------------------------------- openness review
