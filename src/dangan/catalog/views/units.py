"""Unit pages: detail with breadcrumbs, children and authority links; create, edit, move, delete.

Breadcrumbs show only the ancestors catalog.policy lets the reader see (``visible_ancestors``). Edits carry the
version the form was filled in from: when someone else saved first the page answers 409, keeps what was typed and
lists the values now saved.
"""

from __future__ import annotations

import uuid as uuid_lib
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangan.catalog.actions.authorities import do_link_authority, do_unlink_authority
from dangan.catalog.actions.units import (
    children_page,
    do_create_unit,
    do_delete_unit,
    do_move_unit,
    do_update_unit,
    numbering_withheld,
)
from dangan.catalog.choices import DisposalStatus, UnitLevel
from dangan.catalog.forms import AuthorityLinkForm, MoveForm, UnitForm
from dangan.catalog.holds import hold_labels, holds_on
from dangan.catalog.models import ArchivalUnit, UnitAuthority, UnitDisposal
from dangan.catalog.panels import render_unit_panels
from dangan.catalog.policy import can_view_unit, visible_ancestors, visible_classifications
from dangan.core.audit import action_label
from dangan.core.models import AuditEntry
from dangan.core.roles import Capability
from dangan.utilities.concurrency import EditConflict, parse_version
from dangan.utilities.views import capability_required, form_errors_from, page_number

from .common import can, find_visible_unit, get_fonds, get_visible_unit

CHILDREN_PAGE_SIZE = 50


@capability_required(Capability.CATALOG_VIEW)
def unit_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    unit = get_visible_unit(request, uuid)
    can_change = can(request, Capability.CATALOG_CHANGE)
    context: dict[str, Any] = {
        "unit": unit,
        "fonds": unit.fonds,
        "trail": visible_ancestors(request.user, unit),
        "open_disposal": UnitDisposal.objects.filter(unit=unit, status=DisposalStatus.REQUESTED).first(),
        "children": children_page(request.user, unit.fonds, unit, page_number(request), CHILDREN_PAGE_SIZE),
        "links": unit.authority_links.select_related("authority").order_by("role", "authority__name"),
        "subjects": list(unit.subjects.values_list("term", flat=True)),
        "can_change": can_change,
        "may_have_children": unit.level != UnitLevel.ITEM,
        "link_form": AuthorityLinkForm() if can_change else None,
        "panels": render_unit_panels(request, unit),
    }
    # 三员分立: the unit's history comes from the audit log, which only the security auditor may read.
    if can(request, Capability.AUDIT_VIEW):
        entries = AuditEntry.objects.filter(object_type=ArchivalUnit._meta.label_lower, object_id=str(unit.uuid))
        context["history"] = [(e, action_label(e.action)) for e in entries.order_by("-id")[:50]]
    return render(request, "catalog/unit_detail.html", context)


@capability_required(Capability.CATALOG_CHANGE)
def unit_create(request: HttpRequest, code: str) -> HttpResponse:
    """A new unit at the top of the fonds, or under ``?parent=<uuid>``."""
    fonds = get_fonds(code)
    parent = None
    if parent_ref := request.GET.get("parent") or request.POST.get("parent"):
        parent = get_visible_unit(request, _uuid_or_404(parent_ref))
        if parent.fonds_id != fonds.pk:
            raise Http404
    initial: dict[str, Any] = {}
    if parent is not None:
        initial = {"level": UnitLevel.ITEM, "category": parent.category_id, "year": parent.year}
        initial.update(retention=parent.retention, organization=parent.organization)
    form = UnitForm(request.POST or None, initial=initial, classifications=visible_classifications(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            unit = do_create_unit(request.user, fonds, form.unit_data(), parent=parent, subjects=form.subject_terms())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已创建档案“%(unit)s”。") % {"unit": unit})
            if numbering_withheld(request.user, unit):
                messages.warning(
                    request,
                    _(
                        "未自动编号：本分类中有您无权查看的档案，件号和档号须由可查看本分类全部档案的人员编定。"
                        "档案已保存，尚无档号。"
                    ),
                )
            return redirect("catalog:unit_detail", uuid=unit.uuid)
    trail = visible_ancestors(request.user, parent) if parent else []
    context = {"form": form, "fonds": fonds, "parent": parent, "trail": trail}
    return render(request, "catalog/unit_form.html", context, status=400 if form.errors else 200)


def _uuid_or_404(value: str) -> str:
    try:
        return str(uuid_lib.UUID(value))
    except ValueError:
        raise Http404 from None


@capability_required(Capability.CATALOG_CHANGE)
def unit_edit(request: HttpRequest, uuid: Any) -> HttpResponse:
    unit = get_visible_unit(request, uuid)
    form = UnitForm(
        request.POST or None,
        initial=UnitForm.initial_for(unit),
        classifications=visible_classifications(request.user),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        changes = {**form.unit_data(), "subjects": form.subject_terms()}
        try:
            do_update_unit(request.user, unit, changes, expected_version=form.cleaned_data["version"])
        except EditConflict as exc:
            if exc.current_version is None:  # deleted meanwhile: nothing left to edit
                messages.error(request, exc.message)
                return redirect("catalog:fonds_detail", code=unit.fonds.code)
            form, status = _conflict(request, form, unit, exc), 409
        except ValidationError as exc:
            form_errors_from(form, exc)
            unit.refresh_from_db()
        else:
            messages.success(request, _("已保存。"))
            return redirect("catalog:unit_detail", uuid=unit.uuid)
    context = {"form": form, "unit": unit, "fonds": unit.fonds, "trail": visible_ancestors(request.user, unit)}
    return render(request, "catalog/unit_form.html", context, status=400 if status == 200 and form.errors else status)


def _conflict(request: HttpRequest, form: UnitForm, unit: ArchivalUnit, exc: EditConflict) -> UnitForm:
    """The form again, as typed, with the conflict explained and the fields that now differ listed; its version is
    the current one, so saving again (after checking) applies what is on the form."""
    unit.refresh_from_db()
    differences = form.differences(unit)
    data = request.POST.copy()
    data["version"] = str(unit.version)
    again = UnitForm(data, initial=UnitForm.initial_for(unit), classifications=visible_classifications(request.user))
    again.is_valid()
    again.add_error(None, exc.message)
    for label, value in differences:
        again.add_error(None, _("与您所填不同：“%(field)s”现在保存的是“%(value)s”") % {"field": label, "value": value})
    return again


@capability_required(Capability.CATALOG_CHANGE)
def unit_move(request: HttpRequest, uuid: Any) -> HttpResponse:
    unit = get_visible_unit(request, uuid)
    form = MoveForm(request.POST or None, initial={"version": unit.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["target"]
        target = find_visible_unit(request.user, unit.fonds, reference) if reference else None
        if reference and target is None:
            form.add_error("target", _("本全宗中找不到档号或标识符为“%(ref)s”的档案。") % {"ref": reference})
        else:
            try:
                do_move_unit(request.user, unit, target, expected_version=form.cleaned_data["version"])
            except EditConflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                form_errors_from(form, exc, fields=())
            else:
                messages.success(request, _("已移动。"))
                return redirect("catalog:unit_detail", uuid=unit.uuid)
    context = {"form": form, "unit": unit, "fonds": unit.fonds, "trail": visible_ancestors(request.user, unit)}
    return render(request, "catalog/unit_move.html", context, status=400 if status == 200 and form.errors else status)


@capability_required(Capability.CATALOG_CHANGE)
def unit_delete(request: HttpRequest, uuid: Any) -> HttpResponse:
    unit = get_visible_unit(request, uuid)
    if request.method == "POST":
        parent, fonds = unit.parent, unit.fonds
        try:
            expected = parse_version(request.POST.get("version"))
        except ValueError:
            expected = None
        try:
            do_delete_unit(request.user, unit, expected_version=expected)
        except (ValidationError, EditConflict) as exc:
            messages.error(request, str(exc) if isinstance(exc, EditConflict) else " ".join(exc.messages))
            return redirect("catalog:unit_detail", uuid=unit.uuid)
        messages.success(request, _("已删除档案“%(unit)s”。") % {"unit": unit})
        if parent is not None and can_view_unit(request.user, parent):
            return redirect("catalog:unit_detail", uuid=parent.uuid)
        return redirect("catalog:fonds_detail", code=fonds.code)
    context = {
        "unit": unit,
        "fonds": unit.fonds,
        "trail": visible_ancestors(request.user, unit),
        "holds": hold_labels(holds_on([unit.pk]).get(unit.pk, [])),
    }
    return render(request, "catalog/unit_delete.html", context)


@require_POST
@capability_required(Capability.CATALOG_CHANGE)
def unit_link_authority(request: HttpRequest, uuid: Any) -> HttpResponse:
    unit = get_visible_unit(request, uuid)
    form = AuthorityLinkForm(request.POST)
    if not form.is_valid():  # the form finds the record by any of its names (see AuthorityLinkForm)
        messages.error(request, form.error_summary())
        return redirect("catalog:unit_detail", uuid=unit.uuid)
    data = form.cleaned_data
    authority = data["authority"]
    try:
        do_link_authority(request.user, unit, authority, data["role"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已关联规范档案“%(name)s”。") % {"name": authority.name})
    return redirect("catalog:unit_detail", uuid=unit.uuid)


@require_POST
@capability_required(Capability.CATALOG_CHANGE)
def unit_unlink_authority(request: HttpRequest, uuid: Any, link_id: int) -> HttpResponse:
    unit = get_visible_unit(request, uuid)
    link = get_object_or_404(UnitAuthority.objects.select_related("authority", "unit"), pk=link_id, unit=unit)
    do_unlink_authority(request.user, link)
    messages.success(request, _("已取消关联“%(name)s”。") % {"name": link.authority.name})
    return redirect("catalog:unit_detail", uuid=unit.uuid)
