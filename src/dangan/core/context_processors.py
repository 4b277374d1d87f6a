"""Template context for every workspace page: the navigation the user may see, the institution, the CSP nonce."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dangan.utilities.registry import visible_menu

from .models import Institution
from .roles import has_capability


def workspace(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "institution": None}
    if getattr(user, "needs_password_change", False):
        # Until a one-time or expired password is changed, the page offers nothing to go to (the middleware would
        # send every link back to the password page anyway).
        return {"nav_items": [], "institution": Institution.current(), "password_change_required": True}
    items = visible_menu(lambda cap: has_capability(user, cap))
    path = request.path
    active = next((m.key for m in items if any(path.startswith(p) for p in m.active_prefixes)), None)
    return {
        "nav_items": items,
        "nav_active": active,
        "institution": Institution.current(),
        "can": lambda cap: has_capability(user, cap),
    }


def security(request: HttpRequest) -> dict[str, Any]:
    """``csp_nonce``: the nonce an inline ``<script>`` or ``<style>`` needs (core.middleware's Content-Security-Policy)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
