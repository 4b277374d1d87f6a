"""`dangan ingest`: receive a package (a BagIt bag, a folder or a .zip), run the DA/T 70 four-property check and
accept it into the catalog and the preservation storage, or reject it with the report.

Exit codes: 0 accepted (or, with --check-only, the check passed); 1 rejected, a duplicate, or waiting (an unperformed
virus scan without --allow-unscanned); 2 usage (no such path or fonds).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

MAX_EVIDENCE = 20  # evidence lines printed per failed item without --json


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ingest",
        help="接收信息包并进行四性检测 / receive a package with the DA/T 70 four-property check",
        description="登记信息包（BagIt 包；文件夹或 .zip 先打包），按 DA/T 70 进行四性检测；通过则目录入库、电子文件长期保存，\n"
        "不通过则拒收并输出检测报告。同一信息包再次接收视为重复。\n"
        "Receives a package (a BagIt bag; a folder or a .zip is bagged first), runs the DA/T 70 four-property check,\n"
        "and accepts it (catalog rows, preserved packages) or rejects it with the report. The same bag twice is a\n"
        "duplicate.",
        epilog="退出码 / exit codes: 0 已接收（--check-only：检测通过）accepted (check passed) · 1 拒收、重复或待确认 "
        "rejected, duplicate or waiting · 2 用法错误 usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="PATH", help="BagIt 包、文件夹或 .zip / a bag, a folder or a .zip")
    p.add_argument(
        "--fonds", metavar="CODE", default=None, help="全宗号（默认取 bag-info 的 Fonds-Code 或目录）/ fonds code"
    )
    p.add_argument("--check-only", action="store_true", help="只检测，不登记、不存储 / check without storing anything")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果与报告 / print the result and report as JSON")
    p.add_argument(
        "--allow-unscanned",
        metavar="REASON",
        default="",
        help="病毒库不可用时仍接收，理由记入审计日志 / accept without a virus scan; the reason goes to the audit log",
    )
    p.add_argument("--workers", type=int, default=None, metavar="N", help="并行线程数 / worker threads")
    p.set_defaults(handler=cmd_ingest)


class _Bar:
    """One tqdm bar on stderr per phase (校验、识别、保存 …)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.label = ""

    def __call__(self, label: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if label != self.label:
            self.close()
            self.label = label
            unit = "件" if label == "长期保存" else "B"
            self.bar = tqdm(
                total=total, desc=label, unit=unit, unit_scale=unit == "B", file=sys.stderr, leave=False, disable=None
            )
        self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _print_report(report: dict[str, Any]) -> None:
    counts = report["counts"]
    print(
        f"四性检测 {report['verdict_display']}：通过 {counts['pass']}，不通过 {counts['fail']}，人工 {counts['manual']}，"
        f"不适用 {counts['not_applicable']}，未检测 {counts['not_performed']}"
    )
    for item in report["items"]:
        print(
            f"  {item['code']:<8} {item['property_display']} {item['name']}：{item['result_display']} — {item['summary']}"
        )
        if item["result"] == "fail":
            for evidence in item["evidence"][:MAX_EVIDENCE]:
                where = " ".join(
                    part
                    for part in (
                        evidence.get("file", ""),
                        f"第 {evidence['row']} 行" if evidence.get("row") else "",
                        f"[{evidence['field']}]" if evidence.get("field") else "",
                        f"“{evidence['value']}”" if evidence.get("value") else "",
                    )
                    if part
                )
                print(f"{item['code']} {where}：{evidence['message']}", file=sys.stderr)
            more = item["evidence_count"] - min(len(item["evidence"]), MAX_EVIDENCE)
            if more > 0:
                print(f"{item['code']} …… 另有 {more} 处 / {more} more", file=sys.stderr)


def cmd_ingest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from django.core.exceptions import ValidationError

    from dangan.accession.actions.ingest import UsageError, check_only, ingest

    if args.workers is not None and args.workers < 1:
        raise CommandError("--workers 须为正整数 / --workers must be at least 1")
    bar = _Bar(not args.json)
    try:
        if args.check_only:
            result = check_only(Path(args.path), args.fonds, progress=bar)
        else:
            result = ingest(
                Path(args.path),
                fonds_code=args.fonds,
                override_reason=args.allow_unscanned,
                progress=bar,
                workers=args.workers,
            )
    except UsageError as exc:
        raise CommandError(str(exc)) from None
    except ValidationError as exc:
        bar.close()
        print(f"无法接收 cannot receive: {'；'.join(exc.messages)}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        bar.close()
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        if result.report:
            _print_report(result.report)
        print(result.message)
        if result.transfer is not None:
            print(f"移交 transfer: {result.transfer.uuid}（{result.transfer.get_status_display()}）")
    return EXIT_OK if result.ok else EXIT_PROBLEMS
