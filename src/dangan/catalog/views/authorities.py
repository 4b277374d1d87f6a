"""Authority record pages (规范档案): list, detail with the units that cite it, create and edit, and the picker
that finds a record by any of its names for the unit page's link form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from dangan.catalog.actions.authorities import (
    PICKER_LIMIT,
    do_create_authority,
    do_update_authority,
    find_authorities,
)
from dangan.catalog.choices import AuthorityKind
from dangan.catalog.filters import AuthorityFilter
from dangan.catalog.forms import AuthorityForm
from dangan.catalog.models import ArchivalUnit, Authority
from dangan.catalog.policy import visible_units
from dangan.core.roles import Capability
from dangan.utilities.views import capability_required, form_errors_from, paginate, paginate_light

from .common import can


@capability_required(Capability.CATALOG_VIEW)
def authority_list(request: HttpRequest) -> HttpResponse:
    filters = AuthorityFilter.from_params(request.GET)
    context = {
        "page": paginate(request, filters.apply(request.user)),
        "filters": filters,
        "q": filters.q,
        "kind": filters.kind,
        "kinds": AuthorityKind.choices,
        "can_change": can(request, Capability.CATALOG_CHANGE),
    }
    return render(request, "catalog/authority_list.html", context)


@capability_required(Capability.CATALOG_VIEW)
def authority_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    authority = get_object_or_404(Authority, uuid=uuid)
    # Only the units this user may see; the links to others are not shown or counted.
    units = visible_units(request.user, ArchivalUnit.objects.filter(authority_links__authority=authority))
    units = units.select_related("fonds").order_by("reference_code", "id").distinct()
    roles: dict[int, list[str]] = {}
    page = paginate_light(request, units, 50)
    if page.object_list:
        for link in authority.unit_links.filter(unit__in=[u.pk for u in page]):
            roles.setdefault(link.unit_id, []).append(link.get_role_display())
    rows = [(unit, "、".join(roles.get(unit.pk, []))) for unit in page]
    context = {
        "authority": authority,
        "page": page,
        "rows": rows,
        "can_change": can(request, Capability.CATALOG_CHANGE),
    }
    return render(request, "catalog/authority_detail.html", context)


@capability_required(Capability.CATALOG_CHANGE)
def authority_create(request: HttpRequest) -> HttpResponse:
    form = AuthorityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            authority = do_create_authority(request.user, form.authority_data())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已创建规范档案“%(name)s”。") % {"name": authority.name})
            return redirect("catalog:authority_detail", uuid=authority.uuid)
    return render(request, "catalog/authority_form.html", {"form": form}, status=400 if form.errors else 200)


@capability_required(Capability.CATALOG_CHANGE)
def authority_edit(request: HttpRequest, uuid: Any) -> HttpResponse:
    authority = get_object_or_404(Authority, uuid=uuid)
    form = AuthorityForm(request.POST or None, initial=AuthorityForm.initial_for(authority))
    if request.method == "POST" and form.is_valid():
        try:
            do_update_authority(request.user, authority, form.authority_data())
        except ValidationError as exc:
            form_errors_from(form, exc)
            authority.refresh_from_db()
        else:
            messages.success(request, _("已保存。"))
            return redirect("catalog:authority_detail", uuid=authority.uuid)
    context = {"form": form, "authority": authority}
    return render(request, "catalog/authority_form.html", context, status=400 if form.errors else 200)


@capability_required(Capability.CATALOG_VIEW)
def authority_picker(request: HttpRequest) -> HttpResponse:
    """The options of the authority picker (an htmx fragment): records any of whose names contain what was typed
    (``name`` or ``q``), optionally of one ``kind``, best first."""
    query = (request.GET.get("name") or request.GET.get("q") or "").strip()[:300]
    kind = request.GET.get("kind") or None
    matches = find_authorities(query, kind) if query else []
    context = {"matches": matches, "query": query, "limit": PICKER_LIMIT}
    return render(request, "catalog/_authority_options.html", context)
