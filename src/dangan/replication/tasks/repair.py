"""``repair_task``: the workspace's "repair now" (立即修复), the same ``do_repair`` as `dangan replication repair`.
A repair cut off half-way leaves the fault recorded (cleared only once the receipt checked out) and an incomplete
envelope the next run resumes."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def repair_task(user_id: int | None, target_id: int | None = None) -> str:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.core.actors import actor_for_task
    from dangan.replication.actions.repair import do_repair
    from dangan.replication.models import Target

    target = Target.objects.filter(pk=target_id).first() if target_id is not None else None
    if target_id is not None and target is None:
        return "skipped"
    try:
        report = do_repair(actor_for_task(user_id), target)
    except (ValidationError, PermissionDenied) as exc:
        logger.warning("repair refused: %s", exc)
        return "refused"
    return "ok" if report.ok else f"{len(report.failed)} not repaired"
