"""`dangan outreach wechat …`: an approved story to the WeChat official account (微信公众号推送).

    dangan outreach wechat push SLUG [--wait]
    dangan outreach wechat status [--json]

push: the story's push runs here, in the foreground (images uploaded, the draft, the publishing submitted), resuming
an unfinished or failed one (never a second draft); ``--wait`` then asks WeChat how the publishing goes until it is
published or failed. status: every push (JSON keys in docs/operations.md).

Exit codes: 0 done (push: drafted and submitted, or with --wait published; status: no push failed); 1 refused or
failed (the reason printed: the story, the account's settings, WeChat's errcode and errmsg); 2 usage (no such
story)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

_EPILOG = "退出码 / exit codes: 0 成功 success · 1 被拒绝或失败 refused or failed · 2 用法错误 usage error"


def register(actions: Any) -> None:
    group = actions.add_parser(
        "wechat",
        help="推送档案故事到微信公众号 / push stories to the WeChat official account",
        description="已审核的档案故事转为微信图文，上传图片、存草稿、发布并查询状态。\n"
        "An approved story as a WeChat article: images uploaded, drafted, published, its status polled.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = group.add_subparsers(dest="wechat_command", metavar="操作 ACTION", required=True)
    p = sub.add_parser(
        "push",
        help="推送一个故事（可继续未完成的推送）/ push a story (resumes an unfinished push)",
        epilog=_EPILOG,
    )
    p.add_argument("slug", help="故事的网址名 / the story's slug")
    p.add_argument("--wait", action="store_true", help="等待发布完成 / wait until it is published")
    p.set_defaults(handler=cmd_push)
    p = sub.add_parser("status", help="所有推送的状态 / every push's state", epilog=_EPILOG)
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    p.set_defaults(handler=cmd_status)


def _push_dict(push: Any) -> dict[str, Any]:
    return {
        "story": push.story.slug,
        "title": push.story.title,
        "state": push.state,
        "attempts": push.attempts,
        "images": len(push.images),
        "thumb_media_id": push.thumb_media_id,
        "media_id": push.media_id,
        "publish_id": push.publish_id,
        "article_id": push.article_id,
        "url": push.url,
        "error": push.error,
        "errcode": push.errcode,
        "updated": push.updated.isoformat(),
    }


def cmd_push(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.exceptions import ValidationError

    from dangan.core.actors import CONSOLE
    from dangan.outreach.actions.wechat import do_push_story, poll_push, run_push
    from dangan.outreach.models import PushState, Story
    from dangan.outreach.wechat.client import WechatError, WechatUnreachable

    story = Story.objects.filter(slug=args.slug).first()
    if story is None:
        raise CommandError(f"没有网址名为“{args.slug}”的故事 no such story")
    try:
        push = do_push_story(CONSOLE, story, queue=False)
        push = run_push(push.pk)
        while args.wait and push.state == PushState.PUBLISHING:
            print(f"发布中 publishing…（已查询 {push.polls} 次 polls）", file=sys.stderr)
            time.sleep(min(5.0, max(0.0, float(settings.WECHAT_POLL_SECONDS))))
            push = poll_push(push)
    except ValidationError as exc:
        for message in exc.messages:
            print(f"错误 error: {message}", file=sys.stderr)
        return EXIT_PROBLEMS
    except (WechatError, WechatUnreachable) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{story.slug}\t{push.get_state_display()} {push.state}\t{push.url or push.media_id}")
    if push.state == PushState.FAILED:
        print(f"错误 error: {push.error}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from dangan.outreach.models import PushState, WechatPush

    pushes = list(WechatPush.objects.select_related("story").order_by("-updated"))
    if args.json:
        print(json.dumps({"pushes": [_push_dict(p) for p in pushes]}, ensure_ascii=False))
    else:
        for push in pushes:
            detail = push.url or push.error or push.media_id
            print(f"{push.story.slug}\t{push.get_state_display()} {push.state}\t{push.attempts}\t{detail}")
        if not pushes:
            print("还没有推送记录 no pushes yet")
    return EXIT_PROBLEMS if any(p.state == PushState.FAILED for p in pushes) else EXIT_OK
