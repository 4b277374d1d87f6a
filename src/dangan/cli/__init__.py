"""The `dangan` command. Each subcommand is a thin shell over the apps' actions.

Exit codes: 0 success, 1 the operation found problems (e.g. a rejected import), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from dangan import __version__

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)  # messages for the operator: Chinese, like the UI


class CommandError(Exception):
    """An error the operator caused; printed without a traceback, exit code 2 unless given."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    from . import (
        accession,
        bag,
        catalog,
        compilation,
        conservation,
        derivatives,
        digitize,
        export,
        ocr,
        outreach,
        preservation,
        replication,
        search,
        system,
    )

    parser = argparse.ArgumentParser(
        prog="dangan",
        description="档案管理系统 dangan — 收集、整理、保管、利用。\n"
        "dangan, a digital archives system: collect, arrange, preserve, give access.",
        epilog="退出码 / exit codes: 0 成功 success · 1 发现问题 problems found · 2 用法错误 usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dangan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令 COMMAND", required=True)
    system.register(sub)
    catalog.register(sub)
    search.register(sub)
    preservation.register(sub)
    derivatives.register(sub)
    bag.register(sub)
    accession.register(sub)
    digitize.register(sub)
    ocr.register(sub)
    replication.register(sub)
    conservation.register(sub)
    outreach.register(sub)
    compilation.register(sub)
    export.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        if getattr(args, "needs_django", True):
            setup_django()
        return handler(args)
    except CommandError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return exc.code
    except Exception as exc:
        from dangan.preservation.store import StorageConfigError

        if isinstance(exc, StorageConfigError):  # DANGAN_STORAGE_URL / DANGAN_S3_*: a sentence, not a traceback
            print(f"错误 error: {exc}", file=sys.stderr)
            return EXIT_PROBLEMS
        raise
    except KeyboardInterrupt:
        print("已中断 interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
