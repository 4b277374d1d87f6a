"""Generic view helpers for the workspace: capability checks, paging (utilities.paging's ``?page=``, out-of-range
numbers shown as the nearest page: a person edited the address), paging without a full count, htmx detection.

Capabilities are asked of the user object (``user.has_capability``), so this module depends on nothing else in
dangan; the roles themselves live in ``dangan.core.roles``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.paginator import Page as CountedPage
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .paging import DEFAULT_PAGE_SIZE, MAX_PAGE


def user_can(user: Any, capability: str) -> bool:
    """Whether ``user`` (possibly anonymous) holds ``capability``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    check = getattr(user, "has_capability", None)
    return bool(check and check(capability))


View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def capability_required(*capabilities: str) -> Callable[[View], View]:
    """A view decorator: anonymous users go to the login page; users lacking any capability get a 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not all(user_can(request.user, cap) for cap in capabilities):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return cast(View, wrapped)

    return decorator


def login_required(view: View) -> View:
    """Like capability_required() with no capability: any signed-in, active account."""
    return capability_required()(view)


def is_htmx(request: HttpRequest) -> bool:
    """Whether the request was made by htmx (and so wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


def page_number(request: HttpRequest, param: str = "page") -> int:
    """The 1-based page number asked for in the query string, at most MAX_PAGE; anything malformed is page 1."""
    try:
        return max(1, min(int(request.GET.get(param, "1")), MAX_PAGE))
    except (TypeError, ValueError, OverflowError):
        return 1


@dataclass
class LightPage:
    """A page of results found without counting the whole result (fetches one row more than it shows).

    It offers the attributes the pagination partial reads, without ``paginator.count``.
    """

    object_list: list[Any]
    number: int
    size: int
    has_next_page: bool

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.has_next_page

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next_page or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.object_list)

    counted = False


def paginate_light(request: HttpRequest, queryset: Any, size: int = DEFAULT_PAGE_SIZE) -> LightPage:
    """One page of ``queryset`` without COUNT(*): right for lists that may hold millions of rows."""
    number = page_number(request)
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    return LightPage(rows[:size], number, size, len(rows) > size)


def paginate(request: HttpRequest, items: Any, size: int = DEFAULT_PAGE_SIZE) -> CountedPage:
    """One page of ``items`` (a queryset or a list) with a total count; out-of-range pages give the last one."""
    paginator = Paginator(items, size)
    try:
        page = paginator.page(min(page_number(request), paginator.num_pages))
    except PageNotAnInteger:
        page = paginator.page(1)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
    page.counted = True  # type: ignore[attr-defined]
    return page


def form_errors_from(form: Any, error: Any, fields: Sequence[str] | None = None) -> None:
    """Put a ValidationError raised by an action onto ``form``: per field where the field is on the form."""
    known = set(fields if fields is not None else form.fields)
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                form.add_error(field if field in known else None, item.messages)
    else:
        form.add_error(None, error.messages)
