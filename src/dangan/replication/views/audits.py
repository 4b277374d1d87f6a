"""The audits' pages (/manage/replication/audits/): each target's audits (when, full or sampled, how much of the
copy was sampled and covered, the traffic, the outcome), one run's failures, and "audit now" (立即验证) for those who
manage replication.

A failure names its package by 档号 only where catalog.policy lets the viewer see the unit; otherwise by the
package's id (an audit covers every package whatever its 密级)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import visible_units
from dangan.core.actors import signed_in
from dangan.core.roles import Capability, has_capability
from dangan.preservation.models import PreservedPackage
from dangan.replication.actions.audits import do_start_audit
from dangan.replication.models import AuditRun, Target
from dangan.utilities.views import capability_required, paginate

PAGE_SIZE = 50


@require_safe
@capability_required(Capability.REPLICATION_VIEW)
def audits(request: HttpRequest) -> HttpResponse:
    runs = AuditRun.objects.select_related("target").order_by("-started_at", "-id")
    chosen = request.GET.get("target", "")
    if chosen:
        runs = runs.filter(target__name=chosen)
    page = paginate(request, runs, PAGE_SIZE)
    targets = list(Target.objects.order_by("name"))
    latest = []
    for target in targets:
        run = AuditRun.objects.filter(target=target).order_by("-started_at", "-id").first()
        if run is not None or target.enabled:
            latest.append({"target": target, "run": run})
    context = {
        "page": page,
        "latest": latest,
        "chosen": chosen,
        "targets": [t for t in targets if t.enabled],
        "can_manage": has_capability(request.user, Capability.REPLICATION_MANAGE),
    }
    return render(request, "replication/audits/list.html", context)


def _failures(viewer: Any, run: AuditRun) -> list[dict[str, Any]]:
    raw = [item for item in (run.failures or []) if isinstance(item, dict)]
    uuids = {str(item.get("package") or "") for item in raw} - {""}
    packages = {str(p.uuid): p for p in PreservedPackage.objects.filter(uuid__in=uuids)}
    unit_ids = {p.unit_id for p in packages.values() if p.unit_id}
    visible = (
        set(visible_units(viewer, ArchivalUnit.objects.filter(pk__in=unit_ids)).values_list("pk", flat=True))
        if unit_ids
        else set()
    )
    rows = []
    for item in raw:
        package = packages.get(str(item.get("package") or ""))
        shown = package is not None and package.unit_id in visible
        rows.append(
            {
                **item,
                "hidden": not shown,
                "reference_code": package.reference_code if shown and package else "",
                "title": package.label if shown and package else "",
            }
        )
    return rows


@require_safe
@capability_required(Capability.REPLICATION_VIEW)
def audit_run(request: HttpRequest, run: int) -> HttpResponse:
    found = get_object_or_404(AuditRun.objects.select_related("target"), pk=run)
    return render(request, "replication/audits/run.html", {"run": found, "failures": _failures(request.user, found)})


@require_POST
@capability_required(Capability.REPLICATION_MANAGE)
def audit_now(request: HttpRequest) -> HttpResponse:
    target = None
    if request.POST.get("target"):
        target = Target.objects.filter(name=request.POST["target"]).first()
        if target is None:
            messages.error(request, _("没有这个备份目标。"))
            return redirect("replication:audits")
    try:
        do_start_audit(signed_in(request), target, full=request.POST.get("full") == "1")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已开始验证；完成后本页显示结果。"))
    return redirect("replication:audits")


manage_urls: list[URLPattern] = [
    path("audits/", audits, name="audits"),
    path("audits/<int:run>/", audit_run, name="audit_run"),
    path("audits/start/", audit_now, name="audit_now"),
]
