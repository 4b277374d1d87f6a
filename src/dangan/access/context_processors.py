"""Template context for the portal and the readers' pages: the institution, the consulting information (the
footer's address and hours), and the account menu. Both records are read only when a template uses them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .navigation import account_links


def _institution() -> Any:
    from dangan.core.models import Institution

    return Institution.current()


def _consulting_info() -> Any:
    from .models import ConsultingInfo

    return ConsultingInfo.current()


def portal(request: HttpRequest) -> dict[str, Any]:
    if request.path.startswith("/manage/"):
        return {}
    context: dict[str, Any] = {"consulting_info": SimpleLazyObject(_consulting_info)}
    if not getattr(getattr(request, "user", None), "is_authenticated", False):
        # The workspace's processor gives the institution to signed-in people only; the public needs it too.
        context["institution"] = SimpleLazyObject(_institution)
    if request.path.startswith("/account/"):
        context["account_links"] = account_links()
    return context
