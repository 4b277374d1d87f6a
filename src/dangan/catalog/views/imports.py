"""Catalog import pages: recent imports, uploading a file, an import's live progress and result, and importing a
passed dry run's file without uploading it again (正式导入)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangan.catalog.filters import ImportBatchFilter
from dangan.catalog.forms import ImportForm
from dangan.catalog.models import Fonds, ImportBatch
from dangan.catalog.policy import can_read_import_values, import_report_errors, visible_units
from dangan.core.roles import Capability
from dangan.utilities.views import capability_required, form_errors_from, is_htmx, paginate

ACTIVE = (ImportBatch.Status.PENDING, ImportBatch.Status.RUNNING)
ERRORS_PER_PAGE = 100


@capability_required(Capability.CATALOG_IMPORT)
def import_list(request: HttpRequest) -> HttpResponse:
    filters = ImportBatchFilter.from_params(request.GET)
    page = paginate(request, filters.apply(request.user), 30)
    return render(request, "catalog/import_list.html", {"page": page, "filters": filters})


@capability_required(Capability.CATALOG_IMPORT)
def import_new(request: HttpRequest) -> HttpResponse:
    initial = {}
    if code := request.GET.get("fonds"):
        initial["fonds"] = Fonds.objects.filter(code__iexact=code).first()
    form = ImportForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        from dangan.catalog.actions.importing import ImportAlreadyActive, ImportError_, do_start_import

        upload = form.cleaned_data["file"]
        try:
            batch = do_start_import(
                request.user, form.cleaned_data["fonds"], upload.name, upload, dry_run=form.cleaned_data["dry_run"]
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        except ImportAlreadyActive as exc:
            form.add_error(None, str(exc))
            context["running"], status = exc.batch, 409
        except ImportError_ as exc:
            form.add_error("file", str(exc))
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
        else:
            return redirect("catalog:import_detail", uuid=batch.uuid)
    if form.errors and status == 200:
        status = 400
    return render(request, "catalog/import_new.html", context, status=status)


def _status_context(batch: ImportBatch) -> dict[str, Any]:
    from dangan.catalog.actions.importing import settle_if_stale

    settle_if_stale(batch)  # a batch whose task ended abnormally shows as failed, not as running forever
    return {"batch": batch, "active": batch.status in ACTIVE}


@capability_required(Capability.CATALOG_IMPORT)
def import_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    from dangan.catalog.actions.importing import check_import_checked

    batch = get_object_or_404(ImportBatch.objects.select_related("fonds", "user", "dry_run_batch"), uuid=uuid)
    context = _status_context(batch)
    if not context["active"]:
        context["errors"] = paginate(request, import_report_errors(request.user, batch), ERRORS_PER_PAGE)
        context["show_values"] = can_read_import_values(request.user, batch)
        context["units"] = list(visible_units(request.user, batch.units.all()).order_by("reference_code", "id")[:20])
    if batch.dry_run and batch.status == ImportBatch.Status.CHECKED:
        context["follow_up"] = batch.imports.order_by("-created").first()
        try:
            check_import_checked(request.user, batch)
            context["can_import_checked"] = context["follow_up"] is None or not context["follow_up"].is_active
        except (PermissionDenied, ValidationError):
            context["can_import_checked"] = False
    return render(request, "catalog/import_detail.html", context)


@require_POST
@capability_required(Capability.CATALOG_IMPORT)
def import_checked(request: HttpRequest, uuid: Any) -> HttpResponse:
    """正式导入: import the stored file of a passed dry run (checked again as it runs), then show the new batch."""
    from dangan.catalog.actions.importing import ImportAlreadyActive, do_import_checked

    checked = get_object_or_404(ImportBatch.objects.select_related("fonds"), uuid=uuid)
    try:
        batch = do_import_checked(request.user, checked)
    except ImportAlreadyActive as exc:
        messages.error(request, str(exc))
        return redirect("catalog:import_detail", uuid=exc.batch.uuid)
    except (PermissionDenied, ValidationError) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text or _("您没有执行此操作的权限。"))
        return redirect("catalog:import_detail", uuid=checked.uuid)
    return redirect("catalog:import_detail", uuid=batch.uuid)


@capability_required(Capability.CATALOG_IMPORT)
def import_progress(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The status panel, polled every second by htmx while the import runs; reloads the page when it ends."""
    batch = get_object_or_404(ImportBatch, uuid=uuid)
    if not is_htmx(request):
        return redirect("catalog:import_detail", uuid=batch.uuid)
    context = _status_context(batch)
    response = render(request, "catalog/_import_status.html", context)
    if not context["active"]:
        response["HX-Refresh"] = "true"  # the finished page shows the result and the error table
    return response
