"""Unit endpoints: the filtered list, read, create, change, delete, move; and a unit's authority links.

A unit read here carries its version (``version`` and the ``ETag`` header). Changing, moving or deleting it with
that version (``If-Match`` or ``version``) is refused with 409 when someone saved in between; without one, the change
still applies field by field to the row as it is then (never to a stale copy).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Status

from dangan.catalog.actions.authorities import do_link_authority, do_unlink_authority
from dangan.catalog.actions.units import do_create_unit, do_delete_unit, do_move_unit, do_update_unit
from dangan.catalog.dates import resolve_date
from dangan.catalog.filters import UnitFilter
from dangan.catalog.models import Fonds, UnitAuthority
from dangan.core.api import (
    ERROR_RESPONSES,
    ActionRouter,
    ErrorOut,
    PageQuery,
    error_response,
    read_filters,
    require_capability,
)
from dangan.core.roles import Capability
from dangan.utilities.concurrency import EditConflict, etag, parse_version
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
from .schemas import LinkIn, LinkOut, MoveIn, UnitIn, UnitOut, UnitPage, UnitPatch, UnitQuery

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


CONFLICT_RESPONSES = {**ERROR_RESPONSES, 409: ErrorOut}


def expected_version(request: HttpRequest, body_version: int | None) -> int | None:
    """The version the caller read: the If-Match header, else the body's ``version``; None when neither is given
    (or If-Match is ``*``). A malformed one is a 422 on ``version``."""
    header = request.headers.get("If-Match")
    try:
        return parse_version(header) if header is not None else body_version
    except ValueError as exc:
        raise ValidationError({"version": str(exc)}) from None


def conflict_response(exc: EditConflict) -> Any:
    """409 with the message; ``errors.version`` names the version now stored (when the unit still exists)."""
    errors = {"version": str(exc.current_version)} if exc.current_version is not None else {}
    response = error_response(409, exc.message, errors)
    if exc.current_version is not None:
        response["ETag"] = etag(exc.current_version)
    return response


def _unit_data(payload: UnitIn | UnitPatch, *, partial: bool) -> dict[str, Any]:
    """The payload as action data: category code → RecordCategory, nulls → empty text (or left out on create)."""
    data = payload.dict(exclude_unset=True)
    for key in ("fonds", "parent", "version"):
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
    if "date" in data:
        # Typed at any precision (1935-01, 1935年, 民国二十四年): the precision comes from the writing.
        data["date"], precision = resolve_date(data["date"], data.get("date_precision"))
        if precision is not None:
            data["date_precision"] = precision
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


@router.post(
    "/units",
    response={201: UnitOut, **ERROR_RESPONSES},
    summary="新建档案 / create a unit",
    description="分类齐全的“件”不填档号时自动编号——仅当调用者可查看该分类（全宗·门类·年度·保管期限·机构）中的"
    "全部档案；否则档案照常创建，reference_code 为 null，由可查看全部档案的人员编号。",
)
def create_unit(request: HttpRequest, payload: UnitIn, response: HttpResponse) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    fonds = fonds_or_error(payload.fonds)
    parent = visible_unit_or_error(request.user, payload.parent, "parent")
    data = _unit_data(payload, partial=False)
    subjects = data.pop("subjects", None)
    unit = do_create_unit(request.user, fonds, data, parent=parent, subjects=subjects)
    response["ETag"] = etag(unit.version)
    return Status(201, unit_out(request.user, unit))


@router.get("/units/{uuid:unit_id}", response={200: UnitOut, **ERROR_RESPONSES}, summary="档案 / one unit")
def get_unit(request: HttpRequest, unit_id: UUID, response: HttpResponse) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    unit = unit_or_404(request.user, unit_id)
    response["ETag"] = etag(unit.version)
    return unit_out(request.user, unit)


@router.patch(
    "/units/{uuid:unit_id}",
    response={200: UnitOut, **CONFLICT_RESPONSES},
    summary="修改档案 / change a unit",
    description="只保存请求中给出的字段。用 If-Match 请求头（读取时的 ETag）或 version 字段提交读取时的修订号："
    "档案在此期间被他人修改时返回 409（中文说明，errors.version 为当前修订号），不保存任何内容。",
)
def update_unit(request: HttpRequest, unit_id: UUID, payload: UnitPatch, response: HttpResponse) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    unit = unit_or_404(request.user, unit_id)
    expected = expected_version(request, payload.version)
    try:
        unit = do_update_unit(request.user, unit, _unit_data(payload, partial=True), expected_version=expected)
    except EditConflict as exc:
        return conflict_response(exc)
    response["ETag"] = etag(unit.version)
    return unit_out(request.user, unit)


@router.delete(
    "/units/{uuid:unit_id}",
    response={204: None, **CONFLICT_RESPONSES},
    summary="删除档案 / delete a unit",
    description="有下级档案或已长期保存（有保存包）的档案不能删除（422）；后者请申请鉴定销毁（POST …/disposal）。"
    "可用 If-Match 提交读取时的修订号（不符时 409）。",
)
def delete_unit(request: HttpRequest, unit_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    unit = unit_or_404(request.user, unit_id)
    try:
        do_delete_unit(request.user, unit, expected_version=expected_version(request, None))
    except EditConflict as exc:
        return conflict_response(exc)
    return Status(204, None)


@router.post(
    "/units/{uuid:unit_id}/move",
    response={200: UnitOut, **CONFLICT_RESPONSES},
    summary="移动档案 / move a unit under another parent",
)
def move_unit(request: HttpRequest, unit_id: UUID, payload: MoveIn, response: HttpResponse) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    unit = unit_or_404(request.user, unit_id)
    new_parent = visible_unit_or_error(request.user, payload.parent, "parent")
    try:
        unit = do_move_unit(request.user, unit, new_parent, expected_version=expected_version(request, payload.version))
    except EditConflict as exc:
        return conflict_response(exc)
    response["ETag"] = etag(unit.version)
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
