"""`dangan compilation list` and `dangan compilation export` (part volumes).

    dangan compilation list [--json]
    dangan compilation export ID --format pdf|epub|docx [--vertical] -o FILE [--as USER]

``export`` runs in the foreground with a progress bar and writes FILE (to a temporary name first, renamed when
complete). It exports what the exporting person may see: the console sees every unit; ``--as USER`` exports as that
account (its role and clearance decide, as on the page), and the entries it may not see are left out and counted.
The export is recorded as an export job (without a kept file) and in the audit log.

JSON of ``list``: [{"id", "uuid", "title", "subtitle", "editor", "status", "entries", "updated"}].

Exit codes: 0 done; 1 the export failed (the reason on stderr; no file written); 2 usage (no such compilation or
account, a format not understood, the account may not export)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

_EPILOG = "退出码 / exit codes: 0 成功 · 1 导出失败 export failed · 2 用法错误 usage error"


def register(actions: Any) -> None:
    p = actions.add_parser("list", help="列出编研成果 / list compilations", epilog=_EPILOG)
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_list)

    p = actions.add_parser(
        "export",
        help="导出编研成果（PDF、EPUB、DOCX）/ export a compilation",
        description="导出编研成果。Export a compilation as PDF, EPUB 3 or DOCX, in the foreground.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("id", type=int, help="编研成果编号（见 list）/ the compilation's id")
    p.add_argument("--format", required=True, choices=["pdf", "epub", "docx"], help="格式 / format")
    p.add_argument("--vertical", action="store_true", help="竖排（仅 PDF）/ vertical text (PDF only)")
    p.add_argument("-o", "--output", required=True, help="输出文件 / output file")
    p.add_argument("--as", dest="as_user", default=None, help="以该账号的权限导出 / export as this account")
    p.add_argument("--quiet", action="store_true", help="不显示进度 / no progress bar")
    p.set_defaults(handler=cmd_export)


def cmd_list(args: argparse.Namespace) -> int:
    from django.db.models import Count

    from dangan.compilation.models import Compilation

    rows = [
        {
            "id": c.pk,
            "uuid": str(c.uuid),
            "title": c.title,
            "subtitle": c.subtitle,
            "editor": c.editor,
            "status": c.status,
            "entries": c.n,
            "updated": c.updated.isoformat(),
        }
        for c in Compilation.objects.annotate(n=Count("entries")).order_by("pk")
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("尚无编研成果 / no compilations")
    for row in rows:
        print(f"{row['id']:>5}  {row['title']}  [{row['status']}]  {row['entries']} 件  {row['editor']}")
    return EXIT_OK


def _actor(name: str | None) -> Any:
    from dangan.core.actors import CONSOLE
    from dangan.core.models import User

    if name is None:
        return CONSOLE
    user = User.objects.filter(username=name, is_active=True).first()
    if user is None:
        raise CommandError(f"没有该账号 no such active account: {name}")
    return user


def cmd_export(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.compilation.actions.volumes import check_export, do_request_export, do_run_export
    from dangan.compilation.models import Compilation

    compilation = Compilation.objects.filter(pk=args.id).first()
    if compilation is None:
        raise CommandError(f"没有该编研成果 no such compilation: {args.id}")
    actor = _actor(args.as_user)
    out = Path(args.output).resolve()
    if not out.parent.is_dir():
        raise CommandError(f"目录不存在 no such folder: {out.parent}")
    try:
        check_export(actor, compilation, args.format)
    except PermissionDenied as exc:
        raise CommandError(f"无权导出 not allowed: {exc}") from exc
    except ValidationError as exc:
        raise CommandError("；".join(exc.messages)) from exc
    job = do_request_export(actor, compilation, args.format, vertical=args.vertical, enqueue=False)
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=0, unit="件", desc="导出 export", file=sys.stderr, leave=False, disable=None)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.n = done
            bar.refresh()

    try:
        job = do_run_export(actor, job, out=out, progress=progress)
    except Exception as exc:  # the writer's or the assembly's failure: reported, no file left
        print(f"导出失败 export failed: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        if bar is not None:
            bar.close()
    left = f"，{job.left_out} 件无权查看未收录 left out" if job.left_out else ""
    print(f"已导出 {job.documents} 件{left} → {out}")
    return EXIT_OK
