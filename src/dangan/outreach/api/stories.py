"""Stories in the API.

Staff (/api/outreach/stories…, OUTREACH_EDIT; approving, sending back, publishing and withdrawing OUTREACH_PUBLISH,
and never by a writer of the story): the same actions as the pages, the version as ``version`` (409 when stale).

The mini program (/api/mini/stories…, public, no authentication, read only): published stories only, as the public
sees them now (``actions.stories.public_view``: the body without the images of units no longer public, the cited
units the public sees); a draft, a withdrawn or an unknown story is 404 alike."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from dangan.core.api import ERROR_RESPONSES, PageOut, PageQuery, error_response, paged, require_capability
from dangan.core.roles import Capability
from dangan.outreach.actions import stories as actions
from dangan.outreach.models import Story, StoryStatus
from dangan.outreach.richtext import image_url
from dangan.utilities.concurrency import EditConflict, etag

from . import router

# ---------------------------------------------------------------- the mini program (public)


class MiniStoryOut(Schema):
    slug: str
    title: str
    summary: str
    cover_url: str | None = Field(description="封面图（IIIF 图片，绝对地址）；无则为 null")
    published_at: str | None


class MiniStoryPage(PageOut):
    items: list[MiniStoryOut]


class StoryUnitOut(Schema):
    uuid: str
    title: str
    reference_code: str | None = Field(description="档号")
    fonds: str = Field(description="全宗名称")
    url: str = Field(description="门户上的档案页面")


class MiniStoryDetailOut(MiniStoryOut):
    author_name: str
    body: str = Field(
        description="正文：经过清理的 HTML 子集（p、h2、h3、strong、em、blockquote、ul/ol/li、a、figure/img）"
    )
    units: list[StoryUnitOut] = Field(description="故事引用的、向社会开放的档案")
    url: str = Field(description="门户上的故事页面")


def _cover(request: HttpRequest, image: str) -> str | None:
    return request.build_absolute_uri(image_url(image, "!800,800")) if image else None


@router.get(
    "/mini/stories",
    response={200: MiniStoryPage, **ERROR_RESPONSES},
    auth=None,
    summary="小程序：档案故事",
    description="已发布的档案故事，新的在前；公开接口，无需登录。",
    tags=["mini"],
)
def mini_stories(request: HttpRequest, paging: Query[PageQuery]) -> Any:
    result = paged(actions.published_stories(), paging)
    stories: list[Story] = result["items"]
    covers = actions.public_covers(stories)
    result["items"] = [
        {
            "slug": s.slug,
            "title": s.title,
            "summary": s.summary,
            "cover_url": _cover(request, covers[s.pk]),
            "published_at": s.published_at.isoformat() if s.published_at else None,
        }
        for s in stories
    ]
    return result


@router.get(
    "/mini/stories/{slug}",
    response={200: MiniStoryDetailOut, **ERROR_RESPONSES},
    auth=None,
    summary="小程序：一篇档案故事",
    description="已发布的故事（草稿、已撤下或不存在的均为 404）；正文中不再向社会开放的档案的图片已去除。",
    tags=["mini"],
)
def mini_story(request: HttpRequest, slug: str) -> Any:
    story = actions.published_stories().filter(slug=slug).first()
    if story is None:
        raise Http404
    public = actions.public_view(story)
    return {
        "slug": story.slug,
        "title": story.title,
        "summary": story.summary,
        "author_name": story.author_name,
        "cover_url": _cover(request, public.cover_image),
        "published_at": story.published_at.isoformat() if story.published_at else None,
        "body": public.body,
        "units": [
            {
                "uuid": str(u.uuid),
                "title": u.title,
                "reference_code": u.reference_code,
                "fonds": u.fonds.name,
                "url": request.build_absolute_uri(reverse("portal:unit", args=[u.uuid])),
            }
            for u in public.units
        ],
        "url": request.build_absolute_uri(reverse("outreach_public:story", args=[story.slug])),
    }


# ---------------------------------------------------------------- staff


class StoryOut(Schema):
    uuid: str
    slug: str
    title: str
    status: str
    summary: str
    author_name: str
    cover_image: str
    created_by: str | None
    approved_by: str | None
    published_at: str | None
    version: int


class StoryDetailOut(StoryOut):
    body: str
    units: list[str] = Field(description="引用档案的 UUID（调用者有权查看的）")
    review_note: str
    needs_review: bool = Field(description="引用的档案或图片中有现已不向社会开放的")


class StoryPage(PageOut):
    items: list[StoryOut]


class StoryQuery(Schema):
    status: str | None = Field(None, description="状态：draft、submitted、approved、published、withdrawn")


class StoryIn(Schema):
    title: str
    slug: str
    summary: str = ""
    body: str = Field("", description="HTML；保存时清理为允许的子集")
    author_name: str = ""
    cover_image: str = ""
    units: list[str] = Field(default_factory=list, description="档案 UUID 或档号")
    version: int | None = Field(None, description="修改时：读取时的版本号")


class TransitionIn(Schema):
    version: int | None = None
    reason: str = Field("", description="退回意见（退回时必填）；撤下原因")


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _out(story: Story) -> dict[str, Any]:
    return {
        "uuid": str(story.uuid),
        "slug": story.slug,
        "title": story.title,
        "status": story.status,
        "summary": story.summary,
        "author_name": story.author_name,
        "cover_image": story.cover_image,
        "created_by": _name(story.created_by),
        "approved_by": _name(story.approved_by),
        "published_at": story.published_at.isoformat() if story.published_at else None,
        "version": story.version,
    }


def _detail(request: HttpRequest, story: Story) -> dict[str, Any]:
    return {
        **_out(story),
        "body": story.body,
        "units": [str(u.uuid) for u in actions.story_units(request.user, story)],
        "review_note": story.review_note,
        "needs_review": bool(actions.review_flags(story, request.user)),
    }


def _story(request: HttpRequest, uuid: UUID) -> Story:
    require_capability(request, Capability.OUTREACH_EDIT)
    story = actions.visible_stories(request.user).select_related("created_by", "approved_by").filter(uuid=uuid).first()
    if story is None:
        raise Http404
    return story


def _conflict(exc: EditConflict) -> Any:
    errors = {"version": str(exc.current_version)} if exc.current_version is not None else {}
    response = error_response(409, exc.message, errors)
    if exc.current_version is not None:
        response["ETag"] = etag(exc.current_version)
    return response


def _input(payload: StoryIn) -> actions.StoryInput:
    return actions.StoryInput(
        title=payload.title,
        slug=payload.slug,
        summary=payload.summary,
        body=payload.body,
        author_name=payload.author_name,
        cover_image=payload.cover_image,
        units=payload.units,
    )


@router.get(
    "/outreach/stories",
    response={200: StoryPage, **ERROR_RESPONSES},
    summary="档案故事",
    description="全部档案故事（可按状态筛选），最近修改的在前。",
)
def list_stories(request: HttpRequest, filters: Query[StoryQuery], paging: Query[PageQuery]) -> Any:
    require_capability(request, Capability.OUTREACH_EDIT)
    rows = actions.visible_stories(request.user).select_related("created_by", "approved_by").order_by("-updated", "-pk")
    if filters.status:
        if filters.status not in StoryStatus.values:
            raise ValidationError({"status": _("无效的状态")})
        rows = rows.filter(status=filters.status)
    return paged(rows, paging, _out)


@router.get("/outreach/stories/{uuid}", response={200: StoryDetailOut, **ERROR_RESPONSES}, summary="一篇档案故事")
def get_story(request: HttpRequest, uuid: UUID) -> Any:
    return _detail(request, _story(request, uuid))


@router.post(
    "/outreach/stories",
    response={201: StoryDetailOut, **ERROR_RESPONSES},
    summary="撰写档案故事",
    description="新建草稿；正文按允许的 HTML 子集清理；图片只能来自向社会开放的档案。",
)
def create_story(request: HttpRequest, payload: StoryIn) -> Any:
    require_capability(request, Capability.OUTREACH_EDIT)
    story = actions.do_create_story(request.user, _input(payload))
    return Status(201, _detail(request, story))


@router.put(
    "/outreach/stories/{uuid}",
    response={200: StoryDetailOut, **ERROR_RESPONSES},
    summary="修改档案故事",
    description="草稿、已审核或已撤下的故事；修改后回到草稿。带上读取时的 version，过期则 409。",
)
def update_story(request: HttpRequest, uuid: UUID, payload: StoryIn) -> Any:
    story = _story(request, uuid)
    try:
        story = actions.do_update_story(request.user, story, _input(payload), version=payload.version)
    except EditConflict as exc:
        return _conflict(exc)
    return _detail(request, story)


@router.post(
    "/outreach/stories/{uuid}/{transition}",
    response={200: StoryDetailOut, **ERROR_RESPONSES},
    summary="档案故事的流转",
    description="transition：submit（提交审核）、approve（审核通过，撰写人以外的人员）、send_back（退回，须填 reason）、"
    "publish（发布）、withdraw（撤下）。",
)
def transition_story(request: HttpRequest, uuid: UUID, transition: str, payload: TransitionIn) -> Any:
    story = _story(request, uuid)
    if transition not in actions.TRANSITIONS or transition == "edit":
        raise Http404
    actor, version = request.user, payload.version
    try:
        if transition == "submit":
            story = actions.do_submit(actor, story, version=version)
        elif transition == "approve":
            story = actions.do_approve(actor, story, version=version)
        elif transition == "send_back":
            story = actions.do_send_back(actor, story, payload.reason, version=version)
        elif transition == "publish":
            story = actions.do_publish(actor, story, version=version)
        else:
            story = actions.do_withdraw(actor, story, payload.reason, version=version)
    except EditConflict as exc:
        return _conflict(exc)
    return _detail(request, story)
