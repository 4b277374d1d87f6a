"""`dangan replication repair [--target NAME] [--json]`: rewrite every damaged or missing copy at a target from a
good one (this node's own file, else another keeper's copy), and put back every file of this node's storage root
that the fixity audit found damaged from a keeper's good copy (replication/actions/repair.py).

Exit codes: 0 everything damaged or missing was repaired, or there was nothing to do; 1 something could not be
repaired (listed: package / 档号, path, target, reason); 2 usage (an unknown or disabled target).

JSON (``--json``): ``ok`` (bool), ``damaged_copies`` (faulty envelopes found at targets), ``damaged_files`` (own
files found damaged), ``repaired`` (one object each: ``package`` uuid, ``reference_code``, ``path`` in the object,
``target`` — empty for an own file —, ``source`` — ``owner`` or the target the good bytes came from —, ``what``
— ``copy`` or ``own`` —, ``envelope`` name), ``failed`` (one object each: ``package``, ``reference_code``, ``path``,
``target``, ``what``, ``reason`` in Chinese), ``bytes_sent`` (ciphertext bytes written to targets)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS


def register(actions: Any) -> None:
    p = actions.add_parser(
        "repair",
        help="修复损坏或缺失的副本及本馆损坏的文件 / repair damaged or missing copies and damaged own files",
        description="由完好副本重写备份目标上损坏或缺失的密文对象；由结对档案馆等目标的完好副本恢复本馆存储中损坏的文件。\n"
        "Rewrites damaged or missing copies from a good one, and restores this node's damaged files from a keeper.",
        epilog="退出码 / exit codes: 0 已全部修复或无需修复 all repaired or nothing to do · "
        "1 有无法修复的（已列出）some could not be repaired · 2 用法错误 usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--target", metavar="NAME", help="只修复这个备份目标上的副本 / only copies at this target")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_repair)


def cmd_repair(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.repair import do_repair

    from .replication import target_named

    target = target_named(args.target)

    def progress(label: str, done: int, total: int) -> None:
        print(f"修复 repair {done}/{total}: {label}", file=sys.stderr, flush=True)

    try:
        report = do_repair(CONSOLE, target, progress=progress)
    except ValidationError as exc:
        print(f"错误 error: {' '.join(exc.messages)}", file=sys.stderr)
        return EXIT_PROBLEMS
    code = EXIT_OK if report.ok else EXIT_PROBLEMS
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return code
    for item in report.repaired:
        where = f"副本 copy @ {item.target}" if item.what == "copy" else "本馆文件 own file"
        print(f"已修复 repaired: {item.reference_code or item.package}  {item.path}  {where}  来源 from {item.source}")
    for failed in report.failed:
        where = failed.target or "本馆 own"
        print(
            f"无法修复 not repaired: {failed.reference_code or failed.package}  {failed.path}  {where}  {failed.reason}"
        )
    if report.ok:
        print(
            "无需修复 nothing to repair" if not report.repaired else f"已全部修复 all repaired ({len(report.repaired)})"
        )
    else:
        print(f"无法修复 {len(report.failed)} 项 / not repaired")
    return code
