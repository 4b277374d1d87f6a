"""The audit log pages (安全审计员): the list with its filter, the chain check, and the export.

Thin: entries are shown through ``core.auditlog.display`` (labels, and only the content the reader may see); the
export is an action (``core.actions.auditlog``) because it is itself recorded in the log.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from dangan.utilities.views import capability_required, paginate_light

from .actions.auditlog import do_export_audit_log
from .audit import verify_chain
from .auditlog.display import present
from .auditlog.filters import PARAMETERS, AuditFilterForm
from .filters import AuditEntryFilter
from .roles import Capability

PAGE_SIZE = 30


def _filter_params(params: QueryDict) -> dict[str, str]:
    return {name: str(params.get(name)) for name in PARAMETERS if params.get(name)}


def _filter_form(params: QueryDict) -> AuditFilterForm:
    return AuditFilterForm(_filter_params(params) or None)


def _filters(params: QueryDict) -> AuditEntryFilter:
    return AuditEntryFilter.from_params(_filter_params(params))


@capability_required(Capability.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request.GET)
    filters = _filters(request.GET)
    # Paged without counting: the log grows for ever, and a COUNT(*) of it would slow every page.
    page = paginate_light(request, filters.apply(request.user), size=PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "rows": present(page.object_list, request.user),
        "filters": _filter_params(request.GET),
    }
    return render(request, "core/audit_list.html", context)


@capability_required(Capability.AUDIT_VIEW)
def audit_verify(request: HttpRequest) -> HttpResponse:
    """The chain check, as a fragment loaded after the page (it reads the whole log)."""
    return render(request, "core/_audit_chain.html", {"report": verify_chain()})


@require_POST
@capability_required(Capability.AUDIT_VIEW)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The entries the filter selects, as a .csv or .xlsx file (the filter comes with the POST)."""
    try:
        result = do_export_audit_log(request.user, _filters(request.POST), request.POST.get("format", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        back, query = reverse("core:audit_list"), urlencode(_filter_params(request.POST))
        return redirect(f"{back}?{query}" if query else back)
    handle = result.path.open("rb")
    result.path.unlink()  # the open handle keeps the bytes until the response is sent
    response = FileResponse(handle, as_attachment=True, filename=result.file_name, content_type=result.content_type)
    response["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)  # a streamed response: the view decorators only pass it on
