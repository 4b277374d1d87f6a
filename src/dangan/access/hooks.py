"""Registers the access app's audit action types, menu entry and links between its parts. Each part adds its own
registrations below its heading."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangan.core.audit import register_action
from dangan.utilities.registry import MenuItem, register_menu_item

from .navigation import STAFF_CAPABILITIES

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
from dangan.core.roles import Capability  # noqa: E402 — each part's imports under its own heading

from .navigation import Link, register_staff_link  # noqa: E402

register_action("access.portal.update_guide", gettext_lazy("修改查档指南"))
register_staff_link(
    Link(
        "access:portal_settings",
        gettext_lazy("门户网站：查档指南"),
        order=80,
        capability=Capability.READING_ROOM,
        description=gettext_lazy("开放时间、地址、携带材料与收费标准，显示在门户网站上"),
    )
)

# ---------------------------------------------------------------- readers

# ---------------------------------------------------------------- access requests and grants

# ---------------------------------------------------------------- reading room

# ---------------------------------------------------------------- copies

# ---------------------------------------------------------------- utilization register and statistics

# ---------------------------------------------------------------- openness review
