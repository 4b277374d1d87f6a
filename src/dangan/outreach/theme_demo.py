"""Part themes' sample data: the three thematic databases of the demo archives (红军在贵州, 脱贫攻坚,
新冠肺炎疫情防控), each made only when the demo catalog holds units of its subject, published, with saved queries,
sections and milestones. Registered as a step of ``dangan demo`` (catalog.demo.register_demo_step); running it
again changes nothing."""

from __future__ import annotations

from typing import Any

from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import CONSOLE
from dangan.outreach.actions.themes import (
    do_add_milestone,
    do_add_query,
    do_add_section,
    do_create_theme,
    do_set_status,
)
from dangan.outreach.models import Theme, ThemeStatus

THEMES: list[dict[str, Any]] = [
    {
        "slug": "hongjun-guizhou",
        "title": "红军在贵州",
        "summary": "1934—1936年红军长征在贵州的档案：黎平会议、强渡乌江、遵义会议、四渡赤水、娄山关战斗。",
        "introduction": "1934年12月至1936年4月，中央红军和红二、红六军团先后转战贵州。本专题汇集馆藏中记载红军"
        "在贵州活动的文书、布告、回忆与调查材料。",
        "marker": "红军",
        "queries": ["红军"],
        "sections": [("遵义会议", "题名:遵义"), ("四渡赤水", "赤水"), ("娄山关战斗", "娄山关")],
        "milestones": [
            ("1934-12-18", "中共中央政治局在黎平召开会议"),
            ("1935-01-01", "中央红军强渡乌江"),
            ("1935-01-15", "遵义会议召开"),
            ("1935-01-29", "中央红军一渡赤水"),
            ("1935-02-26", "红军攻克娄山关，再占遵义"),
        ],
    },
    {
        "slug": "tuopin-gongjian",
        "title": "脱贫攻坚",
        "summary": "贵州脱贫攻坚的档案：精准扶贫、易地扶贫搬迁、产业扶贫。",
        "introduction": "2015年至2020年，贵州以脱贫攻坚统揽经济社会发展全局。本专题汇集省扶贫开发办公室等机构的相关档案。",
        "marker": "扶贫",
        "queries": ["扶贫 OR 脱贫"],
        "sections": [("易地扶贫搬迁", "搬迁")],
        "milestones": [("2020-11-23", "贵州省最后9个深度贫困县退出贫困县序列")],
    },
    {
        "slug": "xinguan-fangkong",
        "title": "新冠肺炎疫情防控",
        "summary": "2020—2022年新冠肺炎疫情防控工作的档案。",
        "introduction": "本专题汇集新冠肺炎疫情防控期间形成的通知、方案、简报等档案。",
        "marker": "疫情",
        "queries": ["疫情"],
        "sections": [],
        "milestones": [("2020-01-23", "贵州省启动重大突发公共卫生事件一级响应")],
    },
]


def load_demo_themes() -> list[str]:
    lines: list[str] = []
    for order, spec in enumerate(THEMES, 1):
        if Theme.objects.filter(slug=spec["slug"]).exists():
            continue
        if not ArchivalUnit.objects.filter(title__contains=spec["marker"]).exists():
            lines.append(f"专题数据库：{spec['title']}，示例数据中没有相关档案，未创建")
            continue
        theme = do_create_theme(
            CONSOLE,
            {k: spec[k] for k in ("slug", "title", "summary", "introduction")} | {"order": order},
        )
        for query in spec["queries"]:
            do_add_query(CONSOLE, theme, {"query": query})
        for n, (title, query) in enumerate(spec["sections"], 1):
            section = do_add_section(CONSOLE, theme, {"title": title, "order": n})
            do_add_query(CONSOLE, theme, {"query": query}, section=section)
        for date, text in spec["milestones"]:
            do_add_milestone(CONSOLE, theme, date, text)
        do_set_status(CONSOLE, theme, ThemeStatus.PUBLISHED)
        lines.append(f"专题数据库：{theme.title}（/themes/{theme.slug}/），已发布")
    return lines
