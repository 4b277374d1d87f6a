"""Writing the utilization register (利用登记). Every part that serves a reader calls ``record_use`` inside the
transaction of what it records; the entry is also written to the audit log ("every use is audit-logged")."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dangan.access.choices import Channel, UseKind
from dangan.access.models import UseRecord
from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import check_actor
from dangan.core.audit import log


def record_use(
    actor: Any,
    *,
    kind: str,
    reader: Any = None,
    unit: ArchivalUnit | None = None,
    purpose: str = "",
    channel: str = Channel.READING_ROOM,
    pages: int = 0,
    source: str = "",
    note: str = "",
) -> UseRecord:
    """Add one entry to the register (and one to the audit log, as ``access.use.<kind>``). ``actor`` is who
    served (a staff member, or the reader themself online); ``reader`` the reader served (None: anonymous)."""
    check_actor(actor)
    if kind not in UseKind.values:
        raise ValueError(f"unknown use kind {kind!r}")
    staff = actor if getattr(actor, "pk", None) is not None and actor is not reader else None
    with transaction.atomic():
        entry = UseRecord.objects.create(
            kind=kind,
            channel=channel,
            reader=reader if getattr(reader, "pk", None) is not None else None,
            unit=unit,
            fonds_id=unit.fonds_id if unit is not None else None,
            purpose=purpose,
            pages=pages,
            staff=staff,
            source=source[:64],
            note=note[:300],
        )
        log(
            unit if unit is not None else entry,
            f"access.use.{kind}",
            actor,
            {
                "reader": getattr(reader, "pk", None),
                "purpose": purpose,
                "channel": channel,
                "pages": pages,
                "source": source,
            },
        )
    return entry


def record_online_view(reader: Any, unit: ArchivalUnit) -> UseRecord | None:
    """Register a reader's online consultation of a unit that a grant opened to them (not opened to everyone),
    at most once per reader, unit and day. Views of opened units by the public are not uses of a grant and are
    not registered. Returns the new entry, or None when none was needed."""
    from django.utils import timezone

    from dangan.catalog.grants import grants_for
    from dangan.core.roles import is_reader

    if not is_reader(reader) or unit.pk not in grants_for(reader).records:
        return None
    today = timezone.localdate()
    already = UseRecord.objects.filter(
        kind=UseKind.VIEW, channel=Channel.ONLINE, reader=reader, unit=unit, at__date=today
    ).exists()
    if already:
        return None
    return record_use(reader, kind=UseKind.VIEW, reader=reader, unit=unit, channel=Channel.ONLINE)
