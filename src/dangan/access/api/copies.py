"""API of the access app's copies part (复制), under /api/access/ (docs/development/access-copies.md): a reader's
requests for copies and their download; the reading room's queue, making, delivery and refusal — the same actions
as the pages. A unit or request the caller may not see is a 404; a unit granted without copies is a 403 whose
``detail`` says so."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from dangan.access.actions.copies import (
    check_download,
    copy_refusal,
    do_deliver_copy,
    do_queue_make,
    do_record_download,
    do_refuse_copy,
    do_request_copy,
    visible_copies,
)
from dangan.access.choices import Purpose
from dangan.access.models.copies import CopyFormat, CopyRequest, CopyStatus, Delivery
from dangan.catalog.api.common import unit_or_404
from dangan.core.actors import signed_in
from dangan.core.api import ERROR_RESPONSES, ActionRouter, PageOut, PageQuery, paged
from dangan.core.models import User
from dangan.core.roles import Capability, has_capability, is_reader

router = ActionRouter(tags=["利用 access"], by_alias=True)


class CopyOut(Schema):
    uuid: UUID
    unit: UUID
    reference_code: str
    title: str
    reader: str = Field(description="查档人姓名（查档人本人查询时为其本人）")
    pages: str = Field(description="页码，如 1-3,5；空为全部")
    page_count: int
    format: str
    purpose: str
    note: str
    channel: str
    status: str
    status_display: str
    reason: str
    making: bool = Field(description="是否正在后台制作")
    error: str
    created: datetime
    made_at: datetime | None
    delivered_at: datetime | None
    delivery: str
    sha256: str
    size: int
    downloads: int
    version: int


class CopyPage(PageOut):
    items: list[CopyOut]


class CopyIn(Schema):
    unit: UUID = Field(description="档案的标识符")
    pages: str = Field("", max_length=200, description="页码，如 1-3,5；空为全部")
    format: CopyFormat = CopyFormat.PDF
    purpose: Purpose
    note: str = Field("", max_length=500)
    reader: str | None = Field(None, description="工作人员为到馆查档人登记时：查档人的账号名")


class CopyQuery(Schema):
    status: CopyStatus | None = Field(None, description="按状态筛选")


class CopyVersionIn(Schema):
    version: int | None = Field(None, description="读取时的修订号；不是当前修订号时 409")


class DeliverIn(CopyVersionIn):
    delivery: Delivery = Delivery.DOWNLOAD


class CopyRefuseIn(CopyVersionIn):
    reason: str = Field(..., min_length=1, max_length=500)


def copy_out(copy: CopyRequest) -> dict[str, Any]:
    return {
        "uuid": copy.uuid,
        "unit": copy.unit.uuid,
        "reference_code": copy.unit.reference_code or "",
        "title": copy.unit.title,
        "reader": copy.reader.get_full_name() or copy.reader.get_username(),
        "pages": copy.pages,
        "page_count": copy.page_count,
        "format": copy.format,
        "purpose": copy.purpose,
        "note": copy.note,
        "channel": copy.channel,
        "status": copy.status,
        "status_display": str(copy.get_status_display()),
        "reason": copy.reason,
        "making": copy.making_since is not None,
        "error": copy.error,
        "created": copy.created,
        "made_at": copy.made_at,
        "delivered_at": copy.delivered_at,
        "delivery": copy.delivery,
        "sha256": copy.sha256,
        "size": copy.size,
        "downloads": copy.downloads,
        "version": copy.version,
    }


def _caller(request: HttpRequest) -> User:
    """A reader or the reading room staff; anybody else 403."""
    user = signed_in(request)
    if not is_reader(user) and not has_capability(user, Capability.READING_ROOM):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    return user


def _desk(request: HttpRequest) -> User:
    user = signed_in(request)
    if not has_capability(user, Capability.READING_ROOM):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    return user


def _copy(user: Any, uuid: UUID) -> CopyRequest:
    copy = visible_copies(user).filter(uuid=uuid).first()
    if copy is None:
        raise Http404(_("复制申请不存在。"))
    return copy


@router.get(
    "/copies",
    response={200: CopyPage, **ERROR_RESPONSES},
    summary="复制申请",
    description="查档人：本人的申请；阅览室工作人员：全部申请。新的在前。",
)
def list_copies(request: HttpRequest, query: Query[CopyQuery], paging: Query[PageQuery]) -> Any:
    user = _caller(request)
    rows = visible_copies(user)
    if query.status is not None:
        rows = rows.filter(status=query.status)
    return paged(rows.order_by("-created", "-pk"), paging, copy_out)


@router.post("/copies", response={201: CopyOut, **ERROR_RESPONSES}, summary="申请复制")
def create_copy(request: HttpRequest, body: CopyIn) -> Any:
    user = _caller(request)
    if is_reader(user):
        if body.reader not in (None, "", user.get_username()):
            raise PermissionDenied(_("您只能为自己申请复制。"))
        reader: Any = user
    else:
        if not body.reader:
            raise ValidationError({"reader": _("请填写查档人账号。")})
        reader = User.objects.filter(username=body.reader, is_active=True).first()
        if reader is None or not is_reader(reader):
            raise ValidationError({"reader": _("找不到该查档人账号。")})
    unit = unit_or_404(user, body.unit)
    if is_reader(user):
        refusal = copy_refusal(user, unit)
        if refusal is not None:
            raise PermissionDenied(refusal)
    copy = do_request_copy(
        user, reader, unit, pages=body.pages, format=body.format, purpose=body.purpose, note=body.note
    )
    return Status(201, copy_out(copy))


@router.get("/copies/{uuid}", response={200: CopyOut, **ERROR_RESPONSES}, summary="一个复制申请")
def get_copy(request: HttpRequest, uuid: UUID) -> Any:
    return copy_out(_copy(_caller(request), uuid))


@router.post("/copies/{uuid}/make", response={202: CopyOut, **ERROR_RESPONSES}, summary="制作复制件（后台）")
def make_copy(request: HttpRequest, uuid: UUID, body: CopyVersionIn) -> Any:
    user = _desk(request)
    copy = do_queue_make(user, _copy(user, uuid), expected_version=body.version)
    return Status(202, copy_out(_copy(user, copy.uuid)))


@router.post("/copies/{uuid}/deliver", response={200: CopyOut, **ERROR_RESPONSES}, summary="交付复制件")
def deliver_copy(request: HttpRequest, uuid: UUID, body: DeliverIn) -> Any:
    user = _desk(request)
    copy = do_deliver_copy(user, _copy(user, uuid), delivery=body.delivery, expected_version=body.version)
    return copy_out(_copy(user, copy.uuid))


@router.post("/copies/{uuid}/refuse", response={200: CopyOut, **ERROR_RESPONSES}, summary="不予复制")
def refuse_copy(request: HttpRequest, uuid: UUID, body: CopyRefuseIn) -> Any:
    user = _desk(request)
    copy = do_refuse_copy(user, _copy(user, uuid), body.reason, expected_version=body.version)
    return copy_out(_copy(user, copy.uuid))


@router.get(
    "/copies/{uuid}/file",
    response={200: None, **ERROR_RESPONSES},
    summary="下载复制件",
    description="查档人：已交付的本人复制件；阅览室工作人员：已制作或已交付的复制件（核对用）。每次下载都记入审计日志。",
)
def download_copy(request: HttpRequest, uuid: UUID) -> Any:
    user = _caller(request)
    copy = _copy(user, uuid)
    file = check_download(user, copy)
    do_record_download(user, copy)
    response = FileResponse(file.open("rb"), as_attachment=True, filename=copy.file_name)
    response["Cache-Control"] = "private, no-store"
    return response
