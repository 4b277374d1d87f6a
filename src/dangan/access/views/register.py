"""Staff pages of the utilization register (利用登记) and its annual statistics (利用统计), under /manage/access/:
the register, filterable and paged, with an entry added by hand (电话咨询 …); the year's figures, and the same as
an Excel workbook. For the reviewers of access requests and the reading room desk (ACCESS_REVIEW or READING_ROOM)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dangan.access.actions.register import do_add_use_record, do_export_statistics, require_register
from dangan.access.choices import Channel, Purpose, UseKind
from dangan.access.filters.register import RegisterFilter
from dangan.access.forms.register import UseRecordForm
from dangan.access.register_rows import present
from dangan.access.statistics import (
    FIRST_YEAR,
    LAST_YEAR,
    annual_statistics,
    figure_columns,
    years_with_entries,
)
from dangan.catalog.models import Fonds
from dangan.core.actors import signed_in
from dangan.utilities.views import form_errors_from, paginate

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def register_staff(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Anonymous visitors go to the sign-in page; anyone but the register's staff gets a 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        require_register(request.user)
        return view(request, *args, **kwargs)

    return wrapped


@require_safe
@register_staff
def register_list(request: HttpRequest) -> HttpResponse:
    filters = RegisterFilter.from_params(request.GET)
    page = paginate(request, filters.apply(request.user), PAGE_SIZE)
    context = {
        "page": page,
        "rows": present(page.object_list, request.user),
        "filters": filters,
        "raw": request.GET,
        "kinds": UseKind.choices,
        "channels": Channel.choices,
        "purposes": Purpose.choices,
        "fonds_list": Fonds.objects.order_by("code").values_list("code", "name"),
    }
    return render(request, "access/register/list.html", context, status=400 if filters.errors else 200)


@register_staff
def register_add(request: HttpRequest) -> HttpResponse:
    form = UseRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_add_use_record(signed_in(request), **form.values())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已登记。"))
            return redirect("access:register")
    return render(request, "access/register/add.html", {"form": form}, status=400 if form.errors else 200)


def _year(request: HttpRequest) -> tuple[int, str]:
    """The year asked for (this year when none), and a message when the value given was wrong."""
    raw = (request.GET.get("year") or "").strip()
    this_year = timezone.localdate().year
    if not raw:
        return this_year, ""
    try:
        year = int(raw)
    except ValueError:
        return this_year, _("年度应为四位数字：%(value)s") % {"value": raw[:20]}
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return this_year, _("年度应在 %(low)d 与 %(high)d 之间") % {"low": FIRST_YEAR, "high": LAST_YEAR}
    return year, ""


@require_safe
@register_staff
def statistics(request: HttpRequest) -> HttpResponse:
    year, error = _year(request)
    years = years_with_entries()
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    context = {
        "stats": annual_statistics(year),
        "columns": figure_columns(),
        "year": year,
        "years": years,
        "year_error": error,
    }
    return render(request, "access/register/statistics.html", context, status=400 if error else 200)


@require_safe
@register_staff
def statistics_export(request: HttpRequest) -> HttpResponse:
    year, error = _year(request)
    if error:
        messages.error(request, error)
        return redirect("access:statistics")
    response = HttpResponse(do_export_statistics(signed_in(request), year), content_type=XLSX)
    name = _("%(year)d年档案利用统计.xlsx") % {"year": year}
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "no-store"
    return response


public_urls: list[URLPattern] = []
account_urls: list[URLPattern] = []
manage_urls: list[URLPattern] = [
    path("register/", register_list, name="register"),
    path("register/new/", register_add, name="register_add"),
    path("statistics/", statistics, name="statistics"),
    path("statistics/export/", statistics_export, name="statistics_export"),
]
