"""`dangan conservation stack|location|place|checkouts|labels`: the stacks tree, placing units, open check-outs and
the printed labels (part stacks of the conservation app).

    dangan conservation stack add CODE NAME [--capacity N]
    dangan conservation stack list [--json]
    dangan conservation location add PARENT_FULL_CODE CODE [--kind K] [--name N] [--capacity N]
                                     [--count N] [--width W]
    dangan conservation location move FULL_CODE NEW_PARENT_FULL_CODE
    dangan conservation location remove FULL_CODE
    dangan conservation place FULL_CODE 档号 [档号 …] [--reason R]
    dangan conservation checkouts [--overdue] [--json]
    dangan conservation labels FULL_CODE --kind box-labels|spine-labels|shelf-list|note-sheet --output FILE.pdf
                                     [--base-url URL]

Exit codes: 0 done; 1 refused (a code taken or invalid, a level out of order, capacity exceeded, units placed below
a location to remove, 档号 not found — nothing was written); 2 usage (an unknown location)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

_EPILOG = "退出码 / exit codes: 0 成功 · 1 被拒绝（未写入）refused, nothing written · 2 用法错误 usage error"
KINDS = ["stack", "zone", "row", "section", "shelf", "box"]
PDF_KINDS = ["box-labels", "spine-labels", "shelf-list", "note-sheet"]


def register(actions: Any) -> None:
    group = actions.add_parser(
        "stack",
        help="库房：添加、列出 / stacks (rooms)",
        description="库房（位置树的根）。Stacks: the roots of the location tree.",
        epilog=_EPILOG,
    )
    sub = group.add_subparsers(dest="stack_command", metavar="操作 ACTION", required=True)
    p = sub.add_parser("add", help="添加库房 / add a stack", epilog=_EPILOG)
    p.add_argument("code", help="代码（字母、数字），如 K1 / code")
    p.add_argument("name", help="名称，如 一号库房 / name")
    p.add_argument("--capacity", type=int, default=None, help="容量 / capacity")
    p.set_defaults(handler=cmd_stack_add)
    p = sub.add_parser("list", help="列出位置树及件数 / list the tree with counts", epilog=_EPILOG)
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_stack_list)

    group = actions.add_parser(
        "location",
        help="库房位置：添加（可批量）、移动、删除 / locations in the stacks",
        description="库房位置（区、列、节、层、盒/位）。Locations below a stack.",
        epilog=_EPILOG,
    )
    sub = group.add_subparsers(dest="location_command", metavar="操作 ACTION", required=True)
    p = sub.add_parser("add", help="添加下级位置 / add locations", epilog=_EPILOG)
    p.add_argument("parent", help="上级位置的完整代码，如 K1-A / the parent's full code")
    p.add_argument("code", help="代码；--count 大于 1 时为起始编号 / code, or the first number with --count")
    p.add_argument("--kind", choices=KINDS, default=None, help="层级（默认：上级的下一级）/ level")
    p.add_argument("--name", default="", help="名称 / name")
    p.add_argument("--capacity", type=int, default=None, help="容量 / capacity")
    p.add_argument("--count", type=int, default=1, help="批量添加的数量 / how many (a range)")
    p.add_argument("--width", type=int, default=2, help="编号位数，补零 / digits, zero-padded")
    p.set_defaults(handler=cmd_location_add)
    p = sub.add_parser("move", help="移到另一上级之下 / move under another parent", epilog=_EPILOG)
    p.add_argument("full_code")
    p.add_argument("parent", help="新上级的完整代码 / the new parent's full code")
    p.set_defaults(handler=cmd_location_move)
    p = sub.add_parser("remove", help="删除位置（其下无档案时）/ remove (when empty)", epilog=_EPILOG)
    p.add_argument("full_code")
    p.set_defaults(handler=cmd_location_remove)

    p = actions.add_parser("place", help="上架或移库 / place or move units", epilog=_EPILOG)
    p.add_argument("full_code", help="目标位置的完整代码 / the location")
    p.add_argument("units", nargs="+", metavar="档号", help="档号 / reference codes")
    p.add_argument("--reason", default="", help="事由 / reason")
    p.set_defaults(handler=cmd_place)

    p = actions.add_parser("checkouts", help="在外（未入库）的档案 / open check-outs", epilog=_EPILOG)
    p.add_argument("--overdue", action="store_true", help="只列超期未还 / overdue only")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_checkouts)

    p = actions.add_parser("labels", help="打印标签、排架目录、备考表（PDF）/ labels and lists as PDF", epilog=_EPILOG)
    p.add_argument("full_code")
    p.add_argument("--kind", choices=PDF_KINDS, required=True, help="盒标签、脊背标签、排架目录、备考表 / what")
    p.add_argument("--output", required=True, type=Path, help="PDF 文件 / the PDF file")
    p.add_argument("--base-url", default="", help="二维码中的网址前缀，如 https://dangan.example.cn / QR base URL")
    p.set_defaults(handler=cmd_labels)


def _location(full_code: str) -> Any:
    from dangan.conservation.models import Location

    location = Location.objects.filter(full_code=full_code).first()
    if location is None:
        raise CommandError(f"没有位置“{full_code}” no such location")
    return location


def _refused(exc: Exception) -> int:
    if hasattr(exc, "message_dict"):
        for field, messages in exc.message_dict.items():
            for message in messages:
                print(f"错误 error: {field}: {message}", file=sys.stderr)
        return EXIT_PROBLEMS
    for message in getattr(exc, "messages", None) or [str(exc)]:
        print(f"错误 error: {message}", file=sys.stderr)
    return EXIT_PROBLEMS


def cmd_stack_add(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.conservation.actions.stacks import do_add_stack
    from dangan.core.actors import CONSOLE

    try:
        stack = do_add_stack(CONSOLE, args.code, args.name, capacity=args.capacity)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(exc)
    print(f"已添加库房 added: {stack.full_code} {stack.name}")
    return EXIT_OK


def cmd_stack_list(args: argparse.Namespace) -> int:
    from dangan.conservation.actions.stacks import occupancy
    from dangan.conservation.models import Location
    from dangan.core.actors import CONSOLE

    rows = [
        {
            "full_code": o.location.full_code,
            "kind": o.location.kind,
            "name": o.location.name,
            "capacity": o.location.capacity,
            "used": o.used,
            "free": o.free,
            "units": o.below,
        }
        for o in occupancy(CONSOLE, Location.objects.order_by("full_code"))
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for row in rows:
        capacity = f"{row['used']}/{row['capacity']}" if row["capacity"] is not None else "-"
        print(f"{row['full_code']}\t{row['kind']}\t{row['name']}\t{row['units']}\t{capacity}")
    return EXIT_OK


def cmd_location_add(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.conservation.actions.stacks import do_add_location, do_add_locations, range_codes
    from dangan.core.actors import CONSOLE

    parent = _location(args.parent)
    kind = args.kind or KINDS[min(KINDS.index(parent.kind) + 1, len(KINDS) - 1)]
    if args.count < 1 or args.width < 1:
        raise CommandError("--count 与 --width 须为正整数 must be positive")
    try:
        if args.count > 1:
            if not args.code.isdigit():
                raise CommandError("批量添加时起始编号必须是数字 the first code of a range must be a number")
            codes = range_codes(int(args.code), args.count, args.width)
            created = do_add_locations(CONSOLE, parent, codes, kind, capacity=args.capacity)
        else:
            code = args.code.zfill(args.width) if args.code.isdigit() else args.code
            created = [do_add_location(CONSOLE, parent, code, kind, name=args.name, capacity=args.capacity)]
    except (ValidationError, PermissionDenied) as exc:
        return _refused(exc)
    for location in created:
        print(f"已添加 added: {location.full_code}")
    return EXIT_OK


def cmd_location_move(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.conservation.actions.stacks import do_move_location
    from dangan.core.actors import CONSOLE

    location, parent = _location(args.full_code), _location(args.parent)
    try:
        moved = do_move_location(CONSOLE, location, parent)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(exc)
    print(f"已移动 moved: {args.full_code} → {moved.full_code}")
    return EXIT_OK


def cmd_location_remove(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.conservation.actions.stacks import do_remove_location
    from dangan.core.actors import CONSOLE

    try:
        do_remove_location(CONSOLE, _location(args.full_code))
    except (ValidationError, PermissionDenied) as exc:
        return _refused(exc)
    print(f"已删除 removed: {args.full_code}")
    return EXIT_OK


def cmd_place(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.conservation.actions.stacks import do_move_units, resolve_units
    from dangan.core.actors import CONSOLE

    location = _location(args.full_code)
    try:
        moves = do_move_units(CONSOLE, resolve_units(CONSOLE, args.units), location, args.reason)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(exc)
    for move in moves:
        print(f"{move.unit.reference_code}\t{move.from_code or '-'} → {move.to_code}")
    return EXIT_OK


def cmd_checkouts(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from dangan.conservation.actions.custody import open_checkouts
    from dangan.core.actors import CONSOLE

    today = timezone.localdate()
    rows = [
        {
            "id": c.pk,
            "reference_code": c.unit.reference_code,
            "unit": str(c.unit.uuid),
            "purpose": c.purpose,
            "taken_by": c.taken_by,
            "taken_from": c.taken_from.full_code if c.taken_from else None,
            "checked_out_at": c.checked_out_at.isoformat(),
            "due": c.due.isoformat(),
            "overdue": c.due < today,
        }
        for c in open_checkouts(CONSOLE, overdue=args.overdue)
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for row in rows:
        flag = "超期 overdue" if row["overdue"] else ""
        print(f"{row['reference_code']}\t{row['purpose']}\t{row['taken_by']}\t{row['due']}\t{flag}".rstrip())
    return EXIT_OK


def cmd_labels(args: argparse.Namespace) -> int:
    from django.urls import reverse

    from dangan.conservation import labels
    from dangan.conservation.actions.stacks import subtree
    from dangan.conservation.choices import LocationKind
    from dangan.core.actors import CONSOLE
    from dangan.utilities.fonts import FontMissing

    location = _location(args.full_code)
    base = args.base_url.rstrip("/")

    def url_of(loc: Any) -> str:
        return base + reverse("conservation:location", args=[loc.full_code]) if base else labels.box_url(loc)

    boxes = list(subtree(location).filter(kind=LocationKind.BOX).order_by("full_code")) or [location]
    try:
        if args.kind == "box-labels":
            data = labels.box_labels_pdf(CONSOLE, boxes, url_of)
        elif args.kind == "spine-labels":
            data = labels.spine_labels_pdf(CONSOLE, boxes, url_of)
        elif args.kind == "shelf-list":
            data = labels.shelf_list_pdf(CONSOLE, location)
        else:
            data = labels.note_sheet_pdf(CONSOLE, location)
    except FontMissing as exc:
        return _refused(exc)
    args.output.write_bytes(data)
    print(f"已写入 written: {args.output} ({len(data)} 字节 bytes)")
    return EXIT_OK
