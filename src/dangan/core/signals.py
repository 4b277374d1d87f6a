"""Records sign-ins, failed sign-ins and sign-outs in the audit log (GB/T 39784 跟踪审计)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .actions.signin import client_address
from .audit import log


def _client(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {}
    return {"ip": client_address(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


@receiver(user_logged_in, dispatch_uid="dangan.core.login")
def record_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    log(user, "core.user.login", user, _client(request))


@receiver(user_login_failed, dispatch_uid="dangan.core.login_failed")
def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")[:150]
    account = get_user_model().objects.filter(username=username).first() if username else None
    # The attempted name is recorded as the actor, since nobody is signed in.
    log(account, "core.user.login_failed", username or "anonymous", {"username": username, **_client(request)})


@receiver(user_logged_out, dispatch_uid="dangan.core.logout")
def record_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        log(user, "core.user.logout", user, _client(request))
