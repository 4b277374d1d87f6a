"""Disposal pages (鉴定销毁 / 处置): asking to dispose of a unit, the register of disposals, and deciding a request.

The register shows, to those catalog.policy lets read it, each request with its unit's record — kept after
disposal, with its preserved package — and a second person approves or rejects an open one. An entry whose unit is
above the reader's clearance is a 404, like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangan.catalog.actions.disposals import (
    do_approve_disposal,
    do_reject_disposal,
    do_request_disposal,
    do_withdraw_disposal,
    is_requester,
)
from dangan.catalog.filters import DisposalFilter
from dangan.catalog.forms import DisposalDecisionForm, DisposalRequestForm
from dangan.catalog.holds import hold_labels, holds_on
from dangan.catalog.models import UnitDisposal
from dangan.catalog.panels import render_unit_panels
from dangan.catalog.policy import can_view_unit, visible_ancestors, visible_disposals
from dangan.core.roles import Capability
from dangan.utilities.concurrency import EditConflict
from dangan.utilities.views import capability_required, form_errors_from, paginate

from .common import get_visible_unit

STATUS_TABS = ("requested", "approved", "all")


@capability_required(Capability.CATALOG_CHANGE)
def unit_dispose(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Ask to dispose of a unit: a reason, recorded; a second person decides."""
    unit = get_visible_unit(request, uuid)
    form = DisposalRequestForm(request.POST or None, initial={"version": unit.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            disposal = do_request_disposal(
                request.user, unit, form.cleaned_data["reason"], expected_version=form.cleaned_data["version"]
            )
        except EditConflict as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已提交鉴定销毁申请，须由另一人审批。"))
            return redirect("catalog:disposal_detail", uuid=disposal.uuid)
    context = {
        "form": form,
        "unit": unit,
        "fonds": unit.fonds,
        "trail": visible_ancestors(request.user, unit),
        "holds": hold_labels(holds_on([unit.pk]).get(unit.pk, [])),
    }
    return render(
        request, "catalog/unit_dispose.html", context, status=400 if status == 200 and form.errors else status
    )


@capability_required(Capability.CATALOG_CHANGE)
def disposal_list(request: HttpRequest) -> HttpResponse:
    """The register of disposals: open requests first, then what was disposed of (and, on request, everything)."""
    tab = request.GET.get("status") or "requested"
    if tab not in STATUS_TABS:
        tab = "requested"
    filters = DisposalFilter.from_params({"status": "" if tab == "all" else tab})
    context = {"page": paginate(request, filters.apply(request.user), 50), "tab": tab}
    return render(request, "catalog/disposal_list.html", context)


def _visible_disposal(request: HttpRequest, uuid: Any) -> UnitDisposal:
    queryset = visible_disposals(request.user).select_related("unit", "unit__fonds", "unit__category")
    return get_object_or_404(queryset, uuid=uuid)


@capability_required(Capability.CATALOG_CHANGE)
def disposal_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    disposal = _visible_disposal(request, uuid)
    unit = disposal.unit
    requester = is_requester(request.user, disposal)
    context = {
        "disposal": disposal,
        "unit": unit,
        "fonds": unit.fonds,
        "in_holdings": can_view_unit(request.user, unit),
        "subjects": list(unit.subjects.values_list("term", flat=True)),
        "holds": hold_labels(disposal.holds),
        "may_decide": disposal.is_open and not requester,
        "may_withdraw": disposal.is_open and requester,
        "decision_form": DisposalDecisionForm(),
        "panels": render_unit_panels(request, unit),
    }
    return render(request, "catalog/disposal_detail.html", context)


@require_POST
@capability_required(Capability.CATALOG_CHANGE)
def disposal_decide(request: HttpRequest, uuid: Any) -> HttpResponse:
    """approve / reject (a second person) or withdraw (the requester) an open request."""
    disposal = _visible_disposal(request, uuid)
    decision = request.POST.get("decision", "")
    form = DisposalDecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if decision == "approve":
            do_approve_disposal(request.user, disposal, note)
            messages.success(request, _("已批准，档案已处置。记录和保存包保留在处置登记中。"))
        elif decision == "reject":
            do_reject_disposal(request.user, disposal, note)
            messages.success(request, _("已驳回申请，档案保留在馆藏中。"))
        elif decision == "withdraw":
            do_withdraw_disposal(request.user, disposal)
            messages.success(request, _("已撤回申请。"))
        else:
            messages.error(request, _("未知的操作。"))
    except (ValidationError, PermissionDenied, EditConflict) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text or _("您没有执行此操作的权限。"))
    return redirect("catalog:disposal_detail", uuid=disposal.uuid)
