"""Catalog import pages: recent imports, uploading a file, and an import's live progress and result."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

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
    if request.method == "POST" and form.is_valid():
        from dangan.catalog.actions.importing import ImportError_, do_start_import

        upload = form.cleaned_data["file"]
        try:
            batch = do_start_import(
                request.user, form.cleaned_data["fonds"], upload.name, upload, dry_run=form.cleaned_data["dry_run"]
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        except ImportError_ as exc:
            form.add_error("file", str(exc))
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
        else:
            return redirect("catalog:import_detail", uuid=batch.uuid)
    return render(request, "catalog/import_new.html", {"form": form}, status=400 if form.errors else 200)


def _status_context(batch: ImportBatch) -> dict[str, Any]:
    return {"batch": batch, "active": batch.status in ACTIVE}


@capability_required(Capability.CATALOG_IMPORT)
def import_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.select_related("fonds", "user"), uuid=uuid)
    context = _status_context(batch)
    if not context["active"]:
        context["errors"] = paginate(request, import_report_errors(request.user, batch), ERRORS_PER_PAGE)
        context["show_values"] = can_read_import_values(request.user, batch)
        context["units"] = list(visible_units(request.user, batch.units.all()).order_by("reference_code", "id")[:20])
    return render(request, "catalog/import_detail.html", context)


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
