"""Export and print from the workspace: a whole fonds, the units a filtered list shows, or units picked in the list,
as .xlsx or .csv (the layout the importer reads back) or as the printable 归档文件目录 (PDF). The same actions and
the same visibility policy as the CLI; every export and print is audit-logged by its action."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangan.catalog.actions.exporting import ExportScope, export_catalog
from dangan.catalog.actions.printing import print_catalog
from dangan.catalog.filters import UnitFilter
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.core.roles import Capability
from dangan.utilities.fonts import FontMissing
from dangan.utilities.text import is_uuid
from dangan.utilities.views import capability_required

from .common import get_fonds

FORMATS = ("xlsx", "csv", "pdf")
SCOPES = (ExportScope.FONDS, ExportScope.FILTER, ExportScope.SELECTION)
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
# Filter parameters carried from the list to the export (the list's own, less paging and the tab).
NOT_FILTERS = {"csrfmiddlewaretoken", "export", "unit", "tab", "page"}


@require_POST
@capability_required(Capability.CATALOG_VIEW)
def fonds_export(request: HttpRequest, code: str) -> HttpResponse:
    """POST ``export`` = "<scope>:<format>" (scope fonds, filter or selection; format xlsx, csv or pdf); a filter
    export carries the list's filter parameters, a selection the ``unit`` UUIDs that were ticked."""
    fonds = get_fonds(code)
    scope, _sep, kind = (request.POST.get("export") or "").partition(":")
    if scope not in SCOPES or kind not in FORMATS:
        messages.error(request, _("请选择导出的范围和格式。"))
        return _back(request, fonds, scope)
    units = _units(request, fonds, scope)
    if units is not None and scope == ExportScope.SELECTION and not units.exists():
        messages.error(request, _("请先勾选要导出或打印的档案。"))
        return _back(request, fonds, scope)
    try:
        if kind == "pdf":
            printed = print_catalog(request.user, fonds, units=units, scope=scope)
            return _file(printed.content, _file_name(fonds, scope, kind), kind, attachment=False)
        with tempfile.TemporaryDirectory(prefix="dangan-export-") as folder:
            path = Path(folder) / _file_name(fonds, scope, kind)
            export_catalog(request.user, fonds, path, units=units, scope=scope)
            content = path.read_bytes()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return _back(request, fonds, scope)
    except FontMissing as exc:
        messages.error(request, str(exc))
        return _back(request, fonds, scope)
    return _file(content, path.name, kind, attachment=True)


def _units(request: HttpRequest, fonds: Fonds, scope: str) -> QuerySet[ArchivalUnit] | None:
    """The part of the fonds asked for (None: all of it). Visibility is applied by the actions (catalog.policy)."""
    if scope == ExportScope.FILTER:
        params = {key: request.POST.get(key) for key in request.POST if key not in NOT_FILTERS}
        params["fonds"] = fonds.code
        return UnitFilter.from_params(params).apply(request.user, ArchivalUnit.objects.filter(fonds=fonds))
    if scope == ExportScope.SELECTION:
        picked = [value for value in request.POST.getlist("unit") if is_uuid(value)]
        return ArchivalUnit.objects.filter(fonds=fonds, uuid__in=picked).order_by("reference_code", "id")
    return None


def _file_name(fonds: Fonds, scope: str, kind: str) -> str:
    part = {ExportScope.FONDS: "", ExportScope.FILTER: "-检索结果", ExportScope.SELECTION: "-所选档案"}[scope]
    return f"{fonds.code}-归档文件目录{part}-{timezone.localdate():%Y%m%d}.{kind}"


def _file(content: bytes, name: str, kind: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = content_disposition_header(attachment, name) or ""
    response["Cache-Control"] = "no-store"  # a catalog may hold classified descriptions: keep it out of caches
    return response


def _back(request: HttpRequest, fonds: Fonds, scope: str) -> HttpResponse:
    url = reverse("catalog:fonds_detail", args=[fonds.code])
    if scope in (ExportScope.FILTER, ExportScope.SELECTION):
        params: dict[str, Any] = {key: request.POST.get(key) for key in request.POST if key not in NOT_FILTERS}
        return redirect(f"{url}?{urlencode({'tab': 'list', **params})}")
    return redirect(url)
