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

# ---------------------------------------------------------------- readers

# ---------------------------------------------------------------- access requests and grants

# ---------------------------------------------------------------- reading room

# ---------------------------------------------------------------- copies

# ---------------------------------------------------------------- utilization register and statistics

# ---------------------------------------------------------------- openness review
from dangan.core.roles import Capability  # noqa: E402  (imports of this part kept under its heading)

from .navigation import Link, register_staff_link  # noqa: E402

register_action("access.openness.create", gettext_lazy("创建开放审核批次"))
register_action("access.openness.close", gettext_lazy("结束开放审核批次"))
register_action("access.openness.first", gettext_lazy("开放审核初审"))
register_action("access.openness.confirm", gettext_lazy("开放审核复审确认"))
register_action("access.openness.return", gettext_lazy("开放审核复审退回"))
register_action("access.openness.term.add", gettext_lazy("添加开放审核关注词"))
register_action("access.openness.term.remove", gettext_lazy("删除开放审核关注词"))
register_staff_link(
    Link(
        "access:openness",
        gettext_lazy("开放审核"),
        70,
        Capability.OPENNESS_REVIEW,
        gettext_lazy("到期档案的开放审核：初审、复审、开放目录与报表"),
    )
)
