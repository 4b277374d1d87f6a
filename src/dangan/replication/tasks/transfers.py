"""``replicate_task``: the workspace's "replicate now" (立即复制), the same ``do_replicate`` as `dangan replicate`.
Resumable by construction: a task killed half-way leaves only confirmed envelopes recorded, and the next run
continues from them."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def replicate_task(user_id: int | None, target_id: int | None = None) -> str:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.core.actors import actor_for_task
    from dangan.replication.actions.transfers import do_replicate
    from dangan.replication.models import Target

    target = Target.objects.filter(pk=target_id).first() if target_id is not None else None
    if target_id is not None and target is None:
        return "skipped"
    try:
        report = do_replicate(actor_for_task(user_id), target)
    except (ValidationError, PermissionDenied) as exc:
        logger.warning("replication refused: %s", exc)
        return "refused"
    return "ok" if report.ok else f"{len(report.missing)} missing"
