"""``replicate_task``: the workspace's "replicate now" (立即复制), the same ``do_replicate`` as `dangan replicate`.
Resumable by construction: a task killed half-way leaves only confirmed envelopes recorded, and the next run
continues from them."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

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


def queue_due_replication(now: datetime) -> int:
    """The periodic job ``replication.replicate``: queue ``replicate_task`` for every target once
    ``REPLICATION_EVERY_MINUTES`` have passed since the last one was queued (none while one is queued or running;
    none before this node has keys or a target). New versions go out by themselves, and a target that was down
    catches up at the next run: ``do_replicate`` sends only what a target lacks."""
    from django.conf import settings
    from django_tasks_db.models import DBTaskResult

    from dangan.core.jobs import task_path
    from dangan.replication.models import Target
    from dangan.replication.node import NodeNotReady, master_key

    minutes = int(settings.REPLICATION_EVERY_MINUTES)
    if minutes <= 0:
        return 0
    results = DBTaskResult.objects.filter(task_path=task_path(replicate_task))
    if results.filter(status__in=("READY", "RUNNING")).exists():
        return 0
    last = results.order_by("-enqueued_at").values_list("enqueued_at", flat=True).first()
    if last is not None and now - last < timedelta(minutes=minutes):
        return 0
    if not Target.objects.filter(enabled=True).exists():
        return 0
    try:
        master_key()
    except NodeNotReady:
        return 0
    replicate_task.enqueue(None, None)
    return 1
