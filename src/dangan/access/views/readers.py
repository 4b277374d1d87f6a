"""Views of the readers part (docs/development/access-readers.md).

Readers (/account/): registration, sign-in and sign-out (core's sign-in with its counting and lockout), the
dashboard, the own profile and password, and the copy of one's data. Staff (/manage/access/readers/, holders of
``Capability.READERS`` only — the personal data rule): the list, a reader's full data, registration at the desk,
verification of the document in person, deactivation, password reset, export and erasure. Thin: every change is an
action of ``access.actions.readers``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangan.access.actions import readers as actions
from dangan.access.filters.readers import ReaderFilter
from dangan.access.forms.readers import (
    EraseForm,
    ProfileForm,
    ReaderLoginForm,
    ReasonForm,
    RegisterForm,
    VerifyForm,
    WalkInForm,
)
from dangan.access.models import ReaderProfile, ReaderStatus
from dangan.access.navigation import account_links
from dangan.core.actors import signed_in
from dangan.core.forms import OwnPasswordForm
from dangan.core.models import Institution, User
from dangan.core.roles import Capability, is_reader
from dangan.core.views import change_own_password
from dangan.utilities.concurrency import EditConflict
from dangan.utilities.views import capability_required, form_errors_from, paginate

from .guards import reader_required

READERS = Capability.READERS
View = Callable[..., HttpResponseBase]


def _portal_home() -> str:
    try:
        return reverse("portal:home")
    except NoReverseMatch:
        return "/"


def _errors(request: HttpRequest, exc: ValidationError | EditConflict) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


# ---------------------------------------------------------------- readers: sign-in, registration


class ReaderLoginView(auth_views.LoginView):
    """/account/login/: core's sign-in (counted and locked per name and address) for readers' accounts only."""

    template_name = "access/account/login.html"
    authentication_form = ReaderLoginForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if is_reader(request.user):
            return redirect("account:home")
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        return reverse("account:home")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "institution": Institution.current()}


class ReaderLogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]

    def get_default_redirect_url(self) -> str:
        return _portal_home()


@never_cache
def register(request: HttpRequest) -> HttpResponse:
    """Online registration: the account signs in at once and is 待核验 until the first visit."""
    if is_reader(request.user):
        return redirect("account:home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profile = actions.do_self_register(
                username=data["username"],
                password=data["password"],
                real_name=data["real_name"],
                document_type=data["document_type"],
                document_number=data["document_number"],
                phone=data["phone"],
                organisation=data["organisation"],
                consent=data["consent"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            auth_login(request, profile.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("注册成功，您的用户名是“%(username)s”。首次到馆时请携带登记的证件原件，由工作人员核验。")
                % {"username": profile.user.username},
            )
            return redirect("account:home")
    return render(request, "access/account/register.html", {"form": form, "institution": Institution.current()})


# ---------------------------------------------------------------- readers: own pages


@reader_required
def home(request: HttpRequest) -> HttpResponse:
    """The reader's dashboard: status, the account menu, what to bring at the first visit."""
    user = signed_in(request)
    profile = actions.profile_of(user)
    links = [link for link in account_links() if link.url_name != "account:home"]
    context = {"profile": profile, "links": links, "statuses": ReaderStatus, "institution": Institution.current()}
    return render(request, "access/account/home.html", context)


@never_cache
@reader_required
def profile(request: HttpRequest) -> HttpResponse:
    """See one's own data (the document masked) and change the phone and organisation."""
    user = signed_in(request)
    current = actions.profile_of(user)
    if current is None:
        # An account made without a profile (before registration existed): nothing to change until the desk
        # registers the document.
        return render(request, "access/account/profile.html", {"profile": None, "form": None})
    initial = {"phone": current.phone, "organisation": current.organisation, "version": current.version}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_own_profile(
                user,
                phone=form.cleaned_data["phone"],
                organisation=form.cleaned_data["organisation"],
                version=form.cleaned_data["version"],
            )
        except EditConflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("个人信息已保存。"))
            return redirect("account:profile")
    context = {"profile": current, "form": form, "institution": Institution.current()}
    return render(request, "access/account/profile.html", context)


@never_cache
@reader_required
def password(request: HttpRequest) -> HttpResponse:
    """The reader's own password; a one-time password (an account made at the desk) is changed here first."""
    user = signed_in(request)
    form = OwnPasswordForm(user, request.POST or None)
    if change_own_password(request, user, form):
        return redirect("account:home")
    context = {
        "form": form,
        "forced": user.needs_password_change,
        "one_time": user.must_change_password,
        "institution": Institution.current(),
    }
    return render(request, "access/account/password.html", context)


def _export_response(request: HttpRequest, user: User, fmt: str) -> HttpResponse:
    data = actions.do_export_reader_data(request.user, user, fmt=fmt)
    stamp = timezone.localtime().strftime("%Y%m%d")
    name = f"reader-data-{stamp}"
    if fmt == "xlsx":
        response = HttpResponse(
            actions.reader_data_xlsx(data),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    else:
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    response["Cache-Control"] = "no-store"
    return response


def _export_format(request: HttpRequest) -> str | None:
    fmt = request.POST.get("format", "")
    return fmt if fmt in ("json", "xlsx") else None


@never_cache
@reader_required
def data_export(request: HttpRequest) -> HttpResponse:
    """A copy of everything the archives holds about the reader (JSON or Excel); each download is audit-logged."""
    user = signed_in(request)
    if request.method == "POST":
        fmt = _export_format(request)
        if fmt is not None:
            return _export_response(request, user, fmt)
        messages.error(request, _("请选择导出格式：JSON 或 Excel。"))
    return render(request, "access/account/data_export.html", {"institution": Institution.current()})


# ---------------------------------------------------------------- staff (READERS)


def _reader(uuid: Any) -> ReaderProfile:
    profile = ReaderProfile.objects.select_related("user", "verified_by", "registered_by").filter(uuid=uuid).first()
    if profile is None:
        raise Http404(_("查档人不存在。"))
    return profile


@capability_required(READERS)
def reader_list(request: HttpRequest) -> HttpResponse:
    filters = ReaderFilter.from_params(request.GET)
    context = {
        "page": paginate(request, filters.apply(request.user), 30),
        "filters": filters,
        "statuses": ReaderStatus.choices,
        "query": urlencode(filters.as_params()),
    }
    return render(request, "access/readers/list.html", context)


def _one_time_password(request: HttpRequest, profile: ReaderProfile, password: str, *, created: bool) -> HttpResponse:
    context = {"profile": profile, "password": password, "created": created}
    response = render(request, "access/readers/password.html", context)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@capability_required(READERS)
def reader_new(request: HttpRequest) -> HttpResponse:
    """A walk-in reader registered at the desk; the one-time password is shown once, on this response only."""
    form = WalkInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profile, password = actions.do_register_walk_in(
                request.user,
                username=data["username"],
                real_name=data["real_name"],
                document_type=data["document_type"],
                document_number=data["document_number"],
                phone=data["phone"],
                organisation=data["organisation"],
                verified=data["verified"],
                consent=data["consent"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return _one_time_password(request, profile, password, created=True)
    return render(request, "access/readers/new.html", {"form": form})


@never_cache
@capability_required(READERS)
def reader_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    profile = _reader(uuid)
    context = {
        "profile": profile,
        "verify_form": VerifyForm(initial={"version": profile.version}),
        "reason_form": ReasonForm(),
        "statuses": ReaderStatus,
    }
    response = render(request, "access/readers/detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@capability_required(READERS)
def reader_verify(request: HttpRequest, uuid: Any) -> HttpResponse:
    profile = _reader(uuid)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("access:reader_detail", uuid=profile.uuid)
    try:
        actions.do_verify_reader(
            request.user,
            profile,
            document_checked=form.cleaned_data["document_checked"],
            version=form.cleaned_data["version"],
        )
    except (ValidationError, EditConflict) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已核验 %(name)s 的证件。") % {"name": profile.real_name})
    return redirect("access:reader_detail", uuid=profile.uuid)


@require_POST
@capability_required(READERS)
def reader_deactivate(request: HttpRequest, uuid: Any) -> HttpResponse:
    profile = _reader(uuid)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        actions.do_deactivate_reader(request.user, profile, reason=reason)
    except (ValidationError, EditConflict) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("账号已停用。"))
    return redirect("access:reader_detail", uuid=profile.uuid)


@require_POST
@capability_required(READERS)
def reader_reactivate(request: HttpRequest, uuid: Any) -> HttpResponse:
    profile = _reader(uuid)
    try:
        actions.do_reactivate_reader(request.user, profile)
    except (ValidationError, EditConflict) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("账号已启用。"))
    return redirect("access:reader_detail", uuid=profile.uuid)


@require_POST
@never_cache
@capability_required(READERS)
def reader_reset_password(request: HttpRequest, uuid: Any) -> HttpResponse:
    profile = _reader(uuid)
    try:
        password = actions.do_reset_reader_password(request.user, profile)
    except (ValidationError, EditConflict) as exc:
        _errors(request, exc)
        return redirect("access:reader_detail", uuid=profile.uuid)
    return _one_time_password(request, profile, password, created=False)


@never_cache
@capability_required(READERS)
def reader_export(request: HttpRequest, uuid: Any) -> HttpResponse:
    """A copy of everything held about the reader, for a request made at the desk (JSON or Excel)."""
    profile = _reader(uuid)
    if request.method == "POST":
        fmt = _export_format(request)
        if fmt is not None:
            return _export_response(request, profile.user, fmt)
        messages.error(request, _("请选择导出格式：JSON 或 Excel。"))
    return render(request, "access/readers/export.html", {"profile": profile})


@never_cache
@capability_required(READERS)
def reader_erase(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Erase a reader's personal data on request, with the reason (not undoable)."""
    profile = _reader(uuid)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_erase_reader(request.user, profile, reason=form.cleaned_data["reason"])
        except EditConflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("查档人的个人信息已删除，利用登记保留用于统计。"))
            return redirect("access:reader_detail", uuid=profile.uuid)
    return render(request, "access/readers/erase.html", {"profile": profile, "form": form})


public_urls: list[URLPattern] = []
account_urls: list[URLPattern] = [
    path("", home, name="home"),
    path("register/", register, name="register"),
    path("login/", ReaderLoginView.as_view(), name="login"),
    path("logout/", ReaderLogoutView.as_view(), name="logout"),
    path("profile/", profile, name="profile"),
    path("password/", password, name="password"),
    path("data/", data_export, name="data_export"),
]
manage_urls: list[URLPattern] = [
    path("readers/", reader_list, name="readers"),
    path("readers/new/", reader_new, name="reader_new"),
    path("readers/<uuid:uuid>/", reader_detail, name="reader_detail"),
    path("readers/<uuid:uuid>/verify/", reader_verify, name="reader_verify"),
    path("readers/<uuid:uuid>/deactivate/", reader_deactivate, name="reader_deactivate"),
    path("readers/<uuid:uuid>/reactivate/", reader_reactivate, name="reader_reactivate"),
    path("readers/<uuid:uuid>/reset-password/", reader_reset_password, name="reader_reset_password"),
    path("readers/<uuid:uuid>/export/", reader_export, name="reader_export"),
    path("readers/<uuid:uuid>/erase/", reader_erase, name="reader_erase"),
]
