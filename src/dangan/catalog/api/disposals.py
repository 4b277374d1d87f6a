"""Disposal endpoints (鉴定销毁 / 处置): ask to dispose of a unit, read the register, approve, reject, withdraw.

Only those who may change the catalog read the register, and each sees the entries of units whose 密级 the policy
lets them read; any other entry is a 404, like one that does not exist. A disposed-of unit's preserved package
stays readable to them through ``GET /api/units/{uuid}/package``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Status

from dangan.catalog.actions.disposals import (
    do_approve_disposal,
    do_reject_disposal,
    do_request_disposal,
    do_withdraw_disposal,
)
from dangan.catalog.filters import DisposalFilter
from dangan.catalog.holds import hold_labels
from dangan.catalog.models import UnitDisposal
from dangan.catalog.policy import visible_disposals
from dangan.core.api import ActionRouter, PageQuery, filter_query, read_filters, require_capability
from dangan.core.roles import Capability
from dangan.utilities.concurrency import EditConflict
from dangan.utilities.paging import slice_page

from .common import unit_or_404, units_out
from .schemas import DecisionIn, DisposalIn, DisposalOut, DisposalPage
from .units import CONFLICT_RESPONSES, conflict_response, expected_version

router = ActionRouter(tags=["鉴定销毁 disposals"])


class DisposalQuery(filter_query(DisposalFilter)):  # type: ignore[misc]
    """The query parameters of catalog.filters.DisposalFilter."""


def disposals_out(user: Any, disposals: list[UnitDisposal]) -> list[dict[str, Any]]:
    units = {u["uuid"]: u for u in units_out(user, [d.unit for d in disposals])}
    return [
        {
            "uuid": d.uuid,
            "unit": units[d.unit.uuid],
            "status": d.status,
            "status_display": str(d.get_status_display()),
            "reason": d.reason,
            "requested_by": d.requested_by_name,
            "created": d.created,
            "decided_by": d.decided_by_name,
            "decided": d.decided,
            "decision_note": d.decision_note,
            "holds": hold_labels(d.holds),
        }
        for d in disposals
    ]


def _disposal_or_404(user: Any, uuid: UUID) -> UnitDisposal:
    disposal = visible_disposals(user).select_related("unit", "unit__fonds").filter(uuid=uuid).first()
    if disposal is None:
        raise Http404(_("鉴定销毁记录不存在"))
    return disposal


@router.post(
    "/units/{uuid:unit_id}/disposal",
    response={201: DisposalOut, **CONFLICT_RESPONSES},
    summary="申请鉴定销毁 / ask to dispose of a unit",
    description="记录处置理由；须由申请人以外的另一人批准（POST /api/disposals/{uuid}/approve）后档案才被处置。",
)
def request_disposal(request: HttpRequest, unit_id: UUID, payload: DisposalIn) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    unit = unit_or_404(request.user, unit_id)
    try:
        disposal = do_request_disposal(
            request.user, unit, payload.reason, expected_version=expected_version(request, payload.version)
        )
    except EditConflict as exc:
        return conflict_response(exc)
    return Status(201, disposals_out(request.user, [disposal])[0])


@router.get(
    "/disposals",
    response={200: DisposalPage, **CONFLICT_RESPONSES},
    summary="鉴定销毁登记 / the register of disposals",
    description="筛选条件与工作台列表相同（catalog.filters.DisposalFilter）；status：requested、approved、rejected、"
    "withdrawn，不填为全部。只列出调用者的涉密等级可以查看的档案。",
)
def list_disposals(request: HttpRequest, filters: Query[DisposalQuery], paging: Query[PageQuery]) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    entries = read_filters(DisposalFilter, filters).apply(request.user)
    page = slice_page(entries, paging.page, paging.size)
    return {**page.envelope(), "items": disposals_out(request.user, list(page.items))}


@router.get(
    "/disposals/{uuid:disposal_id}",
    response={200: DisposalOut, **CONFLICT_RESPONSES},
    summary="一条鉴定销毁记录 / one entry of the register",
)
def get_disposal(request: HttpRequest, disposal_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    return disposals_out(request.user, [_disposal_or_404(request.user, disposal_id)])[0]


@router.post(
    "/disposals/{uuid:disposal_id}/approve",
    response={200: DisposalOut, **CONFLICT_RESPONSES},
    summary="批准处置 / approve (a second person)",
    description="申请人本人不能批准（403）。批准后档案从馆藏列表、计数和检索中移除；记录和保存包保留。",
)
def approve_disposal(request: HttpRequest, disposal_id: UUID, payload: DecisionIn) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    disposal = _disposal_or_404(request.user, disposal_id)
    try:
        disposal = do_approve_disposal(request.user, disposal, payload.note)
    except EditConflict as exc:
        return conflict_response(exc)
    return disposals_out(request.user, [disposal])[0]


@router.post(
    "/disposals/{uuid:disposal_id}/reject",
    response={200: DisposalOut, **CONFLICT_RESPONSES},
    summary="驳回申请 / reject (a second person, with a reason)",
)
def reject_disposal(request: HttpRequest, disposal_id: UUID, payload: DecisionIn) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    disposal = _disposal_or_404(request.user, disposal_id)
    try:
        disposal = do_reject_disposal(request.user, disposal, payload.note)
    except EditConflict as exc:
        return conflict_response(exc)
    return disposals_out(request.user, [disposal])[0]


@router.post(
    "/disposals/{uuid:disposal_id}/withdraw",
    response={200: DisposalOut, **CONFLICT_RESPONSES},
    summary="撤回申请 / withdraw (the requester)",
)
def withdraw_disposal(request: HttpRequest, disposal_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    disposal = _disposal_or_404(request.user, disposal_id)
    try:
        disposal = do_withdraw_disposal(request.user, disposal)
    except EditConflict as exc:
        return conflict_response(exc)
    return disposals_out(request.user, [disposal])[0]
