"""`dangan export …`: descriptions in interchange formats — `dangan export ead FONDS -o F.xml` (EAD3 of a fonds,
streamed) and `dangan export eac` (EAC-CPF of authority records), added by the outreach app's part ead
(`cli/outreach_ead.py`'s `register_export`). See docs/development/outreach.md.

Exit codes: 0 done, 1 the export found problems (listed), 2 usage.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    group = sub.add_parser(
        "export",
        help="导出交换格式（EAD3、EAC-CPF）/ export descriptions (EAD3, EAC-CPF)",
        description="导出交换格式。Export descriptions for interchange: EAD3 of a fonds, EAC-CPF of authority records.",
        epilog="退出码 / exit codes: 0 成功 success · 1 发现问题 problems found · 2 用法错误 usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    formats = group.add_subparsers(dest="export_format", metavar="格式 FORMAT", required=True)
    for part in _parts():
        part.register_export(formats)


def _parts() -> list[Any]:
    """The CLI modules that add export formats."""
    from . import outreach_ead  # part ead: `export ead`, `export eac`

    return [outreach_ead]
