"""`dangan ocr --unit 档号|UUID` and `dangan ocr --batch NAME`: OCR of a unit's (or a batch's) preserved pages as an
OCR job (digitization.OcrRun). By default the job runs here in the foreground with a progress bar on stderr;
``--background`` queues it for `dangan worker` instead. Either way it is resumable: a rerun after a crash continues
the unfinished job from the next page not yet recognized. The image mode of `dangan ocr` is in cli/ocr.py.

Exit codes: 0 every page recognized (or already), 1 some unit failed (listed), 2 usage (unknown unit or batch, no
pages, no permission)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

__all__ = ["add_arguments", "cmd_ocr_units", "wants_units"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The --unit/--batch options of `dangan ocr` (its parser is made in cli/ocr.py), and their lines in its help."""
    p.description = (p.description or "") + (
        "\n\n  dangan ocr --unit 档号|UUID [--json] [--background]   识别档案已保存的页面，文本存入保存包并进入检索\n"
        "  dangan ocr --batch NAME [--json] [--background]        OCR of a unit's (a batch's) preserved pages, stored\n"
        "                                                         in its package and indexed by search\n"
        "  默认在前台运行并显示进度；--background 交给 dangan worker。中断后再次运行从下一页继续。\n"
        "  Runs in the foreground with a progress bar; --background queues it. A rerun resumes from the next page."
    )
    p.epilog = (p.epilog or "") + (
        "\n--unit/--batch: 0 全部页面已识别 every page read · 1 有档案识别失败（已列出）a unit failed (listed) · "
        "2 用法错误（档案或批次不存在、没有页面图像、无权限）usage"
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--unit", metavar="档号|UUID", help="识别档案已保存的页面图像 / OCR the preserved pages of a unit"
    )
    group.add_argument("--batch", metavar="NAME", help="识别数字化批次中每份档案的页面 / OCR every unit of a batch")
    p.add_argument(
        "--background",
        action="store_true",
        help="交给后台任务（dangan worker）执行，不在前台等待 / queue the job for the worker instead of running it here",
    )


def wants_units(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "unit", None) or getattr(args, "batch", None))


def _unit(reference: str) -> Any:
    from dangan.catalog.models import ArchivalUnit
    from dangan.utilities.text import is_uuid

    units = ArchivalUnit.objects.select_related("fonds", "category", "parent")
    text = reference.strip()
    unit = units.filter(uuid=text).first() if is_uuid(text) else None
    unit = unit or units.filter(reference_code=text).first()
    if unit is None:
        raise CommandError(f"找不到档号或标识符为 {reference} 的档案 / no unit {reference}")
    return unit


def _run_json(run: Any) -> dict[str, Any]:
    return {
        "run": str(run.uuid),
        "unit": str(run.unit.uuid) if run.unit_id else None,
        "batch": run.batch_name or None,
        "status": run.status,
        "units_total": run.units_total,
        "units_done": run.units_done,
        "pages_total": run.pages_total,
        "pages_done": run.pages_done,
        "pages_skipped": run.pages_skipped,
        "errors": [line for line in run.error.splitlines() if line],
    }


def cmd_ocr_units(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from . import setup_django

    setup_django()  # `dangan ocr` needs no database for images, so it is set up only here

    from dangan.core.actors import CONSOLE
    from dangan.digitization.actions.ocr_runs import do_queue_ocr_run, do_run_ocr, do_start_ocr_run
    from dangan.digitization.models import OcrRunStatus

    from .preservation import _bar

    unit = _unit(args.unit) if args.unit else None
    try:
        run = do_start_ocr_run(CONSOLE, unit=unit, batch_name=args.batch or "")
        if args.background:
            do_queue_ocr_run(CONSOLE, run)
        else:
            progress, close = _bar("文字识别 OCR", unit="页")
            try:
                run = do_run_ocr(CONSOLE, run, progress=None if args.quiet else progress, layout=args.layout)
            finally:
                close()
    except (ValidationError, PermissionDenied) as exc:
        raise CommandError("；".join(getattr(exc, "messages", [str(exc)]))) from None
    if args.json:
        print(json.dumps(_run_json(run), ensure_ascii=False, indent=2))
    elif args.background:
        print(f"已排队 queued: {run.uuid}（由 dangan worker 执行 / run by dangan worker）")
    else:
        print(
            f"文字识别 OCR {run.get_status_display()}：{run.pages_done}/{run.pages_total} 页 pages"
            f"（跳过已识别 {run.pages_skipped} 页 / {run.pages_skipped} already done）"
        )
        for line in run.error.splitlines():
            print(f"  {line}", file=sys.stderr)
    return EXIT_PROBLEMS if run.status == OcrRunStatus.FAILED else EXIT_OK
