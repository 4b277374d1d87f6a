"""`dangan replication discs …`: Blu-ray disc sets — the register (`list [--json]`), writing a disc target's staged
envelopes onto disc images (`write TARGET`), reading a disc back (`verify LABEL`), recording a lost disc (`lost
LABEL`) and rebuilding a set's lost or damaged discs from the others (`rebuild SET`).

Exit codes: 0 done (the disc read back intact, the discs rebuilt); 1 problems (a damaged disc, nothing to write,
a set that cannot be rebuilt), listed; 2 usage (an unknown target, disc or set)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from django.utils.translation import gettext as _

from . import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

_EPILOG = "退出码 / exit codes: 0 成功 · 1 发现问题 · 2 用法错误（未知目标、光盘或光盘套）"


def register(actions: Any) -> None:
    group = actions.add_parser(
        "discs",
        help="蓝光光盘套：登记、写入、回读、丢失、重建 / Blu-ray disc sets",
        description="蓝光光盘备份：光盘登记册，写入光盘映像，回读校验，登记丢失，由其余光盘重建。\n"
        "Blu-ray disc sets: the register, writing images, reading back, lost discs, rebuilding.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = group.add_subparsers(dest="discs_command", metavar="操作 ACTION", required=True)
    p = sub.add_parser("list", help="光盘登记册 / the disc register", epilog=_EPILOG)
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_list)
    p = sub.add_parser("write", help="把暂存的密文对象写成光盘映像 / write the staged envelopes", epilog=_EPILOG)
    p.add_argument("target", metavar="TARGET", help="光盘备份目标名称 / the disc target's name")
    p.set_defaults(handler=cmd_write)
    p = sub.add_parser("verify", help="回读校验一张光盘 / read a disc back", epilog=_EPILOG)
    p.add_argument("label", metavar="LABEL", help="光盘标签 / the disc's label")
    p.set_defaults(handler=cmd_verify)
    p = sub.add_parser("lost", help="登记一张光盘丢失 / record a disc as lost", epilog=_EPILOG)
    p.add_argument("label", metavar="LABEL", help="光盘标签 / the disc's label")
    p.set_defaults(handler=cmd_lost)
    p = sub.add_parser("rebuild", help="重建丢失或损坏的光盘（最多两张）/ rebuild lost discs", epilog=_EPILOG)
    p.add_argument("set", metavar="SET", help="光盘套标签 / the set's label")
    p.set_defaults(handler=cmd_rebuild)


def _error(message: str, code: int) -> int:
    print(_("错误：%(message)s") % {"message": message}, file=sys.stderr)
    return code


def _message(exc: Exception) -> str:
    messages = getattr(exc, "messages", None)
    return "；".join(messages) if messages else str(exc)


def cmd_list(args: argparse.Namespace) -> int:
    from dangan.replication.models import DiscSet

    sets = DiscSet.objects.select_related("target").prefetch_related("discs").order_by("target__name", "number")
    rows: list[dict[str, Any]] = [
        {
            "set": s.label,
            "target": s.target.name,
            "state": s.state,
            "capacity": s.capacity,
            "discs": [
                {
                    "label": d.label,
                    "number": d.number,
                    "kind": d.kind,
                    "state": d.state,
                    "location": d.location,
                    "image_size": d.image_size,
                    "sha256": d.sha256,
                    "written_at": d.written_at.isoformat(),
                    "read_back_at": d.read_back_at.isoformat() if d.read_back_at else None,
                }
                for d in s.discs.all()
            ],
        }
        for s in sets
    ]
    if args.json:
        print(json.dumps({"sets": rows}, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print(_("尚无光盘套"))
    for row in rows:
        print(_("%(set)s  目标 %(target)s  状态 %(state)s  共 %(count)d 张") % {**row, "count": len(row["discs"])})
        for d in row["discs"]:
            read = d["read_back_at"] or _("未回读")
            print(f"  {d['label']:<24} {d['kind']:<6} {d['state']:<7} {d['image_size']:>14}  {read}  {d['location']}")
    return EXIT_OK


def cmd_write(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.discs import do_write_sets
    from dangan.replication.models import Target

    target = Target.objects.filter(name=args.target).first()
    if target is None:
        return _error(_("没有名为 %(name)s 的备份目标") % {"name": args.target}, EXIT_USAGE)
    try:
        made = do_write_sets(CONSOLE, target)
    except ValidationError as exc:
        return _error(_message(exc), EXIT_PROBLEMS)
    for disc_set in made:
        print(_("已写入光盘套 %(label)s：") % {"label": disc_set.label})
        for disc in disc_set.discs.all():
            print(f"  {disc.label:<24} {disc.kind:<6} {disc.image_size:>14}  {disc.image_path}")
    return EXIT_OK


def _disc(label: str) -> Any:
    from dangan.replication.models import Disc

    return Disc.objects.select_related("disc_set__target").filter(label=label).first()


def cmd_verify(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.discs import do_read_back

    disc = _disc(args.label)
    if disc is None:
        return _error(_("没有标签为 %(label)s 的光盘") % {"label": args.label}, EXIT_USAGE)
    try:
        result = do_read_back(CONSOLE, disc)
    except ValidationError as exc:
        return _error(_message(exc), EXIT_PROBLEMS)
    if result.ok:
        print(_("%(label)s：回读完好") % {"label": disc.label})
        return EXIT_OK
    print(_("%(label)s：已损坏") % {"label": disc.label})
    for problem in result.problems:
        print(f"  {problem}")
    return EXIT_PROBLEMS


def cmd_lost(args: argparse.Namespace) -> int:
    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.discs import do_mark_lost

    disc = _disc(args.label)
    if disc is None:
        return _error(_("没有标签为 %(label)s 的光盘") % {"label": args.label}, EXIT_USAGE)
    do_mark_lost(CONSOLE, disc)
    print(_("%(label)s：已登记丢失") % {"label": disc.label})
    return EXIT_OK


def cmd_rebuild(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.discs import do_rebuild
    from dangan.replication.models import DiscSet

    disc_set = DiscSet.objects.select_related("target").filter(label=args.set).first()
    if disc_set is None:
        return _error(_("没有标签为 %(label)s 的光盘套") % {"label": args.set}, EXIT_USAGE)
    try:
        rebuilt = do_rebuild(CONSOLE, disc_set)
    except ValidationError as exc:
        return _error(_message(exc), EXIT_PROBLEMS)
    for disc in rebuilt:
        print(_("已重建 %(label)s：%(path)s") % {"label": disc.label, "path": disc.image_path})
    return EXIT_OK
