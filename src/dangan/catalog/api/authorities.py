"""Authority record endpoints (规范档案): list, read, create, change."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Status

from dangan.catalog.actions.authorities import do_create_authority, do_update_authority
from dangan.catalog.filters import AuthorityFilter
from dangan.core.api import (
    ERROR_RESPONSES,
    ActionRouter,
    PageQuery,
    paged,
    read_filters,
    require_capability,
)
from dangan.core.roles import Capability

from .common import authority_or_404, authority_out
from .schemas import AuthorityIn, AuthorityOut, AuthorityPage, AuthorityPatch, AuthorityQuery

router = ActionRouter(tags=["规范档案 authorities"])


@router.get(
    "/authorities",
    response={200: AuthorityPage, **ERROR_RESPONSES},
    summary="规范档案列表 / list",
    description="筛选条件与工作台列表相同（catalog.filters.AuthorityFilter）；q 在规范名称、其他名称（曾用名、简称、别名）和简介中查找，不分全角半角和大小写。",
)
def list_authorities(request: HttpRequest, filters: Query[AuthorityQuery], paging: Query[PageQuery]) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    authorities = read_filters(AuthorityFilter, filters).apply(request.user)
    return paged(authorities, paging, authority_out)


@router.post("/authorities", response={201: AuthorityOut, **ERROR_RESPONSES}, summary="新建规范档案 / create")
def create_authority(request: HttpRequest, payload: AuthorityIn) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    authority = do_create_authority(request.user, payload.dict())
    return Status(201, authority_out(authority))


@router.get("/authorities/{uuid:authority_id}", response={200: AuthorityOut, **ERROR_RESPONSES}, summary="规范档案")
def get_authority(request: HttpRequest, authority_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    return authority_out(authority_or_404(authority_id))


@router.patch(
    "/authorities/{uuid:authority_id}", response={200: AuthorityOut, **ERROR_RESPONSES}, summary="修改规范档案"
)
def update_authority(request: HttpRequest, authority_id: UUID, payload: AuthorityPatch) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    authority = authority_or_404(authority_id)
    changes = payload.dict(exclude_unset=True)
    for key, value in list(changes.items()):
        if value is None:
            changes[key] = [] if key == "variant_names" else ""
    return authority_out(do_update_authority(request.user, authority, changes))
