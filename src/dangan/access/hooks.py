"""Registers the access app's audit action types, menu entry and links between its parts. Each part adds its own
registrations below its heading."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangan.core.audit import register_action
from dangan.core.roles import Capability
from dangan.utilities.registry import MenuItem, register_menu_item

from .actions import readers as readers_actions
from .navigation import STAFF_CAPABILITIES, Link, register_account_link, register_staff_link
from .personal_data import register_personal_data

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
register_action("access.readers.register", gettext_lazy("登记查档人"))
register_action("access.readers.update", gettext_lazy("修改查档人信息"))
register_action("access.readers.verify", gettext_lazy("核验查档人证件"))
register_action("access.readers.deactivate", gettext_lazy("停用查档人账号"))
register_action("access.readers.reactivate", gettext_lazy("启用查档人账号"))
register_action("access.readers.password_reset", gettext_lazy("重置查档人密码"))
register_action("access.readers.export", gettext_lazy("导出查档人个人信息"))
register_action("access.readers.erase", gettext_lazy("删除查档人个人信息"))

register_account_link(Link("account:home", gettext_lazy("我的查档"), order=10))
register_account_link(Link("account:profile", gettext_lazy("个人信息"), order=80))
register_account_link(Link("account:password", gettext_lazy("修改密码"), order=85))
register_account_link(Link("account:data_export", gettext_lazy("下载我的数据"), order=90))
register_staff_link(
    Link(
        "access:readers",
        gettext_lazy("查档人"),
        order=10,
        capability=Capability.READERS,
        description=gettext_lazy("登记、核验查档人，个人信息的查阅、导出与删除"),
    )
)

# The readers part's own data, and the register's and visits' rows (shared models; the reading room and register
# parts may register richer ones under the same names, which replace these).
register_personal_data("account", readers_actions.profile_personal_data)
register_personal_data("visits", readers_actions.visits_personal_data)
register_personal_data("use_records", readers_actions.use_records_personal_data)

# ---------------------------------------------------------------- access requests and grants

# ---------------------------------------------------------------- reading room

# ---------------------------------------------------------------- copies

# ---------------------------------------------------------------- utilization register and statistics

# ---------------------------------------------------------------- openness review
