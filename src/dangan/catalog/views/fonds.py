"""Fonds pages: the list (home page), creating and editing a fonds, the fonds page with its hierarchy browser,
classification browser, unit search and renumbering."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dangan.catalog.actions.configuration import FONDS_FIELDS, do_create_fonds, do_update_fonds, fonds_has_units
from dangan.catalog.actions.units import ClassificationGroup, children_page, do_renumber_range
from dangan.catalog.classification import browse_scheme
from dangan.catalog.filters import FondsFilter, UnitFilter
from dangan.catalog.forms import FondsEditForm, FondsForm, RenumberForm, UnitFilterForm
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import can_view_unit
from dangan.core.roles import Capability
from dangan.utilities.text import is_uuid
from dangan.utilities.views import capability_required, form_errors_from, is_htmx, page_number, paginate, paginate_light

from .common import can, get_fonds, visible_count

TREE_PAGE_SIZE = 50
SCHEME_PAGE_SIZE = 50
TABS = ("tree", "scheme", "list", "about", "renumber")


@capability_required(Capability.CATALOG_VIEW)
def fonds_list(request: HttpRequest) -> HttpResponse:
    """The home page: every fonds with its visible unit count; POST creates a fonds (archivists)."""
    if request.method == "POST":
        return _fonds_create(request)
    return _fonds_list(request, FondsForm())


def _fonds_list(request: HttpRequest, form: FondsForm, status: int = 200) -> HttpResponse:
    filters = FondsFilter.from_params(request.GET)
    page = paginate(request, filters.apply(request.user))
    rows = [(fonds, *visible_count(request.user, fonds)) for fonds in page]
    context = {"page": page, "rows": rows, "form": form, "can_change": can(request, Capability.CATALOG_CHANGE)}
    return render(request, "catalog/fonds_list.html", context, status=status)


@capability_required(Capability.CATALOG_CHANGE)
def _fonds_create(request: HttpRequest) -> HttpResponse:
    form = FondsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            fonds = do_create_fonds(
                request.user,
                data["code"],
                data["name"],
                **{k: data[k] for k in FONDS_FIELDS if k in data and k != "name"},
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已创建全宗 %(fonds)s。") % {"fonds": fonds})
            return redirect("catalog:fonds_detail", code=fonds.code)
    return _fonds_list(request, form, status=400)


@capability_required(Capability.CATALOG_CHANGE)
def fonds_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit a fonds' description; its 全宗号 only while it holds no units (see do_update_fonds)."""
    fonds = get_fonds(code)
    form = FondsEditForm(request.POST or None, instance=fonds, code_locked=fonds_has_units(fonds))
    if request.method == "POST" and form.is_valid():
        try:
            fonds = do_update_fonds(request.user, fonds, form.changes())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已保存全宗 %(fonds)s。") % {"fonds": fonds})
            return redirect(reverse("catalog:fonds_detail", args=[fonds.code]) + "?tab=about")
    context = {"fonds": fonds, "form": form}
    return render(request, "catalog/fonds_form.html", context, status=400 if form.errors else 200)


@capability_required(Capability.CATALOG_VIEW)
def fonds_detail(request: HttpRequest, code: str) -> HttpResponse:
    fonds = get_fonds(code)
    can_change = can(request, Capability.CATALOG_CHANGE)
    searching = any(k in request.GET for k in UnitFilterForm.base_fields)
    tab = request.GET.get("tab") or ("list" if searching else "tree")
    if tab not in TABS or (tab == "renumber" and not can_change):
        tab = "tree"
    context = {"fonds": fonds, "tab": tab, "can_change": can_change}
    if tab == "tree":
        context["tree"] = children_page(request.user, fonds, None, 1, TREE_PAGE_SIZE)
    elif tab == "scheme":
        context.update(_scheme(request, fonds))
    elif tab == "list":
        context.update(_unit_search(request, fonds))
    elif tab == "renumber":
        context["renumber_form"] = RenumberForm()
    return render(request, "catalog/fonds_detail.html", context)


def _scheme(request: HttpRequest, fonds: Fonds) -> dict[str, Any]:
    """The classification browser (年度 / 机构 / 保管期限, see catalog.classification) and, in the last group, a
    counted page of its items for the pagination partial."""
    view = browse_scheme(request.user, fonds, request.GET, page_number(request), SCHEME_PAGE_SIZE)
    context: dict[str, Any] = {"scheme": view}
    if view.level is None:
        paginator = Paginator(range(view.total), view.size)
        page = paginator.page(min(view.page, paginator.num_pages))
        page.counted = True  # type: ignore[attr-defined]
        context["page"] = page
    return context


def _unit_search(request: HttpRequest, fonds: Fonds) -> dict[str, Any]:
    params = request.GET.copy()
    params["fonds"] = fonds.code
    unit_filter = UnitFilter.from_params(params)
    units = unit_filter.apply(request.user, ArchivalUnit.objects.filter(fonds=fonds))
    return {
        "filter_form": UnitFilterForm(request.GET or None),
        "filter_errors": list(unit_filter.errors.values()),
        "page": paginate_light(request, units, 50),
        "searching": bool(set(unit_filter.as_params()) - {"fonds"}),
    }


@capability_required(Capability.CATALOG_VIEW)
def tree_children(request: HttpRequest, code: str) -> HttpResponse:
    """One page of a node's children (or of the fonds' top level): list items for htmx, or a plain page."""
    fonds = get_fonds(code)
    parent = None
    if parent_ref := request.GET.get("parent"):
        parent = ArchivalUnit.objects.filter(fonds=fonds, uuid=parent_ref).first() if is_uuid(parent_ref) else None
        if parent is None or not can_view_unit(request.user, parent):
            raise Http404
    tree = children_page(request.user, fonds, parent, page_number(request), TREE_PAGE_SIZE)
    context = {"fonds": fonds, "parent": parent, "tree": tree}
    template = "catalog/_tree_nodes.html" if is_htmx(request) else "catalog/tree_page.html"
    return render(request, template, context)


@capability_required(Capability.CATALOG_CHANGE)
def renumber(request: HttpRequest, code: str) -> HttpResponse:
    """Give a range of items in one classification group consecutive 件号 and new 档号."""
    fonds = get_fonds(code)
    form = RenumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        group = ClassificationGroup(
            fonds, data["category"], data["year"], data["retention"] or "", data["organization"] or ""
        )
        try:
            changes = do_renumber_range(request.user, group, data["first"], data["last"], data["start"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已重新编号 %(count)d 件档案，原档号记入曾用档号。") % {"count": len(changes)})
            return redirect(reverse("catalog:fonds_detail", args=[fonds.code]) + "?tab=renumber")
    context = {"fonds": fonds, "tab": "renumber", "can_change": True, "renumber_form": form}
    return render(request, "catalog/fonds_detail.html", context, status=400 if form.errors else 200)
