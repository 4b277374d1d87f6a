"""Middleware of the workspace: the forced password change, readers kept out of it, Chinese first, and the
Content-Security-Policy."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from dangan.core.roles import is_reader


class PasswordChangeRequiredMiddleware:
    """Sends an account with a one-time or an expired password to the password change page before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "needs_password_change", False):
            allowed = {reverse("core:password_change"), reverse("core:logout")}
            if request.path.startswith("/manage/") and request.path not in allowed:
                return redirect("core:password_change")
            # Readers' pages (/account/, the access app): a reader made at the desk changes the one-time password
            # on the readers' own password page before anything else there.
            if request.path.startswith("/account/") and is_reader(user):
                try:
                    own = {reverse("account:password"), reverse("account:logout")}
                except NoReverseMatch:
                    own = set()
                if own and request.path not in own:
                    return redirect("account:password")
        return self.get_response(request)


class ReadersOutsideWorkspaceMiddleware:
    """A reader's account (查档人) has no business in the staff workspace: every page under /manage/ but signing out
    and the own password is refused (403) to it, whatever a view would decide. Readers use the portal and /account/.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if request.path.startswith("/manage/") and is_reader(user):
            allowed = {reverse("core:password_change"), reverse("core:logout")}
            if request.path not in allowed:
                raise PermissionDenied
        return self.get_response(request)


class ChineseFirstMiddleware:
    """Simplified Chinese unless the user chose another language (the language cookie set by /i18n/setlang/).

    Django would otherwise follow the browser's Accept-Language header, so an English-language browser in the
    reading room would get the English interface without anyone asking for it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# Every response: scripts and styles only from our own static files, or inline with this response's nonce; no inline
# event handlers or style attributes (tests/core/test_web_security.py keeps the templates so); no plugins, no framing;
# forms post only here. The API docs (django-ninja's bundled Swagger UI, /api/docs) work under it as they are: their
# settings are a JSON data block, and React sets styles through the DOM, which the policy allows.
POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    """Sets a Content-Security-Policy on every response; templates reach the nonce as ``{{ csp_nonce }}``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = POLICY.format(nonce=nonce)
        return response
