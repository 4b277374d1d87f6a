"""Pages of access requests (查档申请).

Readers (/account/requests/…): their requests with status and the grants in force with their expiry; a new request
(``?unit=<uuid>`` from the portal's unit page, several units gathered by ticking them or by 档号, or described in
words); a request's page, where they withdraw it or answer the reviewer's question.

Reviewers (/manage/access/requests/…, ACCESS_REVIEW): the list (status, purpose, dates); a request's page where
they add units found in the catalog, approve all or some units (with conditions or without), refuse with a reason or
ask for more; and revoke a grant.

Every page is a shell over ``access.actions.requests``; a unit hidden from the person appears nowhere, a request of
another reader is a 404 like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dangan.access.actions.requests import (
    active_grants,
    check_approve,
    check_review,
    default_expiry_day,
    do_add_units,
    do_answer,
    do_approve,
    do_ask,
    do_refuse,
    do_revoke_grant,
    do_submit_request,
    do_withdraw,
    grant_days,
    missing_units_error,
    reader_request,
    reader_requests,
    review_request,
    shown_units,
    staff_grant,
    units_for_reader,
    units_for_reviewer,
)
from dangan.access.choices import Purpose
from dangan.access.filters.requests import RequestFilter
from dangan.access.forms.requests import (
    AddUnitsForm,
    AnswerForm,
    ApproveForm,
    AskForm,
    RefuseForm,
    RequestForm,
    RevokeForm,
    VersionForm,
)
from dangan.access.models import AccessGrant, AccessRequest
from dangan.access.models.requests import RequestStatus
from dangan.access.navigation import optional_url
from dangan.access.views.guards import reader_required
from dangan.catalog.policy import can_view_unit
from dangan.core.actors import signed_in
from dangan.core.roles import Capability, is_reader
from dangan.utilities.views import capability_required, form_errors_from, is_htmx, paginate

REVIEW = Capability.ACCESS_REVIEW


def _errors(request: HttpRequest, exc: Exception) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


def _reader(request: HttpRequest) -> Any:
    """The signed-in reader (staff accounts have no requests of their own: 403)."""
    user = signed_in(request)
    if not is_reader(user):
        raise PermissionDenied(_("只有查档人账号可以使用查档申请。"))
    return user


# ---------------------------------------------------------------- readers


@require_safe
@reader_required
def my_requests(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    grants = [g for g in active_grants(reader) if can_view_unit(reader, g.unit)]
    context = {
        "page": paginate(request, reader_requests(reader), 20),
        "grants": grants,
    }
    return render(request, "access/requests/account_list.html", context)


@reader_required
def request_new(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    form = RequestForm(request.POST or None)
    asked = request.POST.getlist("unit") if request.method == "POST" else request.GET.getlist("unit")
    units, missing = units_for_reader(reader, uuids=asked[:100])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        more, missing_codes = units_for_reader(reader, codes=data["codes"].splitlines())
        try:
            if missing or missing_codes:
                raise missing_units_error([*missing, *missing_codes], "codes")
            created = do_submit_request(
                reader,
                units=[*units, *[u for u in more if u not in units]],
                purpose=data["purpose"],
                purpose_detail=data["purpose_detail"],
                description=data["description"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已提交查档申请，工作人员审核后会在此告知结果。"))
            return redirect("account:request_detail", uuid=created.uuid)
    elif request.method == "GET" and missing:
        messages.warning(request, str(missing_units_error(missing).messages[0]))
    context = {"form": form, "units": units, "grant_days": grant_days()}
    return render(request, "access/requests/account_new.html", context, status=400 if form.errors else 200)


def _reader_context(reader: Any, found: AccessRequest) -> dict[str, Any]:
    rows = shown_units(reader, found)
    visible = {row.unit_id for row in rows}
    grants = {g.unit_id: g for g in found.grants.all() if g.unit_id in visible}
    return {
        "req": found,
        "rows": [(row, grants.get(row.unit_id)) for row in rows],
        "answer_form": AnswerForm(initial={"version": found.version}, auto_id="answer-%s"),
        "version_form": VersionForm(initial={"version": found.version}, auto_id="withdraw-%s"),
    }


@require_safe
@reader_required
def my_request(request: HttpRequest, uuid: Any) -> HttpResponse:
    reader = _reader(request)
    found = reader_request(reader, uuid)
    return render(request, "access/requests/account_detail.html", _reader_context(reader, found))


@require_POST
@reader_required
def my_request_withdraw(request: HttpRequest, uuid: Any) -> HttpResponse:
    reader = _reader(request)
    found = reader_request(reader, uuid)
    form = VersionForm(request.POST)
    form.is_valid()
    try:
        do_withdraw(reader, found, expected_version=form.cleaned_data.get("version"))
    except ValidationError as exc:
        _errors(request, exc)
        if getattr(exc, "code", None) == "conflict":
            found.refresh_from_db()
            return render(request, "access/requests/account_detail.html", _reader_context(reader, found), status=409)
    else:
        messages.success(request, _("已撤回申请。"))
    return redirect("account:request_detail", uuid=found.uuid)


@require_POST
@reader_required
def my_request_answer(request: HttpRequest, uuid: Any) -> HttpResponse:
    reader = _reader(request)
    found = reader_request(reader, uuid)
    form = AnswerForm(request.POST, auto_id="answer-%s")
    if form.is_valid():
        try:
            do_answer(reader, found, form.cleaned_data["text"], expected_version=form.cleaned_data.get("version"))
        except ValidationError as exc:
            form_errors_from(form, exc)
            status = 409 if getattr(exc, "code", None) == "conflict" else 400
        else:
            messages.success(request, _("已补充说明，申请重新进入审核。"))
            return redirect("account:request_detail", uuid=found.uuid)
    else:
        status = 400
    found.refresh_from_db()
    context = {**_reader_context(reader, found), "answer_form": form}
    return render(request, "access/requests/account_detail.html", context, status=status)


# ---------------------------------------------------------------- reviewers


@require_safe
@capability_required(REVIEW)
def request_list(request: HttpRequest) -> HttpResponse:
    filters = RequestFilter.from_params(request.GET)
    context = {
        "page": paginate(request, filters.apply(request.user), 30),
        "filters": filters,
        "statuses": RequestStatus.choices,
        "purposes": Purpose.choices,
    }
    return render(request, "access/requests/manage_list.html", context, status=400 if filters.errors else 200)


def _allowed(check: Any, *args: Any, **kwargs: Any) -> bool:
    try:
        check(*args, **kwargs)
    except (ValidationError, PermissionDenied, Http404):
        return False
    return True


def _staff_context(request: HttpRequest, found: AccessRequest, **forms: Any) -> dict[str, Any]:
    person = signed_in(request)
    rows = shown_units(person, found)
    grants = [
        g for g in found.grants.select_related("unit", "revoked_by", "granted_by") if can_view_unit(person, g.unit)
    ]
    version = {"version": found.version}
    return {
        "req": found,
        "rows": rows,
        "hidden_units": found.units.count() - len(rows),
        "grants": grants,
        "can_review": _allowed(check_review, person, found),
        "can_approve": bool(rows) and _allowed(check_approve, person, found),
        "reader_url": optional_url("access:reader_detail", found.reader_id),
        "default_expiry": default_expiry_day(),
        "grant_days": grant_days(),
        "approve_form": forms.get("approve") or ApproveForm(initial=version, auto_id="approve-%s"),
        "refuse_form": forms.get("refuse") or RefuseForm(initial=version, auto_id="refuse-%s"),
        "ask_form": forms.get("ask") or AskForm(initial=version, auto_id="ask-%s"),
        "units_form": forms.get("units") or AddUnitsForm(initial=version, auto_id="units-%s"),
        "revoke_form": RevokeForm(),
    }


@require_safe
@capability_required(REVIEW)
def request_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    found = review_request(signed_in(request), uuid)
    return render(request, "access/requests/manage_detail.html", _staff_context(request, found))


_FORMS = {"approve": ApproveForm, "refuse": RefuseForm, "ask": AskForm, "units": AddUnitsForm}


@require_POST
@capability_required(REVIEW)
def request_review(request: HttpRequest, uuid: Any, action: str) -> HttpResponse:
    """One decision on the request (approve, refuse, ask) or units added; errors are shown beside the form."""
    person = signed_in(request)
    found = review_request(person, uuid)
    if action not in _FORMS:
        raise Http404
    form = _FORMS[action](request.POST, auto_id=f"{action}-%s")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        version = data.get("version")
        try:
            if action == "units":
                units, missing = units_for_reviewer(
                    person, uuids=request.POST.getlist("unit"), codes=data["codes"].splitlines()
                )
                if missing:
                    raise ValidationError(
                        {"codes": _("没有找到这些档号（或您无权查看）：%(codes)s") % {"codes": "、".join(missing[:20])}}
                    )
                added = do_add_units(person, found, units, expected_version=version)
                messages.success(request, _("已添加 %(n)d 件档案。") % {"n": len(added)})
            elif action == "approve":
                picked, missing = units_for_reviewer(person, uuids=request.POST.getlist("unit"))
                if missing:
                    raise Http404(_("档案不存在。"))
                grants = do_approve(
                    person,
                    found,
                    picked,
                    reading_room_only=data["reading_room_only"],
                    copies_allowed=not data["no_copies"],
                    expires_on=data["expires_on"],
                    conditions=data["conditions"],
                    expected_version=version,
                )
                messages.success(request, _("已批准，授权 %(n)d 件档案。") % {"n": len(grants)})
            elif action == "refuse":
                do_refuse(person, found, data["reason"], expected_version=version)
                messages.success(request, _("已不予批准。"))
            else:
                do_ask(person, found, data["question"], expected_version=version)
                messages.success(request, _("已请查档人补充说明。"))
        except ValidationError as exc:
            form_errors_from(form, exc)
            if getattr(exc, "code", None) == "conflict":
                status = 409
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        else:
            return redirect("access:request_detail", uuid=found.uuid)
    found.refresh_from_db()
    context = _staff_context(request, found, **{action: form})
    return render(request, "access/requests/manage_detail.html", context, status=status)


PICKER_LIMIT = 30


@require_safe
@capability_required(REVIEW)
def unit_picker(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Units matching ``q`` that the reviewer may add (catalog.filters.UnitFilter: only those the policy shows them;
    公开 only, as nothing else can be granted), with a checkbox each (htmx fragment; a plain request gets the
    request's page)."""
    from dangan.catalog.filters import UnitFilter

    person = signed_in(request)
    found = review_request(person, uuid)
    if not is_htmx(request):
        return redirect("access:request_detail", uuid=found.uuid)
    query = request.GET.get("q", "").strip()[:200]
    units: list[Any] = []
    if query:
        present = set(found.units.values_list("unit_id", flat=True))
        rows = UnitFilter.from_params({"q": query, "classification": "public"}).apply(person)
        units = [u for u in rows.select_related("fonds")[:PICKER_LIMIT] if u.pk not in present]
    context = {"req": found, "units": units, "query": query}
    return render(request, "access/requests/_unit_picker.html", context)


@require_POST
@capability_required(REVIEW)
def grant_revoke(request: HttpRequest, uuid: Any) -> HttpResponse:
    person = signed_in(request)
    grant: AccessGrant = staff_grant(person, uuid)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写撤销原因。"))
    else:
        try:
            do_revoke_grant(person, grant, form.cleaned_data["reason"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已撤销授权。"))
    return redirect("access:request_detail", uuid=grant.request.uuid)


public_urls: list[URLPattern] = []
account_urls: list[URLPattern] = [
    path("requests/", my_requests, name="requests"),
    path("requests/new/", request_new, name="request_new"),
    path("requests/<uuid:uuid>/", my_request, name="request_detail"),
    path("requests/<uuid:uuid>/withdraw/", my_request_withdraw, name="request_withdraw"),
    path("requests/<uuid:uuid>/answer/", my_request_answer, name="request_answer"),
]
manage_urls: list[URLPattern] = [
    path("requests/", request_list, name="requests"),
    path("requests/<uuid:uuid>/", request_detail, name="request_detail"),
    path("requests/<uuid:uuid>/picker/", unit_picker, name="request_unit_picker"),
    path("requests/<uuid:uuid>/<str:action>/", request_review, name="request_review"),
    path("grants/<uuid:uuid>/revoke/", grant_revoke, name="grant_revoke"),
]
