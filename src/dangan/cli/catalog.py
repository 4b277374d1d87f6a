"""`dangan catalog …`: fonds, Excel/CSV catalog import and export, and the printable 归档文件目录 (PDF)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dangan.core.actors import CONSOLE

from . import EXIT_OK, EXIT_PROBLEMS, CommandError


def register(sub: Any) -> None:
    catalog = sub.add_parser("catalog", help="档案目录 / the archival catalog")
    csub = catalog.add_subparsers(dest="catalog_command", metavar="子命令 SUBCOMMAND", required=True)

    fonds = csub.add_parser("fonds", help="全宗 / fonds")
    fsub = fonds.add_subparsers(dest="fonds_command", metavar="子命令 SUBCOMMAND", required=True)
    p = fsub.add_parser("add", help="新建全宗 / add a fonds")
    p.add_argument("code", help="全宗号 / fonds code, e.g. Z109")
    p.add_argument("name", help="全宗名称 / fonds name")
    p.add_argument("--creator", default="", help="立档单位 / creating body")
    p.set_defaults(handler=cmd_fonds_add)
    p = fsub.add_parser("list", help="列出全宗 / list fonds")
    p.set_defaults(handler=cmd_fonds_list)

    p = csub.add_parser(
        "import",
        help="从 Excel/CSV 导入目录 / import a catalog from .xlsx or .csv",
        description="按中文表头导入归档文件目录；任一行有误则整体不导入，并逐行报告。\n"
        "Imports a catalog by its Chinese headers; any bad row rejects the whole file with a row-by-row report.",
        epilog="退出码 / exit codes: 0 已导入或无新内容 imported or nothing new · 1 校验未通过 rejected · 2 用法错误 usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", type=Path, help=".xlsx 或 .csv 文件 / file")
    p.add_argument("--fonds", required=True, help="全宗号 / fonds code")
    p.add_argument("--dry-run", action="store_true", help="只校验不写入 / validate only")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果 / print the result as JSON")
    p.set_defaults(handler=cmd_import)

    p = csub.add_parser("export", help="导出目录为 Excel / export a fonds' catalog as .xlsx")
    p.add_argument("--fonds", required=True, help="全宗号 / fonds code")
    p.add_argument("-o", "--output", type=Path, required=True, help="输出文件 .xlsx 或 .csv / output file")
    p.set_defaults(handler=cmd_export)

    p = csub.add_parser(
        "print",
        help="打印归档文件目录（PDF）/ the 归档文件目录 of a fonds as a PDF",
        epilog="退出码 / exit codes: 0 已生成 written · 1 无可打印的档案或超过上限 nothing to print or too many rows · 2 用法错误 usage",
    )
    p.add_argument("--fonds", required=True, help="全宗号 / fonds code")
    p.add_argument("-o", "--output", type=Path, required=True, help="输出文件 .pdf / output file")
    p.set_defaults(handler=cmd_print)


def _fonds(code: str) -> Any:
    from dangan.catalog.models import Fonds

    try:
        return Fonds.objects.get(code__iexact=code)
    except Fonds.DoesNotExist:
        raise CommandError(f"全宗 {code} 不存在 / no fonds {code}") from None


def cmd_fonds_add(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.catalog.actions.configuration import do_create_fonds

    try:
        fonds = do_create_fonds(CONSOLE, args.code, args.name, creator=args.creator)
    except ValidationError as exc:
        raise CommandError("; ".join(exc.messages)) from None
    print(f"已创建全宗 created fonds: {fonds.code} {fonds.name}")
    return EXIT_OK


def cmd_fonds_list(args: argparse.Namespace) -> int:
    from dangan.catalog.models import Fonds

    for fonds in Fonds.objects.order_by("code"):
        print(f"{fonds.code}\t{fonds.name}\t{fonds.unit_count}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from dangan.catalog.actions.importing import ImportError_, import_catalog

    if not args.file.is_file():
        raise CommandError(f"文件不存在 / no such file: {args.file}")
    fonds = _fonds(args.fonds)
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if args.json:
            return
        if bar is None:
            bar = tqdm(total=total, unit="行", desc="校验 validating", file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    try:
        result = import_catalog(CONSOLE, args.file, fonds, dry_run=args.dry_run, progress=progress)
    except ImportError_ as exc:
        raise CommandError(str(exc)) from None
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(result.summary())
        for error in result.errors:
            print(error.line(), file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def cmd_export(args: argparse.Namespace) -> int:
    from dangan.catalog.actions.exporting import export_catalog

    fonds = _fonds(args.fonds)
    if args.output.suffix.lower() not in {".xlsx", ".csv"}:
        raise CommandError("输出文件须为 .xlsx 或 .csv / the output must be .xlsx or .csv")
    count = export_catalog(CONSOLE, fonds, args.output)
    print(f"已导出 exported {count} 条 rows → {args.output}")
    return EXIT_OK


def cmd_print(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.catalog.actions.printing import print_catalog
    from dangan.utilities.fonts import FontMissing

    fonds = _fonds(args.fonds)
    if args.output.suffix.lower() != ".pdf":
        raise CommandError("输出文件须为 .pdf / the output must be .pdf")
    try:
        printed = print_catalog(CONSOLE, fonds)
    except ValidationError as exc:
        print("；".join(exc.messages), file=sys.stderr)
        return EXIT_PROBLEMS
    except FontMissing as exc:
        raise CommandError(str(exc)) from None
    partial = args.output.with_name(f".{args.output.name}.part")
    partial.write_bytes(printed.content)
    partial.replace(args.output)
    print(f"已生成 written {printed.rows} 条 rows → {args.output}")
    return EXIT_OK
