"""`dangan outreach …`: thematic databases, exhibitions, stories and their push to WeChat (宣传与开发利用). Each
part of the outreach app adds its subcommands here (one `register` call each, from a module `cli/outreach_<part>.py`);
`dangan export ead|eac` is cli/export.py's. See docs/development/outreach.md.

Exit codes: 0 done, 1 the input had problems (listed; nothing was written), 2 usage.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    group = sub.add_parser(
        "outreach",
        help="宣传与开发利用：专题库、展览、故事与微信推送 / themes, exhibitions, stories, WeChat",
        description="宣传与开发利用。Outreach: thematic databases, online exhibitions, stories and their push to the "
        "WeChat official account.",
        epilog="退出码 / exit codes: 0 成功 success · 1 发现问题 problems found · 2 用法错误 usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = group.add_subparsers(dest="outreach_command", metavar="操作 ACTION", required=True)
    for part in _parts():
        part.register(actions)


def _parts() -> list[Any]:
    """The parts' CLI modules, in the order their commands are listed."""
    from . import outreach_oai, outreach_wechat

    return [outreach_wechat, outreach_oai]
