"""Template context for the portal and the readers' pages: the institution and the account menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .navigation import account_links


def portal(request: HttpRequest) -> dict[str, Any]:
    if not request.path.startswith("/account/"):
        return {}
    return {"account_links": account_links()}
