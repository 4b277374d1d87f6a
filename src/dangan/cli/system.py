"""System subcommands: init, serve, worker, demo, createadmin, user, auditlog, manage.

`dangan user …` is the one place where the three administrator roles (三员) are created, given, changed, reset and
deactivated: the web and the API never do it (docs/security.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from typing import Any

from dangan.core.actors import CONSOLE
from dangan.core.choices import Role

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

THREADS = 8  # `dangan serve`'s worker threads


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="初始化数据目录与数据库 / create the data directory and database")
    p.add_argument("--institution-code", default=None, help="本机构代码 / institution code")
    p.add_argument("--institution-name", default=None, help="本机构名称 / institution name")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("serve", help="启动 Web 服务 / serve the web application")
    p.add_argument("--host", default="127.0.0.1", help="监听地址 / address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="端口 / port (default 8000)")
    p.add_argument("--threads", type=int, default=THREADS, help="线程数 / worker threads")
    p.add_argument("--no-worker", action="store_true", help="不在进程内运行后台任务 / no in-process task worker")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("worker", help="运行后台任务 / run the background task worker")
    p.add_argument("--batch", action="store_true", help="处理完队列后退出 / exit when the queue is empty")
    p.set_defaults(handler=cmd_worker)

    p = sub.add_parser("demo", help="加载示例数据 / load the demo institution and fonds")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("createadmin", help="创建系统管理员并显示一次性密码 / create the administrator")
    p.add_argument("--username", default="admin")
    p.add_argument("--reset", action="store_true", help="已存在时重置其一次性密码 / reset if it exists")
    p.set_defaults(handler=cmd_createadmin)

    _register_user(sub)

    p = sub.add_parser("auditlog", help="审计日志 / the audit log")
    p.add_argument(
        "action",
        choices=["verify", "new-key"],
        help="verify: 校验审计链与锚点 / check the chain and its anchors; "
        "new-key: 审计密钥丢失后启用新密钥 / start a new key after the old one was lost",
    )
    p.add_argument("--json", action="store_true", help="verify: 以 JSON 输出报告 / print the report as JSON")
    p.add_argument("--reason", default="", help="new-key: 更换理由（必填）/ why (required)")
    p.set_defaults(handler=cmd_auditlog)

    p = sub.add_parser("manage", help="Django 管理命令 / run a Django management command", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(handler=cmd_manage)


def cmd_init(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command

    from dangan.catalog.actions.configuration import do_ensure_default_categories
    from dangan.core.actions.auditlog import do_prepare_audit_log
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.auditlog.key import AuditKeyError
    from dangan.core.models import Institution
    from dangan.preservation.store import StorageConfigError, storage_location, storage_root

    try:
        location = storage_location()
    except StorageConfigError as exc:
        raise CommandError(str(exc), EXIT_PROBLEMS) from None
    folders = [settings.DANGAN_HOME, settings.LOG_DIR, settings.MEDIA_ROOT, settings.STATIC_ROOT]
    if location.path is not None:
        folders.append(location.path)
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        storage_root()  # initialised now: a wrong S3 endpoint, bucket or key shows here, not at the first package
    except StorageConfigError as exc:
        raise CommandError(str(exc), EXIT_PROBLEMS) from None
    call_command("migrate", interactive=False, verbosity=0)
    institution = Institution.current()
    if institution is None:
        institution = do_ensure_institution(CONSOLE, args.institution_code or "DAG", args.institution_name or "档案馆")
    do_ensure_default_categories(CONSOLE)
    print(f"数据目录 data directory: {settings.DANGAN_HOME}")
    print(f"长期保存存储库 storage root: {location}")
    print(f"机构 institution: {institution.code} {institution.name}")
    try:
        key = do_prepare_audit_log()
    except AuditKeyError as exc:
        print(f"审计密钥 audit key: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"审计密钥 audit key: {key.source} ({key.key_id})  须与数据库分开备份 back it up apart from the database")
    from dangan.replication.node import ensure_node, node_name

    node, created = ensure_node()
    print(
        f"节点身份 node: {node_name()} {node.node_id} ({node.algorithm.value}) {'新建 created' if created else '已有 kept'}"
    )
    print(f"公钥指纹 fingerprint: {node.fingerprint}  结对时交给对方核对 give it to partners when pairing")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from django.conf import settings

    from dangan.core.worker import start_inprocess_worker

    if getattr(settings, "STORAGE_URL", "").lower().startswith("s3:"):
        from dangan.preservation.store import storage_root

        storage_root()  # a wrong endpoint, bucket or key stops the start with a sentence (cli.main), not later
    if settings.INPROCESS_WORKER and not args.no_worker:
        start_inprocess_worker()
    # Load the segmenter and its dictionaries now (about a second), not in the first search a user makes.
    threading.Thread(target=_warm_up_search, name="dangan-warm-up", daemon=True).start()
    logging.basicConfig()  # as waitress.serve does: its warnings reach stderr where nothing else was set up
    server = web_server(args.host, args.port, args.threads)
    print(f"dangan 已启动 serving on http://{args.host}:{args.port}/  (Ctrl+C 停止 to stop)", flush=True)
    server.run()
    return EXIT_OK


def web_server(host: str, port: int, threads: int = THREADS) -> Any:
    """The HTTP server of `dangan serve` (waitress over the whole site), bound and ready to ``run()``; the
    benchmarks start this same one.

    Everything loaded by then (Django, the apps, their modules: some 200,000 objects) is moved out of the garbage
    collector's view (``gc.freeze``): none of it is ever garbage, and a full collection that walks it stops every
    thread for about 100 ms, which every request in flight would wait out."""
    import gc

    from waitress.server import create_server

    from dangan.wsgi import application

    # recv_bytes: waitress reads the socket 8 KiB at a time by default, which made receiving a replication PUT
    # (8 MiB and more) cost more CPU than hashing and writing it (bench/replication_throughput_bench.py).
    server = create_server(application, host=host, port=port, threads=threads, ident="dangan", recv_bytes=1 << 18)
    gc.collect()
    gc.freeze()
    return server


def _warm_up_search() -> None:
    """Load the segmenter and the search index's in-memory columns before the first search asks (a few seconds
    for a million units), in a thread of its own so that the server answers meanwhile."""
    from django.db import connection

    from dangan.search.analysis import words
    from dangan.search.columns import current

    words("遵义会议档案")
    try:
        current()
    except Exception as exc:  # the first search loads them instead, and reports what is wrong
        logging.getLogger(__name__).warning("Search columns not loaded at start: %s", exc)
    finally:
        connection.close()


def cmd_worker(args: argparse.Namespace) -> int:
    from dangan.core.worker import run_worker

    run_worker(batch=args.batch)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from dangan.catalog.demo import load_demo

    summary = load_demo()
    for line in summary:
        print(line)
    return EXIT_OK


def cmd_createadmin(args: argparse.Namespace) -> int:
    from dangan.core.actions.accounts import do_create_user, do_reset_password
    from dangan.core.models import User

    existing = User.objects.filter(username=args.username).first()
    if existing and not args.reset:
        print(f"管理员 {args.username} 已存在；如需重置密码请加 --reset。")
        print(f"Administrator {args.username} exists; use --reset to issue a new one-time password.")
        return EXIT_OK
    if existing:
        password = do_reset_password(CONSOLE, existing)
    else:
        _, password = do_create_user(CONSOLE, args.username, Role.SYSTEM_ADMIN, full_name="系统管理员")
    print(f"系统管理员 administrator: {args.username}")
    print(f"一次性密码 one-time password: {password}")
    print("首次登录后须修改密码。 Change it at first login.")
    return EXIT_OK


ROLE_HELP = "archivist 业务人员 · system_admin 系统管理员 · security_admin 安全保密管理员 · security_auditor 安全审计员"


def _register_user(sub: Any) -> None:
    user = sub.add_parser(
        "user",
        help="账号与三员角色（仅限控制台）/ accounts and the three administrator roles (console only)",
        description="三员（系统管理员、安全保密管理员、安全审计员）只能在此创建、变更、重置和停用。\n"
        "The three administrator roles are created, changed, reset and deactivated only here.",
        epilog="退出码 / exit codes: 0 成功 done · 2 用法错误（账号不存在、角色无效）usage (no such account, bad role)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    usub = user.add_subparsers(dest="user_command", metavar="子命令 SUBCOMMAND", required=True)
    p = usub.add_parser("list", help="列出账号 / list accounts")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_user_list)
    p = usub.add_parser("create", help="创建账号并显示一次性密码 / create an account, print its one-time password")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=Role.values, help=ROLE_HELP)
    p.add_argument("--full-name", default="", help="姓名 / full name")
    p.add_argument("--email", default="", help="电子邮箱 / e-mail")
    p.set_defaults(handler=cmd_user_create)
    p = usub.add_parser("role", help="变更角色（会话结束、令牌吊销、涉密等级归零）/ change a role")
    p.add_argument("username")
    p.add_argument("role", choices=Role.values, help=ROLE_HELP)
    p.set_defaults(handler=cmd_user_role)
    p = usub.add_parser("reset-password", help="重置为一次性密码 / issue a new one-time password")
    p.add_argument("username")
    p.set_defaults(handler=cmd_user_reset_password)
    p = usub.add_parser("deactivate", help="停用账号 / deactivate an account")
    p.add_argument("username")
    p.set_defaults(handler=cmd_user_active, active=False)
    p = usub.add_parser("activate", help="启用账号 / reactivate an account")
    p.add_argument("username")
    p.set_defaults(handler=cmd_user_active, active=True)
    p = usub.add_parser("unlock", help="解除登录锁定 / lift a sign-in lock")
    p.add_argument("key", nargs="?", help="账号名或客户端地址 / account name or client address")
    p.add_argument("--all", action="store_true", help="解除全部锁定 / every lock")
    p.set_defaults(handler=cmd_user_unlock)


def _account(username: str) -> Any:
    from dangan.core.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"账号 {username} 不存在 / no account {username}")
    return user


def _refused(exc: Exception) -> CommandError:
    messages = getattr(exc, "messages", None) or [str(exc)]
    return CommandError("；".join(str(m) for m in messages))


def cmd_user_list(args: argparse.Namespace) -> int:
    from dangan.core.models import User

    rows: list[dict[str, Any]] = [
        {
            "username": u.username,
            "full_name": u.get_full_name(),
            "role": u.role,
            "clearance": u.clearance,
            "clearance_to_confirm": u.clearance_to_confirm,
            "is_active": u.is_active,
            "must_change_password": u.must_change_password,
        }
        for u in User.objects.order_by("username")
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for row in rows:
        state = "启用 active" if row["is_active"] else "停用 inactive"
        print(f"{row['username']}\t{Role(row['role']).label}\t{row['clearance']}\t{state}")
    return EXIT_OK


def cmd_user_create(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.core.actions.accounts import do_create_user

    try:
        user, password = do_create_user(CONSOLE, args.username, args.role, full_name=args.full_name, email=args.email)
    except ValidationError as exc:
        raise _refused(exc) from None
    print(f"已创建 created: {user.username} ({Role(user.role).label})")
    print(f"一次性密码 one-time password: {password}")
    print("首次登录后须修改密码。 Change it at first login.")
    return EXIT_OK


def cmd_user_role(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from dangan.core.actions.accounts import do_set_role

    user = _account(args.username)
    try:
        do_set_role(CONSOLE, user, args.role)
    except ValidationError as exc:
        raise _refused(exc) from None
    print(f"{user.username}: {Role(user.role).label}（涉密等级 clearance: {user.clearance}）")
    return EXIT_OK


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    from dangan.core.actions.accounts import do_reset_password

    user = _account(args.username)
    password = do_reset_password(CONSOLE, user)
    print(f"{user.username} 一次性密码 one-time password: {password}")
    if user.clearance_to_confirm:
        print(f"涉密等级已暂停，待安全保密管理员确认 clearance suspended until confirmed: {user.clearance_to_confirm}")
    return EXIT_OK


def cmd_user_active(args: argparse.Namespace) -> int:
    from dangan.core.actions.accounts import do_set_active

    user = _account(args.username)
    do_set_active(CONSOLE, user, args.active)
    print(f"{user.username}: {'已启用 active' if args.active else '已停用 deactivated'}")
    return EXIT_OK


def cmd_user_unlock(args: argparse.Namespace) -> int:
    from dangan.core.actions.signin import current_locks, do_unlock

    if not args.all and not args.key:
        raise CommandError("请给出账号名或地址，或 --all / give a name or an address, or --all")
    locks = current_locks()
    if not args.all:
        locks = locks.filter(key=args.key)
    count = sum(1 for lock in list(locks) if do_unlock(CONSOLE, lock))
    print(f"已解除 {count} 个锁定 / {count} lock(s) lifted")
    return EXIT_OK


def cmd_auditlog(args: argparse.Namespace) -> int:
    if args.action == "new-key":
        return _auditlog_new_key(args.reason)
    from dangan.core.audit import verify_chain

    report = verify_chain()
    for warning in report.warnings:
        print(f"注意 warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    if report.ok:
        if not args.json:
            print(
                f"审计日志完整 audit log intact: {report.checked} 条 entries, "
                f"{report.anchors} 个锚点相符 anchors matched, 密钥 key {report.key_id}"
            )
        return EXIT_OK
    where = f"第 {report.broken_at} 条处" if report.broken_at else ""
    print(
        f"审计日志{where}被篡改或无法校验 ({report.reason}) audit log broken"
        + (f" at entry {report.broken_at}" if report.broken_at else "")
        + f": {report.detail}",
        file=sys.stderr,
    )
    return EXIT_PROBLEMS


def _auditlog_new_key(reason: str) -> int:
    from django.core.exceptions import ValidationError

    from dangan.core.actions.auditlog import do_replace_audit_key
    from dangan.core.auditlog.key import AuditKeyError

    try:
        entry = do_replace_audit_key(CONSOLE, reason)
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from exc
    except AuditKeyError as exc:
        print(f"未更换 not replaced: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(
        f"已启用新的审计密钥 new audit key: {entry.key_id}; 第 {entry.pk} 条记录封存了此前的 "
        f"{entry.data['sealed']['count']} 条 entry {entry.pk} seals the earlier ones"
    )
    print("请立即备份新密钥 back up the new key now (docs/audit-log.md)")
    return EXIT_OK


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    if not args.args:
        raise CommandError("用法 usage: dangan manage COMMAND [ARGS]")
    execute_from_command_line(["dangan manage", *args.args])
    return EXIT_OK
