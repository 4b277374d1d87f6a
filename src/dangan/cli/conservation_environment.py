"""`dangan conservation env …`: the stacks' climate (温湿度).

    dangan conservation env import FILE.csv --stack CODE [--json]
    dangan conservation env report --stack CODE --month YYYY-MM [--json]

import: a data logger's CSV file (columns 时间/time, 温度/temperature °C, 湿度/humidity % RH; Chinese or English
headers; times without a zone are local), all or nothing. report: per hour min/max/mean of each, and the excursions
against the stack's limits (JSON keys in docs/operations.md).

Exit codes: 0 done; 1 the file had problems (each listed: row, column, value, why; nothing was stored); 2 usage (an
unknown stack, a bad month, a file that cannot be read)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

_EPILOG = "退出码 / exit codes: 0 成功 · 1 文件有问题（逐行列出，未导入）problems · 2 用法错误 usage error"


def register(actions: Any) -> None:
    group = actions.add_parser(
        "env",
        help="库房温湿度：导入记录仪数据、月报 / stacks' climate: import, report",
        description="库房温湿度：导入温湿度记录仪的 CSV 文件，输出某库房某月的逐小时统计与超限记录。\n"
        "The stacks' climate: import a data logger's CSV file, report a stack's month (per hour, excursions).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = group.add_subparsers(dest="env_command", metavar="操作 ACTION", required=True)

    p = sub.add_parser(
        "import",
        help="导入记录仪 CSV（全部成功或全部不导入）/ import a logger's CSV, all or nothing",
        description="列：时间/time、温度/temperature（°C）、湿度/humidity（% RH）。有任何问题则不导入，并逐行列出。",
        epilog=_EPILOG,
    )
    p.add_argument("file", help="CSV 文件 / the CSV file")
    p.add_argument("--stack", required=True, help="库房代码 / the stack's code")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("report", help="某库房某月的温湿度报告 / a stack's month", epilog=_EPILOG)
    p.add_argument("--stack", required=True, help="库房代码 / the stack's code")
    p.add_argument("--month", required=True, help="月份 YYYY-MM / the month")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_report)


def _stack(code: str) -> Any:
    from dangan.conservation.actions.environment import stack_by_code

    stack = stack_by_code(code)
    if stack is None:
        raise CommandError(f"没有代码为“{code}”的库房 no such stack")
    return stack


def cmd_import(args: argparse.Namespace) -> int:
    from dangan.conservation.actions.environment import ImportProblems, do_import_readings
    from dangan.core.actors import CONSOLE

    stack = _stack(args.stack)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CommandError(f"无法读取文件 cannot read {args.file}: {exc.strerror}") from exc
    try:
        result = do_import_readings(CONSOLE, stack, data)
    except ImportProblems as exc:
        if args.json:
            print(json.dumps({"imported": 0, "problems": [p.as_dict() for p in exc.problems]}, ensure_ascii=False))
        print(f"错误 error: {exc}", file=sys.stderr)
        for p in exc.problems[:1000]:
            print(f"第 {p.row} 行 row {p.row}\t{p.column}\t{p.value!r}\t{p.why}", file=sys.stderr)
        if len(exc.problems) > 1000:
            print(f"……共 {len(exc.problems)} 处 problems in all", file=sys.stderr)
        return EXIT_PROBLEMS
    out = {"imported": result.readings, "hours": result.hours, "excursions": result.excursions, "problems": []}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"已导入 {result.readings} 条读数（{result.hours} 个小时），新增超限 {result.excursions} 条 imported")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from dangan.conservation.actions.environment import month_report

    match = re.fullmatch(r"(\d{4})-(\d{2})", args.month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CommandError(f"月份应为 YYYY-MM：{args.month} month must be YYYY-MM")
    stack = _stack(args.stack)
    report = month_report(stack, int(match.group(1)), int(match.group(2)))
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return EXIT_OK
    limits = report["limits"]
    print(
        f"{report['stack']} {report['name']} {report['month']}  限值 limits: "
        f"{limits['temperature_min']:g}–{limits['temperature_max']:g} °C, "
        f"{limits['humidity_min']:g}–{limits['humidity_max']:g} % RH"
    )
    print(f"有读数的小时 hours with readings: {len(report['hours'])}")
    for e in report["excursions"]:
        print(f"{e['label']}\t{e['start']} → {e['end'] or '持续中 ongoing'}\t最不利 worst {e['worst']:g}{e['unit']}")
    return EXIT_OK
