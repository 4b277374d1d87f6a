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
register_action("access.reading_room.room", gettext_lazy("设置阅览室"))
register_action("access.reading_room.seat", gettext_lazy("设置阅览室座位"))
register_action("access.reading_room.slot", gettext_lazy("设置预约时段"))
register_action("access.reading_room.book", gettext_lazy("预约阅览室座位"))
register_action("access.reading_room.cancel", gettext_lazy("取消阅览室预约"))
register_action("access.reading_room.no_show", gettext_lazy("标记预约未到"))
register_action("access.reading_room.check_in", gettext_lazy("阅览室签到"))
register_action("access.reading_room.check_out", gettext_lazy("阅览室离馆"))
register_action("access.reading_room.retrieval_add", gettext_lazy("登记调卷"))
register_action("access.reading_room.retrieval_fetched", gettext_lazy("调出档案"))
register_action("access.reading_room.retrieval_handed", gettext_lazy("交查档人查阅"))
register_action("access.reading_room.retrieval_returned", gettext_lazy("档案归还"))
register_action("access.reading_room.retrieval_cancelled", gettext_lazy("撤销调卷"))
register_account_link(Link("account:bookings", gettext_lazy("阅览室预约"), 30))
register_staff_link(
    Link(
        "access:reading_room",
        gettext_lazy("阅览室服务台"),
        30,
        Capability.READING_ROOM,
        gettext_lazy("当天的座位预约、签到与离馆、未到标记。"),
    )
)
register_staff_link(
    Link(
        "access:retrieval",
        gettext_lazy("调卷单"),
        31,
        Capability.READING_ROOM,
        gettext_lazy("当天要从库房调出的档案：调出、交阅、归还。"),
    )
)
register_staff_link(
    Link(
        "access:reading_room_settings",
        gettext_lazy("阅览室设置"),
        32,
        Capability.READING_ROOM,
        gettext_lazy("阅览室、座位与预约时段。"),
    )
)

# ---------------------------------------------------------------- copies

# ---------------------------------------------------------------- utilization register and statistics

# ---------------------------------------------------------------- openness review
