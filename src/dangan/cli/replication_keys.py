"""`dangan replication keys export|restore`: the master key's escrow (密钥托管) as k-of-n shares for custodians.

    dangan replication keys export --threshold 3 --custodian "馆长 张三" --custodian … [--out DIR]
    dangan replication keys restore [--from FILE]        # share lines from FILE, or typed on standard input

Export prints one line per custodian (or, with --out, writes one file per custodian, readable by its owner only);
the lines are shown once and kept nowhere on this node. Shares are DANGAN-SHARE-2 lines: the master key and the
node identity (node id, algorithm, private key) together; DANGAN-SHARE-1 lines (the key alone) are still read.
Restore installs them on a new machine (after `dangan init`: keys never used are moved aside) and refuses to
replace keys in use. Exit codes: 0 done; 1 refused (no key yet, too few or mistyped shares — named —, a key already
there); 2 usage."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

_EPILOG = "退出码 / exit codes: 0 成功 · 1 被拒绝（份额不足、抄错、已有密钥）· 2 用法错误"


def register(actions: Any) -> None:
    group = actions.add_parser(
        "keys",
        help="主密钥托管：导出与恢复密钥份额 / master key escrow: export and restore shares",
        description="主密钥托管：把本节点主密钥拆分为 k-of-n 份额交保管人，或在新机器上由份额恢复。\n"
        "Master key escrow: split this node's master key into k-of-n shares for custodians, or restore it.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = group.add_subparsers(dest="keys_command", metavar="操作 ACTION", required=True)
    export = sub.add_parser("export", help="导出密钥份额 / export key shares", epilog=_EPILOG)
    export.add_argument("--threshold", "-k", type=int, required=True, help="恢复所需份数 k / shares needed")
    export.add_argument(
        "--custodian", action="append", required=True, metavar="NAME", help="保管人（每人一份，可重复）/ a custodian"
    )
    export.add_argument("--out", metavar="DIR", help="每位保管人一个文件写入此目录 / one file per custodian here")
    export.set_defaults(handler=cmd_export)
    restore = sub.add_parser("restore", help="由份额恢复主密钥 / restore the master key", epilog=_EPILOG)
    restore.add_argument("--from", dest="source", metavar="FILE", help="份额文件（默认从标准输入读）/ share lines")
    restore.set_defaults(handler=cmd_restore)


def _refused(exc: Exception) -> int:
    messages = getattr(exc, "messages", None)
    print(f"错误 error: {'；'.join(messages) if messages else exc}", file=sys.stderr)
    return EXIT_PROBLEMS


def cmd_export(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.keys import do_export_key_shares
    from dangan.replication.node import NodeNotReady

    out = Path(args.out) if args.out else None
    if out is not None and (not out.is_dir() or any(out.iterdir())):
        print(f"错误 error: {out} 应为已存在的空目录 must be an existing empty folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        lines = do_export_key_shares(CONSOLE, args.threshold, args.custodian)
    except (NodeNotReady, PermissionDenied, ValidationError) as exc:
        return _refused(exc)
    if out is None:
        print("# 每行交一位保管人，打印后封存；本节点不保存份额。Give each line to one custodian; not kept here.")
        for line in lines:
            print(line)
        return EXIT_OK
    for number, line in enumerate(lines, start=1):
        path = out / f"share-{number:02d}.txt"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(line + "\n")
    print(f"已写入 {len(lines)} 份密钥份额 wrote {len(lines)} shares: {out}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.keys import do_restore_master_key

    try:
        text = Path(args.source).read_text(encoding="utf-8") if args.source else sys.stdin.read()
    except OSError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        key = do_restore_master_key(CONSOLE, text.splitlines())
    except (PermissionDenied, ValidationError) as exc:
        return _refused(exc)
    print(f"主密钥已恢复 master key restored: {key.key_id.hex()}")
    from dangan.replication.node import NodeNotReady, this_node

    try:
        identity = this_node()
    except NodeNotReady:
        return EXIT_OK
    print(f"节点身份 node identity: {identity.node_id} {identity.fingerprint}")
    return EXIT_OK
