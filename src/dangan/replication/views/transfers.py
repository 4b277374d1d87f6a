"""The copies' status (/manage/replication/copies/): for every package, where its copies are, their state, when
each was last replicated and proven, and what falls short of the policy (copies, kinds of medium, sites); the
backup register (备份登记); and "replicate now" (立即复制) for those who manage replication.

Titles and 档号 are shown only where catalog.policy lets the viewer see the unit; otherwise the package's id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

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
from dangan.core.roles import Capability, has_capability
from dangan.preservation.models import PreservedPackage
from dangan.preservation.ocfl.inventory import parse_version_name
from dangan.replication.actions.transfers import do_start_replicate
from dangan.replication.models import BackupRecord, Replica, Target
from dangan.replication.policy import Policy, is_current, replicas_by_package, shortfalls
from dangan.utilities.views import capability_required, paginate

PAGE_SIZE = 50


@dataclass
class CopyRow:
    target: Target
    replica: Replica | None
    planned: bool
    current: bool


@dataclass
class PackageRow:
    uuid: UUID
    unit_uuid: UUID | None
    hidden: bool
    reference_code: str
    title: str
    head: str
    copies: list[CopyRow] = field(default_factory=list)
    short: list[str] = field(default_factory=list)
    in_policy: bool = True


def _visible_unit_ids(viewer: Any, unit_ids: set[int]) -> set[int]:
    if not unit_ids:
        return set()
    return set(visible_units(viewer, ArchivalUnit.objects.filter(pk__in=unit_ids)).values_list("pk", flat=True))


def package_rows(viewer: Any, packages: list[PreservedPackage]) -> list[PackageRow]:
    """The page's packages as ``viewer`` may read them, with their copies and shortfalls."""
    policy = Policy.load()
    every = {t.pk: t for t in Target.objects.all()}
    visible = _visible_unit_ids(viewer, {p.unit_id for p in packages if p.unit_id})
    by_package = replicas_by_package(packages)
    rows = []
    for package in packages:
        plan = policy.plan_for(package)
        head = (parse_version_name(package.head_version or "") or (0, 0))[0]
        replicas = by_package.get(package.pk, [])
        hidden = package.unit_id not in visible
        row = PackageRow(
            package.uuid,
            None if hidden or package.unit is None else package.unit.uuid,
            hidden,
            "" if hidden else package.reference_code,
            "" if hidden else package.label,
            package.head_version,
            in_policy=bool(plan.targets or plan.requirement.rules),
        )
        planned = {t.pk for t in plan.targets}
        at = {r.target_id: r for r in replicas}
        for target_id in sorted(planned | set(at), key=lambda pk: every[pk].name):
            replica = at.get(target_id)
            row.copies.append(
                CopyRow(
                    every[target_id], replica, target_id in planned, replica is not None and is_current(replica, head)
                )
            )
        if row.in_policy:
            for target_id in planned:
                if target_id not in at or not is_current(at[target_id], head):
                    row.short.append(_("%(target)s 未同步") % {"target": every[target_id].name})
            row.short.extend(s.message for s in shortfalls(plan.requirement, replicas, policy.by_id, head))
        rows.append(row)
    return rows


@require_safe
@capability_required(Capability.REPLICATION_VIEW)
def copies(request: HttpRequest) -> HttpResponse:
    packages = PreservedPackage.objects.select_related("unit").order_by("created", "id")
    page = paginate(request, packages, PAGE_SIZE)
    context = {
        "page": page,
        "rows": package_rows(request.user, list(page.object_list)),
        "can_manage": has_capability(request.user, Capability.REPLICATION_MANAGE),
        "targets": Target.objects.filter(enabled=True).order_by("name"),
    }
    return render(request, "replication/transfers/copies.html", context)


@require_safe
@capability_required(Capability.REPLICATION_VIEW)
def register(request: HttpRequest) -> HttpResponse:
    records = BackupRecord.objects.select_related("package").order_by("-at", "-id")
    page = paginate(request, records, PAGE_SIZE)
    entries = list(page.object_list)
    visible = _visible_unit_ids(request.user, {r.package.unit_id for r in entries if r.package and r.package.unit_id})
    rows = [
        {
            "record": record,
            "hidden": record.package is None or record.package.unit_id not in visible,
            "reference_code": record.package.reference_code if record.package else "",
            "title": record.package.label if record.package else "",
        }
        for record in entries
    ]
    return render(request, "replication/transfers/register.html", {"page": page, "rows": rows})


@require_POST
@capability_required(Capability.REPLICATION_MANAGE)
def replicate_now(request: HttpRequest) -> HttpResponse:
    target = None
    if request.POST.get("target"):
        target = Target.objects.filter(name=request.POST["target"], enabled=True).first()
        if target is None:
            messages.error(request, _("没有这个备份目标。"))
            return redirect("replication:copies")
    try:
        do_start_replicate(signed_in(request), target)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已开始复制；完成后本页显示结果。"))
    return redirect("replication:copies")


manage_urls: list[URLPattern] = [
    path("copies/", copies, name="copies"),
    path("copies/register/", register, name="backup_register"),
    path("copies/replicate/", replicate_now, name="replicate_now"),
]
