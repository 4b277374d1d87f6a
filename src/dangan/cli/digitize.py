"""`dangan digitize import DIR --fonds CODE [--batch NAME] [--json]`: import scanned page images (one folder per unit,
named by its 档号, or a mapping sheet 对照表.xlsx/.csv with 文件夹 and 档号), check every image (DA/T 31-2017), and
preserve the units whose pages all pass as new versions of their packages (content/masters/0001.tif …).

Without --batch, the batch is named after the folder and today's date (and found again when the same folder is
imported again the same day). An import run again resumes: pages already stored and unchanged are skipped.
With DANGAN_DIGITIZATION_CLI_INSPECTION=1 nothing is preserved: the batch waits for its sample inspection in the
workspace.

Exit codes: 0 every image passed and is stored; 1 quality control found problems (listed: unit, page, check,
measured value, limit); 2 usage (no such folder, unknown fonds or batch of another fonds).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "digitize",
        help="数字化批次：导入扫描图像并质检 / digitization batches: import and check scanned images",
        description="数字化（DA/T 31-2017）。Digitization batches.",
    )
    actions = p.add_subparsers(dest="digitize_command", metavar="操作 ACTION", required=True)
    imp = actions.add_parser(
        "import",
        help="导入扫描图像、质检并入库 / import scanned images, check them and preserve the units that pass",
        description="导入扫描图像：每个档案一个文件夹，以档号命名（或用对照表 文件夹→档号），文件夹内按文件名排序为页序。\n"
        "逐页自动质检（可解码、分辨率、色彩模式、倾斜角、空白页、黑边、页数、命名与顺序、重复页、文件格式），\n"
        "全部合格的档案立即作为新版本长期保存（content/masters/0001.tif …）。再次导入同一文件夹即续传。\n"
        "Imports scanned page images (one folder per unit named by its 档号, or a mapping sheet), checks every image\n"
        "(DA/T 31-2017) and preserves the units whose pages all pass. Importing the same folder again resumes.",
        epilog="退出码 / exit codes: 0 全部合格并已保存 all passed and stored · 1 质检发现问题 QC problems · "
        "2 用法错误 usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("folder", metavar="DIR", help="扫描图像所在文件夹 / the folder the scanners wrote")
    imp.add_argument("--fonds", metavar="CODE", required=True, help="全宗号 / fonds code")
    imp.add_argument("--batch", metavar="NAME", default=None, help="批次名称（默认：文件夹名 + 日期）/ batch name")
    imp.add_argument(
        "--mapping", metavar="SHEET", default=None, help="对照表 .xlsx/.csv（文件夹、档号）/ mapping sheet"
    )
    spec = imp.add_argument_group(
        "新批次的扫描规格 / the specification of a new batch (an existing --batch keeps its own)"
    )
    spec.add_argument("--dpi", type=int, default=None, help="分辨率，默认 300 / resolution")
    spec.add_argument(
        "--colour-mode", choices=("colour", "grey", "bitonal"), default=None, help="色彩模式，默认 colour 彩色"
    )
    spec.add_argument("--master-format", choices=("tiff", "jpeg", "jp2"), default=None, help="存储格式，默认 tiff")
    spec.add_argument("--max-skew", type=float, default=None, metavar="DEGREES", help="最大倾斜角，默认 3")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出结果 / print the result as JSON")
    imp.add_argument("--workers", type=int, default=None, metavar="N", help="并行线程数 / worker threads")
    imp.set_defaults(handler=cmd_import)


class _Bar:
    """One tqdm bar on stderr per phase (质量检查、长期保存)."""

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
            self.bar = tqdm(
                total=total, desc=label, unit="页" if label != "长期保存" else "件", file=sys.stderr, leave=False
            )
        self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _print_table(result: dict[str, Any]) -> None:
    from dangan.digitization.qc import CHECKS

    print(
        f"批次 batch: {result['batch']}（{result['status_display']}）  档案 {result['units']} 件，图像 {result['pages']} 页，"
        f"本次质检 {result['checked']} 页，已存且未变 {result['skipped']} 页"
    )
    if result["problems"]:
        print(f"质检发现 {len(result['problems'])} 个问题 / {len(result['problems'])} QC problems:")
        print("档号 unit\t页 page\t检查项 check\t测量值 measured\t要求 limit\t说明 message")
        for p in result["problems"]:
            label = CHECKS.get(p["check"], "档号" if p["check"] == "reference_code" else p["check"])
            page = f"{p['page']:04d}" if p["page"] else "—"
            print(f"{p['unit']}\t{page}\t{label}\t{p['measured']}\t{p['limit']}\t{p['message']}")
    if result["preserved"]:
        print(f"已入库 preserved: {len(result['preserved'])} 件（{'、'.join(result['preserved'][:20])}）")


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from django.conf import settings
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils import timezone

    from dangan.catalog.models import Fonds
    from dangan.core.actors import CONSOLE
    from dangan.digitization.actions.batches import do_create_batch
    from dangan.digitization.actions.importing import do_import_folder
    from dangan.digitization.actions.preserving import do_preserve_batch
    from dangan.digitization.models import Batch
    from dangan.digitization.sheets import TableError, read_mapping

    folder = Path(args.folder)
    if not folder.is_dir():
        raise CommandError(f"文件夹不存在 / no such folder: {folder}")
    if args.workers is not None and args.workers < 1:
        raise CommandError("--workers 须为正整数 / --workers must be at least 1")
    fonds = Fonds.objects.filter(code=args.fonds).first()
    if fonds is None:
        raise CommandError(f"全宗不存在 / unknown fonds: {args.fonds}")
    mapping = None
    if args.mapping:
        try:
            mapping = read_mapping(Path(args.mapping))
        except (TableError, OSError) as exc:
            raise CommandError(f"对照表无法读取 / cannot read the mapping sheet: {exc}") from None
    name = args.batch or f"{folder.resolve().name[:180]} {timezone.localdate():%Y-%m-%d}"
    batch = Batch.objects.filter(name=name).first()
    if batch is not None and batch.fonds_id != fonds.pk:
        raise CommandError(f"批次“{name}”属于另一全宗 {batch.fonds.code} / the batch belongs to another fonds")
    bar = _Bar(not args.json)
    try:
        if batch is None:
            batch = do_create_batch(
                CONSOLE,
                name,
                fonds,
                dpi=args.dpi,
                colour_mode=args.colour_mode,
                master_format=args.master_format,
                max_skew_degrees=args.max_skew,
            )
        result = do_import_folder(
            CONSOLE, batch, folder, mapping=mapping, progress=bar, workers=args.workers, processes=True
        )
        if not getattr(settings, "DIGITIZATION_CLI_INSPECTION", False) and any(
            u.status == "passed" for u in result.batch.units.all()
        ):
            preserved = do_preserve_batch(CONSOLE, result.batch, without_inspection=True, progress=bar)
            result.preserved = [u.reference_code for u in preserved]
            result.batch.refresh_from_db()
    except (ValidationError, PermissionDenied) as exc:
        bar.close()
        messages = getattr(exc, "messages", None) or [str(exc)]
        raise CommandError("；".join(str(m) for m in messages)) from None
    finally:
        bar.close()
    data = result.to_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_table(data)
    return EXIT_OK if result.ok else EXIT_PROBLEMS
