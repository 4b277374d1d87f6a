"""`dangan conservation …`: the stacks, check-out, condition surveys, climate readings and restoration (保管保护).
Each part of the conservation app adds its subcommands here (one `register` call each, from a module
`cli/conservation_<part>.py`); see docs/development/conservation.md.

Exit codes: 0 done, 1 the input had problems (listed; nothing was written), 2 usage.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    group = sub.add_parser(
        "conservation",
        help="保管保护：库房、出入库、摸排、温湿度、修复 / stacks, surveys, climate, restoration",
        description="保管保护。Conservation: the stacks and locations, check-out of originals, condition surveys, "
        "the stacks' climate and restoration work.",
        epilog="退出码 / exit codes: 0 成功 success · 1 发现问题 problems found · 2 用法错误 usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = group.add_subparsers(dest="conservation_command", metavar="操作 ACTION", required=True)
    for part in _parts():
        part.register(actions)


def _parts() -> list[Any]:
    """The parts' CLI modules, in the order their commands are listed."""
    from . import conservation_environment, conservation_restoration, conservation_stacks, conservation_surveys

    return [conservation_stacks, conservation_surveys, conservation_environment, conservation_restoration]
