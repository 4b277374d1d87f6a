"""Background work of core: anchoring the audit log (queued by the periodic job ``core.audit.anchor``)."""

from __future__ import annotations

from django_tasks import task


@task()
def anchor_audit_log_task() -> int | None:
    """Record the audit log's head as an anchor outside the database if the log has grown since the last one;
    returns the anchored entry's id (None: nothing to do). Running it twice writes at most one anchor more."""
    from dangan.core.auditlog.anchors import anchor_if_moved

    anchor = anchor_if_moved("schedule")
    return anchor.last_id if anchor is not None else None
