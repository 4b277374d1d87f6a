"""`dangan replication …` and `dangan replicate`: paired, heterogeneous, off-site backup (结对异质异地备份).
Each part of the replication app adds its subcommands to the `replication` group here (one `register` call each,
from a module `cli/replication_<part>.py`); see docs/development/replication.md.

Exit codes: 0 done (every copy current, every copy proven …), 1 what was asked found problems (listed), 2 usage.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    group = sub.add_parser(
        "replication",
        help="结对异地备份：节点、结对、备份目标、验证、修复、演练 / paired off-site backup",
        description="结对异质异地备份。Paired, heterogeneous, off-site backup: this node's identity, partners, "
        "targets, audits, repairs and restore drills.",
        epilog="退出码 / exit codes: 0 成功 success · 1 发现问题 problems found · 2 用法错误 usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = group.add_subparsers(dest="replication_command", metavar="操作 ACTION", required=True)
    for part in _parts():
        part.register(actions)
    # `dangan replicate` (the transfers part) is a command of its own: it registers on `sub` too.
    for part in _top_level_parts():
        part.register_top_level(sub)


def _parts() -> list[Any]:
    """The parts' CLI modules, in the order their commands are listed."""
    from . import (
        replication_audits,  # part audits
        replication_discs,
        replication_drills,  # part drills
        replication_identity,
        replication_keys,
        replication_partners,
        replication_repair,
        replication_targets,
    )

    return [
        replication_identity,
        replication_partners,
        replication_targets,
        replication_discs,
        replication_keys,
        replication_audits,
        replication_repair,
        replication_drills,
    ]


def _top_level_parts() -> list[Any]:
    from . import replication_transfers

    return [replication_transfers]


def target_named(name: str | None, *, enabled: bool = True) -> Any:
    """The ``Target`` an option ``--target NAME`` names (None when no name was given); a usage error (exit 2) for
    an unknown name and, with ``enabled``, for a disabled target."""
    if not name:
        return None
    from dangan.replication.models import Target

    from . import CommandError

    target = Target.objects.filter(name=name).first()
    if target is None:
        raise CommandError(f"没有名为 {name} 的备份目标 / no target named {name}")
    if enabled and not target.enabled:
        raise CommandError(f"备份目标 {name} 已停用 / target {name} is disabled")
    return target
