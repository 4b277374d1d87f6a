"""`dangan replication target …`: the places copies go besides partners — an S3-compatible store, a folder (NAS, tape
under LTFS), a set of Blu-ray discs.

    dangan replication target add NAME --kind s3|folder|discs LOCATION [--medium …] [--site …]
        [--cipher sm4-gcm|aes-256-gcm] [--endpoint URL --region R --access-key-env VAR --secret-key-env VAR]
    dangan replication target list [--json]
    dangan replication target show NAME [--json]
    dangan replication target disable|enable NAME

Exit codes: 0 done; 1 refused (the reasons printed: a bad location, a bucket that does not answer, no such target);
2 usage."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE


def register(actions: Any) -> None:
    group = actions.add_parser(
        "target",
        help="备份目标：对象存储、文件夹、蓝光光盘 / replication targets",
        description="管理备份目标（对象存储、文件夹、蓝光光盘；结对档案馆的目标在结对时建立）。\n"
        "Manage replication targets (S3, folder, Blu-ray discs; a partner's target is made by pairing).",
        epilog="退出码 / exit codes: 0 成功 · 1 被拒绝（原因已列出）· 2 用法错误",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = group.add_subparsers(dest="target_command", metavar="操作 ACTION", required=True)

    add = commands.add_parser("add", help="新增备份目标 / add a target")
    add.add_argument("name", metavar="NAME", help="名称（小写字母、数字、-、_）")
    add.add_argument("--kind", required=True, choices=["s3", "folder", "discs"], help="类型 / kind")
    add.add_argument("location", metavar="LOCATION", help="s3://存储桶/前缀，或文件夹的绝对路径")
    _common(add)
    add.set_defaults(handler=cmd_add)

    show_list = commands.add_parser("list", help="列出备份目标 / list targets")
    show_list.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    show_list.set_defaults(handler=cmd_list)

    show = commands.add_parser("show", help="查看备份目标 / show a target")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    show.set_defaults(handler=cmd_show)

    for command, helptext in (("disable", "停用备份目标 / disable"), ("enable", "启用备份目标 / enable")):
        p = commands.add_parser(command, help=helptext)
        p.add_argument("name", metavar="NAME")
        p.set_defaults(handler=cmd_enabled, enable=command == "enable")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--medium", choices=["disk", "object", "optical", "tape"], default="", help="介质 / medium")
    p.add_argument("--site", default="", help="存放地点，如 云南省昆明市 / site")
    p.add_argument("--cipher", choices=["sm4-gcm", "aes-256-gcm"], default="sm4-gcm", help="加密算法 / cipher")
    p.add_argument("--endpoint", default="", help="对象存储服务地址 / S3 endpoint URL")
    p.add_argument("--region", default="", help="对象存储区域 / S3 region")
    p.add_argument("--access-key-env", default="", metavar="VAR", help="存放访问密钥 ID 的环境变量名称")
    p.add_argument("--secret-key-env", default="", metavar="VAR", help="存放访问密钥的环境变量名称")


def _problems(exc: Exception) -> int:
    from django.core.exceptions import ValidationError

    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                print(f"错误 error: {field}: {message}", file=sys.stderr)
    elif isinstance(exc, ValidationError):
        for message in exc.messages:
            print(f"错误 error: {message}", file=sys.stderr)
    else:
        print(f"错误 error: {exc}", file=sys.stderr)
    return EXIT_PROBLEMS


def cmd_add(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.targets import do_add_target

    options = {}
    if args.kind == "s3":
        options = {
            "endpoint": args.endpoint,
            "region": args.region,
            "access_key_env": args.access_key_env,
            "secret_key_env": args.secret_key_env,
        }
    elif args.endpoint or args.region or args.access_key_env or args.secret_key_env:
        print("错误 error: --endpoint/--region/--access-key-env/--secret-key-env 只用于 --kind s3", file=sys.stderr)
        return EXIT_USAGE
    try:
        target = do_add_target(
            CONSOLE,
            args.name,
            args.kind,
            args.location,
            medium=args.medium,
            site=args.site,
            cipher=args.cipher,
            options=options,
        )
    except ValidationError as exc:
        return _problems(exc)
    print(f"已新增备份目标 added: {target.name} ({target.kind}, {target.location})")
    return EXIT_OK


def _target(name: str) -> Any:
    from dangan.replication.models import Target

    return Target.objects.select_related("partner").filter(name=name).first()


def cmd_list(args: argparse.Namespace) -> int:
    from dangan.replication.actions.targets import target_summary
    from dangan.replication.models import Target

    targets = list(Target.objects.select_related("partner").order_by("name"))
    if args.json:
        print(json.dumps([target_summary(t) for t in targets], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not targets:
        print("尚无备份目标 no targets")
        return EXIT_OK
    for t in targets:
        state = "启用" if t.enabled else "停用"
        print(f"{t.name}\t{t.kind}\t{t.medium}\t{t.cipher}\t{state}\t{t.site}\t{t.location}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from dangan.replication.actions.targets import target_summary

    target = _target(args.name)
    if target is None:
        print(f"错误 error: 没有名为 {args.name} 的备份目标", file=sys.stderr)
        return EXIT_PROBLEMS
    data = target_summary(target)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    labels = {
        "name": "名称 name",
        "kind": "类型 kind",
        "medium": "介质 medium",
        "site": "地点 site",
        "location": "位置 location",
        "cipher": "加密 cipher",
        "enabled": "启用 enabled",
        "partner": "结对 partner",
    }
    for key, label in labels.items():
        print(f"{label}:\t{data[key] if data[key] is not None else ''}")
    for key, value in data["options"].items():
        print(f"{key}:\t{value}")
    return EXIT_OK


def cmd_enabled(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.targets import do_disable_target, do_enable_target

    target = _target(args.name)
    if target is None:
        print(f"错误 error: 没有名为 {args.name} 的备份目标", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        target = (do_enable_target if args.enable else do_disable_target)(CONSOLE, target)
    except ValidationError as exc:
        return _problems(exc)
    print(f"{'已启用 enabled' if target.enabled else '已停用 disabled'}: {target.name}")
    return EXIT_OK
