"""Restore drills (恢复演练) under /manage/replication/drills/: the drills and restores done (target, when, by
whom, recovery time and point, what was restored, failures), one drill's detail with every failure named and its
PDF report, and "start a drill" of a target for the system administrator (REPLICATION_MANAGE), run as a task.
Replication staff only (REPLICATION_VIEW)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dangan.core.actors import signed_in
from dangan.core.roles import Capability, has_capability
from dangan.replication.actions.drills import do_start_drill
from dangan.replication.models import DrillRun, Target
from dangan.replication.views.discs import replication_staff


@require_safe
@replication_staff
def drill_list(request: HttpRequest) -> HttpResponse:
    context = {
        "drills": DrillRun.objects.select_related("target")[:200],
        "targets": Target.objects.filter(enabled=True).order_by("name"),
        "can_manage": has_capability(request.user, Capability.REPLICATION_MANAGE),
    }
    return render(request, "replication/drills/list.html", context)


@require_POST
@replication_staff
def drill_start(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, Capability.REPLICATION_MANAGE):
        raise PermissionDenied(_("您没有管理备份的权限。"))
    raw = request.POST.get("target", "")
    target = Target.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if target is None:
        messages.error(request, _("请选择备份目标。"))
        return redirect("replication:drills")
    try:
        do_start_drill(signed_in(request), target, fonds=request.POST.get("fonds", "").strip())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已开始由 %(target)s 恢复演练，完成后在此列出。") % {"target": target.name})
    return redirect("replication:drills")


def shown_failures(viewer: Any, run: DrillRun) -> list[dict[str, str]]:
    """The drill's failures as ``viewer`` may read them: an object whose unit the viewer may not see (catalog.policy)
    is named by its object id, never by its 档号."""
    from dangan.catalog.models import ArchivalUnit
    from dangan.catalog.policy import visible_units
    from dangan.preservation.models import PreservedPackage
    from dangan.preservation.ocfl.root import object_id_for

    ids = {str(f.get("package")) for f in run.failures if f.get("package")}
    units = dict(PreservedPackage.objects.filter(uuid__in=ids).values_list("uuid", "unit_id"))
    visible = set(
        visible_units(viewer, ArchivalUnit.objects.filter(pk__in=[u for u in units.values() if u])).values_list(
            "pk", flat=True
        )
    )
    shown = []
    for failure in run.failures:
        package = str(failure.get("package") or "")
        item = dict(failure)
        if package:
            unit = next((u for p, u in units.items() if str(p) == package), None)
            if unit is None or unit not in visible:
                item["object"] = object_id_for(package)
        shown.append(item)
    return shown


@require_safe
@replication_staff
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(DrillRun.objects.select_related("target"), pk=pk)
    context = {"run": run, "failures": shown_failures(request.user, run)}
    return render(request, "replication/drills/detail.html", context)


@require_safe
@replication_staff
def drill_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from dangan.replication.drill_pdf import render_drill_pdf

    run = get_object_or_404(DrillRun.objects.select_related("target"), pk=pk)
    response = HttpResponse(render_drill_pdf(run, shown_failures(request.user, run)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="drill-{run.pk}.pdf"'
    return response


manage_urls: list[URLPattern] = [
    path("drills/", drill_list, name="drills"),
    path("drills/start", drill_start, name="drill_start"),
    path("drills/<int:pk>/", drill_detail, name="drill"),
    path("drills/<int:pk>/report.pdf", drill_pdf, name="drill_pdf"),
]
