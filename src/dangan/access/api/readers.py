"""API of the readers part, under /api/access/ (docs/development/access-readers.md).

Readers' personal data is for holders of ``Capability.READERS`` only: the list (masked document and phone), a
reader's full data, registration at the desk (the one-time password comes back once) and verification. A reader
reads and changes their own profile at ``/api/access/me`` (the document masked). Same actions as the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from dangan.access.actions import readers as actions
from dangan.access.filters.readers import ReaderFilter
from dangan.access.identity import DocumentType
from dangan.access.models import ReaderProfile
from dangan.core.actors import signed_in
from dangan.core.api import (
    ERROR_RESPONSES,
    ActionRouter,
    PageOut,
    PageQuery,
    filter_query,
    paged,
    read_filters,
    require_capability,
)
from dangan.core.roles import Capability, is_reader
from dangan.utilities.concurrency import EditConflict

router = ActionRouter(tags=["查档人 readers"])


class ReaderSummaryOut(Schema):
    uuid: UUID
    username: str
    real_name: str
    document_type: str
    document_number_masked: str
    phone_masked: str
    status: str
    status_display: str
    registered_at: dt.datetime
    registered_by_staff: bool


class ReaderOut(ReaderSummaryOut):
    document_number: str
    phone: str
    organisation: str
    verified_at: dt.datetime | None
    verified_by: str
    erased_at: dt.datetime | None
    is_active: bool
    must_change_password: bool
    version: int


class ReaderPage(PageOut):
    items: list[ReaderSummaryOut]


class ReaderCreateIn(Schema):
    real_name: str = Field(description="真实姓名")
    document_type: str = Field(DocumentType.RESIDENT_ID, description="证件类型：" + "、".join(DocumentType.values))
    document_number: str = Field(description="证件号码")
    phone: str = Field(description="11 位手机号码")
    organisation: str = Field("", description="工作单位")
    username: str = Field("", description="用户名；不填则用手机号码")
    verified: bool = Field(True, description="已当面核对证件原件")
    consent: bool = Field(description="查档人已同意个人信息告知")


class ReaderCreatedOut(ReaderOut):
    one_time_password: str


class VerifyIn(Schema):
    document_checked: bool = Field(description="已当面核对证件原件，与登记信息一致")
    version: int | None = Field(None, description="读取时的版本号")


class ReaderMeOut(Schema):
    uuid: UUID | None
    username: str
    real_name: str
    document_type: str
    document_number_masked: str
    phone: str
    organisation: str
    status: str
    status_display: str
    version: int | None


class MeIn(Schema):
    phone: str = Field(description="11 位手机号码")
    organisation: str = Field("", description="工作单位")
    version: int | None = Field(None, description="读取时的版本号")


class ReaderQuery(filter_query(ReaderFilter)):  # type: ignore[misc]
    """The query parameters of access.filters.readers.ReaderFilter."""


def _summary(profile: ReaderProfile) -> dict[str, Any]:
    return {
        "uuid": profile.uuid,
        "username": profile.user.username,
        "real_name": profile.real_name,
        "document_type": profile.document_type,
        "document_number_masked": profile.masked_document,
        "phone_masked": profile.masked_phone,
        "status": profile.status,
        "status_display": str(profile.get_status_display()),
        "registered_at": profile.registered_at,
        "registered_by_staff": profile.registered_by_staff,
    }


def _full(profile: ReaderProfile) -> dict[str, Any]:
    return {
        **_summary(profile),
        "document_number": profile.document_number,
        "phone": profile.phone,
        "organisation": profile.organisation,
        "verified_at": profile.verified_at,
        "verified_by": str(profile.verified_by) if profile.verified_by is not None else "",
        "erased_at": profile.erased_at,
        "is_active": profile.user.is_active,
        "must_change_password": profile.user.must_change_password,
        "version": profile.version,
    }


def _reader(uuid: UUID) -> ReaderProfile:
    profile = ReaderProfile.objects.select_related("user", "verified_by").filter(uuid=uuid).first()
    if profile is None:
        raise Http404(_("查档人不存在。"))
    return profile


@router.get(
    "/readers",
    response={200: ReaderPage, **ERROR_RESPONSES},
    summary="查档人列表 / readers",
    description="新的在前；筛选条件与工作台列表相同（证件号码须完整）。证件号码与手机号码只显示部分。",
)
def reader_list(request: HttpRequest, filters: Query[ReaderQuery], paging: Query[PageQuery]) -> dict[str, Any]:
    require_capability(request, Capability.READERS)
    return paged(read_filters(ReaderFilter, filters).apply(request.user), paging, _summary)


@router.post(
    "/readers", response={201: ReaderCreatedOut, **ERROR_RESPONSES}, summary="服务台登记查档人 / register a reader"
)
def reader_create(request: HttpRequest, payload: ReaderCreateIn, response: HttpResponse) -> Any:
    require_capability(request, Capability.READERS)
    response["Cache-Control"] = "no-store"  # the one-time password, and personal data
    profile, password = actions.do_register_walk_in(
        request.user,
        username=payload.username,
        real_name=payload.real_name,
        document_type=payload.document_type,
        document_number=payload.document_number,
        phone=payload.phone,
        organisation=payload.organisation,
        verified=payload.verified,
        consent=payload.consent,
    )
    return Status(201, {**_full(_reader(profile.uuid)), "one_time_password": password})


@router.get("/readers/{uuid}", response={200: ReaderOut, **ERROR_RESPONSES}, summary="查档人详情 / a reader")
def reader_detail(request: HttpRequest, uuid: UUID, response: HttpResponse) -> dict[str, Any]:
    require_capability(request, Capability.READERS)
    response["Cache-Control"] = "no-store"
    return _full(_reader(uuid))


@router.post(
    "/readers/{uuid}/verify", response={200: ReaderOut, **ERROR_RESPONSES}, summary="核验证件 / verify a reader"
)
def reader_verify(request: HttpRequest, uuid: UUID, payload: VerifyIn) -> Any:
    require_capability(request, Capability.READERS)
    profile = _reader(uuid)
    try:
        actions.do_verify_reader(
            request.user, profile, document_checked=payload.document_checked, version=payload.version
        )
    except EditConflict as exc:
        return Status(409, {"detail": exc.message, "errors": {"version": str(exc.current_version or "")}})
    return Status(200, _full(_reader(uuid)))


def _me(request: HttpRequest) -> dict[str, Any]:
    user = signed_in(request)
    if not is_reader(user):
        raise PermissionDenied(_("这是查档人本人的信息接口；工作人员请使用工作台的接口。"))
    profile = actions.profile_of(user)
    if profile is None:
        return {
            "uuid": None,
            "username": user.username,
            "real_name": user.get_full_name(),
            "document_type": "",
            "document_number_masked": "",
            "phone": "",
            "organisation": "",
            "status": "pending",
            "status_display": _("待核验"),
            "version": None,
        }
    return {
        "uuid": profile.uuid,
        "username": user.username,
        "real_name": profile.real_name,
        "document_type": profile.document_type,
        "document_number_masked": profile.masked_document,
        "phone": profile.phone,
        "organisation": profile.organisation,
        "status": profile.status,
        "status_display": str(profile.get_status_display()),
        "version": profile.version,
    }


@router.get(
    "/me", response={200: ReaderMeOut, **ERROR_RESPONSES}, summary="查档人本人的信息 / the reader's own profile"
)
def me(request: HttpRequest) -> dict[str, Any]:
    return _me(request)


@router.patch("/me", response={200: ReaderMeOut, **ERROR_RESPONSES}, summary="修改本人联系方式 / change own contacts")
def me_update(request: HttpRequest, payload: MeIn) -> Any:
    _me(request)
    try:
        actions.do_update_own_profile(
            signed_in(request), phone=payload.phone, organisation=payload.organisation, version=payload.version
        )
    except EditConflict as exc:
        return Status(409, {"detail": exc.message, "errors": {"version": str(exc.current_version or "")}})
    return Status(200, _me(request))
