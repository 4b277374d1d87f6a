"""The periodic fixity audits (DA/T 70-2018 §4.3.1.2: a full check at least every two years, a sample of at least 5 %
every quarter), queued by the worker's scheduler (core.schedule) when due.

Due-ness is read from the audit runs themselves, so nothing else needs storing: a full pass is due when no full run
was started in the last AUDIT_FULL_DAYS (counting from the first package), a sample when no run of either kind was
started in the last AUDIT_SAMPLE_DAYS. Nothing is queued while a run is unfinished, or when nothing is preserved.
The full pass checks every digest of the inventories (SHA-512, SHA-256, SM3) unless AUDIT_FULL_ALL_DIGESTS is off;
the samples check SHA-512.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Min

from dangan.preservation.choices import AuditKind
from dangan.preservation.models import AuditRun, PreservedPackage

_LOCK_KEY = 0x6461_6E67_0004  # serialises schedulers of several processes on PostgreSQL


def due_audit(now: datetime) -> tuple[str, float | None] | None:
    """(kind, sample percent) of the audit due at ``now``, or None."""
    first = PreservedPackage.objects.aggregate(first=Min("created"))["first"]
    if first is None:
        return None
    from dangan.preservation.actions.auditing import active_runs

    if active_runs():  # queued, or running in a live process (a run nothing will resume does not count)
        return None
    full_since = now - timedelta(days=settings.AUDIT_FULL_DAYS)
    if first <= full_since and not AuditRun.objects.filter(kind=AuditKind.FULL, created__gt=full_since).exists():
        return AuditKind.FULL, None
    sample_since = now - timedelta(days=settings.AUDIT_SAMPLE_DAYS)
    if first <= sample_since and not AuditRun.objects.filter(created__gt=sample_since).exists():
        return AuditKind.SAMPLE, settings.AUDIT_SAMPLE_PERCENT
    return None


def queue_due_audits(now: datetime) -> int:
    """Queue the audit due at ``now`` (the run and its task commit together); returns how many were queued."""
    if not settings.AUDIT_SCHEDULE:
        return 0
    from dangan.core.actors import SYSTEM
    from dangan.preservation.actions.auditing import do_start_audit

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        due = due_audit(now)
        if due is None:
            return 0
        kind, percent = due
        full_digests = kind == AuditKind.FULL and settings.AUDIT_FULL_ALL_DIGESTS
        try:
            do_start_audit(SYSTEM, percent, all_digests=full_digests, scheduled=True)
        except ValidationError:  # someone started one meanwhile: that one counts
            return 0
        return 1
