"""Part themes' API: the mini program's public, read-only operations (no authentication; the caller is the public,
and sees only what ``catalog.policy`` shows the public): ``GET /api/mini/themes`` (the published themes) and
``GET /api/mini/themes/{slug}`` (one, with its sections and a page of its members). A draft theme answers 404
like a missing one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema

from dangan.core.api import ERROR_RESPONSES, PageOut, PageQuery, error_response, paged
from dangan.outreach.theme_content import counts_by_theme, cover_url, members, published_themes, thumbnail_url

from . import router


class MiniThemeOut(Schema):
    slug: str = Field(description="网址名")
    title: str = Field(description="标题")
    summary: str = Field(description="摘要")
    cover_url: str = Field(description="封面图地址（IIIF），无则为空")
    count: int = Field(description="公众可见的档案件数")
    url: str = Field(description="门户页面地址")


class MiniThemesOut(PageOut):
    items: list[MiniThemeOut]


class MiniSectionOut(Schema):
    title: str
    introduction: str
    count: int = Field(description="公众可见的档案件数")


class MiniUnitOut(Schema):
    uuid: str = Field(description="档案标识符")
    title: str = Field(description="题名")
    reference_code: str = Field(description="档号")
    date: str = Field(description="日期（按已知精度，如 1935年1月）")
    thumbnail_url: str = Field(description="第一页图像的缩略图地址（IIIF），无则为空")
    url: str = Field(description="门户页面地址")


class MiniMembersOut(PageOut):
    items: list[MiniUnitOut]


class MiniThemeDetailOut(MiniThemeOut):
    introduction: str
    sections: list[MiniSectionOut]
    members: MiniMembersOut


def _public() -> Any:
    return AnonymousUser()


def _theme_out(theme: Any, count: int) -> dict[str, Any]:
    viewer = _public()
    return {
        "slug": theme.slug,
        "title": theme.title,
        "summary": theme.summary,
        "cover_url": cover_url(viewer, theme),
        "count": count,
        "url": reverse("outreach_public:theme", args=[theme.slug]),
    }


def _unit_out(unit: Any) -> dict[str, Any]:
    return {
        "uuid": str(unit.uuid),
        "title": unit.title,
        "reference_code": unit.reference_code or "",
        "date": unit.date_label or (str(unit.year) if unit.year else ""),
        "thumbnail_url": thumbnail_url(_public(), unit),
        "url": reverse("portal:unit", args=[unit.uuid]),
    }


@router.get(
    "/mini/themes",
    auth=None,
    response={200: MiniThemesOut, **ERROR_RESPONSES},
    summary="小程序：专题数据库列表 / mini program: published themes",
    description="无需登录；只列出已发布的专题，件数只计公众可见（公开且开放）的档案。",
)
def mini_themes(request: HttpRequest, paging: Query[PageQuery]) -> Any:
    themes = list(published_themes())
    counts = counts_by_theme(_public(), themes)
    return paged(themes, paging, lambda t: _theme_out(t, counts[t.pk]))


@router.get(
    "/mini/themes/{slug}",
    auth=None,
    response={200: MiniThemeDetailOut, **ERROR_RESPONSES},
    summary="小程序：专题详情 / mini program: a theme with its members",
    description="无需登录；栏目及一页公众可见的档案（page、size 分页）。未发布或不存在的专题返回 404。",
)
def mini_theme(request: HttpRequest, slug: str, paging: Query[PageQuery]) -> Any:
    theme = published_themes().filter(slug=slug).first()
    if theme is None:
        return error_response(404, _("专题不存在或未发布"))
    viewer = _public()
    everything = members(viewer, theme)
    out = _theme_out(theme, everything.count())
    out["introduction"] = theme.introduction
    out["sections"] = [
        {"title": s.title, "introduction": s.introduction, "count": members(viewer, theme, s).count()}
        for s in theme.sections.all()
    ]
    out["members"] = paged(everything.order_by("date", "reference_code", "pk"), paging, _unit_out)
    return out
