"""Workspace pages of preservation: the 长期保存 section of a unit with its upload form, a package's versions, files
and events, file downloads, and fixity audits with live progress. Visibility of a package is its unit's, asked of
catalog.policy; a package the user may not see is a 404, like one that does not exist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Min
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from dangan.catalog.choices import DisposalStatus
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit
from dangan.core.roles import Capability
from dangan.utilities.views import capability_required, form_errors_from, is_htmx, paginate

from .actions.access import can_view_package, do_open_file, readable_failures
from .actions.attaching import do_attach_files
from .actions.auditing import do_start_audit
from .choices import AuditKind
from .filters import AuditRunFilter
from .forms import AuditStartForm, UploadNoteForm
from .models import AuditRun, PackageEvent, PackageFile, PreservedPackage
from .permissions import PRESERVE, RUN_AUDIT, VIEW, may
from .uploads import StagedFile, read_upload, staging_folder, upload_limits

PANEL_FILES = 20
PANEL_EVENTS = 10


def _visible_package(request: HttpRequest, uuid: Any) -> PreservedPackage:
    package = get_object_or_404(PreservedPackage.objects.select_related("unit", "last_audit_run"), uuid=uuid)
    if not can_view_package(request.user, package):
        raise Http404
    return package


def unit_panel(request: HttpRequest, unit: Any) -> str:
    """The 长期保存 section of the unit detail page (the page has already asked the policy about the unit)."""
    package = PreservedPackage.objects.filter(unit=unit).select_related("last_audit_run").first()
    can_preserve = may(request.user, PRESERVE)
    context: dict[str, Any] = {"unit": unit, "package": package, "can_preserve": can_preserve}
    if can_preserve:
        context.update(upload_form=UploadNoteForm(auto_id="upload_%s"), limits=upload_limits())
    if package is not None:
        head = package.versions.order_by("-number").first()
        files = (
            PackageFile.objects.filter(version=head).order_by("logical_path") if head else PackageFile.objects.none()
        )
        context.update(
            versions=list(package.versions.order_by("-number")),
            head=head,
            files=list(files[:PANEL_FILES]),
            more_files=max(0, (head.file_count if head else 0) - PANEL_FILES),
            events=list(package.events.order_by("-date_time", "-id")[:PANEL_EVENTS]),
            event_count=package.events.count(),
        )
    return render_to_string("preservation/_unit_panel.html", context, request=request)


@csrf_exempt  # checked in _receive_files, once the body is on disk (see preservation.uploads)
def unit_files(request: HttpRequest, uuid: Any) -> HttpResponse:
    """GET: the form to upload files to a unit's package; POST: store them as a new version of it.

    Who may do this and whether the unit is visible are settled before the body is read; the files are then
    streamed to a staging folder, stored by ``do_attach_files`` and the folder removed."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may(request.user, VIEW):
        raise PermissionDenied
    unit = ArchivalUnit.objects.select_related("fonds").filter(uuid=uuid).first()
    if unit is None or not can_view_unit(request.user, unit):
        raise Http404
    if not may(request.user, PRESERVE):
        raise PermissionDenied
    if request.method != "POST":
        return _files_page(request, unit, UploadNoteForm())
    with staging_folder() as folder:
        files, problem = read_upload(request, folder)
        return _receive_files(request, unit, files, problem)


@csrf_protect
def _receive_files(request: HttpRequest, unit: ArchivalUnit, files: list[StagedFile], problem: str) -> HttpResponse:
    form = UploadNoteForm(request.POST)
    if problem:
        form.add_error(None, problem)
        return _files_page(request, unit, form, status=413)
    if form.is_valid():
        try:
            result = do_attach_files(request.user, unit, files, form.cleaned_data["message"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            if result.created:
                messages.success(
                    request,
                    _("已保存为新版本 %(version)s：新增或更新 %(count)d 个文件。")
                    % {"version": result.version, "count": result.files_added},
                )
            else:
                messages.info(request, _("上传的文件与当前版本中的相同，没有生成新版本。"))
            return redirect(reverse("catalog:unit_detail", args=[unit.uuid]) + "#preservation")
    return _files_page(request, unit, form, status=400)


def _files_page(request: HttpRequest, unit: ArchivalUnit, form: UploadNoteForm, status: int = 200) -> HttpResponse:
    package = PreservedPackage.objects.filter(unit=unit).first()
    context = {"unit": unit, "fonds": unit.fonds, "package": package, "upload_form": form, "limits": upload_limits()}
    return render(request, "preservation/unit_files.html", context, status=status)


@capability_required(Capability.CATALOG_VIEW)
def package_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    package = _visible_package(request, uuid)
    versions = list(package.versions.order_by("-number"))
    try:
        number = int(request.GET.get("version", ""))
    except ValueError:
        number = None
    version = next((v for v in versions if v.number == number), versions[0] if versions else None)
    files = PackageFile.objects.filter(version=version).order_by("logical_path")
    events = PackageEvent.objects.filter(package=package).select_related("version").order_by("-date_time", "-id")
    run = package.last_audit_run
    unit = package.unit
    context = {
        "package": package,
        "unit": unit,
        # A disposed-of unit is reached through the register of disposals, not the holdings.
        "disposal": unit.disposals.filter(status=DisposalStatus.APPROVED).first() if unit and unit.disposed else None,
        "versions": versions,
        "version": version,
        "files": paginate(request, files, 100),
        "events": events[:200],
        "event_count": events.count(),
        "failures": list(run.failures.filter(package=package)[:100]) if run else [],
    }
    return render(request, "preservation/package_detail.html", context)


@capability_required(Capability.CATALOG_VIEW)
def file_download(request: HttpRequest, uuid: Any, version: int, logical_path: str) -> HttpResponseBase:
    package = _visible_package(request, uuid)
    try:
        row, handle = do_open_file(request.user, package, version, logical_path)
    except (PackageFile.DoesNotExist, KeyError, PermissionDenied):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=row.name, content_type=row.mime_type or None)
    response["Content-Length"] = str(row.size)
    return response


def _schedule(now: Any) -> dict[str, Any]:
    first = PreservedPackage.objects.aggregate(first=Min("created"))["first"]
    last_full = AuditRun.objects.filter(kind=AuditKind.FULL).order_by("-created").first()
    last_any = AuditRun.objects.order_by("-created").first()
    full_days, sample_days = settings.AUDIT_FULL_DAYS, settings.AUDIT_SAMPLE_DAYS
    return {
        "enabled": settings.AUDIT_SCHEDULE,
        "full_days": full_days,
        "sample_days": sample_days,
        "sample_percent": settings.AUDIT_SAMPLE_PERCENT,
        "next_full": ((last_full.created if last_full else first) + timedelta(days=full_days)) if first else None,
        "next_sample": ((last_any.created if last_any else first) + timedelta(days=sample_days)) if first else None,
    }


def _runs_page(request: HttpRequest) -> Any:
    return paginate(request, AuditRunFilter.from_params(request.GET).apply(request.user), 30)


@capability_required(Capability.CATALOG_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    can_run = may(request.user, RUN_AUDIT)
    context = {
        "page": _runs_page(request),
        "form": AuditStartForm() if can_run else None,
        "schedule": _schedule(timezone.now()),
        "packages": PreservedPackage.objects.count(),
    }
    return render(request, "preservation/audit_list.html", context)


@require_POST
@capability_required(Capability.CATALOG_VIEW)
def audit_start(request: HttpRequest) -> HttpResponse:
    if not may(request.user, RUN_AUDIT):
        raise PermissionDenied
    form = AuditStartForm(request.POST)
    if form.is_valid():
        try:
            run = do_start_audit(request.user, form.percent, all_digests=form.cleaned_data["all_digests"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已发起固定性检查。"))
            return redirect("preservation:audit_detail", uuid=run.uuid)
    context = {
        "page": _runs_page(request),
        "form": form,
        "schedule": _schedule(timezone.now()),
        "packages": PreservedPackage.objects.count(),
    }
    return render(request, "preservation/audit_list.html", context, status=400)


def _run_context(request: HttpRequest, run: AuditRun) -> dict[str, Any]:
    return {"run": run, "active": run.active}


@capability_required(Capability.CATALOG_VIEW)
def audit_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    run = get_object_or_404(AuditRun, uuid=uuid)
    context = _run_context(request, run)
    # Only the failures in packages the policy lets the reader see are listed (their paths and digests name the
    # unit's files); the others are counted, as the run's totals already count them.
    failures = readable_failures(request.user, run.failures.select_related("package", "package__unit"))
    page = paginate(request, failures.order_by("id"), 100)
    context["failures"] = page
    context["failure_rows"] = list(page)
    context["hidden_failures"] = run.failures.count() - page.paginator.count
    return render(request, "preservation/audit_detail.html", context)


@capability_required(Capability.CATALOG_VIEW)
def audit_progress(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The status panel, polled every second by htmx while the audit runs; reloads the page when it ends."""
    run = get_object_or_404(AuditRun, uuid=uuid)
    if not is_htmx(request):
        return redirect("preservation:audit_detail", uuid=run.uuid)
    response = render(request, "preservation/_audit_status.html", _run_context(request, run))
    if not run.active:
        response["HX-Refresh"] = "true"
    return response
