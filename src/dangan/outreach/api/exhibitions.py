"""Part exhibitions of the API: the mini program's public, read-only operations (no authentication, ``auth=None``):
``GET /api/mini/exhibitions`` (the exhibitions on show now, paged) and ``GET /api/mini/exhibitions/{slug}`` (one of
them with its sections, pages and blocks). Both answer what the anonymous public may see, whoever calls: an
exhibition off its schedule or a draft answers 404 like a missing one, and a block on a unit (or an image of one) the
public may not see is left out (``exhibits.blocks.shown_blocks``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from ninja import Field, Query, Schema

from dangan.core.api import ERROR_RESPONSES, PageOut, PageQuery, paged
from dangan.outreach.exhibits.blocks import cover_url, shown_blocks
from dangan.outreach.models import Exhibition
from dangan.outreach.models.exhibitions import public_exhibitions

from . import router

PUBLIC = AnonymousUser()


class MiniExhibition(Schema):
    slug: str
    title: str
    subtitle: str
    introduction: str
    cover: str | None = Field(description="封面图的 IIIF 图像地址（路径）；公众不可见时为 null")
    publish_at: datetime | None
    unpublish_at: datetime | None


class MiniExhibitionPage(PageOut):
    items: list[MiniExhibition]


class MiniPage(Schema):
    number: int = Field(description="在单元中的序号，从 1 起")
    title: str
    blocks: list[dict[str, Any]] = Field(
        description="内容块，按顺序；每块有 kind（text、image、unit、gallery、timeline、quote）及其内容。"
        "公众无权看到的档案或图像的内容块不出现。"
    )


class MiniSection(Schema):
    number: int
    title: str
    pages: list[MiniPage]


class MiniExhibitionDetail(MiniExhibition):
    sections: list[MiniSection]


def _summary(exhibition: Exhibition) -> dict[str, Any]:
    return {
        "slug": exhibition.slug,
        "title": exhibition.title,
        "subtitle": exhibition.subtitle,
        "introduction": exhibition.introduction,
        "cover": cover_url(PUBLIC, exhibition.cover_image),
        "publish_at": exhibition.publish_at,
        "unpublish_at": exhibition.unpublish_at,
    }


@router.get(
    "/mini/exhibitions",
    auth=None,
    response={200: MiniExhibitionPage, **ERROR_RESPONSES},
    summary="小程序：正在展出的展览",
    description="公开接口，无需登录；只列出已发布且在上线时间内的展览。",
)
def mini_exhibitions(request: HttpRequest, paging: Query[PageQuery]) -> Any:
    return paged(public_exhibitions().order_by("-publish_at", "-pk"), paging, _summary)


@router.get(
    "/mini/exhibitions/{slug}",
    auth=None,
    response={200: MiniExhibitionDetail, **ERROR_RESPONSES},
    summary="小程序：一个展览",
    description="公开接口，无需登录；单元、展页和内容块，只含公众可见的内容。未发布或不在展期内的展览答 404。",
)
def mini_exhibition(request: HttpRequest, slug: str) -> Any:
    exhibition = public_exhibitions().filter(slug=slug).first()
    if exhibition is None:
        raise Http404
    sections = []
    for s_number, section in enumerate(exhibition.sections.order_by("order", "id"), 1):
        pages = [
            {
                "number": p_number,
                "title": page.title,
                "blocks": shown_blocks(PUBLIC, page.blocks.order_by("order", "id")),
            }
            for p_number, page in enumerate(section.pages.order_by("order", "id"), 1)
        ]
        sections.append({"number": s_number, "title": section.title, "pages": pages})
    return {**_summary(exhibition), "sections": sections}
