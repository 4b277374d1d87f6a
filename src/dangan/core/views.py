"""Core pages of the staff workspace: sign-in, own password, accounts, clearances, sign-in locks, API tokens (the
audit log's pages are in ``views_audit``).

Thin: each view checks a capability, calls an action from ``core.actions.accounts`` and shows its messages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangan.utilities.registry import visible_menu
from dangan.utilities.views import capability_required, form_errors_from, login_required, paginate

from .actions import accounts, signin
from .actors import signed_in
from .choices import Role
from .forms import (
    ClearanceForm,
    LoginForm,
    OwnPasswordForm,
    RoleForm,
    TokenForm,
    UserCreateForm,
)
from .models import APIToken, Institution, SignInThrottle, User
from .roles import Capability, business_roles, is_administrator_role, is_reader


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The workspace context names the institution only to signed-in users; the sign-in page names it too.
        return {**super().get_context_data(**kwargs), "institution": Institution.current()}

    def get_default_redirect_url(self) -> str:
        # Not every role may open the catalog (三员分立): land on the first page the account may see.
        return reverse("core:home")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if is_reader(request.user):
            # A signed-in reader has nothing to sign in to here: back to their own pages.
            return redirect(_readers_page("account:home"))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        # Readers' accounts (查档人) sign in on the portal, not in the workspace: not signed in here, sent there.
        if is_reader(form.get_user()):
            messages.info(request=self.request, message=_("查档人请从查档服务的登录页面登录。"))
            return redirect(_readers_page("account:login"))
        return super().form_valid(form)


def _readers_page(name: str) -> str:
    """A readers' page (the access app's ``account`` namespace), or the portal's root when it is not installed."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return "/"


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


def change_own_password(request: HttpRequest, user: User, form: OwnPasswordForm) -> bool:
    """Apply a posted own-password form (the workspace's and the readers' pages share it): True when the password
    was changed, the session kept and the person told; otherwise the form carries the errors."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        accounts.do_change_own_password(user, form.cleaned_data["new_password"], address=signin.client_address(request))
    except ValidationError as exc:
        form.add_error("new_password", exc.messages)
        return False
    update_session_auth_hash(request, user)
    messages.success(request, _("密码已修改。"))
    return True


@never_cache
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; accounts with a one-time or an expired password are sent here by the middleware,
    and see nothing else (no navigation) until they have changed it."""
    user = signed_in(request)
    form = OwnPasswordForm(user, request.POST or None)
    if change_own_password(request, user, form):
        return redirect("core:home")
    context = {
        "form": form,
        "forced": user.needs_password_change,
        "one_time": user.must_change_password,
        "max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
    }
    return render(request, "core/password_change.html", context)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where a signed-in account lands: the first page of the menu it may see (the catalog for archivists)."""
    items = visible_menu(signed_in(request).has_capability)
    if items:
        return redirect(reverse(items[0].url_name))
    return redirect("core:token_list")


# ---------------------------------------------------------------- accounts (系统管理员)


@capability_required(Capability.ACCOUNTS_MANAGE)
def user_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    # Readers' accounts (查档人) are managed by the reading room desk (/manage/access/readers/), not here.
    users = User.objects.exclude(role=Role.READER).order_by("username")
    if q:
        users = users.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(email__icontains=q))
    return render(request, "core/user_list.html", {"page": paginate(request, users), "q": q})


@never_cache
@capability_required(Capability.ACCOUNTS_MANAGE)
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = accounts.do_create_user(
                request.user,
                form.cleaned_data["username"],
                form.cleaned_data["role"],
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            # Shown once, on this response only; never stored in the session or sent again.
            return _with_one_time_password(request, user, password, created=True)
    return render(request, "core/user_create.html", {"form": form})


def _staff_accounts() -> Any:
    """Every account but readers' (查档人): those are managed by the reading room desk, not in the workspace."""
    return User.objects.exclude(role=Role.READER)


def _with_one_time_password(request: HttpRequest, user: User, password: str, *, created: bool) -> HttpResponse:
    response = render(request, "core/user_password.html", {"account": user, "password": password, "created": created})
    response["Cache-Control"] = "no-store"
    return response


@capability_required(Capability.ACCOUNTS_MANAGE)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(_staff_accounts(), pk=pk)
    administrator = is_administrator_role(account.role)
    context = {
        "account": account,
        "role_form": RoleForm(initial={"role": account.role}),
        # Only between business roles, and only where there is more than one to choose from.
        "can_change_role": not administrator and len(business_roles()) > 1,
        "administrator": administrator,
    }
    return render(request, "core/user_detail.html", context)


@require_POST
@capability_required(Capability.ACCOUNTS_MANAGE)
def user_set_role(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(_staff_accounts(), pk=pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            accounts.do_set_role(request.user, account, form.cleaned_data["role"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("已将 %(user)s 的角色改为 %(role)s。") % {"user": account, "role": account.get_role_display()},
            )
    else:
        messages.error(request, _("请选择有效的角色。"))
    return redirect("core:user_detail", pk=account.pk)


@require_POST
@capability_required(Capability.ACCOUNTS_MANAGE)
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(_staff_accounts(), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        accounts.do_set_active(request.user, account, active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("账号已启用。") if active else _("账号已停用。"))
    return redirect("core:user_detail", pk=account.pk)


@require_POST
@never_cache
@capability_required(Capability.ACCOUNTS_MANAGE)
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(_staff_accounts(), pk=pk)
    password = accounts.do_reset_password(request.user, account)
    return _with_one_time_password(request, account, password, created=False)


# ---------------------------------------------------------------- clearances (安全保密管理员)


@capability_required(Capability.CLEARANCE_MANAGE)
def clearance_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    roles = business_roles()
    # Clearances apply to business accounts only: the three administrators read 公开 whatever they are given.
    users = User.objects.filter(role__in=[value for value, _label in roles]).order_by("username")
    if q:
        users = users.filter(Q(username__icontains=q) | Q(first_name__icontains=q))
    if role in Role.values:
        users = users.filter(role=role)
    page = paginate(request, users)
    rows = [(u, ClearanceForm(initial={"clearance": u.clearance}, prefix=f"u{u.pk}")) for u in page]
    return render(
        request, "core/clearance_list.html", {"page": page, "rows": rows, "q": q, "role": role, "roles": roles}
    )


@require_POST
@capability_required(Capability.CLEARANCE_MANAGE)
def clearance_set(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(_staff_accounts(), pk=pk)
    form = ClearanceForm(request.POST, prefix=f"u{account.pk}")
    if form.is_valid():
        try:
            accounts.do_set_clearance(request.user, account, form.cleaned_data["clearance"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("已将 %(user)s 的涉密等级设为 %(level)s。")
                % {"user": account, "level": account.get_clearance_display()},
            )
    else:
        messages.error(request, _("请选择有效的涉密等级。"))
    return _back_to_clearances(request)


@require_POST
@capability_required(Capability.CLEARANCE_MANAGE)
def clearance_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Give back a clearance that a password reset suspended (once the account has set its own password)."""
    account = get_object_or_404(_staff_accounts(), pk=pk)
    try:
        accounts.do_confirm_clearance(request.user, account)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("已确认 %(user)s 的涉密等级：%(level)s。") % {"user": account, "level": account.get_clearance_display()},
        )
    return _back_to_clearances(request)


def _back_to_clearances(request: HttpRequest) -> HttpResponse:
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("core:clearance_list")


# ---------------------------------------------------------------- sign-in locks (安全保密管理员)


@capability_required(Capability.SIGNIN_UNLOCK)
def signin_lock_list(request: HttpRequest) -> HttpResponse:
    """Names and addresses locked after too many failed sign-ins, with a button to lift each lock."""
    return render(request, "core/signin_lock_list.html", {"page": paginate(request, signin.current_locks())})


@require_POST
@capability_required(Capability.SIGNIN_UNLOCK)
def signin_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(SignInThrottle, pk=pk)
    if signin.do_unlock(request.user, row):
        messages.success(request, _("已解除对 %(key)s 的锁定。") % {"key": row.key})
    else:
        messages.info(request, _("%(key)s 已不在锁定中。") % {"key": row.key})
    return redirect("core:signin_lock_list")


# ---------------------------------------------------------------- own API tokens


@never_cache
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        expires = form.cleaned_data["expires"]
        when = dt.datetime.combine(expires, dt.time.max, tzinfo=timezone.get_current_timezone()) if expires else None
        try:
            _token, new_key = accounts.do_create_api_token(user, form.cleaned_data["name"], when)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            form = TokenForm()
    tokens = APIToken.objects.filter(user=user).order_by("-created")
    response = render(
        request, "core/token_list.html", {"form": form, "page": paginate(request, tokens), "new_key": new_key}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    token = get_object_or_404(APIToken, pk=pk, user=user)
    try:
        accounts.do_revoke_api_token(user, token)
    except PermissionDenied as exc:  # pragma: no cover - the lookup above is already by owner
        messages.error(request, str(exc))
    else:
        messages.success(request, _("令牌已吊销。"))
    return redirect("core:token_list")
