"""The grant provider of access requests: what a reader's approved requests open to them now, for
``catalog.grants.grants_for`` (registered in hooks.py).

- ``records``: the units of the reader's active grants (started, not expired, not revoked). Expiry needs no job:
  the dates are compared on every question (the answer is cached per request object and generation only).
- ``files``: the same, except a reading-room-only grant (阅览室内查阅) while the reader has no open visit checked
  in today at the reading room.
- ``copies``: the granted units with files whose grant allows copies.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dangan.catalog.grants import NO_GRANTS, Grants

from .models import AccessGrant, Visit
from .models.requests import active_grant_filter


def in_reading_room(reader: Any) -> bool:
    """Whether ``reader`` is checked in at the reading room now: a visit checked in today and not checked out."""
    today = timezone.localdate()
    return Visit.objects.filter(reader=reader, checked_out_at__isnull=True, checked_in_at__date=today).exists()


def reader_grants(reader: Any) -> Grants:
    """The units ``reader``'s active grants open to them (see the module's description)."""
    if getattr(reader, "pk", None) is None:
        return NO_GRANTS
    rows = list(
        AccessGrant.objects.filter(active_grant_filter(), reader_id=reader.pk).values_list(
            "unit_id", "reading_room_only", "copies_allowed"
        )
    )
    if not rows:
        return NO_GRANTS
    present = in_reading_room(reader) if any(room_only for _, room_only, _ in rows) else False
    records: set[int] = set()
    files: set[int] = set()
    copies: set[int] = set()
    # Two grants of one unit: the most generous one counts (files from either, copies from one that allows them).
    for unit_id, room_only, copies_allowed in rows:
        records.add(unit_id)
        if not room_only or present:
            files.add(unit_id)
            if copies_allowed:
                copies.add(unit_id)
    return Grants(frozenset(records), frozenset(files), frozenset(copies))
