"""Signals through which higher apps (search, preservation …) follow catalog changes without catalog importing them.

``units_changed`` is sent by the catalog actions inside the transaction that made the change, so a receiver that
writes (the search index) commits or rolls back together with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

# kwargs: unit_ids (list[int]), removed (bool: the units are about to be deleted)
units_changed = Signal()


def notify_units_changed(unit_ids: Iterable[int], *, removed: bool = False) -> None:
    ids = list(unit_ids)
    if ids:
        units_changed.send(sender=None, unit_ids=ids, removed=removed)
