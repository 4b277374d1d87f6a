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

# ---------------------------------------------------------------- part themes (models/themes.py)
from dangan.core.auditlog.display import AuditDescriber, readable_with, register_describer  # noqa: E402
from dangan.outreach.navigation import Link, register_link  # noqa: E402
from dangan.outreach.theme_hooks import register_themes  # noqa: E402

register_action("outreach.theme.create", gettext_lazy("创建专题数据库"))
register_action("outreach.theme.update", gettext_lazy("修改专题数据库"))
register_action("outreach.theme.status", gettext_lazy("发布或撤回专题数据库"))
register_action("outreach.theme.delete", gettext_lazy("删除专题数据库"))
register_action("outreach.theme.section", gettext_lazy("编辑专题栏目"))
register_action("outreach.theme.query", gettext_lazy("编辑专题检索式"))
register_action("outreach.theme.pick", gettext_lazy("选入或排除专题档案"))
register_action("outreach.theme.milestone", gettext_lazy("编辑专题大事记"))
register_action("outreach.place.county", gettext_lazy("设置地点所在县"))
register_link(
    Link(
        "outreach:themes",
        gettext_lazy("专题数据库"),
        10,
        Capability.OUTREACH_EDIT,
        gettext_lazy("红军在贵州、脱贫攻坚等专题：检索式与选入档案、栏目、大事记、地图。"),
    )
)
# Entries of the themes name the theme's fields and the units (by UUID) picked: shown to those who edit themes.
register_describer(
    AuditDescriber(
        "outreach.theme.",
        readable_with(Capability.OUTREACH_EDIT),
        labels={
            "section": gettext_lazy("栏目"),
            "query": gettext_lazy("检索式"),
            "text": gettext_lazy("内容"),
            "unit": gettext_lazy("档案"),
            "excluded": gettext_lazy("排除"),
        },
    )
)
register_describer(
    AuditDescriber(
        "outreach.place.",
        readable_with(Capability.OUTREACH_EDIT),
        labels={"adcode": gettext_lazy("县级行政区划代码"), "matched": gettext_lazy("按名称自动匹配")},
    )
)
register_themes()
