"""ImportBatch bookkeeping shared by the import process and its queue: the errors that stop an import before it
starts, a batch's outcome, the guard that keeps the same import from being queued twice, and settling a batch whose
background task ended without finishing it."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dangan.catalog.models import Fonds, ImportBatch

Status = ImportBatch.Status


class ImportError_(Exception):
    """The file cannot be imported at all (unreadable, unsupported type, no header row); message in Chinese."""


class FileTooLarge(ImportError_):
    """The file is over the size limit (DANGAN_IMPORT_MAX_BYTES)."""


class ImportAlreadyActive(ImportError_):
    """The same import — same fonds, same file content, dry run or not — is already queued or running."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        kind = _("试导入") if batch.dry_run else _("导入")
        when = date_format(timezone.localtime(batch.created), "Y-m-d H:i")
        super().__init__(
            _(
                "同一文件向全宗 %(fonds)s 的%(kind)s已在进行中（%(status)s，%(when)s 开始），请等待其完成，不必重复提交。"
            )
            % {"fonds": batch.fonds.code, "kind": kind, "status": batch.get_status_display(), "when": when}
        )


def fail_batch(batch: ImportBatch, message: str) -> None:
    save_outcome(batch, Status.FAILED, message)


def save_outcome(batch: ImportBatch, status: str, message: str, **counts: int) -> None:
    batch.status = status
    batch.message = message
    batch.finished = timezone.now()
    batch.total_rows = counts.get("total", batch.total_rows)
    batch.created_count = counts.get("created", 0)
    batch.unchanged_count = counts.get("unchanged", 0)
    batch.save()


def refuse_if_active(fonds: Fonds, sha256: str, dry_run: bool) -> None:
    """ImportAlreadyActive if the same import is queued or running. Runs in the caller's transaction, with the
    fonds row locked so that two requests at once cannot both pass (SQLite's write lock does the same)."""
    Fonds.objects.select_for_update().filter(pk=fonds.pk).first()
    same = ImportBatch.objects.select_related("fonds").filter(
        fonds=fonds, sha256=sha256, dry_run=dry_run, status__in=(Status.PENDING, Status.RUNNING)
    )
    for batch in same:
        if not settle_if_stale(batch):
            raise ImportAlreadyActive(batch)


def settle_if_stale(batch: ImportBatch) -> bool:
    """Mark ``batch`` failed if it is pending or running but its background task is over (a worker that crashed
    and whose task recovery gave up on, or a task deleted); returns whether it did. Nothing was written: the import
    writes in one transaction with the batch's final status."""
    if not batch.is_active or not batch.task_id:
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist

    from dangan.catalog.tasks import run_import_batch as task

    try:
        over = task.get_result(batch.task_id).status in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL)
    except TaskResultDoesNotExist:
        over = True
    except NotImplementedError:  # a backend that keeps no results (the immediate one) ran it already
        return False
    if not over:
        return False
    batch.refresh_from_db()
    if not batch.is_active:
        return False
    fail_batch(batch, _("后台导入任务已中止，未写入任何内容；可以重新导入。"))
    return True


def do_record_abandoned(batch_id: int, message: str) -> None:
    """The worker gave up the task of batch ``batch_id`` (it crashed its worker too often): the batch, if still
    pending or running, ends failed with ``message``. Its import wrote nothing (one transaction with the outcome)."""
    ImportBatch.objects.filter(pk=batch_id, status__in=(Status.PENDING, Status.RUNNING)).update(
        status=Status.FAILED, message=message, finished=timezone.now()
    )
