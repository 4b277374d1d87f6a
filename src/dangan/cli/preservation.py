"""`dangan preserve`, `dangan audit`, `dangan rebuild`: the preservation storage from the console.

Exit codes: preserve 0 stored (or nothing new), 1 the write failed, 2 usage (unknown unit, missing file);
audit 0 every object intact, 1 failures (listed), 2 usage; rebuild 0 rebuilt, 1 objects unreadable or missing, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dangan.core.actors import CONSOLE

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

MAX_LISTED = 200  # failures printed without --json


def register(sub: Any) -> None:
    p = sub.add_parser(
        "preserve",
        help="长期保存档案的文件（OCFL 保存包的新版本）/ preserve a unit's files (a new version of its OCFL package)",
        description="把文件写入档案的保存包：新增或替换的文件成为一个新版本，连同 METS（DA/T 46 著录、PREMIS 事件）。\n"
        "目录按原结构保存在 content/<目录名>/ 之下。与上一版本相同则不写新版本。\n"
        "Writes files into the unit's package: a new version with them and its METS (DA/T 46 description, PREMIS\n"
        "events). A directory keeps its structure under content/<name>/. Nothing new writes no version.",
        epilog="退出码 / exit codes: 0 已保存或无变化 stored or unchanged · 1 写入失败 failed · 2 用法错误 usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--unit", required=True, metavar="档号|UUID", help="档案的档号或标识符 / the unit's 档号 or UUID")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="文件或目录 / files or directories")
    p.add_argument("--message", "-m", default="", help="版本说明 / a note for the version")
    p.set_defaults(handler=cmd_preserve)

    p = sub.add_parser(
        "audit",
        help="固定性检查：重新计算摘要并与清单比对 / fixity audit of the preservation storage",
        description="重新计算每个保存文件的 SHA-512，与 OCFL 清单比对，找出被改动、缺失或多出的文件；\n"
        "结果写入 PREMIS 固定性检查事件与审计日志。被中断的检查再次运行时从断点继续。\n"
        "Re-hashes every stored file against its OCFL inventory: changed, missing and extra files are reported,\n"
        "PREMIS fixity-check events and audit-log entries written. An interrupted audit resumes where it stopped.",
        epilog="退出码 / exit codes: 0 全部完好 all intact · 1 发现问题（已列出）failures listed · 2 用法错误 usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--sample",
        type=float,
        default=None,
        metavar="PCT",
        help="随机抽查 PCT%% 的对象 / check a random PCT%% of objects",
    )
    p.add_argument(
        "--all-digests",
        action="store_true",
        help="同时核验 SHA-256 与 SM3（较慢）/ also check SHA-256 and SM3 (slower)",
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果 / print the result as JSON")
    p.set_defaults(handler=cmd_audit)

    p = sub.add_parser(
        "rebuild",
        help="仅凭存储库重建保存包索引 / rebuild the preservation records from the storage root alone",
        description="读取存储库中每个 OCFL 对象的清单与各版本的 METS，重建数据库中的保存包、版本、文件与事件记录。\n"
        "Reads every OCFL object's inventory and each version's METS and recreates the packages, versions, files\n"
        "and events in the database.",
        epilog="退出码 / exit codes: 0 已重建 rebuilt · 1 有对象无法读取或缺失 unreadable or missing objects · 2 用法错误 usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果 / print the result as JSON")
    p.set_defaults(handler=cmd_rebuild)


def _unit(reference: str) -> Any:
    from dangan.catalog.models import ArchivalUnit
    from dangan.utilities.text import is_uuid

    units = ArchivalUnit.objects.select_related("fonds", "category", "parent")
    unit = units.filter(uuid=reference.strip()).first() if is_uuid(reference.strip()) else None
    unit = unit or units.filter(reference_code=reference.strip()).first()
    if unit is None:
        raise CommandError(f"找不到档号或标识符为 {reference} 的档案 / no unit {reference}")
    return unit


def _bar(desc: str, unit: str = "B") -> tuple[Any, Any]:
    from tqdm import tqdm

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit=unit, unit_scale=unit == "B", desc=desc, file=sys.stderr, leave=False)
        bar.total = total
        bar.update(done - bar.n)

    def close() -> None:
        if bar is not None:
            bar.close()

    return progress, close


def cmd_preserve(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.preservation.actions.preserving import collect_files, do_preserve
    from dangan.preservation.ocfl.root import StorageRootError, WriteError

    unit = _unit(args.unit)
    try:
        files = collect_files(args.paths)
    except ValidationError as exc:
        raise CommandError("；".join(exc.messages)) from None
    progress, close = _bar("保存 preserving")
    try:
        result = do_preserve(CONSOLE, unit, files, message=args.message, progress=progress)
    except (ValidationError, PermissionDenied) as exc:
        raise CommandError("；".join(getattr(exc, "messages", [str(exc)]))) from None
    except (WriteError, StorageRootError, OSError, ValueError) as exc:
        # ValueError: metadata that cannot be written (MetsError, e.g. a control character in the description)
        print(f"保存失败 preservation failed: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        close()
    package = result.package
    if result.created:
        print(
            f"已保存 preserved: {unit.reference_code or unit.uuid} → {package.object_id} {result.version}"
            f"（新增或更新 {result.files_added} 个文件 / {result.files_added} files new or changed）"
        )
    else:
        print(f"无变化 unchanged: {package.object_id} 仍为 still at {result.version}")
    return EXIT_OK


def _failure_json(failure: Any) -> dict[str, Any]:
    package = failure.package
    return {
        "object_id": failure.object_id,
        "unit_reference_code": package.reference_code if package else "",
        "kind": failure.kind,
        "kind_display": str(failure.get_kind_display()),
        "path": failure.logical_path,
        "content_path": failure.content_path,
        "algorithm": failure.algorithm,
        "expected": failure.expected,
        "actual": failure.actual,
        "message": failure.description,
    }


def cmd_audit(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.preservation.actions.auditing import do_audit, failures_of, resumable_run

    if args.sample is not None and not (0 < args.sample <= 100):
        raise CommandError("--sample 须在 0 与 100 之间 / --sample must be in (0, 100]")
    interrupted = resumable_run()
    if interrupted is not None and not args.json:
        print(
            f"继续上次中断的检查 resuming the interrupted audit of {interrupted.created:%Y-%m-%d %H:%M} "
            f"（{interrupted.checkpoint}/{interrupted.total_objects}）",
            file=sys.stderr,
        )
    bar_progress, close = _bar("检查 auditing")

    def progress(run: Any) -> None:
        if not args.json:
            bar_progress(run.checked_bytes, max(run.total_bytes, run.checked_bytes))

    try:
        run = do_audit(CONSOLE, args.sample, all_digests=args.all_digests, progress=progress)
    except ValidationError as exc:
        raise CommandError("；".join(exc.messages)) from None
    finally:
        close()
    failures = failures_of(run, CONSOLE)  # the console reads every failure: it holds the storage anyway
    if args.json:
        print(
            json.dumps(
                {
                    "run": str(run.uuid),
                    "status": run.status,
                    "kind": run.kind,
                    "sample_percent": run.sample_percent,
                    "objects": run.checked_objects,
                    "files": run.checked_files,
                    "bytes": run.checked_bytes,
                    "failed_objects": run.failed_objects,
                    "resumed": run.resumed,
                    "failures": [_failure_json(f) for f in failures],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for failure in failures[:MAX_LISTED]:
            where = failure.package.reference_code if failure.package and failure.package.reference_code else ""
            line = f"{failure.get_kind_display()} {failure.kind}\t{failure.object_id}\t{where}\t"
            line += failure.logical_path or failure.content_path
            if failure.expected or failure.actual:
                line += f"\t{failure.algorithm} 应为 expected {failure.expected} 实为 actual {failure.actual or '—'}"
            print(line)
        if len(failures) > MAX_LISTED:
            print(f"……另有 {len(failures) - MAX_LISTED} 项 / {len(failures) - MAX_LISTED} more (--json lists all)")
        verdict = "全部完好 all intact" if not failures else f"发现 {len(failures)} 个问题 failures found"
        print(
            f"{verdict}: {run.checked_objects} 个对象 objects, {run.checked_files} 个文件 files, "
            f"{run.checked_bytes} 字节 bytes"
        )
    return EXIT_PROBLEMS if failures else EXIT_OK


def cmd_rebuild(args: argparse.Namespace) -> int:
    from dangan.preservation.actions.indexing import rebuild_from_storage
    from dangan.preservation.ocfl.root import StorageRootError

    progress, close = _bar("重建 rebuilding", unit="个")
    try:
        report = rebuild_from_storage(CONSOLE, progress=None if args.json else progress)
    except StorageRootError as exc:
        raise CommandError(str(exc)) from None
    finally:
        close()
    if args.json:
        print(
            json.dumps(
                {
                    "objects": report.objects,
                    "versions": report.versions,
                    "files": report.files,
                    "events": report.events,
                    "without_unit": report.without_unit,
                    "missing": report.missing,
                    "errors": report.errors,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(
            f"已重建 rebuilt: {report.objects} 个对象 objects, {report.versions} 个版本 versions, "
            f"{report.files} 个文件记录 file records, {report.events} 个事件 events"
        )
        if report.without_unit:
            print(f"目录中找不到其档案的对象 objects whose unit is not in the catalog: {len(report.without_unit)}")
        for object_id in report.missing:
            print(f"缺失 missing from storage: {object_id}", file=sys.stderr)
        for error in report.errors:
            print(f"无法读取 unreadable: {error}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_PROBLEMS
