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
# (imports of this part kept under its heading)
from dangan.catalog.audit_describers import readable_unit_lists  # noqa: E402
from dangan.core.auditlog.display import AuditDescriber, register_describer  # noqa: E402
from dangan.core.roles import Capability  # noqa: E402

from .models.openness import ControlReason, Verdict  # noqa: E402
from .navigation import Link, register_staff_link  # noqa: E402

register_action("access.openness.create", gettext_lazy("创建开放审核批次"))
register_action("access.openness.close", gettext_lazy("结束开放审核批次"))
register_action("access.openness.add", gettext_lazy("补充开放审核批次的到期档案"))
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
# An entry of the review names the units it decided: shown to a reader who may see every one of them.
register_describer(
    AuditDescriber(
        "access.openness.",
        readable_unit_lists,
        labels={
            "units": gettext_lazy("档案"),
            "verdict": gettext_lazy("审核意见"),
            "reason": gettext_lazy("控制理由"),
            "next_review_year": gettext_lazy("下次审核年度"),
            "year": gettext_lazy("审核年度"),
            "fonds": gettext_lazy("全宗"),
            "category": gettext_lazy("门类"),
            "years": gettext_lazy("年度范围"),
            "age": gettext_lazy("开放年限"),
            "term": gettext_lazy("词语"),
        },
        values={"verdict": Verdict, "reason": ControlReason},
    )
)
