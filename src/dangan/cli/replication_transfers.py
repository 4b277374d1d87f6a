"""`dangan replicate [--target NAME] [--json]`: send every package, encrypted, to the targets the replication
policy sends it to (resumable, incremental), then say what the policy asks for that is still not there.

Exit codes: 0 every copy the policy asks for is current; 1 something is missing (listed: package, target, why —
a target that could not be reached is named with the reason, and catches up on the next run); 2 usage (an unknown
target, this node has no keys yet is 1).

JSON (``--json``): ``ok`` (bool), ``packages`` (packages the policy looked at), ``copies_required`` and
``copies_current`` (package × target copies asked for, and those holding the package's head version),
``sent_envelopes`` and ``sent_bytes`` (what this run sent), ``replicated`` (one object per copy brought up to date
in this run: ``package`` uuid, ``target``, ``version`` number, ``envelopes``, ``bytes``), ``missing`` (one object
per shortfall: ``package`` uuid, ``reference_code``, ``target`` — empty for a shortfall of the package's copies as
a whole: copies, kinds of medium, sites — and ``why`` in Chinese), ``targets_down`` (target name → why)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS


def register_top_level(sub: Any) -> None:
    p = sub.add_parser(
        "replicate",
        help="立即执行异地备份复制 / replicate to the backup targets now",
        description="按备份策略把每个保存包加密复制到备份目标（可续传、增量），并列出仍未满足策略的副本。\n"
        "Sends every package, encrypted, to the targets the replication policy names, then lists what is missing.",
        epilog="退出码 / exit codes: 0 策略要求的副本均已同步 all copies current · 1 有缺失（已列出）missing copies · "
        "2 用法错误 usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--target", metavar="NAME", help="只复制到这个备份目标 / only this target")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_replicate)


def cmd_replicate(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.transfers import do_replicate

    from .replication import target_named

    target = target_named(args.target)
    bar = _Bar(enabled=not args.json)
    try:
        report = do_replicate(CONSOLE, target, progress=bar.update)
    except ValidationError as exc:
        print(f"错误 error: {' '.join(exc.messages)}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        bar.close()
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK if report.ok else EXIT_PROBLEMS
    data = report.as_dict()
    print(
        f"保存包 packages: {data['packages']}  副本 copies: {data['copies_current']}/{data['copies_required']} 已同步  "
        f"本次发送 sent: {data['sent_envelopes']} 个密文对象, {data['sent_bytes']} 字节"
    )
    for name, why in sorted(report.targets_down.items()):
        print(f"目标不可用 target down: {name}: {why}")
    for item in report.missing:
        where = item.target or "（策略）"
        print(f"缺失 missing: {item.reference_code or item.package}  {where}  {item.why}")
    print("全部副本已同步 all copies current" if report.ok else f"缺失 {len(report.missing)} 项 / missing")
    return EXIT_OK if report.ok else EXIT_PROBLEMS


class _Bar:
    """A progress bar on stderr when it is a terminal (tqdm), nothing otherwise."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None

    def update(self, label: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="复制 replicate", unit="副本", file=sys.stderr, leave=False)
        self.bar.set_postfix_str(label[:40], refresh=False)
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
