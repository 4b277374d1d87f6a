"""`dangan replication partner …`: pair with another dangan node (结对) and manage the pairing.

    dangan replication partner add NAME URL --fingerprint FP [--title T] [--site S]
                                   [--medium disk|object|optical|tape] [--quota-gb N]
    dangan replication partner list [--json]
    dangan replication partner show NAME [--json]
    dangan replication partner suspend NAME
    dangan replication partner resume NAME
    dangan replication partner remove NAME [--yes]

Exit codes: 0 done; 1 refused (the other node unreachable, its fingerprint not the one given — the message names
both —, a name or node already paired, plain HTTP beyond loopback, a state that does not allow it); 2 usage (an
unknown partner, remove without --yes where nobody can confirm)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

_EPILOG = "退出码 / exit codes: 0 成功 · 1 被拒绝（如指纹不符）refused · 2 用法错误 usage error"


def register(actions: Any) -> None:
    group = actions.add_parser(
        "partner",
        help="结对档案馆：添加、查看、暂停、恢复、解除 / partners",
        description="结对档案馆（其他 dangan 节点）：按对方管理员告知的公钥指纹结对，查看、暂停、恢复与解除结对。\n"
        "Partner archives (other dangan nodes): pair by the key fingerprint their operator gave, list, show, "
        "suspend, resume and remove.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = group.add_subparsers(dest="partner_command", metavar="操作 ACTION", required=True)

    p = sub.add_parser("add", help="结对 / pair with a node", epilog=_EPILOG)
    p.add_argument("name", help="简称（字母、数字、-、_），也是其备份目标的名称 / short name, also its target's")
    p.add_argument("url", help="对方 dangan serve 的地址，如 https://dangan.yn.example / its base URL")
    p.add_argument("--fingerprint", required=True, help="对方公钥指纹（由对方管理员告知）/ its key fingerprint")
    p.add_argument("--title", default="", help="档案馆名称，如 云南省档案馆 / the archives' name")
    p.add_argument("--site", default="", help="存放地点，如 云南省昆明市 / where it is")
    p.add_argument("--medium", default="disk", choices=["disk", "object", "optical", "tape"], help="介质 / medium")
    p.add_argument("--quota-gb", type=float, default=0, help="为对方保存的容量上限（GB）/ quota kept for it, GB")
    p.set_defaults(handler=cmd_add)

    p = sub.add_parser("list", help="列出结对档案馆 / list partners", epilog=_EPILOG)
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("show", help="结对详情与协议 / a partner and its agreement", epilog=_EPILOG)
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_show)

    for command, text, handler in (
        ("suspend", "暂停结对（不再发送或接收）/ suspend", cmd_suspend),
        ("resume", "恢复结对 / resume", cmd_resume),
    ):
        p = sub.add_parser(command, help=text, epilog=_EPILOG)
        p.add_argument("name")
        p.set_defaults(handler=handler)

    p = sub.add_parser("remove", help="解除结对（其公钥不再受信任）/ remove", epilog=_EPILOG)
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="不再询问确认 / do not ask")
    p.set_defaults(handler=cmd_remove)


def _partner(name: str) -> Any:
    from dangan.replication.models import Partner

    partner = Partner.objects.filter(name=name).first()
    if partner is None:
        raise CommandError(f"没有名为“{name}”的结对档案馆 no such partner")
    return partner


def _refused(exc: Exception) -> int:
    messages = getattr(exc, "messages", None) or [str(exc)]
    for message in messages:
        print(f"错误 error: {message}", file=sys.stderr)
    return EXIT_PROBLEMS


def _row(partner: Any) -> dict[str, Any]:
    from dangan.replication.actions.partners import kept_bytes

    target = getattr(partner, "target", None)
    return {
        "name": partner.name,
        "title": partner.title,
        "url": partner.url,
        "node_id": str(partner.node_id) if partner.node_id else None,
        "fingerprint": partner.fingerprint,
        "status": partner.status,
        "site": target.site if target else "",
        "medium": target.medium if target else "",
        "target_enabled": bool(target and target.enabled),
        "quota_bytes": partner.quota_bytes,
        "kept_bytes": kept_bytes(partner),
    }


def _details(partner: Any) -> dict[str, Any]:
    from dangan.replication.models import Replica

    return {
        **_row(partner),
        "agreement": {
            "parties": partner.parties,
            "scope": partner.scope,
            "starts": partner.starts.isoformat() if partner.starts else None,
            "ends": partner.ends.isoformat() if partner.ends else None,
            "contacts": partner.contacts,
            "quota_bytes": partner.quota_bytes,
            "version": partner.version,
        },
        "replicas": Replica.objects.filter(target__partner=partner).count(),
        "created_at": partner.created.isoformat(),
        "suspended_at": partner.suspended_at.isoformat() if partner.suspended_at else None,
        "removed_at": partner.removed_at.isoformat() if partner.removed_at else None,
    }


def cmd_add(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.partners import do_add_partner

    if args.quota_gb < 0:
        raise CommandError("--quota-gb 不能为负数 must not be negative")
    try:
        partner = do_add_partner(
            CONSOLE,
            args.name,
            args.url,
            args.fingerprint,
            title=args.title,
            site=args.site,
            medium=args.medium,
            quota_bytes=int(args.quota_gb * 1_000_000_000),
        )
    except (ValidationError, PermissionDenied) as exc:
        return _refused(exc)
    print(f"已结对 paired: {partner.name} {partner.title} {partner.url}")
    print(f"节点标识 node id:     {partner.node_id}")
    print(f"公钥指纹 fingerprint: {partner.fingerprint}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from dangan.replication.models import Partner

    rows = [_row(p) for p in Partner.objects.select_related("target").order_by("name")]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("尚无结对档案馆 no partners")
        return EXIT_OK
    for row in rows:
        quota = f"{row['kept_bytes']}/{row['quota_bytes']}" if row["quota_bytes"] else f"{row['kept_bytes']}/-"
        print(f"{row['name']}\t{row['status']}\t{row['title']}\t{row['site']}\t{row['url']}\t{quota}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    details = _details(_partner(args.name))
    if args.json:
        print(json.dumps(details, ensure_ascii=False, indent=2))
        return EXIT_OK
    agreement = details.pop("agreement")
    for key, value in {**details, **{f"agreement.{k}": v for k, v in agreement.items()}}.items():
        print(f"{key}: {'' if value is None else value}")
    return EXIT_OK


def _change(args: argparse.Namespace, action: str) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions import partners as actions

    partner = _partner(args.name)
    do = {
        "suspend": actions.do_suspend_partner,
        "resume": actions.do_resume_partner,
        "remove": actions.do_remove_partner,
    }[action]
    try:
        partner = do(CONSOLE, partner)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(exc)
    print(f"{partner.name}: {partner.get_status_display()} ({partner.status})")
    return EXIT_OK


def cmd_suspend(args: argparse.Namespace) -> int:
    return _change(args, "suspend")


def cmd_resume(args: argparse.Namespace) -> int:
    return _change(args, "resume")


def cmd_remove(args: argparse.Namespace) -> int:
    partner = _partner(args.name)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError("解除结对须确认：请加 --yes confirm with --yes")
        print(f"解除与“{partner}”的结对后，其公钥不再受信任，其保存的副本不再计为副本。")
        typed = input(f"请输入名称 {partner.name} 确认 type the name to confirm: ").strip()
        if typed != partner.name:
            raise CommandError("名称不符，未解除 not confirmed")
    return _change(args, "remove")
