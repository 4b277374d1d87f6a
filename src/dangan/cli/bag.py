"""`dangan bag …`: the BagIt layer alone — validate a bag, make one from a folder or a .zip. No database needed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

# A bar only for work long enough to watch; small bags validate in a blink.
BAR_MIN_BYTES = 64 << 20
BAR_MIN_FILES = 2000


def register(sub: Any) -> None:
    p = sub.add_parser(
        "bag",
        help="BagIt 包：校验、打包 / BagIt bags: validate, make",
        description="BagIt（RFC 8493）包的校验与打包，不需要数据库。\n"
        "Validate and make BagIt (RFC 8493) bags; no database needed.\n\n"
        "  dangan bag validate PATH [--json] [--fast]   校验 / validate (0.93–0.97 and 1.0 bags)\n"
        "  dangan bag make SRC [DEST]                   打包文件夹或 .zip / bag a folder or a .zip",
        epilog="退出码 / exit codes: 0 有效或已打包 valid, bagged · 1 无效或无法打包 invalid, cannot bag · "
        "2 用法错误（路径不存在等）usage error (no such path …)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="bag_command", metavar="操作 ACTION", required=True)

    v = actions.add_parser(
        "validate",
        help="校验 BagIt 包 / validate a bag",
        description="校验 BagIt 包：结构、标签文件、完整性、摘要。问题写到标准错误，结论写到标准输出。\n"
        "Validate a bag: structure, tag files, completeness, digests. Problems go to stderr, the verdict to stdout.",
        epilog="退出码 / exit codes: 0 有效（可有警告）valid, maybe with warnings · 1 无效 invalid · 2 用法错误 usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    v.add_argument("path", metavar="PATH", help="包文件夹 / the bag's folder")
    v.add_argument("--json", action="store_true", help="以 JSON 输出报告 / print the report as JSON on stdout")
    v.add_argument(
        "--fast",
        action="store_true",
        help="不核对摘要（仍核对结构、完整性与 Payload-Oxum）/ skip digests (structure, completeness, Oxum still)",
    )
    v.add_argument("--workers", type=int, default=None, metavar="N", help="计算摘要的线程数 / hashing threads")
    v.add_argument("--quiet", "-q", action="store_true", help="不输出警告和进度 / no warnings, no progress bar")
    v.set_defaults(handler=cmd_validate, needs_django=False)

    m = actions.add_parser(
        "make",
        help="将文件夹或 .zip 打包为 BagIt 包 / bag a folder or a .zip",
        description="将文件夹（原地，或复制到 DEST）或 .zip（安全解压到 DEST）打包为 BagIt 1.0 包。\n"
        "Bag a folder (in place, or copied to DEST) or a .zip (unpacked safely into DEST) as a BagIt 1.0 bag.\n"
        "A .zip that already holds a bag is unpacked as it is; validate it next.",
        epilog="退出码 / exit codes: 0 已打包 bagged · 1 无法打包（不安全的压缩包、已是包…）cannot bag "
        "(unsafe archive, already a bag …) · 2 用法错误 usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    m.add_argument("source", metavar="SRC", help="文件夹或 .zip / a folder or a .zip")
    m.add_argument("dest", metavar="DEST", nargs="?", default=None, help="新包的位置 / where the new bag goes")
    m.add_argument(
        "--algorithm",
        action="append",
        dest="algorithms",
        metavar="ALG",
        help="摘要算法，可重复（默认 sha512）/ digest algorithm, repeatable (default sha512)",
    )
    m.add_argument(
        "--info",
        action="append",
        default=[],
        metavar="LABEL=VALUE",
        help="bag-info.txt 条目，可重复 / a bag-info.txt entry, repeatable",
    )
    m.set_defaults(handler=cmd_make, needs_django=False)


def _progress(desc: str, quiet: bool) -> tuple[Callable[[int, int, int, int], None], Callable[[], None]]:
    bar: Any = None

    def progress(files: int, total_files: int, done: int, total: int) -> None:
        nonlocal bar
        if quiet:
            return
        if bar is None:
            if total < BAR_MIN_BYTES and total_files < BAR_MIN_FILES:
                return
            from tqdm import tqdm

            bar = tqdm(total=total, unit="B", unit_scale=True, desc=desc, file=sys.stderr, leave=False, disable=None)
        bar.update(done - bar.n)
        bar.set_postfix_str(f"{files}/{total_files}", refresh=False)

    def close() -> None:
        if bar is not None:
            bar.close()

    return progress, close


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def cmd_validate(args: argparse.Namespace) -> int:
    from dangan.accession.bagit import Severity, validate_bag

    if args.workers is not None and args.workers < 1:
        raise CommandError("--workers 须为正整数 / --workers must be at least 1")
    progress, close = _progress("校验 validating", args.quiet)
    try:
        report = validate_bag(args.path, fast=args.fast, progress=progress, workers=args.workers)
    except FileNotFoundError:
        raise CommandError(f"没有这个文件夹 / no such folder: {args.path}") from None
    except NotADirectoryError:
        raise CommandError(f"不是文件夹（.zip 请先用 dangan bag make 解包）/ not a folder: {args.path}") from None
    except PermissionError as exc:
        raise CommandError(f"无权读取 / permission denied: {exc.filename or args.path}") from None
    finally:
        close()
    for problem in report.problems:
        if problem.severity is Severity.ERROR:
            print(f"错误 error {problem}", file=sys.stderr)
        elif not args.quiet:
            print(f"警告 warning {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK if report.valid else EXIT_PROBLEMS
    facts = [
        f"BagIt {report.version or '?'}",
        report.encoding or "?",
        f"{report.payload_files} 个文件 files",
        _size(report.payload_bytes),
        "、".join(report.payload_algorithms) or "—",
        f"{report.seconds:.2f} s",
    ]
    if report.fast:
        facts.append("未核对摘要 digests not checked (--fast)")
    if report.valid:
        warned = f"，{len(report.warnings)} 个警告 warnings" if report.warnings else ""
        print(f"有效 valid{warned}: {report.path} — {' · '.join(facts)}")
        return EXIT_OK
    print(
        f"无效 invalid: {report.path} — {len(report.errors)} 个错误 errors，{len(report.warnings)} 个警告 warnings"
        f" · {' · '.join(facts)}"
    )
    return EXIT_PROBLEMS


def cmd_make(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dangan.accession.bagit import BagError, make_bag
    from dangan.accession.bagit.tagfiles import ALGORITHMS

    source = Path(args.source)
    if not source.exists():
        raise CommandError(f"没有这个文件或文件夹 / no such file or folder: {source}")
    algorithms = [a.lower() for a in args.algorithms or ["sha512"]]
    unknown = [a for a in algorithms if a not in ALGORITHMS]
    if unknown:
        raise CommandError(
            f"不支持的算法 unsupported algorithm: {', '.join(unknown)}（{', '.join(sorted(ALGORITHMS))}）"
        )
    info: list[tuple[str, str]] = []
    for item in args.info:
        label, sep, value = item.partition("=")
        if not sep or not label.strip():
            raise CommandError(f"--info 应为 LABEL=VALUE / --info takes LABEL=VALUE: {item}")
        info.append((label.strip(), value))
    progress, close = _progress("打包 bagging", False)
    try:
        bag = make_bag(source, args.dest, algorithms=algorithms, info=info, progress=progress)
    except BagError as exc:
        print(f"无法打包 cannot bag: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        close()
    print(f"已打包 bagged: {bag}")
    return EXIT_OK
