"""`dangan replication audit [--target NAME] [--full] [--json]`: prove the copies at the targets intact without
downloading them (part audits, docs/development/replication.md).

Exit codes: 0 every copy audited proved intact; 1 a failure (listed: package/档号, target, envelope, what) — a
target that could not be reached, a forged or stale answer, a removed partner's copies, or this node has no keys
yet; 2 usage (an unknown target).

JSON (``--json``): ``ok`` (bool), ``targets`` (one object per target: ``target``, ``run`` id, ``outcome`` —
proven, failed, unreachable — ``full``, ``envelopes``, ``chunks``, ``chunks_sampled``, ``chunks_covered``,
``request_bytes``, ``answer_bytes``, ``message``, ``failures``) and ``failures`` (all of them: ``package`` uuid,
``reference_code``, ``target``, ``envelope``, ``path``, ``chunk``, ``what``, ``detail``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS


def register(actions: Any) -> None:
    p = actions.add_parser(
        "audit",
        help="不下载验证备份副本 / audit the copies without downloading them",
        description="向备份目标发出新的挑战（随机抽查的块与本周期的覆盖范围），核对其应答，证明副本完好。\n"
        "Challenges each target with a fresh nonce and a random sample of chunks and checks the keyed answers "
        "against this node's own copy.",
        epilog="退出码 / exit codes: 0 全部副本验证通过 every copy proven · 1 发现问题（已列出）failures listed · "
        "2 用法错误 usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--target", metavar="NAME", help="只验证这个备份目标 / only this target")
    p.add_argument("--full", action="store_true", help="验证每一块（读取目标上的全部副本）/ every chunk")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_audit)


def cmd_audit(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.audits import do_audit

    from .replication import target_named

    target = target_named(args.target, enabled=False)

    def progress(name: str, done: int, total: int) -> None:
        if done == 0:
            print(f"验证 auditing {name}：{total} 个密文对象 envelopes …", file=sys.stderr, flush=True)

    try:
        report = do_audit(CONSOLE, target, full=args.full, progress=progress)
    except ValidationError as exc:
        print(f"错误 error: {' '.join(exc.messages)}", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK if report.ok else EXIT_PROBLEMS
    for item in report.targets:
        print(
            f"{item.target}: {item.outcome}  密文对象 envelopes {item.envelopes}  抽查 sampled {item.chunks_sampled}  "
            f"覆盖 covered {item.chunks_covered}/{item.chunks} 块  流量 traffic {item.request_bytes}+{item.answer_bytes} 字节"
        )
        for failure in item.failures:
            who = failure.reference_code or failure.package or "—"
            where = failure.envelope or "—"
            chunk = f" 第 {failure.chunk} 块" if failure.chunk is not None else ""
            print(f"  问题 failure: {who}  {failure.target}  {where}{chunk}  {failure.what}：{failure.detail}")
    print("全部副本验证通过 every copy proven" if report.ok else f"发现 {len(report.failures)} 个问题 / failures")
    return EXIT_OK if report.ok else EXIT_PROBLEMS
