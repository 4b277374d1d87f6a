"""Unit endpoints: the filtered list, read, create, change, delete, move; and a unit's authority links."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Sum
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Status

from dangan.catalog.actions.authorities import do_link_authority, do_unlink_authority
from dangan.catalog.actions.units import do_create_unit, do_delete_unit, do_move_unit, do_update_unit
from dangan.catalog.filters import UnitFilter
from dangan.catalog.models import Fonds, UnitAuthority
from dangan.core.api import ERROR_RESPONSES, ActionRouter, PageQuery, read_filters, require_capability
from dangan.core.roles import Capability
from dangan.utilities.paging import slice_page

from .common import (
    authority_or_error,
    authority_out,
    category_or_error,
    fonds_or_error,
    sees_everything,
    unit_or_404,
    unit_out,
    units_out,
    visible_unit_or_error,
)
from .schemas import LinkIn, LinkOut, MoveIn, UnitFields, UnitIn, UnitOut, UnitPage, UnitQuery

router = ActionRouter(tags=["档案 units"])

# Fields stored as text: a JSON null means "empty" for them.
_TEXT_FIELDS = {
    "level",
    "retention",
    "organization",
    "reference_code",
    "document_number",
    "responsible",
    "title",
    "date_precision",
    "classification",
    "openness",
    "remarks",
    "extent",
    "physical_location",
    "notes",
}


def _unit_data(payload: UnitFields, *, partial: bool) -> dict[str, Any]:
    """The payload as action data: category code → RecordCategory, nulls → empty text (or left out on create)."""
    data = payload.dict(exclude_unset=True)
    for key in ("fonds", "parent"):
        data.pop(key, None)
    for key in list(data):
        if data[key] is None and key in _TEXT_FIELDS:
            if partial and key != "reference_code":
                data[key] = ""
            elif key != "title":
                del data[key]
    if "title" in data or not partial:
        data["title"] = (data.get("title") or "").strip()
    if "category" in data:
        data["category"] = category_or_error(data["category"])
    if "subjects" in data and data["subjects"] is None:
        data["subjects"] = []
    return data


def _link_out(link: UnitAuthority) -> dict[str, Any]:
    return {
        "id": link.pk,
        "role": link.role,
        "role_display": str(link.get_role_display()),
        "authority": authority_out(link.authority),
    }


@router.get(
    "/units",
    response={200: UnitPage, **ERROR_RESPONSES},
    summary="档案列表（筛选）/ list units",
    description="筛选条件与工作台列表相同（catalog.filters.UnitFilter）。无效的筛选值返回 422 和逐项说明。"
    "未筛选时 total 可能为 null（不为每次请求清点整个目录）。",
)
def list_units(request: HttpRequest, filters: Query[UnitQuery], paging: Query[PageQuery]) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    unit_filter = read_filters(UnitFilter, filters)
    qs = unit_filter.apply(request.user)
    total: int | None
    if unit_filter.active:
        total = qs.count()
    elif sees_everything(request.user):
        # The stored counters give the exact total without counting a million rows.
        total = Fonds.objects.aggregate(n=Sum("unit_count"))["n"] or 0
    else:
        total = None
    page = slice_page(qs, paging.page, paging.size, count=False)
    return {**page.with_total(total).envelope(), "items": units_out(request.user, list(page.items))}


@router.post("/units", response={201: UnitOut, **ERROR_RESPONSES}, summary="新建档案 / create a unit")
def create_unit(request: HttpRequest, payload: UnitIn) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    fonds = fonds_or_error(payload.fonds)
    parent = visible_unit_or_error(request.user, payload.parent, "parent")
    data = _unit_data(payload, partial=False)
    subjects = data.pop("subjects", None)
    unit = do_create_unit(request.user, fonds, data, parent=parent, subjects=subjects)
    return Status(201, unit_out(request.user, unit))


@router.get("/units/{uuid:unit_id}", response={200: UnitOut, **ERROR_RESPONSES}, summary="档案 / one unit")
def get_unit(request: HttpRequest, unit_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    return unit_out(request.user, unit_or_404(request.user, unit_id))


@router.patch("/units/{uuid:unit_id}", response={200: UnitOut, **ERROR_RESPONSES}, summary="修改档案 / change a unit")
def update_unit(request: HttpRequest, unit_id: UUID, payload: UnitFields) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    unit = unit_or_404(request.user, unit_id)
    unit = do_update_unit(request.user, unit, _unit_data(payload, partial=True))
    return unit_out(request.user, unit)


@router.delete("/units/{uuid:unit_id}", response={204: None, **ERROR_RESPONSES}, summary="删除档案 / delete a unit")
def delete_unit(request: HttpRequest, unit_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    do_delete_unit(request.user, unit_or_404(request.user, unit_id))
    return Status(204, None)


@router.post(
    "/units/{uuid:unit_id}/move",
    response={200: UnitOut, **ERROR_RESPONSES},
    summary="移动档案 / move a unit under another parent",
)
def move_unit(request: HttpRequest, unit_id: UUID, payload: MoveIn) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    unit = unit_or_404(request.user, unit_id)
    new_parent = visible_unit_or_error(request.user, payload.parent, "parent")
    unit = do_move_unit(request.user, unit, new_parent)
    return unit_out(request.user, unit)


@router.get(
    "/units/{uuid:unit_id}/authorities",
    response={200: list[LinkOut], **ERROR_RESPONSES},
    summary="档案关联的规范档案 / a unit's authority links",
)
def list_links(request: HttpRequest, unit_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    unit = unit_or_404(request.user, unit_id)
    links = UnitAuthority.objects.filter(unit=unit).select_related("authority").order_by("id")
    return [_link_out(link) for link in links]


@router.post(
    "/units/{uuid:unit_id}/authorities",
    response={201: LinkOut, **ERROR_RESPONSES},
    summary="关联规范档案 / link an authority record",
)
def link_authority(request: HttpRequest, unit_id: UUID, payload: LinkIn) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    unit = unit_or_404(request.user, unit_id)
    authority = authority_or_error(payload.authority)
    link = do_link_authority(request.user, unit, authority, payload.role)
    return Status(201, _link_out(link))


@router.delete(
    "/units/{uuid:unit_id}/authorities/{int:link_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="取消关联 / unlink an authority record",
)
def unlink_authority(request: HttpRequest, unit_id: UUID, link_id: int) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    unit = unit_or_404(request.user, unit_id)
    link = UnitAuthority.objects.filter(pk=link_id, unit=unit).select_related("unit", "authority").first()
    if link is None:
        raise Http404(_("关联不存在"))
    do_unlink_authority(request.user, link)
    return Status(204, None)
