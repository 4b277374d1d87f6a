"""The background jobs of a batch — an import with its checks, a preservation — and the rule that at most one is
queued or running per batch (core.jobs.refuse_if_running). The batch row records the job (``task``, ``task_id``,
``task_since``); the job clears it when it ends, whatever happens. A record no longer counts when the queue says its
job ended, or when no job reached the queue within CLAIM_GRACE (the process died between the commit and the
enqueue)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.actors import actor_id
from dangan.core.audit import log
from dangan.core.jobs import refuse_if_running
from dangan.digitization.choices import BatchTask
from dangan.digitization.models import Batch
from dangan.utilities.progress import PhaseProgress

from .importing import check_import
from .preserving import check_preserve_batch

CLAIM_GRACE = timedelta(minutes=5)


def _task(kind: str) -> Any:
    from dangan.digitization.tasks import import_batch_task, preserve_batch_task

    return {BatchTask.IMPORT: import_batch_task, BatchTask.PRESERVE: preserve_batch_task}[BatchTask(kind)]


def active_task(batch: Batch) -> str:
    """The BatchTask queued or running for ``batch``, or ""."""
    if not batch.task:
        return ""
    if not batch.task_id:
        since = batch.task_since
        return batch.task if since is not None and timezone.now() - since < CLAIM_GRACE else ""
    from django_tasks import TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

    try:
        result = _task(batch.task).get_result(batch.task_id)
    except (NotImplementedError, TaskResultDoesNotExist, TaskResultMismatch, ValueError):
        return ""
    return batch.task if result.status in (TaskResultStatus.READY, TaskResultStatus.RUNNING) else ""


def _refuse(batch: Batch) -> None:
    refuse_if_running(
        f"digitization.batch.{batch.pk}",
        lambda: [batch] if active_task(batch) else [],
        lambda b: _("该批次的%(task)s已在排队或进行中，请等它结束后再操作。") % {"task": BatchTask(b.task).label},
    )


def release_task(batch_id: int) -> None:
    Batch.objects.filter(pk=batch_id).update(task="", task_id="", task_since=None)


def _queue(actor: Any, batch: Batch, kind: BatchTask, label: str, *args: Any) -> Batch:
    batch.task, batch.task_id, batch.task_since = kind.value, "", timezone.now()
    batch.progress_done, batch.progress_total, batch.progress_label = 0, 1, label[:100]
    batch.save(update_fields=["task", "task_id", "task_since", "progress_done", "progress_total", "progress_label"])
    batch_id, user_id = batch.pk, actor_id(actor)

    def enqueue() -> None:
        try:
            result = _task(kind).enqueue(batch_id, user_id, *args)
        except BaseException:
            release_task(batch_id)
            raise
        Batch.objects.filter(pk=batch_id, task=kind.value, task_id="").update(task_id=str(result.id))

    transaction.on_commit(enqueue)
    return batch


def do_queue_import(actor: Any, batch: Batch, folder: Path) -> Batch:
    """Queue the import and checks of ``folder`` (on the server) into ``batch``."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        check_import(actor, batch, Path(folder))
        _refuse(batch)
        log(batch, "digitization.batch.import_request", actor, {"folder": Path(folder).name})
        return _queue(actor, batch, BatchTask.IMPORT, _("排队等待后台任务"), str(folder))


def do_queue_preserve(actor: Any, batch: Batch) -> Batch:
    """Queue the preservation of the accepted batch's masters."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        check_preserve_batch(actor, batch)
        _refuse(batch)
        log(batch, "digitization.batch.preserve_request", actor, {})
        return _queue(actor, batch, BatchTask.PRESERVE, _("排队等待后台任务"))


def note_refusal(batch_id: int, error: Exception) -> str:
    message = "；".join(getattr(error, "messages", None) or [str(error)])
    Batch.objects.filter(pk=batch_id).update(message=message[:5000])
    return message


def progress_recorder(batch_id: int) -> PhaseProgress:
    """A progress callback that records a job's progress on the batch row, for the page's live panel."""

    def report(label: str, done: int, total: int) -> None:
        Batch.objects.filter(pk=batch_id).update(progress_label=label[:100], progress_done=done, progress_total=total)

    return report
