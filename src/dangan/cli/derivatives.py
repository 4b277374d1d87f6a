"""`dangan derivatives rebuild`: the viewing derivatives of preserved images (IIIF tiled pyramids and thumbnails),
made again from the masters in the preservation storage.

Exit codes: 0 every image's derivatives built (or present), 1 some could not be built (listed), 2 usage (unknown
unit).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "derivatives",
        help="影像浏览用衍生文件（IIIF 金字塔切片、缩略图）/ viewing derivatives of preserved images",
        description="管理保存影像的浏览用衍生文件（不属于长期保存，可随时由原件重建）。\n"
        "Viewing derivatives of preserved images (not preservation copies; rebuilt from the masters at any time).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="action", metavar="操作 ACTION", required=True)
    r = actions.add_parser(
        "rebuild",
        help="由保存的原件重建衍生文件 / rebuild derivatives from the preserved masters",
        description="为保存包当前版本中的每个影像（TIFF、JPEG、JPEG 2000、PNG）重新生成金字塔切片与缩略图，\n"
        "写入 DERIVATIVES_ROOT。默认全部重建；--missing-only 只补做缺失的。\n"
        "Makes the tiled pyramid and thumbnail of every image of each package's head version again, under\n"
        "DERIVATIVES_ROOT. All of them by default; --missing-only builds only those missing.",
        epilog="退出码 / exit codes: 0 完成 done · 1 有影像无法生成（已列出）some failed (listed) · 2 用法错误 usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("--unit", metavar="档号|UUID", help="只处理这一档案 / only this unit's package")
    r.add_argument(
        "--missing-only", action="store_true", help="只生成缺失的衍生文件 / only build derivatives that are missing"
    )
    r.add_argument("--json", action="store_true", help="以 JSON 输出结果 / print the result as JSON")
    r.set_defaults(handler=cmd_rebuild)


def cmd_rebuild(args: argparse.Namespace) -> int:
    from dangan.preservation.iiif.building import rebuild
    from dangan.preservation.models import PreservedPackage

    from .preservation import _bar, _unit

    packages = PreservedPackage.objects.order_by("pk")
    if args.unit:
        unit = _unit(args.unit)
        packages = packages.filter(unit=unit)
        if not packages.exists():
            raise CommandError(f"档案 {args.unit} 没有保存包 / unit {args.unit} has no preserved package")
    progress, close = _bar("衍生文件 derivatives", unit="张")
    try:
        result = rebuild(packages, missing_only=args.missing_only, progress=progress)
    finally:
        close()
    if args.json:
        print(
            json.dumps(
                {
                    "images": result.images,
                    "built": result.built,
                    "skipped": result.skipped,
                    "failed": result.failed,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(
            f"影像 {result.images} 张：生成 {result.built}，已有 {result.skipped}，失败 {len(result.failed)}"
            f" / images {result.images}: built {result.built}, present {result.skipped}, failed {len(result.failed)}"
        )
        for failure in result.failed:
            print(f"  失败 failed: {failure}", file=sys.stderr)
    return EXIT_PROBLEMS if result.failed else EXIT_OK
