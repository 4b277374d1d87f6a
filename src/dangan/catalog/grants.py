"""Grants: what a reader's approved access request (查档申请) opens to that reader alone, beyond the public's rule.

The catalog does not know the access app; the app registers a provider here (``register_grant_provider``), and
``catalog.policy`` asks ``grants_for(user)`` whenever it decides for a reader. A grant widens openness only, never
密级: the policy honours a granted unit only when it is 公开 (non-secret) and among the holdings.

The answer is cached on the user object (one per request) and dropped whenever ``grants_changed()`` is called in
this process; the access app calls it after every change to a grant, a visit or a booking.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Grants", "grants_changed", "grants_for", "register_grant_provider", "unregister_grant_provider"]


@dataclass(frozen=True)
class Grants:
    """Unit ids opened to one reader: ``records`` (description, place in the fonds, search); ``files`` (images,
    text, full-text search; always within ``records``: a reading-room-only grant gives files only during a visit);
    ``copies`` (copies may be requested; within ``files``)."""

    records: frozenset[int] = frozenset()
    files: frozenset[int] = frozenset()
    copies: frozenset[int] = frozenset()

    def __or__(self, other: Grants) -> Grants:
        return Grants(self.records | other.records, self.files | other.files, self.copies | other.copies)

    @property
    def records_without_files(self) -> frozenset[int]:
        return self.records - self.files


NO_GRANTS = Grants()
GrantProvider = Callable[[Any], Grants]
_providers: list[GrantProvider] = []
_generation = itertools.count(1)
_current = next(_generation)
_CACHE = "_dangan_grants"


def register_grant_provider(provider: GrantProvider) -> None:
    """Add ``provider`` (user → Grants, for a signed-in reader) to those ``grants_for`` combines."""
    if provider not in _providers:
        _providers.append(provider)


def unregister_grant_provider(provider: GrantProvider) -> None:
    """Remove ``provider`` (tests that plant one)."""
    if provider in _providers:
        _providers.remove(provider)
    grants_changed()


def grants_changed() -> None:
    """Forget every cached answer of this process (call after a grant, a visit or a booking changes)."""
    global _current
    _current = next(_generation)


def grants_for(user: Any) -> Grants:
    """What the providers open to ``user`` (nothing for the public, the staff and the console)."""
    from dangan.core.roles import is_reader

    if not is_reader(user):
        return NO_GRANTS
    cached = getattr(user, _CACHE, None)
    if cached is not None and cached[0] == _current:
        found: Grants = cached[1]
        return found
    grants = NO_GRANTS
    for provider in _providers:
        grants = grants | provider(user)
    # Files within records, copies within files, whatever a provider answered.
    grants = Grants(grants.records, grants.files & grants.records, grants.copies & grants.files & grants.records)
    with contextlib.suppress(AttributeError):  # a user object that takes no attributes is asked every time
        setattr(user, _CACHE, (_current, grants))
    return grants
