"""`dangan conservation survey …`: survey sheets (摸排表) for teams that survey on paper, and the priorities.

    dangan conservation survey export --campaign NAME --output FILE.xlsx
    dangan conservation survey import FILE.xlsx --campaign NAME [--json]
    dangan conservation survey priorities [--limit N] [--output FILE.xlsx] [--json]

Export: one row per unit of the campaign (档号, 题名, 存放位置, blank material and damage columns with data
validation). Import: all or nothing — with any bad cell nothing is written, each bad cell is listed (行 row, 列
column, 值 value, 原因 why) and the exit code is 1. Exit codes: 0 done; 1 the sheet had problems; 2 usage (an
unknown campaign, a file that cannot be read or written)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

_EPILOG = "退出码 / exit codes: 0 成功 success · 1 表格有问题（未导入）problems, nothing imported · 2 用法错误 usage"


def register(actions: Any) -> None:
    group = actions.add_parser(
        "survey",
        help="保存状况摸排：摸排表导出与导入、修复优先级 / condition surveys",
        description="保存状况摸排（摸排表 Excel 导出与导入、修复优先级）。\n"
        "Condition surveys: export a campaign's survey sheet, import a filled one (all or nothing), the priorities.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = group.add_subparsers(dest="survey_command", metavar="操作 ACTION", required=True)

    p = sub.add_parser("export", help="导出摸排表 / export a campaign's survey sheet", epilog=_EPILOG)
    p.add_argument("--campaign", required=True, help="摸排任务名称 / the campaign's name")
    p.add_argument("--output", "-o", required=True, type=Path, help="写入的 .xlsx 文件 / the .xlsx file to write")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("import", help="导入填好的摸排表（全部或全不）/ import a filled sheet", epilog=_EPILOG)
    p.add_argument("file", type=Path, help="填好的 .xlsx 摸排表 / the filled sheet")
    p.add_argument("--campaign", required=True, help="摸排任务名称 / the campaign's name")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("priorities", help="修复优先级 / units to restore first", epilog=_EPILOG)
    p.add_argument("--limit", type=int, default=100, help="列出前 N 件（0：全部）/ the first N (0: all)")
    p.add_argument("--output", "-o", type=Path, help="写入 .xlsx 文件 / write an .xlsx file")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_priorities)


def _campaign(name: str) -> Any:
    from dangan.conservation.models import Campaign

    campaign = Campaign.objects.filter(name=name).first()
    if campaign is None:
        raise CommandError(f"没有名为“{name}”的摸排任务 no such campaign")
    return campaign


def cmd_export(args: argparse.Namespace) -> int:
    from dangan.conservation.actions.surveys import export_sheet
    from dangan.core.actors import CONSOLE

    data = export_sheet(CONSOLE, _campaign(args.campaign))
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"无法写入 cannot write {args.output}: {exc.strerror}") from None
    print(f"已导出 exported: {args.output}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from dangan.conservation.actions.surveys import do_import_sheet
    from dangan.core.actors import CONSOLE

    campaign = _campaign(args.campaign)
    if not args.file.is_file():
        raise CommandError(f"文件不存在 no such file: {args.file}")
    records, errors = do_import_sheet(CONSOLE, campaign, args.file)
    if args.json:
        print(
            json.dumps(
                {"imported": len(records), "errors": [e.as_dict() for e in errors]}, ensure_ascii=False, indent=2
            )
        )
    elif errors:
        print(
            f"摸排表有 {len(errors)} 处问题，未导入任何记录 {len(errors)} problems, nothing imported:", file=sys.stderr
        )
        for error in errors:
            print(f"  {error}", file=sys.stderr)
    else:
        print(f"已导入 imported: {len(records)}")
    return EXIT_PROBLEMS if errors else EXIT_OK


def cmd_priorities(args: argparse.Namespace) -> int:
    from dangan.conservation.priorities import priorities_sheet, priority_list
    from dangan.core.actors import CONSOLE

    if args.limit < 0:
        raise CommandError("--limit 不能为负数 must not be negative")
    rows = priority_list(CONSOLE, limit=args.limit or None)
    if args.output:
        args.output.write_bytes(priorities_sheet(rows))
    if args.json:
        keys = ("rank", "uuid", "reference_code", "title", "fonds", "grade", "reason", "valued", "uses", "location")
        print(json.dumps([{k: row[k] for k in keys} for row in rows], ensure_ascii=False, indent=2))
    elif not args.output:
        for row in rows:
            mark = "★" if row["valued"] else " "
            print(f"{row['rank']}\t{row['grade_label']}{mark}\t{row['uses']}\t{row['reference_code']}\t{row['title']}")
    return EXIT_OK
