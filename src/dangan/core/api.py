"""Authentication for the REST API, and the account endpoints (who am I)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.security import APIKeyCookie, HttpBearer

from .models import APIToken


class TokenOrSessionAuth:
    """Bearer token first; else the workspace session (with its CSRF check)."""

    def __init__(self) -> None:
        self._bearer = _Bearer()
        self._session = _Session()

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return self._bearer(request)
        return self._session(request)


class _Bearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            api_token = APIToken.objects.select_related("user").get(key_hash=APIToken.hash_key(token))
        except APIToken.DoesNotExist:
            return None
        now = timezone.now()
        if (api_token.expires and api_token.expires < now) or not api_token.user.is_active:
            return None
        if not api_token.last_used or (now - api_token.last_used).total_seconds() > 60:
            APIToken.objects.filter(pk=api_token.pk).update(last_used=now)
        request.user = api_token.user
        return api_token.user


class _Session(APIKeyCookie):
    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.must_change_password:
            return user
        return None


router = Router(tags=["账号 accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_display: str
    clearance: str


@router.get("/me", response=MeOut, summary="当前用户 / the current user")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "role_display": str(user.get_role_display()),
        "clearance": user.clearance,
    }
