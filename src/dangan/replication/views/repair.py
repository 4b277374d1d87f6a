"""The repair page (/manage/replication/repair/, REPLICATION_MANAGE): the copies found damaged or missing at each
target (what the audits and repair's own check recorded), this node's files the fixity audit found damaged, the
latest repairs in the backup register, and "repair now" (立即修复, a background task).

Packages are named by 档号 only where catalog.policy lets the viewer see the unit; otherwise by package id."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import visible_units
from dangan.core.actors import signed_in
from dangan.core.models import AuditEntry
from dangan.core.roles import Capability
from dangan.preservation.choices import FixityStatus
from dangan.preservation.models import PreservedPackage
from dangan.replication.actions.repair import do_start_repair
from dangan.replication.models import BackupRecord, RegisterKind, StoredEnvelope, Target
from dangan.utilities.views import capability_required

LISTED = 200


def _names(viewer: Any, packages: list[PreservedPackage]) -> dict[int, str]:
    """Package pk → how the viewer may see it named: its 档号 where the unit is visible, else its id."""
    unit_ids = {p.unit_id for p in packages if p.unit_id}
    visible = (
        set(visible_units(viewer, ArchivalUnit.objects.filter(pk__in=unit_ids)).values_list("pk", flat=True))
        if unit_ids
        else set()
    )
    return {p.pk: (p.reference_code or str(p.uuid)) if p.unit_id in visible else str(p.uuid) for p in packages}


@require_safe
@capability_required(Capability.REPLICATION_MANAGE)
def repair(request: HttpRequest) -> HttpResponse:
    viewer = signed_in(request)
    faults = list(
        StoredEnvelope.objects.exclude(fault="")
        .select_related("replica__package", "replica__target")
        .order_by("-fault_found_at", "id")[:LISTED]
    )
    own = list(PreservedPackage.objects.filter(fixity_status=FixityStatus.FAILED).order_by("id")[:LISTED])
    records = list(
        BackupRecord.objects.filter(kind__in=(RegisterKind.REPAIR, RegisterKind.RESTORE))
        .select_related("package")
        .order_by("-at", "-id")[:50]
    )
    last = AuditEntry.objects.filter(action="replication.repair").order_by("-timestamp", "-id").first()
    failed = list((last.data or {}).get("failed", [])) if last is not None else []
    by_uuid = {
        str(p.uuid): p for p in PreservedPackage.objects.filter(uuid__in=[str(f.get("package", "")) for f in failed])
    }
    packages = {row.replica.package for row in faults} | set(own) | {r.package for r in records if r.package}
    names = _names(viewer, [*packages, *by_uuid.values()])
    context = {
        "last": last,
        "last_failed": [
            {
                "name": names.get(by_uuid[f["package"]].pk, f["package"]) if f.get("package") in by_uuid else "",
                "path": f.get("path", ""),
                "target": f.get("target", ""),
                "reason": f.get("reason", ""),
            }
            for f in failed
        ],
        "faults": [(row, names.get(row.replica.package_id, "")) for row in faults],
        "own": [(package, names.get(package.pk, "")) for package in own],
        "records": [(record, names.get(record.package_id or 0, str(record.package_uuid))) for record in records],
        "targets": Target.objects.filter(enabled=True).order_by("name"),
    }
    return render(request, "replication/repair/repair.html", context)


@require_POST
@capability_required(Capability.REPLICATION_MANAGE)
def repair_now(request: HttpRequest) -> HttpResponse:
    target = None
    if request.POST.get("target"):
        target = Target.objects.filter(name=request.POST["target"], enabled=True).first()
        if target is None:
            messages.error(request, _("没有这个备份目标。"))
            return redirect("replication:repair")
    try:
        do_start_repair(signed_in(request), target)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已开始修复；完成后本页显示结果。"))
    return redirect("replication:repair")


manage_urls: list[URLPattern] = [
    path("repair/", repair, name="repair"),
    path("repair/now/", repair_now, name="repair_now"),
]
