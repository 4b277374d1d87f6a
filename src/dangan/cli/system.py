"""System subcommands: init, serve, worker, demo, createadmin, auditlog, manage."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from typing import Any

from dangan.core.actors import CONSOLE

from . import EXIT_OK, EXIT_PROBLEMS, CommandError


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="初始化数据目录与数据库 / create the data directory and database")
    p.add_argument("--institution-code", default=None, help="本机构代码 / institution code")
    p.add_argument("--institution-name", default=None, help="本机构名称 / institution name")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("serve", help="启动 Web 服务 / serve the web application")
    p.add_argument("--host", default="127.0.0.1", help="监听地址 / address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="端口 / port (default 8000)")
    p.add_argument("--threads", type=int, default=8, help="线程数 / worker threads")
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

    p = sub.add_parser("auditlog", help="审计日志 / the audit log")
    p.add_argument("action", choices=["verify"], help="verify: 校验哈希链 / check the hash chain")
    p.set_defaults(handler=cmd_auditlog)

    p = sub.add_parser("manage", help="Django 管理命令 / run a Django management command", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(handler=cmd_manage)


def cmd_init(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command

    from dangan.catalog.actions.configuration import do_ensure_default_categories
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.models import Institution

    for folder in (
        settings.DANGAN_HOME,
        settings.STORAGE_ROOT,
        settings.LOG_DIR,
        settings.MEDIA_ROOT,
        settings.STATIC_ROOT,
    ):
        folder.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    institution = Institution.current()
    if institution is None:
        institution = do_ensure_institution(CONSOLE, args.institution_code or "DAG", args.institution_name or "档案馆")
    do_ensure_default_categories(CONSOLE)
    print(f"数据目录 data directory: {settings.DANGAN_HOME}")
    print(f"机构 institution: {institution.code} {institution.name}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from django.conf import settings
    from waitress import serve

    from dangan.core.worker import start_inprocess_worker
    from dangan.wsgi import application

    if settings.INPROCESS_WORKER and not args.no_worker:
        start_inprocess_worker()
    # Load the segmenter and its dictionaries now (about a second), not in the first search a user makes.
    threading.Thread(target=_warm_up_search, name="dangan-warm-up", daemon=True).start()
    print(f"dangan 已启动 serving on http://{args.host}:{args.port}/  (Ctrl+C 停止 to stop)", flush=True)
    serve(application, host=args.host, port=args.port, threads=args.threads, ident="dangan")
    return EXIT_OK


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
    from dangan.core.choices import Role
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


def cmd_auditlog(args: argparse.Namespace) -> int:
    from dangan.core.audit import verify_chain

    report = verify_chain()
    if report.ok:
        print(f"审计日志完整 audit log intact: {report.checked} 条 entries")
        return EXIT_OK
    print(
        f"审计日志在第 {report.broken_at} 条处被篡改 ({report.reason}) audit log broken at entry {report.broken_at}",
        file=sys.stderr,
    )
    return EXIT_PROBLEMS


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    if not args.args:
        raise CommandError("用法 usage: dangan manage COMMAND [ARGS]")
    execute_from_command_line(["dangan manage", *args.args])
    return EXIT_OK
