"""``export_task``: an export job of a compilation (part volumes), run as its requester by the worker. A job left
running by a worker that died is queued again by the worker when it starts (core.worker) and runs again from the
start (the file is written to a temporary name and renamed, so a half-written file is never kept); after too many
deaths the job is marked failed with the worker's message."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from dangan.core.jobs import register_abandoned_handler

logger = logging.getLogger(__name__)


@task()
def export_task(job_id: int) -> str:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.compilation.actions.volumes import do_fail_export, do_run_export
    from dangan.compilation.models import ExportJob, ExportState
    from dangan.core.actors import ActorGone, actor_for_task

    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None or job.state not in (ExportState.QUEUED, ExportState.RUNNING):
        return "skipped"
    try:
        actor = actor_for_task(job.requested_by_id)
    except ActorGone:
        do_fail_export(job_id, "申请导出的账号已停用或删除。")
        return "refused"
    try:
        return str(do_run_export(actor, job).state)
    except (ValidationError, PermissionDenied) as exc:
        logger.warning("export %s refused: %s", job.uuid, exc)
        return "refused"
    except Exception:
        logger.exception("export %s failed", job.uuid)
        return "failed"


def _abandoned(args: list[Any], kwargs: dict[str, Any], message: str) -> None:
    from dangan.compilation.actions.volumes import do_fail_export

    job_id = args[0] if args else kwargs.get("job_id")
    if job_id is not None:
        do_fail_export(int(job_id), message)


register_abandoned_handler(export_task, _abandoned)
