"""Restoration endpoints (read only, first cut): the work orders the caller may see (CONSERVATION_VIEW and
catalog.policy; an order of a unit the caller may not see is a 404), one order with its steps, photographs and
timeline, and the statistics — the same actions as the pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Schema

from dangan.conservation.actions.restoration import restoration_stats, visible_work_orders
from dangan.conservation.models import WorkOrder
from dangan.core.api import ERROR_RESPONSES, PageOut, PageQuery, paged, require_capability
from dangan.core.roles import Capability

from . import router


class WorkOrderOut(Schema):
    number: str
    unit: str = Field(description="档案 UUID")
    reference_code: str | None = Field(description="档号")
    status: str
    treatments: list[str]
    estimated_hours: str
    grade_before: str
    grade_after: str | None
    created_at: str
    returned_at: str | None
    version: int


class TreatmentStepOut(Schema):
    treatment: str
    materials: list[dict[str, str]]
    hours: str
    conservator: str
    date: str
    notes: str


class PhotoOut(Schema):
    stage: str
    logical_path: str
    package_version: str
    sha256: str
    size: int


class WorkOrderEventOut(Schema):
    action: str
    status_from: str
    status_to: str
    at: str
    by: str
    note: str


class WorkOrderDetailOut(WorkOrderOut):
    steps: list[TreatmentStepOut]
    photographs: list[PhotoOut]
    events: list[WorkOrderEventOut]


class WorkOrderPage(PageOut):
    items: list[WorkOrderOut]


class WorkOrderQuery(Schema):
    status: str | None = Field(None, description="状态，如 in_treatment")
    year: int | None = Field(None, ge=1900, le=2999, description="编制年度")


class StatsQuery(Schema):
    year: int | None = Field(None, ge=1900, le=2999, description="归还年度；不填为全部")


def _out(order: WorkOrder) -> dict[str, Any]:
    return {
        "number": order.number,
        "unit": str(order.unit.uuid),
        "reference_code": order.unit.reference_code,
        "status": order.status,
        "treatments": list(order.treatments),
        "estimated_hours": str(order.estimated_hours),
        "grade_before": order.grade_before,
        "grade_after": order.grade_after or None,
        "created_at": order.created.isoformat(),
        "returned_at": order.returned_at.isoformat() if order.returned_at else None,
        "version": order.version,
    }


@router.get(
    "/conservation/restoration/work-orders",
    response={200: WorkOrderPage, **ERROR_RESPONSES},
    summary="修复单",
    description="新的在前；只列出调用者有权查看的档案的修复单。",
)
def list_work_orders(request: HttpRequest, filters: Query[WorkOrderQuery], paging: Query[PageQuery]) -> Any:
    require_capability(request, Capability.CONSERVATION_VIEW)
    rows = visible_work_orders(request.user).select_related("unit")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.year:
        rows = rows.filter(created__year=filters.year)
    return paged(rows, paging, _out)


@router.get(
    "/conservation/restoration/work-orders/{number}",
    response={200: WorkOrderDetailOut, **ERROR_RESPONSES},
    summary="一份修复单",
)
def get_work_order(request: HttpRequest, number: str) -> Any:
    require_capability(request, Capability.CONSERVATION_VIEW)
    order = visible_work_orders(request.user).select_related("unit").filter(number=number).first()
    if order is None:
        raise Http404
    return {
        **_out(order),
        "steps": [
            {
                "treatment": s.treatment,
                "materials": s.materials,
                "hours": str(s.hours),
                "conservator": s.conservator_name,
                "date": s.date.isoformat(),
                "notes": s.notes,
            }
            for s in order.steps.all()
        ],
        "photographs": [
            {
                "stage": p.stage,
                "logical_path": p.logical_path,
                "package_version": p.package_version,
                "sha256": p.sha256,
                "size": p.size,
            }
            for p in order.photographs.all()
        ],
        "events": [
            {
                "action": e.action,
                "status_from": e.status_from,
                "status_to": e.status_to,
                "at": e.at.isoformat(),
                "by": e.by_name,
                "note": e.note,
            }
            for e in order.events.all()
        ],
    }


class YearOut(Schema):
    year: int
    units: int
    work_orders: int
    hours: str


class MaterialOut(Schema):
    name: str
    unit: str
    quantity: str


class GradePairOut(Schema):
    before: str
    after: str
    count: int


class StatsOut(Schema):
    year: int | None
    years: list[YearOut]
    materials: list[MaterialOut]
    grades: list[GradePairOut]


@router.get(
    "/conservation/restoration/stats",
    response={200: StatsOut, **ERROR_RESPONSES},
    summary="修复统计",
    description="已归还的修复单按归还年度：修复档案数、修复单数、工时、材料用量、修复前后等级；只计有权查看的档案。",
)
def get_stats(request: HttpRequest, query: Query[StatsQuery]) -> Any:
    require_capability(request, Capability.CONSERVATION_VIEW)
    return restoration_stats(request.user, query.year)
