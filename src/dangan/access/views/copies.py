"""Pages of the copies part (复制): a reader's requests and downloads under /account/copies/, the reading room's
queue and decisions under /manage/access/copies/. Thin: every change is an action (``access.actions.copies``);
whether a unit may be seen or copied is ``catalog.policy``'s answer, and a unit the person may not see is a 404."""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangan.access.actions.copies import (
    check_download,
    copy_file,
    copy_refusal,
    do_deliver_copy,
    do_queue_make,
    do_record_download,
    do_refuse_copy,
    do_request_copy,
    max_pages,
    page_total,
    visible_copies,
)
from dangan.access.forms.copies import CopyRequestForm, DeliverForm, DeskCopyForm, RefuseForm, VersionForm
from dangan.access.models.copies import CopyRequest, CopyStatus
from dangan.access.views.guards import reader_required
from dangan.catalog.api.common import unit_or_404
from dangan.catalog.policy import visible_units
from dangan.core.actors import signed_in
from dangan.core.models import User
from dangan.core.roles import Capability, is_reader
from dangan.utilities.views import capability_required, form_errors_from, paginate

DESK = Capability.READING_ROOM


def _errors(request: HttpRequest, exc: Exception) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


def _reader(request: HttpRequest) -> User:
    """The signed-in reader; the staff have no reader's account pages (403)."""
    user = signed_in(request)
    if not is_reader(user):
        raise PermissionDenied(_("此页面仅供查档人使用。"))
    return user


def _uuid(value: Any) -> uuid_module.UUID:
    try:
        return uuid_module.UUID(str(value))
    except ValueError:
        raise Http404(_("档案不存在。")) from None


def _copy(user: Any, value: Any) -> CopyRequest:
    copy = visible_copies(user).filter(uuid=_uuid(value)).first()
    if copy is None:
        raise Http404(_("复制申请不存在。"))
    return copy


def _download(request: HttpRequest, copy: CopyRequest) -> FileResponse:
    person = signed_in(request)
    file = check_download(person, copy)
    do_record_download(person, copy)
    response = FileResponse(file.open("rb"), as_attachment=True, filename=copy.file_name)
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- readers (/account/copies/)


@reader_required
def my_copies(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    page = paginate(request, visible_copies(reader).order_by("-created", "-pk"), 20)
    return render(request, "access/copies/account_list.html", {"page": page})


@reader_required
def copy_new(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    unit = unit_or_404(reader, request.GET.get("unit") or "")
    refusal = copy_refusal(reader, unit)
    total = page_total(unit) if refusal is None else 0
    context: dict[str, Any] = {"unit": unit, "refusal": refusal, "total": total}
    if refusal is not None:
        return render(request, "access/copies/account_new.html", context, status=403)
    form = CopyRequestForm(request.POST or None, page_total=total, limit=max_pages())
    if request.method == "POST" and form.is_valid():
        try:
            copy = do_request_copy(reader, reader, unit, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("复制申请已提交，工作人员制作完成后即可在此下载。"))
            return redirect("account:copy_detail", uuid=copy.uuid)
    context["form"] = form
    return render(request, "access/copies/account_new.html", context, status=400 if form.errors else 200)


@reader_required
def my_copy(request: HttpRequest, uuid: Any) -> HttpResponse:
    reader = _reader(request)
    copy = _copy(reader, uuid)
    return render(request, "access/copies/account_detail.html", {"copy": copy})


@reader_required
def my_copy_download(request: HttpRequest, uuid: Any) -> HttpResponseBase:
    reader = _reader(request)
    copy = CopyRequest.objects.select_related("unit", "reader").filter(uuid=_uuid(uuid), reader=reader).first()
    if copy is None:
        raise Http404(_("复制件不存在。"))
    return _download(request, copy)


# ---------------------------------------------------------------- the reading room (/manage/access/copies/)

STATUS_FILTERS = {"open": (CopyStatus.PENDING, CopyStatus.MADE), **{s.value: (s.value,) for s in CopyStatus}}


@capability_required(DESK)
def queue(request: HttpRequest) -> HttpResponse:
    person = signed_in(request)
    status = request.GET.get("status", "open")
    if status not in STATUS_FILTERS and status != "all":
        status = "open"
    rows = visible_copies(person)
    if status != "all":
        rows = rows.filter(status__in=STATUS_FILTERS[status])
    context = {
        "page": paginate(request, rows.order_by("created", "pk") if status == "open" else rows, 30),
        "status": status,
        "statuses": [("open", _("待办")), *CopyStatus.choices, ("all", _("全部"))],
    }
    return render(request, "access/copies/queue.html", context)


@capability_required(DESK)
def desk_new(request: HttpRequest) -> HttpResponse:
    person = signed_in(request)
    form = DeskCopyForm(request.POST or None, limit=max_pages())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reader = User.objects.filter(username=data.pop("reader").strip(), is_active=True).first()
        unit = visible_units(person).filter(reference_code=data.pop("unit").strip()).first()
        if reader is None or not is_reader(reader):
            form.add_error("reader", _("找不到该查档人账号。"))
        if unit is None:
            form.add_error("unit", _("找不到该档号的档案（或您无权查看）。"))
        if reader is not None and is_reader(reader) and unit is not None:
            try:
                copy = do_request_copy(person, reader, unit, **data)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("已登记复制申请。"))
                return redirect("access:copy_detail", uuid=copy.uuid)
    return render(request, "access/copies/desk_new.html", {"form": form}, status=400 if form.errors else 200)


def _detail_context(copy: CopyRequest) -> dict[str, Any]:
    return {
        "copy": copy,
        "has_file": copy_file(copy) is not None,
        "deliver_form": DeliverForm(initial={"version": copy.version}),
        "refuse_form": RefuseForm(initial={"version": copy.version}),
        "version_form": VersionForm(initial={"version": copy.version}),
    }


@capability_required(DESK)
def detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    copy = _copy(signed_in(request), uuid)
    return render(request, "access/copies/detail.html", _detail_context(copy))


@require_POST
@capability_required(DESK)
def action(request: HttpRequest, uuid: Any, verb: str) -> HttpResponse:
    person = signed_in(request)
    copy = _copy(person, uuid)
    try:
        if verb == "make":
            form: Any = VersionForm(request.POST)
            form.is_valid()
            do_queue_make(person, copy, expected_version=form.cleaned_data.get("version"))
            messages.success(request, _("已开始制作复制件，完成后刷新本页即可核对。"))
        elif verb == "deliver":
            form = DeliverForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请选择交付方式。"))
            do_deliver_copy(
                person,
                copy,
                delivery=form.cleaned_data["delivery"],
                expected_version=form.cleaned_data.get("version"),
            )
            messages.success(request, _("复制件已交付，并已记入利用登记。"))
        elif verb == "refuse":
            form = RefuseForm(request.POST)
            if not form.is_valid():
                context = _detail_context(copy)
                context["refuse_form"] = form
                return render(request, "access/copies/detail.html", context, status=400)
            do_refuse_copy(person, copy, form.cleaned_data["reason"], expected_version=form.cleaned_data.get("version"))
            messages.success(request, _("已不予复制，理由已告知查档人。"))
        else:
            raise Http404
    except ValidationError as exc:
        _errors(request, exc)
        status = 409 if getattr(exc, "code", None) in ("conflict", "already_running") else 400
        return render(request, "access/copies/detail.html", _detail_context(_copy(person, uuid)), status=status)
    return redirect("access:copy_detail", uuid=copy.uuid)


@capability_required(DESK)
def staff_download(request: HttpRequest, uuid: Any) -> HttpResponseBase:
    return _download(request, _copy(signed_in(request), uuid))


public_urls: list[URLPattern] = []
account_urls: list[URLPattern] = [
    path("copies/", my_copies, name="copies"),
    path("copies/new/", copy_new, name="copy_new"),
    path("copies/<uuid:uuid>/", my_copy, name="copy_detail"),
    path("copies/<uuid:uuid>/download/", my_copy_download, name="copy_download"),
]
manage_urls: list[URLPattern] = [
    path("copies/", queue, name="copies"),
    path("copies/new/", desk_new, name="copy_desk"),
    path("copies/<uuid:uuid>/", detail, name="copy_detail"),
    path("copies/<uuid:uuid>/file/", staff_download, name="copy_file"),
    path("copies/<uuid:uuid>/<str:verb>/", action, name="copy_action"),
]
