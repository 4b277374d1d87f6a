"""Registers the access app's audit action types, menu entry and links between its parts. Each part adds its own
registrations below its heading."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangan.core.audit import register_action
from dangan.core.roles import Capability
from dangan.utilities.registry import MenuItem, register_menu_item

from .navigation import STAFF_CAPABILITIES, Link, register_account_link, register_staff_link

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
register_action("access.copies.request", gettext_lazy("申请复制"))
register_action("access.copies.make", gettext_lazy("制作复制件"))
register_action("access.copies.fail", gettext_lazy("复制件制作失败"))
register_action("access.copies.deliver", gettext_lazy("交付复制件"))
register_action("access.copies.refuse", gettext_lazy("不予复制"))
register_action("access.copies.download", gettext_lazy("下载复制件"))
register_action("access.copies.erase", gettext_lazy("删除查档人的复制申请"))
register_account_link(Link("account:copies", gettext_lazy("我的复制申请"), order=40))
register_staff_link(
    Link(
        "access:copies",
        gettext_lazy("复制"),
        order=40,
        capability=Capability.READING_ROOM,
        description=gettext_lazy("查档人的复制申请：制作带水印的复制件、核对、交付或不予复制。"),
    )
)

# ---------------------------------------------------------------- utilization register and statistics

# ---------------------------------------------------------------- openness review
