"""What the outreach app registers when Django is ready: its menu entry, audit actions, start-page links, OAI-PMH
sets and metadata formats, and periodic jobs. Each part adds its registrations in a block of its own."""

from __future__ import annotations

from datetime import datetime as _datetime

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from dangan.access.portal_sections import register_home_section
from dangan.catalog.signals import units_changed
from dangan.core.audit import register_action
from dangan.core.auditlog.display import AuditDescriber, readable_with, register_describer
from dangan.core.roles import Capability
from dangan.core.schedule import PeriodicJob, register_periodic_job
from dangan.outreach.actions.oai import on_units_changed
from dangan.outreach.ead_hooks import register_ead
from dangan.outreach.interchange.oai_dc import FONDS_SETS, OAI_DC_FORMAT
from dangan.outreach.interchange.registry import register_metadata_format, register_set_family
from dangan.outreach.navigation import Link, register_link
from dangan.outreach.theme_hooks import register_themes
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

# ---------------------------------------------------------------- part wechat (models/wechat.py)


register_action("outreach.wechat.push", gettext_lazy("推送档案故事到微信公众号"))
register_action("outreach.wechat.drafted", gettext_lazy("微信公众号草稿已建立"))
register_action("outreach.wechat.published", gettext_lazy("微信公众号文章已发布"))
register_action("outreach.wechat.failed", gettext_lazy("微信公众号推送失败"))
register_describer(
    AuditDescriber(
        "outreach.wechat.",
        readable_with(Capability.OUTREACH_EDIT),
        labels={
            "story": gettext_lazy("故事"),
            "resumed": gettext_lazy("继续推送"),
            "state": gettext_lazy("状态"),
            "media_id": gettext_lazy("草稿 media_id"),
            "url": gettext_lazy("文章网址"),
            "error": gettext_lazy("错误"),
        },
    )
)
register_link(
    Link(
        "outreach:wechat_list",
        gettext_lazy("微信公众号推送"),
        order=60,
        description=gettext_lazy("已审核的故事推送到微信公众号：草稿、发布与状态"),
    )
)


def _queue_wechat_polls(now: _datetime) -> int:
    from dangan.outreach.tasks.wechat import queue_due_polls

    return queue_due_polls(now)


register_periodic_job(PeriodicJob("outreach.wechat.poll", gettext_lazy("查询微信公众号发布状态"), _queue_wechat_polls))
# ---------------------------------------------------------------- part exhibitions (actions/exhibitions.py, views/exhibitions.py)
for _action, _label in (
    ("outreach.exhibition.create", gettext_lazy("创建专题展览")),
    ("outreach.exhibition.edit", gettext_lazy("修改专题展览")),
    ("outreach.exhibition.publish", gettext_lazy("发布专题展览")),
    ("outreach.exhibition.unpublish", gettext_lazy("撤下专题展览")),
    ("outreach.exhibition.remove", gettext_lazy("删除专题展览")),
    ("outreach.exhibition.section", gettext_lazy("编辑展览单元")),
    ("outreach.exhibition.page", gettext_lazy("编辑展页")),
    ("outreach.exhibition.block", gettext_lazy("编辑展页内容块")),
):
    register_action(_action, _label)
register_link(
    Link(
        "outreach:exhibitions",
        gettext_lazy("网上展览"),
        20,
        Capability.OUTREACH_EDIT,
        gettext_lazy("专题展览的单元、展页和内容块；预览、定时发布与撤下；展厅大屏模式"),
    )
)
# ---------------------------------------------------------------- part themes (models/themes.py)

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
# ---------------------------------------------------------------- part ead (interchange/ead3.py, interchange/eac.py)
register_ead()
# ---------------------------------------------------------------- part oai: OAI-PMH 2.0 at /oai

register_metadata_format(OAI_DC_FORMAT)
register_set_family(FONDS_SETS)
units_changed.connect(on_units_changed, dispatch_uid="dangan.outreach.oai.follow_units")
# ---------------------------------------------------------------- part stories (actions/stories.py)

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
