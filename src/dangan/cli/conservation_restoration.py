"""`dangan conservation restoration …`: restoration work orders (修复单) and their statistics.

    dangan conservation restoration stats [--year Y] [--json]
    dangan conservation restoration export FILE.xlsx|FILE.csv [--year Y]
    dangan conservation restoration list [--status S] [--json]
    dangan conservation restoration photos NUMBER --stage before|after FILE...

The console sees every unit. Statistics count the work orders returned (已归还) in the year (all years without
--year): units restored, work orders, hours, materials used (name, unit, quantity) and grade pairs (before → after).
JSON of ``stats``: {"year", "years": [{"year", "units", "work_orders", "hours"}], "materials": [{"name", "unit",
"quantity"}], "grades": [{"before", "after", "count"}]} (hours and quantities as decimal strings).

``photos`` preserves photographs taken with a camera as a new version of the order's unit's package
(``content/conservation/<number>/before-01.jpg`` …, as the page does); a run killed half-way is finished by running
it again (no second version).

Exit codes: 0 done; 1 the file could not be written, or the photographs were refused (the reason on stderr; nothing
stored); 2 usage (a year or status not understood, a file that is
neither .xlsx nor .csv)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

_EPILOG = "退出码 / exit codes: 0 成功 · 1 无法写入文件 cannot write · 2 用法错误 usage error"


def register(actions: Any) -> None:
    group = actions.add_parser(
        "restoration",
        help="修复：修复单与修复统计 / restoration work orders and statistics",
        description="修复（修复单）：统计、导出与列表。Restoration work orders: statistics, export and list.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = group.add_subparsers(dest="restoration_command", metavar="操作 ACTION", required=True)

    p = sub.add_parser("stats", help="修复统计 / statistics", epilog=_EPILOG)
    p.add_argument("--year", type=int, default=None, help="归还年度（默认全部）/ the year returned (default all)")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_stats)

    p = sub.add_parser("export", help="导出修复统计（.xlsx 或 .csv）/ export the statistics", epilog=_EPILOG)
    p.add_argument("file", help="输出文件，扩展名 .xlsx 或 .csv / output file, .xlsx or .csv")
    p.add_argument("--year", type=int, default=None, help="归还年度（默认全部）/ the year returned (default all)")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("list", help="列出修复单 / list work orders", epilog=_EPILOG)
    p.add_argument("--status", default=None, help="状态，如 in_treatment / status, e.g. in_treatment")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("photos", help="保存修复前后照片 / preserve before/after photographs", epilog=_EPILOG)
    p.add_argument("number", help="修复单号，如 XF2026-0001 / the work order")
    p.add_argument("--stage", required=True, choices=["before", "after"], help="修复前 before / 修复后 after")
    p.add_argument("files", nargs="+", help="照片文件（JPEG、PNG、TIFF）/ photographs")
    p.set_defaults(handler=cmd_photos)


def _year(value: int | None) -> int | None:
    if value is not None and not 1900 <= value <= 2999:
        raise CommandError(f"年度应在 1900–2999 之间 year out of range: {value}")
    return value


def cmd_stats(args: argparse.Namespace) -> int:
    from dangan.conservation.actions.restoration import restoration_stats
    from dangan.core.actors import CONSOLE

    stats = restoration_stats(CONSOLE, _year(args.year))
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return EXIT_OK
    grades = dict(_grade_labels())
    print("年度 year  修复档案 units  修复单 orders  工时 hours")
    for row in stats["years"]:
        print(f"{row['year']:<9} {row['units']:>14} {row['work_orders']:>14} {row['hours']:>11}")
    if not stats["years"]:
        print("（无 none）")
    print("材料 materials:")
    for row in stats["materials"]:
        print(f"  {row['name']} {row['quantity']} {row['unit']}")
    print("修复前 → 修复后 grades before → after:")
    for row in stats["grades"]:
        print(
            f"  {grades.get(row['before'], row['before'])} → {grades.get(row['after'], row['after'])}: {row['count']}"
        )
    return EXIT_OK


def _grade_labels() -> list[tuple[str, str]]:
    from dangan.conservation.choices import DamageGrade

    return [(value, str(label)) for value, label in DamageGrade.choices]


def cmd_export(args: argparse.Namespace) -> int:
    from dangan.conservation.actions.restoration import restoration_stats, stats_csv, stats_workbook
    from dangan.core.actors import CONSOLE

    target = Path(args.file)
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise CommandError(f"文件扩展名应为 .xlsx 或 .csv file must end in .xlsx or .csv: {target}")
    stats = restoration_stats(CONSOLE, _year(args.year))
    content = stats_workbook(stats) if suffix == ".xlsx" else ("\ufeff" + stats_csv(stats)).encode("utf-8")
    partial = target.with_name(target.name + ".part")
    try:
        partial.write_bytes(content)
        partial.replace(target)  # never a half-written file under the name asked for
    except OSError as exc:
        partial.unlink(missing_ok=True)
        print(f"错误 error: 无法写入 cannot write {target}: {exc}")
        return EXIT_PROBLEMS
    print(f"已导出 exported: {target}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from dangan.conservation.actions.restoration import visible_work_orders
    from dangan.conservation.models.restoration import WorkOrderStatus
    from dangan.core.actors import CONSOLE

    rows = visible_work_orders(CONSOLE).select_related("unit")
    if args.status:
        if args.status not in WorkOrderStatus.values:
            raise CommandError(f"状态无法识别 unknown status: {args.status}（{'、'.join(WorkOrderStatus.values)}）")
        rows = rows.filter(status=args.status)
    data = [
        {
            "number": order.number,
            "unit": str(order.unit.uuid),
            "reference_code": order.unit.reference_code,
            "status": order.status,
            "grade_before": order.grade_before,
            "grade_after": order.grade_after or None,
            "created_at": order.created.isoformat(),
        }
        for order in rows
    ]
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for row in data:
            print(f"{row['number']}  {row['status']:<20} {row['reference_code'] or '—'}")
    return EXIT_OK


def cmd_photos(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.conservation.actions.restoration import Photo, do_add_photographs
    from dangan.conservation.models import WorkOrder
    from dangan.core.actors import CONSOLE

    order = WorkOrder.objects.select_related("unit").filter(number=args.number).first()
    if order is None:
        raise CommandError(f"没有修复单 no such work order: {args.number}")
    paths = [Path(name) for name in args.files]
    for path in paths:
        if not path.is_file():
            raise CommandError(f"文件不存在 no such file: {path}")
    try:
        kept = do_add_photographs(CONSOLE, order, args.stage, [Photo(path.name, path) for path in paths])
    except (ValidationError, PermissionDenied) as exc:
        for message in getattr(exc, "messages", None) or [str(exc)]:
            print(f"错误 error: {message}", file=sys.stderr)
        return EXIT_PROBLEMS
    for photo in kept:
        print(f"{photo.logical_path}  {photo.package_version}  sha256:{photo.sha256}")
    return EXIT_OK
