"""Part oai: keeping the OAI-PMH datestamps and tombstones (models/oai.py) in step with the catalog.

``follow_units`` answers ``catalog.signals.units_changed`` inside the catalog's transaction: every unit named gets
its row with the datestamp of now (its description, or whether the public may see it, changed) and ``ever_public``
raised when the public now sees it; a unit leaving the public's view keeps its row, which now answers as a deleted
record. The fonds of those units get theirs too (a fonds' EAD3 lists its units). ``rebuild`` fills the table from
the catalog as it is (the migration and ``dangan outreach oai-rebuild`` run it; a bench loads rows with it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.utils import timezone

from dangan.catalog.choices import Openness, SecurityClassification
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import visible_units
from dangan.outreach.models import OaiRecord

CHUNK = 2000


def _public_ids(ids: list[int]) -> set[int]:
    return set(visible_units(AnonymousUser(), ArchivalUnit.objects.filter(pk__in=ids)).values_list("pk", flat=True))


def follow_units(unit_ids: Iterable[int], *, removed: bool = False, now: datetime | None = None) -> None:
    """Record that ``unit_ids`` changed now (``removed``: they are about to leave the holdings — deleted or
    disposed of — so the public sees them no more, whatever their fields still say)."""
    now = now or timezone.now()
    ids = sorted(set(unit_ids))
    touched_fonds: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        units = {
            pk: (fonds_id, uuid)
            for pk, fonds_id, uuid in ArchivalUnit.objects.filter(pk__in=chunk).values_list("pk", "fonds_id", "uuid")
        }
        public = set() if removed else _public_ids(chunk)
        rows = dict(OaiRecord.objects.filter(unit_id__in=chunk).values_list("unit_id", "local_id"))
        have = set(rows)
        # A deleted unit's row whose id the database gave to a new unit (SQLite reuses the highest rowid): the row
        # stays the deleted unit's tombstone, detached; the new unit gets a row of its own below.
        reused = [pk for pk, local_id in rows.items() if pk in units and local_id != str(units[pk][1])]
        if reused:
            OaiRecord.objects.filter(unit_id__in=reused).update(unit_id=None)
            have -= set(reused)
        new = []
        # Rows already there, updated a group at a time (same fonds, public or not): a few UPDATEs a chunk.
        groups: dict[tuple[int | None, bool], list[int]] = {}
        for pk in chunk:
            if pk not in units:
                if pk in have:  # already gone: its row stays a tombstone, dated now
                    groups.setdefault((None, False), []).append(pk)
                continue
            fonds_id, uuid = units[pk]
            touched_fonds.add(fonds_id)
            if pk in have:
                groups.setdefault((fonds_id, pk in public), []).append(pk)
            else:
                new.append(
                    OaiRecord(
                        kind=OaiRecord.Kind.UNIT,
                        unit_id=pk,
                        fonds_id=fonds_id,
                        local_id=str(uuid),
                        datestamp=now,
                        ever_public=pk in public,
                    )
                )
        # A unit made again with the UUID of a deleted one (an export imported back, a restore) takes over the
        # deleted one's row: one record per identifier, live again.
        tombstones = {
            row.local_id: row
            for row in OaiRecord.objects.filter(kind=OaiRecord.Kind.UNIT, local_id__in=[r.local_id for r in new])
        }
        for record in [r for r in new if r.local_id in tombstones]:
            row = tombstones[record.local_id]
            row.unit_id, row.fonds_id, row.datestamp = record.unit_id, record.fonds_id, now
            row.ever_public = row.ever_public or record.ever_public
            row.save(update_fields=["unit_id", "fonds_id", "datestamp", "ever_public"])
        OaiRecord.objects.bulk_create([r for r in new if r.local_id not in tombstones], batch_size=500)
        for (group_fonds, seen), pks in groups.items():
            changes: dict[str, Any] = {"datestamp": now}
            if group_fonds is not None:
                changes["fonds_id"] = group_fonds
            if seen:
                changes["ever_public"] = True
            OaiRecord.objects.filter(unit_id__in=pks).update(**changes)
    _follow_fonds(touched_fonds, now, leaving=set(ids) if removed else set())


def _follow_fonds(fonds_ids: set[int], now: datetime, *, leaving: set[int]) -> None:
    if not fonds_ids:
        return
    rows = {r.fonds_id: r for r in OaiRecord.objects.filter(kind=OaiRecord.Kind.FONDS, fonds_id__in=fonds_ids)}
    for fonds in Fonds.objects.filter(pk__in=fonds_ids):
        public = (
            visible_units(AnonymousUser(), ArchivalUnit.objects.filter(fonds=fonds)).exclude(pk__in=leaving).exists()
        )
        row = rows.get(fonds.pk)
        # The record of the fonds' code, if another fonds had it (deleted, or renamed since): the identifier is the
        # code, so the fonds that holds the code now takes that record over.
        holder = (
            OaiRecord.objects.filter(kind=OaiRecord.Kind.FONDS, local_id=fonds.code).exclude(fonds_id=fonds.pk).first()
        )
        if row is None and holder is not None:
            row, holder = holder, None
        if holder is not None:
            holder.delete()
        if row is None:
            OaiRecord.objects.create(
                kind=OaiRecord.Kind.FONDS, fonds=fonds, local_id=fonds.code, datestamp=now, ever_public=public
            )
        else:
            row.fonds_id, row.local_id, row.datestamp = fonds.pk, fonds.code, now
            row.ever_public = row.ever_public or public
            row.save(update_fields=["fonds_id", "local_id", "datestamp", "ever_public"])


def rebuild(db: Any = None) -> int:
    """Give every unit and fonds without a row one, dated by its last change in the catalog (``updated``), public
    when the public sees it now; rows already there are left as they are. Returns how many rows were added. One
    INSERT … SELECT per kind, so that a million units take seconds."""
    table = OaiRecord._meta.db_table
    units = ArchivalUnit._meta.db_table
    fonds = Fonds._meta.db_table
    public = (SecurityClassification.PUBLIC.value, Openness.OPEN.value)
    db = db or connection
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, unit_id, fonds_id, local_id, datestamp, ever_public) "
            f"SELECT 'u', u.id, u.fonds_id, {_uuid_text(db, 'u.uuid')}, u.updated, "
            f"(u.classification = %s AND u.openness = %s AND NOT u.disposed) "
            f"FROM {units} u WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.unit_id = u.id)",
            public,
        )
        added = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {table} (kind, unit_id, fonds_id, local_id, datestamp, ever_public) "
            f"SELECT 'f', NULL, f.id, f.code, f.updated, EXISTS (SELECT 1 FROM {units} u WHERE u.fonds_id = f.id "
            f"AND u.classification = %s AND u.openness = %s AND NOT u.disposed) "
            f"FROM {fonds} f WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.kind = 'f' AND r.fonds_id = f.id)",
            public,
        )
        added += cursor.rowcount
    return int(added)


def _uuid_text(db: Any, column: str) -> str:
    """The SQL giving a UUID column as the 36-character text the identifiers use (SQLite keeps 32 hex digits)."""
    if db.vendor == "postgresql":
        return f"{column}::text"
    return (
        f"lower(substr({column},1,8)||'-'||substr({column},9,4)||'-'||substr({column},13,4)||'-'||"
        f"substr({column},17,4)||'-'||substr({column},21,12))"
    )


def on_units_changed(sender: Any, unit_ids: list[int], removed: bool = False, **kwargs: Any) -> None:
    follow_units(unit_ids, removed=removed)
