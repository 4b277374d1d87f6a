"""Fonds endpoints: list, read, create, change; the paged hierarchy; renumbering a range of items."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Status

from dangan.catalog.actions.configuration import do_create_fonds, do_update_fonds
from dangan.catalog.actions.units import ClassificationGroup, children_page, do_renumber_range
from dangan.catalog.filters import FondsFilter
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import visible_units
from dangan.core.api import ERROR_RESPONSES, ActionRouter, PageQuery, paged, read_filters, require_capability
from dangan.core.roles import Capability

from .common import category_or_error, fonds_or_404, fonds_out, unit_or_404, units_out
from .schemas import ChildrenPage, FondsIn, FondsOut, FondsPage, FondsPatch, FondsQuery, RenumberIn, RenumberOut

router = ActionRouter(tags=["全宗 fonds"])


@router.get(
    "/fonds",
    response={200: FondsPage, **ERROR_RESPONSES},
    summary="全宗列表 / list fonds",
    description="筛选条件与工作台列表相同（catalog.filters.FondsFilter）。",
)
def list_fonds(request: HttpRequest, filters: Query[FondsQuery], paging: Query[PageQuery]) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    fonds = read_filters(FondsFilter, filters).apply(request.user)
    return paged(fonds, paging, lambda f: fonds_out(request.user, f))


@router.post("/fonds", response={201: FondsOut, **ERROR_RESPONSES}, summary="新建全宗 / create a fonds")
def create_fonds(request: HttpRequest, payload: FondsIn) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    fields = payload.dict()
    code, name = fields.pop("code").strip(), fields.pop("name")
    fonds = do_create_fonds(request.user, code, name, **fields)
    return Status(201, fonds_out(request.user, fonds))


@router.get("/fonds/{code}", response={200: FondsOut, **ERROR_RESPONSES}, summary="全宗 / one fonds")
def get_fonds(request: HttpRequest, code: str) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    return fonds_out(request.user, fonds_or_404(code))


@router.patch(
    "/fonds/{code}",
    response={200: FondsOut, **ERROR_RESPONSES},
    summary="修改全宗 / change a fonds",
    description="只写入与现有值不同的字段，并记入审计日志。全宗号（code）只有在全宗尚无任何档案时可以修改，"
    "否则返回 422：全宗号是每件档案档号的一部分。",
)
def update_fonds(request: HttpRequest, code: str, payload: FondsPatch) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    fonds = fonds_or_404(code)
    changes = payload.dict(exclude_unset=True)
    for key in ("code", "name", "creator", "history", "scheme_notes", "arrangement"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    fonds = do_update_fonds(request.user, fonds, changes)
    return fonds_out(request.user, fonds)


@router.get(
    "/fonds/{code}/children",
    response={200: ChildrenPage, **ERROR_RESPONSES},
    summary="下级档案（分页）/ one page of the hierarchy",
    description="不带 parent 时返回全宗顶层；带 parent（档案 UUID）时返回它的下级。只列出调用者可见的档案。",
)
def list_children(request: HttpRequest, code: str, paging: Query[PageQuery], parent: str | None = None) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    fonds = fonds_or_404(code)
    parent_unit = None
    if parent:
        parent_unit = _unit_in_fonds_or_404(request.user, fonds, parent)
    result = children_page(request.user, fonds, parent_unit, page=paging.page, size=paging.size)
    return {
        "items": units_out(request.user, result.units),
        "total": result.total,
        "page": result.page,
        "size": result.size,
        "pages": result.pages,
        "has_next": result.has_next,
    }


def _unit_in_fonds_or_404(user: Any, fonds: Fonds, uuid: str) -> ArchivalUnit:
    unit = unit_or_404(user, uuid)
    if unit.fonds_id != fonds.pk:
        raise Http404(_("档案不存在"))
    return unit


@router.post(
    "/fonds/{code}/renumber",
    response={200: RenumberOut, **ERROR_RESPONSES},
    summary="重新编号 / renumber a range of items",
    description="把一个分类组（门类·年度·保管期限·机构）中件号 first…last 的档案从 start 起连续编号；旧档号记入曾用档号。"
    "返回调用者可见档案的 (旧档号, 新档号)。",
)
def renumber(request: HttpRequest, code: str, payload: RenumberIn) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    fonds = fonds_or_404(code)
    group = ClassificationGroup(
        fonds=fonds,
        category=category_or_error(payload.category),
        year=payload.year,
        retention=payload.retention.strip(),
        organization=payload.organization.strip(),
    )
    with transaction.atomic():
        in_range = group.units().filter(item_number__gte=payload.first, item_number__lte=payload.last)
        order = list(in_range.order_by("item_number").values_list("pk", flat=True))
        visible = set(visible_units(request.user, in_range).values_list("pk", flat=True))
        changes = do_renumber_range(request.user, group, payload.first, payload.last, payload.start)
    # The action renumbers the whole range in item-number order; report only what the caller may see.
    shown = [pair for pk, pair in zip(order, changes, strict=False) if pk in visible]
    return {"changes": [{"old": old, "new": new} for old, new in shown]}
