"""API of access requests (查档申请) under /api/access/: readers list, submit, withdraw and answer their own requests
and see their grants; reviewers (ACCESS_REVIEW) list every request, add units, approve (with conditions or without),
refuse, ask for more and revoke grants — the same actions as the pages (``access.actions.requests``).

A request of another reader is a 404, as is a unit hidden from the caller; units are named by UUID or 档号."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from dangan.access.actions.requests import (
    active_grants,
    do_add_units,
    do_answer,
    do_approve,
    do_ask,
    do_refuse,
    do_revoke_grant,
    do_submit_request,
    do_withdraw,
    may_review,
    missing_units_error,
    reader_request,
    reader_requests,
    require_reader,
    review_request,
    shown_units,
    staff_grant,
    units_for_reader,
    units_for_reviewer,
)
from dangan.access.choices import Purpose
from dangan.access.filters.requests import RequestFilter
from dangan.access.models import AccessGrant, AccessRequest
from dangan.access.models.requests import RequestStatus, UnitDecision
from dangan.catalog.policy import can_view_unit
from dangan.core.actors import signed_in
from dangan.core.api import ERROR_RESPONSES, ActionRouter, PageOut, PageQuery, filter_query, paged, read_filters
from dangan.core.roles import is_reader

router = ActionRouter(tags=["查档申请 access requests"])

VERSION = "读取时的修订号；不是当前修订号时 409"


class RequestIn(Schema):
    purpose: Purpose = Field(description="利用目的：history、research、work、rights、education、other")
    purpose_detail: str = Field("", max_length=500, description="利用目的说明")
    description: str = Field("", max_length=2000, description="所需档案描述（没有档案时必填）")
    units: list[str] = Field(default_factory=list, max_length=100, description="档案的 UUID（查档人可见的档案）")
    codes: list[str] = Field(default_factory=list, max_length=100, description="档案的档号（查档人可见的档案）")


class RequestVersionIn(Schema):
    version: int | None = Field(None, description=VERSION)


class AnswerIn(RequestVersionIn):
    text: str = Field(max_length=2000, description="补充说明")


class RequestUnitsIn(RequestVersionIn):
    units: list[str] = Field(default_factory=list, max_length=100, description="档案的 UUID")
    codes: list[str] = Field(default_factory=list, max_length=100, description="档案的档号")


class ApproveIn(RequestVersionIn):
    units: list[str] | None = Field(None, max_length=100, description="同意利用的档案 UUID；不填则为申请中的全部档案")
    reading_room_only: bool = Field(False, description="仅限在阅览室查阅")
    copies_allowed: bool = Field(True, description="允许复制")
    expires_on: dt.date | None = Field(None, description="授权到期日期（当日结束）；不填则按 DANGAN_ACCESS_GRANT_DAYS")
    conditions: str = Field("", max_length=2000, description="批准条件或说明")


class RequestRefuseIn(RequestVersionIn):
    reason: str = Field(max_length=2000, description="不予批准的理由")


class AskIn(RequestVersionIn):
    question: str = Field(max_length=2000, description="需要查档人补充的内容")


class RevokeIn(Schema):
    reason: str = Field(max_length=500, description="撤销原因")


class RequestedUnitOut(Schema):
    unit: UUID
    reference_code: str
    title: str
    decision: UnitDecision
    decision_display: str
    added_by_staff: bool


class GrantOut(Schema):
    uuid: UUID
    unit: UUID
    reference_code: str
    title: str
    request: UUID
    starts_at: dt.datetime
    expires_at: dt.datetime
    reading_room_only: bool
    copies_allowed: bool
    active: bool
    revoked_at: dt.datetime | None
    revoke_reason: str


class RequestOut(Schema):
    uuid: UUID
    reader: str = Field(description="查档人姓名")
    purpose: Purpose
    purpose_display: str
    purpose_detail: str
    description: str
    status: RequestStatus = Field(description="状态（批准后授权全部到期或撤销的为 expired）")
    status_display: str
    submitted_at: dt.datetime
    reviewed_at: dt.datetime | None
    reviewer: str | None = Field(description="审核人（仅工作人员可见）")
    reason: str = Field(description="不予批准的理由、批准条件，或要求补充的内容")
    reply: str = Field(description="查档人的补充说明")
    version: int
    units: list[RequestedUnitOut]
    grants: list[GrantOut]


class RequestPage(PageOut):
    items: list[RequestOut]


class GrantPage(PageOut):
    items: list[GrantOut]


def grant_out(grant: AccessGrant) -> dict[str, Any]:
    return {
        "uuid": grant.uuid,
        "unit": grant.unit.uuid,
        "reference_code": grant.unit.reference_code or "",
        "title": grant.unit.title,
        "request": grant.request.uuid,
        "starts_at": grant.starts_at,
        "expires_at": grant.expires_at,
        "reading_room_only": grant.reading_room_only,
        "copies_allowed": grant.copies_allowed,
        "active": grant.is_active,
        "revoked_at": grant.revoked_at,
        "revoke_reason": grant.revoke_reason,
    }


def request_out(found: AccessRequest, viewer: Any) -> dict[str, Any]:
    """The request as ``viewer`` may see it: only the units (and their grants) the policy shows them."""
    rows = shown_units(viewer, found)
    visible = {row.unit_id for row in rows}
    staff = may_review(viewer)
    return {
        "uuid": found.uuid,
        "reader": str(found.reader),
        "purpose": found.purpose,
        "purpose_display": str(found.get_purpose_display()),
        "purpose_detail": found.purpose_detail,
        "description": found.description,
        "status": found.shown_status,
        "status_display": str(found.shown_status_label),
        "submitted_at": found.submitted_at,
        "reviewed_at": found.reviewed_at,
        "reviewer": str(found.reviewer) if staff and found.reviewer else None,
        "reason": found.reason,
        "reply": found.reply,
        "version": found.version,
        "units": [
            {
                "unit": row.unit.uuid,
                "reference_code": row.unit.reference_code or "",
                "title": row.unit.title,
                "decision": row.decision,
                "decision_display": str(row.get_decision_display()),
                "added_by_staff": row.added_by_staff,
            }
            for row in rows
        ],
        "grants": [
            grant_out(g)
            for g in found.grants.select_related("unit", "request")
            if g.unit_id in visible and (staff or g.is_active)
        ],
    }


def _caller(request: HttpRequest) -> Any:
    """A reader or a reviewer; anybody else is refused (403)."""
    person = signed_in(request)
    if not is_reader(person) and not may_review(person):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    return person


def _find(person: Any, uuid: UUID) -> AccessRequest:
    return reader_request(person, uuid) if is_reader(person) else review_request(person, uuid)


class RequestQuery(filter_query(RequestFilter)):  # type: ignore[misc]
    """The query parameters of access.filters.RequestFilter."""


@router.get(
    "/requests",
    response={200: RequestPage, **ERROR_RESPONSES},
    summary="查档申请",
    description="查档人：本人的申请；审核人员：全部申请。新的在前，筛选条件与工作台列表相同。",
)
def list_requests(request: HttpRequest, filters: Query[RequestQuery], paging: Query[PageQuery]) -> Any:
    person = _caller(request)
    found = read_filters(RequestFilter, filters)
    rows = found.apply(person, reader_requests(person)) if is_reader(person) else found.apply(person)
    return paged(rows, paging, lambda r: request_out(r, person))


@router.post("/requests", response={201: RequestOut, **ERROR_RESPONSES}, summary="提交查档申请（查档人）")
def submit_request(request: HttpRequest, body: RequestIn) -> Any:
    person = signed_in(request)
    units, missing = units_for_reader(person, uuids=body.units, codes=body.codes)
    if missing:
        raise missing_units_error(missing)
    created = do_submit_request(
        person,
        units=units,
        purpose=body.purpose,
        purpose_detail=body.purpose_detail,
        description=body.description,
    )
    return Status(201, request_out(created, person))


@router.get("/requests/{uuid}", response={200: RequestOut, **ERROR_RESPONSES}, summary="一份查档申请")
def get_request(request: HttpRequest, uuid: UUID) -> Any:
    person = _caller(request)
    return request_out(_find(person, uuid), person)


@router.post("/requests/{uuid}/withdraw", response={200: RequestOut, **ERROR_RESPONSES}, summary="撤回申请（查档人）")
def withdraw_request(request: HttpRequest, uuid: UUID, body: RequestVersionIn) -> Any:
    person = signed_in(request)
    require_reader(person)
    found = reader_request(person, uuid)
    return request_out(do_withdraw(person, found, expected_version=body.version), person)


@router.post("/requests/{uuid}/answer", response={200: RequestOut, **ERROR_RESPONSES}, summary="补充说明（查档人）")
def answer_request(request: HttpRequest, uuid: UUID, body: AnswerIn) -> Any:
    person = signed_in(request)
    require_reader(person)
    found = reader_request(person, uuid)
    return request_out(do_answer(person, found, body.text, expected_version=body.version), person)


@router.post("/requests/{uuid}/units", response={200: RequestOut, **ERROR_RESPONSES}, summary="添加档案（审核）")
def add_units(request: HttpRequest, uuid: UUID, body: RequestUnitsIn) -> Any:
    person = signed_in(request)
    found = review_request(person, uuid)
    units, missing = units_for_reviewer(person, uuids=body.units, codes=body.codes)
    if missing:
        raise ValidationError(
            {"units": _("没有找到这些档案（或您无权查看）：%(codes)s") % {"codes": "、".join(missing[:20])}}
        )
    do_add_units(person, found, units, expected_version=body.version)
    return request_out(review_request(person, uuid), person)


@router.post(
    "/requests/{uuid}/approve",
    response={200: RequestOut, **ERROR_RESPONSES},
    summary="批准（审核）",
    description="为所选档案各授予一项利用授权；有条件（仅限阅览室、不得复制、另定期限或附条件说明）时为“有条件批准”。",
)
def approve_request(request: HttpRequest, uuid: UUID, body: ApproveIn) -> Any:
    person = signed_in(request)
    found = review_request(person, uuid)
    units = None
    if body.units is not None:
        units, missing = units_for_reviewer(person, uuids=body.units)
        if missing:
            raise ValidationError(
                {"units": _("没有找到这些档案（或您无权查看）：%(codes)s") % {"codes": "、".join(missing[:20])}}
            )
    do_approve(
        person,
        found,
        units,
        reading_room_only=body.reading_room_only,
        copies_allowed=body.copies_allowed,
        expires_on=body.expires_on,
        conditions=body.conditions,
        expected_version=body.version,
    )
    return request_out(review_request(person, uuid), person)


@router.post("/requests/{uuid}/refuse", response={200: RequestOut, **ERROR_RESPONSES}, summary="不予批准（审核）")
def refuse_request(request: HttpRequest, uuid: UUID, body: RequestRefuseIn) -> Any:
    person = signed_in(request)
    found = review_request(person, uuid)
    return request_out(do_refuse(person, found, body.reason, expected_version=body.version), person)


@router.post("/requests/{uuid}/ask", response={200: RequestOut, **ERROR_RESPONSES}, summary="要求补充（审核）")
def ask_request(request: HttpRequest, uuid: UUID, body: AskIn) -> Any:
    person = signed_in(request)
    found = review_request(person, uuid)
    return request_out(do_ask(person, found, body.question, expected_version=body.version), person)


@router.get(
    "/grants",
    response={200: GrantPage, **ERROR_RESPONSES},
    summary="生效的利用授权",
    description="查档人：本人生效中的授权；审核人员：全部生效中的授权（仅含其可见的档案）。到期早的在前。",
)
def list_grants(request: HttpRequest, paging: Query[PageQuery]) -> Any:
    from dangan.access.models.requests import active_grant_filter

    person = _caller(request)
    if is_reader(person):
        rows = [g for g in active_grants(person) if can_view_unit(person, g.unit)]
    else:
        every = AccessGrant.objects.filter(active_grant_filter()).select_related("unit", "request")
        rows = [g for g in every.order_by("expires_at", "pk") if can_view_unit(person, g.unit)]
    return paged(rows, paging, grant_out)


@router.post("/grants/{uuid}/revoke", response={200: GrantOut, **ERROR_RESPONSES}, summary="撤销授权（审核）")
def revoke_grant(request: HttpRequest, uuid: UUID, body: RevokeIn) -> Any:
    person = signed_in(request)
    grant = staff_grant(person, uuid)
    do_revoke_grant(person, grant, body.reason)
    grant.refresh_from_db()
    return grant_out(grant)
