"""``audit_task``: an audit of one target (or every enabled one), queued by the workspace's "audit now" (立即验证)
or by the periodic job for each target whose next audit is due — the same ``do_audit`` as
`dangan replication audit`."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def audit_task(user_id: int | None, target_id: int | None = None, full: bool = False) -> str:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.core.actors import actor_for_task
    from dangan.replication.actions.audits import do_audit
    from dangan.replication.models import Target

    target = Target.objects.filter(pk=target_id).first() if target_id is not None else None
    if target_id is not None and target is None:
        return "skipped"
    actor = actor_for_task(user_id)
    try:
        report = do_audit(actor, target, full=full)
    except (ValidationError, PermissionDenied) as exc:
        logger.warning("replication audit refused: %s", exc)
        return "refused"
    return "ok" if report.ok else f"{len(report.failures)} failures"
