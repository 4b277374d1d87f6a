"""Sends an account with a one-time password to the password change page before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = {reverse("core:password_change"), reverse("core:logout")}
            if request.path.startswith("/manage/") and request.path not in allowed:
                return redirect("core:password_change")
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
