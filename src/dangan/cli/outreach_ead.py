"""`dangan export ead FONDS -o F.xml [--as USER]` (EAD3 of a fonds, streamed) and `dangan export eac -o F.xml
[--kind person|organization|family]` (EAC-CPF of authority records): part ead of the outreach app, added to
`dangan export` by `register_export`. By default the file holds what the public may see; `--as` an account's name,
what that account may see. The file is written beside the target and renamed once complete.

Exit codes: 0 written, 1 the export failed while writing (nothing left under the target's name), 2 usage (unknown
fonds or one with nothing the viewer may see, unknown account, a path that cannot be written)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from dangan.core.actors import CONSOLE

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

EPILOG = "退出码 / exit codes: 0 已导出 written · 1 写入失败 failed while writing · 2 用法错误 usage"


def register_export(formats: Any) -> None:
    p = formats.add_parser(
        "ead",
        help="导出全宗的 EAD3 目录 / a fonds' EAD3",
        description="导出全宗的 EAD3 目录（流式写出，任意规模）。默认仅含向社会开放的档案；--as 指定账号时为该账号可见的档案。",
        epilog=EPILOG,
    )
    p.add_argument("fonds", metavar="FONDS", help="全宗号 / fonds code")
    p.add_argument("-o", "--output", type=Path, required=True, help="输出文件 .xml / output file")
    _common(p)
    p.add_argument(
        "--base-url",
        default="",
        help="IIIF 清单链接的网站地址，如 https://archives.example.cn / the site's address for the IIIF links",
    )
    p.set_defaults(handler=cmd_ead)

    p = formats.add_parser(
        "eac",
        help="导出规范档案的 EAC-CPF 记录 / EAC-CPF of authority records",
        description="导出人物、机构规范档案的 EAC-CPF 2.0 记录（地点、事件只在 EAD3 的受控检索点中）。",
        epilog=EPILOG,
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="输出文件 .xml / output file")
    p.add_argument(
        "--kind",
        action="append",
        choices=["person", "organization", "family"],
        help="类型（可重复，默认人物和机构）/ kind (repeatable; default person and organization)",
    )
    _common(p)
    p.set_defaults(handler=cmd_eac)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        default="",
        help="按该账号的权限导出（默认：公众可见）/ export what this account may see (default: the public's view)",
    )
    p.add_argument("--quiet", action="store_true", help="不显示进度 / no progress bar")


def _viewer(name: str) -> Any:
    from django.contrib.auth.models import AnonymousUser

    from dangan.core.models import User

    if not name:
        return AnonymousUser()
    user = User.objects.filter(username=name, is_active=True).first()
    if user is None:
        raise CommandError(f"账号 {name} 不存在或已停用 / no active account {name}")
    return user


def _writable(path: Path) -> Path:
    path = path.expanduser()
    parent = path.parent.resolve() if str(path.parent) else Path.cwd()
    if path.is_dir():
        raise CommandError(f"{path} 是目录 / is a folder")
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise CommandError(f"无法写入 {path}：目录不存在或不可写 / cannot write there")
    return path


class _Bar:
    def __init__(self, quiet: bool, unit: str, desc: str) -> None:
        self.quiet, self.unit, self.desc = quiet, unit, desc
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=self.unit, desc=self.desc, file=sys.stderr, leave=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_ead(args: argparse.Namespace) -> int:
    from dangan.outreach.actions.ead import do_record_export, viewer_label
    from dangan.outreach.interchange.ead3 import FondsNotFound, export_fonds, fonds_for

    viewer = _viewer(args.as_user)
    output = _writable(args.output)
    try:
        fonds = fonds_for(args.fonds, viewer)
    except FondsNotFound:
        raise CommandError(f"全宗 {args.fonds} 不存在或没有可导出的档案 / no fonds {args.fonds} to export") from None
    bar = _Bar(args.quiet, "条", f"EAD3 {fonds.code}")
    try:
        summary = export_fonds(fonds, output, viewer, progress=bar, base_url=args.base_url)
    except OSError as exc:
        print(f"错误 error: 写入失败 writing failed: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        bar.close()
    data = {"format": "ead3", "file": output.name, "as": viewer_label(viewer), "units": summary.units}
    do_record_export(CONSOLE, fonds, data)
    levels = "，".join(f"{k} {v}" for k, v in sorted(summary.levels.items()))
    print(f"已导出 exported {summary.units} 条 units（{levels}）→ {output}")
    return EXIT_OK


def cmd_eac(args: argparse.Namespace) -> int:
    from dangan.outreach.actions.ead import do_record_export, viewer_label
    from dangan.outreach.interchange.eac import export_authorities

    viewer = _viewer(args.as_user)
    output = _writable(args.output)
    kinds = args.kind or ["person", "organization"]
    bar = _Bar(args.quiet, "条", "EAC-CPF")
    try:
        summary = export_authorities(output, viewer, kinds, progress=bar)
    except OSError as exc:
        print(f"错误 error: 写入失败 writing failed: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        bar.close()
    data = {"format": "eac-cpf", "file": output.name, "as": viewer_label(viewer), "records": summary.records}
    do_record_export(CONSOLE, None, {**data, "kinds": kinds})
    print(f"已导出 exported {summary.records} 条 records → {output}")
    return EXIT_OK
