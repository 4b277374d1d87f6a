"""What the outreach app registers when Django is ready: its menu entry, audit actions, start-page links, OAI-PMH
sets and metadata formats, and periodic jobs. Each part adds its registrations in a block of its own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangan.core.audit import register_action
from dangan.core.roles import Capability
from dangan.utilities.registry import MenuItem, register_menu_item

register_menu_item(
    MenuItem(
        "outreach",
        gettext_lazy("宣传与开发利用"),
        "outreach:home",
        Capability.OUTREACH_EDIT,
        order=76,
        active_prefixes=("/manage/outreach",),
    )
)

# ---------------------------------------------------------------- shared: stories (models/stories.py)
register_action("outreach.story.status", gettext_lazy("变更档案故事状态"))

# ---------------------------------------------------------------- part stories (actions/stories.py)
from django.http import HttpRequest  # noqa: E402

from dangan.access.portal_sections import register_home_section  # noqa: E402
from dangan.outreach.navigation import Link, register_link  # noqa: E402

register_action("outreach.story.create", gettext_lazy("新建档案故事"))
register_action("outreach.story.edit", gettext_lazy("修改档案故事"))
register_action("outreach.story.submit", gettext_lazy("提交档案故事审核"))
register_action("outreach.story.approve", gettext_lazy("审核通过档案故事"))
register_action("outreach.story.send_back", gettext_lazy("退回档案故事"))
register_action("outreach.story.publish", gettext_lazy("发布档案故事"))
register_action("outreach.story.withdraw", gettext_lazy("撤下档案故事"))
register_link(
    Link(
        "outreach:stories",
        gettext_lazy("档案里的党史故事"),
        30,
        description=gettext_lazy("撰写、审核、发布档案故事；门户网站、订阅源与小程序同步展示。"),
    )
)


def _stories_home_section(request: HttpRequest) -> str:
    from dangan.outreach.views.stories import home_section

    return home_section(request)


register_home_section("outreach.stories", _stories_home_section, order=30)
