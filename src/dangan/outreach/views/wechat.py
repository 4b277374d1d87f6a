"""Part wechat's pages under /manage/outreach/wechat/: the list of pushes (their state refreshed by htmx while any is
under way), a story's WeChat page (what the article will be, its push's steps) and the push button (POST)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dangan.core.actors import signed_in
from dangan.core.roles import Capability, has_capability
from dangan.outreach.actions import wechat as actions
from dangan.outreach.models import PushState, Story, StoryStatus, WechatPush
from dangan.outreach.wechat.article import ArticleRefused, check_lengths, plan_article
from dangan.outreach.wechat.client import configured
from dangan.utilities.views import capability_required

UNDER_WAY = (PushState.QUEUED, PushState.UPLOADING, PushState.DRAFTED, PushState.PUBLISHING)


def _list_context(request: HttpRequest) -> dict[str, Any]:
    pushes = list(actions.visible_pushes(request.user).order_by("-updated")[:200])
    stories = Story.objects.filter(status__in=actions.PUSHABLE, wechat_push__isnull=True).order_by("-approved_at")
    return {
        "pushes": pushes,
        "stories": list(stories[:200]),
        "active": any(p.state in UNDER_WAY for p in pushes),
        "configured": configured(),
    }


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def push_list(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/wechat/list.html", _list_context(request))


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def push_rows(request: HttpRequest) -> HttpResponse:
    """The list's table alone (htmx polls it while a push is under way)."""
    return render(request, "outreach/wechat/_pushes.html", _list_context(request))


def _story(uuid: Any) -> Story:
    story = Story.objects.filter(uuid=uuid).first()
    if story is None:
        raise Http404
    return story


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def story_page(request: HttpRequest, uuid: Any) -> HttpResponse:
    story = _story(uuid)
    push = WechatPush.objects.filter(story=story).first()
    plan = plan_article(story)
    problems: list[str] = []
    try:
        check_lengths(plan)
    except ArticleRefused as exc:
        problems = list(exc.messages)
    context = {
        "story": story,
        "push": push,
        "plan": plan,
        "problems": problems,
        "pushable": story.status in actions.PUSHABLE,
        "may_push": has_capability(request.user, Capability.OUTREACH_PUBLISH),
        "configured": configured(),
        "active": push is not None and push.state in UNDER_WAY,
        "draft_status": StoryStatus,
    }
    template = "outreach/wechat/_push.html" if request.headers.get("HX-Request") else "outreach/wechat/story.html"
    return render(request, template, context)


@require_POST
@capability_required(Capability.OUTREACH_PUBLISH)
def push_story(request: HttpRequest, uuid: Any) -> HttpResponse:
    story = _story(uuid)
    try:
        push = actions.do_push_story(signed_in(request), story)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("已开始推送“{title}”（{state}）").format(title=story.title, state=push.get_state_display())
        )
    return redirect("outreach:wechat_story", story.uuid)


manage_urls: list[URLPattern] = [
    path("wechat/", push_list, name="wechat_list"),
    path("wechat/rows/", push_rows, name="wechat_rows"),
    path("wechat/stories/<uuid:uuid>/", story_page, name="wechat_story"),
    path("wechat/stories/<uuid:uuid>/push/", push_story, name="wechat_push"),
]
