"""``GET /api/search``: full-text search over the catalog, for staff clients and, later, the public portal.

The one endpoint of the API open to anonymous callers: a Bearer token or a workspace session makes the caller that
user; no credentials make the caller the public, who (by ``catalog.policy``) see only units that are 公开 and 开放.
A token that is given but not valid is refused (401), never quietly read as the public.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema

from dangan.core.actions.accounts import require
from dangan.core.api import ERROR_RESPONSES, ActionRouter, TokenOrSessionAuth, error_response
from dangan.core.roles import Capability, is_reader
from dangan.utilities.paging import MAX_PAGE

from .service import MAX_SIZE, SearchRequest, search

router = ActionRouter(tags=["检索 search"])


def public_if_anonymous(request: HttpRequest) -> Any:
    """The last auth callback: no credentials at all → the public. A Bearer header that failed stays a 401."""
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return None
    return AnonymousUser()


def caller(request: HttpRequest) -> Any:
    """The user the auth callbacks settled on (``request.auth``); not ``request.user``, which may be a session
    user the session auth refused (one who must first change a one-time password)."""
    return getattr(request, "auth", None) or AnonymousUser()


class SearchQuery(Schema):
    q: str = Field(
        "",
        description='检索式：词语、"短语"、题名:/责任者:/档号:/文号:/主题词:/全文:、AND/OR/NOT（与/或/非）、日期:1934-1936',
    )
    fonds: str = Field("", description="全宗号")
    category: str = Field("", description="门类代码，例如 WS")
    retention: str = Field("", description="保管期限代码：Y、D30、D10、C、D")
    classification: str = Field("", description="密级：public、internal、secret、confidential、top_secret")
    openness: str = Field("", description="开放状态：open、controlled、pending")
    level: str = Field("", description="层级：series、file、item")
    year_from: int | None = Field(None, description="年度自")
    year_to: int | None = Field(None, description="年度至")
    sort: str = Field("relevance", description="relevance 相关度、date 日期早→晚、-date 日期晚→早、reference_code 档号")
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"页码，1–{MAX_PAGE}")
    size: int = Field(20, ge=1, le=MAX_SIZE, description=f"每页条数，1–{MAX_SIZE}")


class MatchedFieldOut(Schema):
    field: str = Field(
        description="命中的著录项：title、reference_code、document_number、responsible、subjects、authorities、notes、"
        "remarks、fulltext（全文）"
    )
    label: str = Field(description="著录项的中文名称，如 主题词、规范档案")
    values: list[str] = Field(description="命中的取值（主题词、规范档案名称、档号、文号、责任者）；题名和附注为空")


class SearchHitOut(Schema):
    uuid: UUID
    reference_code: str | None = Field(description="档号")
    title: str = Field(description="题名")
    title_html: str = Field(description="题名，已转义的 HTML，命中处以 <mark> 标出")
    snippet_html: str = Field(description="摘要，已转义的 HTML，命中处以 <mark> 标出")
    fonds: str = Field(description="全宗号")
    date: dt.date | None
    level: str
    level_display: str
    classification: str = Field(description="密级")
    classification_display: str
    openness: str = Field(description="开放状态")
    openness_display: str
    score: float = Field(description="相关度得分")
    matched: list[MatchedFieldOut] = Field(description="检索词出现在哪些著录项中（说明为何命中）")
    fulltext_snippet: str | None = Field(
        None,
        description="全文（如扫描页的 OCR 文字）命中时，第一处命中前后的摘要，已转义的 HTML，命中处以 <mark> 标出；"
        "未在全文中命中、或调用者无权查看该档案的文件时为 null",
    )


class FacetValueOut(Schema):
    value: str
    label: str
    count: int


class SearchOut(Schema):
    """The list envelope of every list (core.api.PageOut: items, page, size, total, pages, has_next), with the
    facets and the query's description."""

    total: int
    page: int
    size: int
    pages: int
    has_next: bool
    items: list[SearchHitOut]
    facets: dict[str, list[FacetValueOut]] = Field(
        description="分面：fonds、category、retention、classification、openness、level、year"
    )
    query_description: str = Field(description="检索式的中文说明")
    took_ms: float


def _hits_out(hits: list[Any]) -> list[dict[str, Any]]:
    out = []
    for hit in hits:
        unit = hit.unit
        out.append(
            {
                "uuid": unit.uuid,
                "reference_code": unit.reference_code,
                "title": unit.title,
                "title_html": str(hit.title_html),
                "snippet_html": str(hit.snippet_html),
                "fonds": unit.fonds.code,  # the service loads each hit's fonds with it
                "date": unit.date,
                "level": unit.level,
                "level_display": str(unit.get_level_display()),
                "classification": unit.classification,
                "classification_display": str(unit.get_classification_display()),
                "openness": unit.openness,
                "openness_display": str(unit.get_openness_display()),
                "score": hit.score,
                "matched": [{"field": m.field, "label": m.label, "values": list(m.values)} for m in hit.matched],
                "fulltext_snippet": str(hit.fulltext_snippet) if hit.fulltext_snippet else None,
            }
        )
    return out


@router.get(
    "/search",
    auth=[TokenOrSessionAuth(), public_if_anonymous],
    response={200: SearchOut, **ERROR_RESPONSES},
    summary="检索档案 / search the catalog",
    description="无需登录也可调用：匿名调用者即公众，只能检索“公开”且“开放”的档案；查档人另可检索经批准查阅的档案；"
    "带令牌或会话时按该用户的权限检索。"
    "检索式有误或筛选值无效时返回 422 和逐项说明。",
)
def search_units(request: HttpRequest, params: Query[SearchQuery]) -> Any:
    user = caller(request)
    if user.is_authenticated and not is_reader(user):
        # Signed-in staff need the catalog: roles that may not read it (三员分立) get 403, as on /api/units. A
        # reader (查档人) searches what the public sees and what their grants open to them.
        require(user, Capability.CATALOG_VIEW)
    req = SearchRequest.from_params({k: v for k, v in params.dict().items() if v is not None})
    if req.errors:
        return error_response(
            422, _("检索条件有误：%(detail)s") % {"detail": "；".join(req.errors.values())}, req.errors
        )
    result = search(user, req)
    if result.error:
        return error_response(422, result.error, {"q": result.error})
    return {
        "total": result.total,
        "page": result.page,
        "size": result.size,
        "pages": math.ceil(result.total / result.size) if result.size else 0,
        "has_next": result.page * result.size < result.total,
        "items": _hits_out(result.hits),
        "facets": {
            name: [{"value": str(f.value), "label": str(f.label), "count": f.count} for f in values]
            for name, values in result.facets.items()
        },
        "query_description": result.query_description,
        "took_ms": result.took_ms,
    }
