"""Authority record endpoints (规范档案): list, read, create, change."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q
from django.http import HttpRequest
from ninja import Status

from dangan.catalog.actions.authorities import do_create_authority, do_update_authority, matching_authorities
from dangan.catalog.models import Authority
from dangan.core.api import ERROR_RESPONSES, ActionRouter, page_bounds, require_capability
from dangan.core.roles import Capability

from .common import authority_or_404, authority_out, pages_for
from .schemas import AuthorityIn, AuthorityOut, AuthorityPage, AuthorityPatch

router = ActionRouter(tags=["规范档案 authorities"])


@router.get(
    "/authorities",
    response={200: AuthorityPage, **ERROR_RESPONSES},
    summary="规范档案列表 / list",
    description="q：在规范名称、其他名称（曾用名、简称、别名）和简介中查找，不分全角半角和大小写。",
)
def list_authorities(
    request: HttpRequest, kind: str | None = None, q: str | None = None, page: int = 1, size: int = 50
) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    page, size = page_bounds(page, size)
    qs = Authority.objects.order_by("kind", "name", "id")
    if kind:
        qs = qs.filter(kind=kind)
    if q and q.strip():
        # Any of the record's names (preferred or variant), or its description.
        by_name = matching_authorities(q.strip()).values("pk")
        qs = qs.filter(Q(pk__in=by_name) | Q(description__icontains=q.strip()))
    total = qs.count()
    return {
        "items": [authority_out(a) for a in qs[(page - 1) * size : page * size]],
        "total": total,
        "page": page,
        "size": size,
        "pages": pages_for(total, size),
    }


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
