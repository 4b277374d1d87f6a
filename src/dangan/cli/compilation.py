"""`dangan compilation …`: compilations (编研) — list them, export one as PDF, EPUB or DOCX. Each part of the
compilation app adds its subcommands here (one `register` call each, from a module `cli/compilation_<part>.py`).
See docs/development/compilation.md.

Exit codes: 0 done, 1 the input had problems (listed; nothing was written), 2 usage.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    group = sub.add_parser(
        "compilation",
        help="档案编研：选编、汇编及其导出 / compilations and their export (PDF, EPUB, DOCX)",
        description="档案编研。Compilations of selected documents and their export as PDF, EPUB 3 and DOCX.",
        epilog="退出码 / exit codes: 0 成功 success · 1 发现问题 problems found · 2 用法错误 usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = group.add_subparsers(dest="compilation_command", metavar="操作 ACTION", required=True)
    for part in _parts():
        part.register(actions)


def _parts() -> list[Any]:
    """The parts' CLI modules, in the order their commands are listed."""
    from . import compilation_volumes  # part volumes: list, export

    return [compilation_volumes]
