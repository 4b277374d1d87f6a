"""`dangan replication drill` and `dangan replication restore`: restore drills (恢复演练) and the restore of a node
that lost everything (灾难恢复), from one target's copy.

    dangan replication drill --target NAME --into DIR [--fonds CODE] [--shares FILE] [--pdf FILE] [--json]
    dangan replication restore --target NAME [--json]

Exit codes: 0 every object restored and verified; 1 failures (each named); 2 usage (unknown target or fonds, a
folder neither absent nor empty, a storage root that holds objects, shares that do not combine)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

_EPILOG = "退出码 / exit codes: 0 全部恢复并核验 all restored and verified · 1 有失败 failures · 2 用法错误 usage"


def register(actions: Any) -> None:
    drill = actions.add_parser(
        "drill",
        help="恢复演练：由备份目标恢复到临时存储库并核验 / restore drill into a scratch storage root",
        description="由一个备份目标的副本恢复到 DIR 处的临时 OCFL 存储库，核验每个摘要，报告恢复时间与恢复点。\n"
        "Restores a target's copy into a scratch OCFL storage root at DIR, checks every digest, and reports the\n"
        "recovery time and recovery point.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    drill.add_argument("--target", required=True, metavar="NAME", help="备份目标名称 / target name")
    drill.add_argument("--into", required=True, metavar="DIR", help="临时存储库目录（不存在或为空）/ scratch root")
    drill.add_argument("--fonds", default="", metavar="CODE", help="只恢复此全宗 / only this fonds")
    drill.add_argument(
        "--shares",
        metavar="FILE",
        help="用此文件中保管人份额组合的密钥（不安装）/ use the key these custodians' shares combine to",
    )
    drill.add_argument("--pdf", metavar="FILE", help="写出 PDF 演练报告 / write the PDF report here")
    drill.add_argument("--json", action="store_true", help="以 JSON 输出结果 / print the result as JSON")
    drill.set_defaults(handler=cmd_drill)

    restore = actions.add_parser(
        "restore",
        help="灾难恢复：由备份目标重建本节点存储库 / rebuild this node's storage root from a target",
        description="由一个备份目标的副本重建本节点的存储库（须无保存对象）；之后运行 dangan rebuild。\n"
        "Restores every object at a target into this node's own storage root (which must hold no objects);\n"
        "run `dangan rebuild` afterwards.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    restore.add_argument("--target", required=True, metavar="NAME", help="备份目标名称 / target name")
    restore.add_argument("--json", action="store_true", help="以 JSON 输出结果 / print the result as JSON")
    restore.set_defaults(handler=cmd_restore)


def _bar(quiet: bool) -> tuple[Any, Any]:
    from tqdm import tqdm

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if quiet:
            return
        if bar is None:
            bar = tqdm(total=total, unit="B", unit_scale=True, desc="恢复 restoring", file=sys.stderr, leave=False)
        bar.total = total
        bar.update(done - bar.n)

    def close() -> None:
        if bar is not None:
            bar.close()

    return progress, close


def _refused(exc: Exception) -> int:
    from django.core.exceptions import ValidationError

    messages = getattr(exc, "messages", None)
    print(f"错误 error: {'；'.join(messages) if messages else exc}", file=sys.stderr)
    if isinstance(exc, ValidationError) and exc.code in ("usage", "shares"):
        return EXIT_USAGE
    return EXIT_PROBLEMS


def _show(run: Any, as_json: bool) -> int:
    from dangan.replication.actions.drills import drill_summary

    summary = drill_summary(run)
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(
            f"{'全部恢复并核验 all restored and verified' if summary['ok'] else '有失败 failures'}: "
            f"{summary['objects']} 个对象 objects, {summary['files']} 个文件 files, {summary['bytes']} 字节 bytes"
        )
        print(f"恢复时间 recovery time: {summary['recovery_time_s']} s")
        print(f"恢复点 recovery point: {summary['recovery_point_s']} s（{summary['newest_version_at']}）")
        for failure in summary["failures"]:
            print(f"失败 failed: {failure['object']} · {failure['file'] or '—'} · {failure['what']}", file=sys.stderr)
    return EXIT_OK if summary["ok"] else EXIT_PROBLEMS


def cmd_drill(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.drills import do_drill
    from dangan.replication.stores.base import StoreError

    lines = None
    if args.shares:
        try:
            lines = Path(args.shares).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            print(f"错误 error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    progress, close = _bar(args.json)
    try:
        run = do_drill(CONSOLE, args.target, Path(args.into), fonds=args.fonds, share_lines=lines, progress=progress)
    except (PermissionDenied, ValidationError) as exc:
        return _refused(exc)
    except StoreError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        close()
    if args.pdf:
        from dangan.replication.drill_pdf import render_drill_pdf

        Path(args.pdf).write_bytes(render_drill_pdf(run))
    return _show(run, args.json)


def cmd_restore(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.drills import do_restore
    from dangan.replication.stores.base import StoreError

    progress, close = _bar(args.json)
    try:
        run = do_restore(CONSOLE, args.target, progress=progress)
    except (PermissionDenied, ValidationError) as exc:
        return _refused(exc)
    except StoreError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        close()
    return _show(run, args.json)
