"""Part wechat: pushing an approved story to the WeChat official account (微信公众号推送).

``check_push_story`` / ``do_push_story(actor, story)`` (OUTREACH_PUBLISH; an approved or published story) record the
push and queue its task; ``run_push(push_id)`` (the task) does the steps, each recorded on the push's row before the
next: the images inside the article (media/uploadimg, their URLs kept one by one), the cover (add_material →
``thumb_media_id``), the draft (draft/add → ``media_id``), the publishing (freepublish/submit → ``publish_id``), and
a first status poll; ``poll_push`` asks freepublish/get again (the periodic job ``outreach.wechat.poll`` or
``dangan outreach wechat push --wait``). A push is resumable: a step already done (a URL, a media id) is never done
again, so a story is drafted once. WeChat's refusals (errcode ≠ 0) and a story WeChat would refuse (lengths) fail the
push with the reason; an unreachable API leaves it where it was, to be resumed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.actors import SYSTEM, actor_id, check_actor
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.outreach.models import PushState, Story, StoryStatus, WechatPush
from dangan.outreach.wechat.article import (
    ArticleRefused,
    article_payload,
    check_lengths,
    image_bytes,
    plan_article,
)
from dangan.outreach.wechat.client import (
    PUBLISH_FAILURES,
    WechatClient,
    WechatError,
    WechatNotConfigured,
    WechatUnreachable,
    configured,
)

__all__ = [
    "check_push_story",
    "claim_due_polls",
    "do_push_story",
    "do_record_abandoned",
    "poll_push",
    "pushes_to_poll",
    "run_push",
    "visible_pushes",
]

logger = logging.getLogger(__name__)

PUSHABLE = (StoryStatus.APPROVED, StoryStatus.PUBLISHED)
STALE = timedelta(minutes=10)


def visible_pushes(user: Any) -> QuerySet[WechatPush]:
    """The pushes ``user`` may see: all of them for OUTREACH_EDIT (the stories are the archives' own, public ones)."""
    if not has_capability(user, Capability.OUTREACH_EDIT):
        return WechatPush.objects.none()
    return WechatPush.objects.select_related("story", "requested_by")


def check_push_story(actor: Any, story: Story) -> WechatPush | None:
    """PermissionDenied without OUTREACH_PUBLISH; ValidationError (Chinese) for a story that may not be pushed (not
    approved, approved by its writer, already pushed) or the account not configured, and ArticleRefused for one WeChat
    would refuse (lengths, no cover the public may see). Returns the story's existing push, if any."""
    check_actor(actor)
    if not has_capability(actor, Capability.OUTREACH_PUBLISH):
        raise PermissionDenied(_("没有推送到微信公众号的权限"))
    if story.status not in PUSHABLE:
        raise ValidationError(
            _("只有已审核或已发布的故事可以推送到微信公众号（此故事：{status}）").format(
                status=story.get_status_display()
            )
        )
    if story.approved_by_id is None or story.approved_by_id == story.created_by_id:
        raise ValidationError(_("故事须经撰写人以外的人审核后才能推送"))
    if not configured():
        raise ValidationError(
            _("未配置微信公众号的 AppID 和 AppSecret（DANGAN_WECHAT_APP_ID、DANGAN_WECHAT_APP_SECRET），无法推送")
        )
    existing = WechatPush.objects.filter(story=story).first()
    if existing is not None and existing.state == PushState.PUBLISHED:
        raise ValidationError(_("此故事已发布到微信公众号：{url}").format(url=existing.url or existing.article_id))
    if existing is not None and _running(existing):
        raise ValidationError(_("此故事正在推送中（{state}），请稍候").format(state=existing.get_state_display()))
    check_lengths(plan_article(story))
    return existing


def _running(push: WechatPush) -> bool:
    """Whether a push is being worked on now: under way, without an error, and touched within STALE (a push whose
    worker died is taken up again after that; the worker also re-queues its task)."""
    under_way = push.state in (PushState.QUEUED, PushState.UPLOADING, PushState.DRAFTED)
    return under_way and not push.error and push.updated > timezone.now() - STALE


def do_push_story(actor: Any, story: Story, *, queue: bool = True) -> WechatPush:
    """Record the push of ``story`` (or resume its unfinished or failed one: never a second draft) and queue the task
    that does it (``queue=False``: the caller runs ``run_push`` itself, as the CLI does in the foreground). Audit
    entry ``outreach.wechat.push``."""
    check_push_story(actor, story)
    from dangan.outreach.tasks.wechat import push_story_task

    with transaction.atomic():
        push, created = WechatPush.objects.select_for_update().get_or_create(
            story=story, defaults={"requested_by": _account(actor)}
        )
        if not created:
            if push.state == PushState.PUBLISHED:
                raise ValidationError(_("此故事已发布到微信公众号"))
            if push.state == PushState.FAILED:
                push.state = push.failed_at or PushState.QUEUED
                push.failed_at = ""
            push.requested_by = _account(actor) or push.requested_by
            push.error, push.errcode = "", None
            push.save(update_fields=["state", "failed_at", "requested_by", "error", "errcode", "updated"])
        log(push, "outreach.wechat.push", actor, {"story": story.slug, "resumed": not created, "state": push.state})
        if queue:
            user = actor_id(actor)
            transaction.on_commit(lambda: push_story_task.enqueue(push.pk, user))
    return push


def _account(actor: Any) -> Any:
    from dangan.core.actors import account_of

    return account_of(actor)


def _save(push: WechatPush, *fields: str) -> None:
    push.save(update_fields=[*fields, "updated"])


def _fail(push: WechatPush, error: Exception) -> WechatPush:
    with transaction.atomic():
        push.failed_at = push.state if push.state != PushState.FAILED else push.failed_at
        push.state = PushState.FAILED
        push.error = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
        push.errcode = error.errcode if isinstance(error, WechatError) else None
        _save(push, "state", "failed_at", "error", "errcode")
        log(push, "outreach.wechat.failed", SYSTEM, {"story": push.story.slug, "error": push.error})
    return push


def run_push(push_id: int, *, client: WechatClient | None = None) -> WechatPush:
    """Do what is left of push ``push_id``, step by step, each step's result saved before the next. A finished
    push is left as it is. WeChat's refusal or a story it would refuse: the push fails (the reason kept); the API
    out of reach: the push stays at its step with the error, to be resumed (WechatUnreachable is raised again)."""
    push = WechatPush.objects.select_related("story").get(pk=push_id)
    if push.finished:
        return push
    if push.state != PushState.PUBLISHING:  # a status poll is not another attempt
        push.attempts += 1
        _save(push, "attempts")
    try:
        client = client or WechatClient()
        if push.state in (PushState.QUEUED, PushState.UPLOADING):
            _upload_and_draft(push, client)
        if push.state == PushState.DRAFTED:
            push.publish_id = client.submit_publish(push.media_id)
            push.state, push.submitted_at = PushState.PUBLISHING, timezone.now()
            _save(push, "publish_id", "state", "submitted_at")
        if push.state == PushState.PUBLISHING:
            poll_push(push, client=client)
    except (WechatError, ArticleRefused, WechatNotConfigured) as exc:
        return _fail(push, exc)
    except WechatUnreachable as exc:
        push.error = str(exc)
        _save(push, "error")
        raise
    return push


def _upload_and_draft(push: WechatPush, client: WechatClient) -> None:
    story = push.story
    plan = plan_article(story)
    check_lengths(plan)
    if push.state == PushState.QUEUED:
        push.state = PushState.UPLOADING
        _save(push, "state")
    for identifier in plan.images:
        if identifier in push.images:
            continue  # uploaded before a crash: its URL is kept
        url = client.upload_image(image_bytes(identifier), f"{identifier}.jpg", "image/jpeg")
        push.images = {**push.images, identifier: url}
        _save(push, "images")
    if not push.thumb_media_id:
        push.thumb_media_id = client.add_image_material(image_bytes(plan.cover), f"{plan.cover}.jpg", "image/jpeg")
        _save(push, "thumb_media_id")
    content = plan.content(push.images)
    check_lengths(plan, content)
    media_id = client.add_draft(article_payload(plan, content, push.thumb_media_id))
    with transaction.atomic():
        push.media_id, push.state, push.drafted_at = media_id, PushState.DRAFTED, timezone.now()
        push.error, push.errcode = "", None
        _save(push, "media_id", "state", "drafted_at", "error", "errcode")
        log(push, "outreach.wechat.drafted", SYSTEM, {"story": story.slug, "media_id": media_id})


def poll_push(push: WechatPush, *, client: WechatClient | None = None) -> WechatPush:
    """Ask freepublish/get how the publishing goes: 0 published (article_id and url kept), 1 still publishing, any
    other status failed with WeChat's reason."""
    if push.state != PushState.PUBLISHING:
        return push
    client = client or WechatClient()
    status = client.publish_status(push.publish_id)
    push.polls += 1
    push.last_polled = timezone.now()
    if status.publishing:
        _save(push, "polls", "last_polled")
        return push
    if status.succeeded:
        with transaction.atomic():
            push.state, push.published_at = PushState.PUBLISHED, timezone.now()
            push.article_id, push.url = status.article_id, status.url
            push.error, push.errcode = "", None
            _save(push, "polls", "last_polled", "state", "published_at", "article_id", "url", "error", "errcode")
            log(push, "outreach.wechat.published", SYSTEM, {"story": push.story.slug, "url": status.url})
        return push
    reason = PUBLISH_FAILURES.get(status.status, _("发布失败"))
    # A retry makes a new draft (the article may have been changed to pass WeChat's review); the images stay.
    push.state, push.media_id, push.publish_id = PushState.QUEUED, "", ""
    _save(push, "polls", "last_polled", "state", "media_id", "publish_id")
    return _fail(
        push,
        ValidationError(
            _("微信发布失败：{reason}（publish_status {status}）").format(reason=reason, status=status.status)
        ),
    )


def pushes_to_poll(now: datetime | None = None) -> QuerySet[WechatPush]:
    """Pushes being published whose status was not asked for WECHAT_POLL_SECONDS."""
    now = now or timezone.now()
    due = now - timedelta(seconds=settings.WECHAT_POLL_SECONDS)
    return WechatPush.objects.filter(state=PushState.PUBLISHING).filter(
        Q(last_polled__isnull=True) | Q(last_polled__lte=due)
    )


def claim_due_polls(now: datetime | None = None) -> list[int]:
    """The ids of the pushes whose status is due to be asked, marked as asked now (so that the scheduler's next
    round does not queue a second poll while the first waits for a worker)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(pushes_to_poll(now).values_list("pk", flat=True))
        WechatPush.objects.filter(pk__in=ids).update(last_polled=now)
    return ids


def do_record_abandoned(push_id: int, message: str) -> None:
    """The worker gave up the push's task (it crashed the worker too often): the push fails with that reason, at
    the step it had reached, so that pushing again resumes it."""
    push = WechatPush.objects.filter(pk=push_id).select_related("story").first()
    if push is not None and not push.finished:
        _fail(push, ValidationError(_("后台任务多次中断，已放弃：{message}").format(message=message)))
