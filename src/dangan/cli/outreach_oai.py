"""`dangan outreach oai-rebuild`: give every unit and fonds that has no OAI-PMH row one (part oai of the outreach
app; docs/operations.md "OAI-PMH"). The catalog's actions keep the rows up to date by themselves; this is for units
written into the database by other means (a restore from an older dump, a bulk load), and is safe to run again.

    dangan outreach oai-rebuild

Exit codes: 0 done."""

from __future__ import annotations

import argparse
from typing import Any

from . import EXIT_OK


def register(actions: Any) -> None:
    p = actions.add_parser(
        "oai-rebuild",
        help="OAI-PMH：为缺少记录的档案与全宗补建时间戳 / add the missing OAI-PMH rows",
        description="为尚无 OAI-PMH 记录的档案与全宗补建记录（以其最后修改时间为时间戳）；已有的记录不变，可重复运行。"
        "Adds the OAI-PMH rows of the units and fonds that have none (dated by their last change); rows already "
        "there are left as they are; safe to run again.",
        epilog="退出码 / exit codes: 0 成功 success · 2 用法错误 usage error",
    )
    p.set_defaults(handler=cmd_oai_rebuild)


def cmd_oai_rebuild(args: argparse.Namespace) -> int:
    from dangan.outreach.actions.oai import rebuild

    added = rebuild()
    print(f"已补建 OAI-PMH 记录 added: {added}")
    return EXIT_OK
