"""The portal's page cache: whole pages kept for the anonymous public, so that a popular search or unit page costs
two small queries instead of a search and a rendering (issue #15's throughput figure, bench/RESULTS.md).

What is served from it, and why nothing the policy hides can be:

- Only to an anonymous visitor, for GET or HEAD, outside a transaction, with no messages waiting to be shown: the
  page made earlier for the same view, path and query, language, scheme and host.
- The key holds a stamp of the counters the pages are drawn from (one query): the search index's epoch, generation
  and dictionary version (every index write raises the generation, in the writing transaction), the last change of
  the fonds, the record categories, the institution and the consulting information, the number of fonds, and the
  newest preserved package version.
- The view names every unit the page shows (``show_units``); the page is kept with each unit's ``version``
  (raised by every write of a unit) when ``catalog.policy`` shows all of them to the public, and served again only
  while it still does, at the same versions (one query on every request). A unit withdrawn, closed, reclassified,
  disposed of or edited sends the next request to the view, whether or not the search index has caught up.
- Entries expire after ``PORTAL_CACHE_SECONDS`` (what no counter follows — a subject term renamed — is at most that
  old), and each process keeps at most ``PORTAL_CACHE_MB`` megabytes of pages, the least recently used leaving
  first. ``PORTAL_CACHE_SECONDS = 0`` turns the cache off.
- The CSRF token in a page's forms (the language switch) is the visitor's own, put in on every hit.

A response served from the cache says ``X-Cache: hit``; one made by the view and kept says ``X-Cache: miss``.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from dangan.catalog.models import ArchivalUnit, Fonds, RecordCategory
from dangan.catalog.policy import VisibilityRule, visibility_rule, visible_units
from dangan.core.models import Institution
from dangan.preservation.models import PackageVersion
from dangan.search.backends.base import STATE_TABLE

from .models import ConsultingInfo

__all__ = ["cached_for_the_public", "clear", "show_units"]

_ANONYMOUS = AnonymousUser()
_SHOWN = "_dangan_portal_shown"
# What differs between two renderings of the same page: the CSP nonce and the masked CSRF token.
VOLATILE = re.compile(rb'nonce="[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')
_CSRF = re.compile(rb'(?<=name="csrfmiddlewaretoken" value=")[^"]*(?=")|(?<="X-CSRFToken": ")[^"]*(?=")')


def page_etag(user_pk: int, language: str, content: bytes) -> str:
    """A page's ETag: its content less what differs between renderings, and whom it was made for."""
    digest = hashlib.sha256(f"{user_pk}|{language}|".encode())
    digest.update(VOLATILE.sub(b"", content))
    return f'"{digest.hexdigest()[:40]}"'


@dataclass(frozen=True)
class _Page:
    pieces: tuple[bytes, ...]  # the content cut where the visitor's CSRF token goes
    size: int
    content_type: str
    last_modified: str | None
    etag: str
    shown: dict[int, int]  # unit id → its version when the page was made
    expires: float


class _Pages:
    """Pages by key, least recently used first out, at most ``budget`` bytes of content."""

    def __init__(self) -> None:
        self._items: OrderedDict[Any, _Page] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Any, now: float) -> _Page | None:
        with self._lock:
            page = self._items.get(key)
            if page is None:
                return None
            if page.expires <= now:
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return page

    def put(self, key: Any, page: _Page, budget: int) -> None:
        if page.size > budget:
            return
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = page
            self._bytes += page.size
            while self._bytes > budget and self._items:
                self._drop(next(iter(self._items)))

    def discard(self, key: Any) -> None:
        with self._lock:
            if key in self._items:
                self._drop(key)

    def _drop(self, key: Any) -> None:
        self._bytes -= self._items.pop(key).size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


_pages = _Pages()


def clear() -> None:
    """Forget every kept page (this process)."""
    _pages.clear()


def show_units(request: HttpRequest, units: Iterable[ArchivalUnit | None]) -> None:
    """Name the units a page shows: a kept page is served again only while the public may see every one of them
    and none has changed. A cached view must name every unit whose title, description or link it shows."""
    shown = getattr(request, _SHOWN, None)
    if shown is not None:
        shown.update(unit.pk for unit in units if unit is not None)


def _cacheable(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or connection.in_atomic_block:
        return False
    if getattr(request.user, "is_authenticated", False):
        return False
    return not len(messages.get_messages(request))


_STAMP_SQL = ""


def _stamp_sql() -> str:
    global _STAMP_SQL
    if not _STAMP_SQL:
        fonds, categories = Fonds._meta.db_table, RecordCategory._meta.db_table
        parts = [
            f"(SELECT epoch FROM {STATE_TABLE} WHERE id = 1)",
            f"(SELECT generation FROM {STATE_TABLE} WHERE id = 1)",
            f"(SELECT dictionary_version FROM {STATE_TABLE} WHERE id = 1)",
            f"(SELECT MAX(updated) FROM {fonds})",
            f"(SELECT COUNT(*) FROM {fonds})",
            f"(SELECT MAX(updated) FROM {categories})",
            f"(SELECT MAX(updated) FROM {Institution._meta.db_table})",
            f"(SELECT MAX(updated) FROM {ConsultingInfo._meta.db_table})",
            f"(SELECT MAX(id) FROM {PackageVersion._meta.db_table})",
        ]
        _STAMP_SQL = "SELECT " + ", ".join(parts)
    return _STAMP_SQL


def _stamp() -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql())
        row = cursor.fetchone()
    return tuple(row) if row else ()


# The policy's question for n units, compiled once per n and per rule: (sql, params, where the ids go).
_CHECKS: dict[tuple[int, VisibilityRule], tuple[str, list[Any], list[int]]] = {}
_SENTINEL = -(10**15)


def _check(n: int) -> tuple[str, list[Any], list[int]]:
    key = (n, visibility_rule(_ANONYMOUS))
    found = _CHECKS.get(key)
    if found is None:
        sentinels = [_SENTINEL - i for i in range(n)]
        units = visible_units(_ANONYMOUS, ArchivalUnit.objects.filter(pk__in=sentinels))
        sql, params = units.order_by().values_list("pk", "version").query.sql_with_params()
        slots = [i for i, value in enumerate(params) if isinstance(value, int) and value <= _SENTINEL]
        if sorted(params[i] for i in slots) != sorted(sentinels):
            raise RuntimeError("the policy's query has an unexpected shape")  # never reached: the ids are params
        found = _CHECKS[key] = (sql, list(params), slots)
    return found


def _versions(ids: Iterable[int]) -> dict[int, int]:
    """The version of each of ``ids`` the public may see now (the others are missing from the answer): the
    policy's own filter (``visible_units``), its SQL compiled once per number of ids."""
    wanted = sorted(ids)
    if not wanted:
        return {}
    sql, template, slots = _check(len(wanted))
    params = list(template)
    for slot, unit_id in zip(slots, wanted, strict=True):
        params[slot] = unit_id
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(pk): int(version) for pk, version in cursor.fetchall()}


def _served(request: HttpRequest, page: _Page) -> HttpResponse:
    response = HttpResponse(get_token(request).encode().join(page.pieces), content_type=page.content_type)
    if page.last_modified:
        response["Last-Modified"] = page.last_modified
    response["ETag"] = page.etag
    response["X-Cache"] = "hit"
    return response


def cached_for_the_public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view``'s page to the anonymous public from the cache while what it shows is unchanged and visible
    (see the module's docstring); the view must name the units it shows with ``show_units``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PORTAL_CACHE_SECONDS
        if seconds <= 0 or not _cacheable(request):
            return view(request, *args, **kwargs)
        key = (
            view.__module__,
            view.__qualname__,
            request.get_full_path(),
            request.scheme,
            request.get_host(),
            get_language(),
            _stamp(),
        )
        now = time.monotonic()
        page = _pages.get(key, now)
        if page is not None:
            if _versions(page.shown) == page.shown:
                return _served(request, page)
            _pages.discard(key)
        setattr(request, _SHOWN, set())
        response = view(request, *args, **kwargs)
        shown: set[int] = getattr(request, _SHOWN)
        # Kept from a GET only (a HEAD's body may be cut short on the way), and only a whole, plain page.
        if request.method != "GET" or response.status_code != 200 or response.streaming or response.cookies:
            return response
        versions = _versions(shown)
        if len(versions) != len(shown):
            return response  # a unit it shows is no longer public: not kept
        content = bytes(response.content)
        etag = page_etag(0, get_language(), content)
        made = _Page(
            pieces=tuple(_CSRF.split(content)),
            size=len(content),
            content_type=response["Content-Type"],
            etag=etag,
            last_modified=response.get("Last-Modified"),
            shown=versions,
            expires=now + seconds,
        )
        _pages.put(key, made, settings.PORTAL_CACHE_MB * 1024 * 1024)
        response["ETag"] = etag
        response["X-Cache"] = "miss"
        return response

    return wrapped
