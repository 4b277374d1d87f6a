"""Registers the access app's audit action types, menu entry and links between its parts. Each part adds its own
registrations below its heading."""

from __future__ import annotations

from typing import Any

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


def _access_requests() -> None:
    """Audit actions, the grant provider and the links of access requests (imports kept here, in the part's own
    section)."""
    from dangan.catalog.grants import register_grant_provider
    from dangan.core.roles import Capability

    from .grants import reader_grants
    from .navigation import Link, register_account_link, register_staff_link

    for key, label in (
        ("submit", gettext_lazy("提交查档申请")),
        ("withdraw", gettext_lazy("撤回查档申请")),
        ("answer", gettext_lazy("补充查档申请")),
        ("add_units", gettext_lazy("为查档申请添加档案")),
        ("approve", gettext_lazy("批准查档申请")),
        ("refuse", gettext_lazy("不予批准查档申请")),
        ("ask", gettext_lazy("要求补充查档申请")),
        ("grant", gettext_lazy("授予档案利用权限")),
        ("revoke", gettext_lazy("撤销档案利用权限")),
    ):
        register_action(f"access.requests.{key}", label)
    register_grant_provider(reader_grants)
    register_account_link(Link("account:requests", gettext_lazy("查档申请"), order=20))
    register_staff_link(
        Link(
            "access:requests",
            gettext_lazy("查档申请"),
            order=20,
            capability=Capability.ACCESS_REVIEW,
            description=gettext_lazy("审核查档人的申请：批准、附条件批准、不予批准或要求补充；管理利用授权。"),
        )
    )


_access_requests()

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


# ---------------------------------------------------------------- a reader's personal data in every part


def _personal_data() -> None:
    """What each part holds about a reader, for the reader's copy of it and for erasure on request
    (``personal_data``; the readers part runs both)."""
    from dangan.core.actors import SYSTEM

    from .actions import copies, reading_room, requests
    from .personal_data import register_erasure

    register_personal_data("requests", requests.reader_requests_data)
    register_personal_data("reading_room", reading_room.reader_reading_room_data)
    register_personal_data("copies", copies.reader_copies_data)
    register_erasure("requests", requests.erase_reader_requests)

    def erase_copies(user: Any) -> None:
        # Inside do_erase_reader's transaction, which logs the staff member who erased; each copy's entry says SYSTEM.
        copies.do_erase_reader_copies(SYSTEM, user)

    register_erasure("copies", erase_copies)


_personal_data()
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
