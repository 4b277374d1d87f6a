"""The background jobs of a transfer — a check, an acceptance — and the one rule that at most one is queued or
running at a time (495 checks queued in a few minutes must be impossible).

An action claims the transfer with a conditional UPDATE (atomic on SQLite and PostgreSQL alike) and puts the job
on the queue when its transaction commits; the job gives the claim back when it ends, whatever happens. A claim no
longer counts when the queue reports its job ended (finished, or failed: a worker killed and given up), or when no
job reached the queue within CLAIM_GRACE of the claim (the process died between the commit and the enqueue).
Core may offer one guard for every app's jobs; until it does, accession keeps this one.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.accession.choices import TransferTask
from dangan.accession.models import Transfer
from dangan.core.actors import Actor, actor_id
from dangan.core.audit import log

from .accepting import check_accept
from .access import check_may_act
from .common import allowed

CLAIM_GRACE = timedelta(minutes=5)
_CLAIM = "claim:"  # task_id of a claim whose job is not on the queue yet


def _task(kind: str) -> Any:
    from dangan.accession.tasks import accept_transfer_task, check_transfer_task

    return {TransferTask.CHECK: check_transfer_task, TransferTask.ACCEPT: accept_transfer_task}[TransferTask(kind)]


def active_task(transfer: Transfer) -> str:
    """The TransferTask queued or running for ``transfer``, or ""."""
    kind = transfer.task
    if not kind:
        return ""
    if not transfer.task_id or transfer.task_id.startswith(_CLAIM):
        since = transfer.task_since
        return kind if since is not None and timezone.now() - since < CLAIM_GRACE else ""
    from django_tasks import TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

    try:
        result = _task(kind).get_result(transfer.task_id)
    except (NotImplementedError, TaskResultDoesNotExist, TaskResultMismatch):
        return ""  # a backend that ran it at once (it gave the claim back itself), or a job the queue forgot
    return kind if result.status in (TaskResultStatus.READY, TaskResultStatus.RUNNING) else ""


def check_no_task(transfer: Transfer) -> None:
    if kind := active_task(transfer):
        raise ValidationError(
            _("该移交的%(task)s已在排队或进行中，请等它结束后再操作。") % {"task": TransferTask(kind).label}
        )


def _claim(transfer: Transfer, kind: TransferTask) -> str:
    """Mark ``transfer`` as having a ``kind`` job; ValidationError when another job is queued or running."""
    now = timezone.now()
    token = _CLAIM + uuid.uuid4().hex
    values = {"task": kind.value, "task_id": token, "task_since": now, "updated": now}
    claimed = Transfer.objects.filter(pk=transfer.pk, task="").update(**values)
    if not claimed:
        current = Transfer.objects.get(pk=transfer.pk)
        check_no_task(current)
        stale = Transfer.objects.filter(pk=transfer.pk, task=current.task, task_id=current.task_id)
        if not stale.update(**values):
            check_no_task(Transfer.objects.get(pk=transfer.pk))  # someone claimed it in between
    transfer.task, transfer.task_id, transfer.task_since = kind.value, token, now
    return token


def _enqueue_on_commit(transfer: Transfer, kind: TransferTask, token: str, *args: Any) -> None:
    transfer_id = transfer.pk

    def enqueue() -> None:
        try:
            result = _task(kind).enqueue(transfer_id, *args)
        except BaseException:
            release_task(transfer_id, kind)
            raise
        # The job may already have run and given the claim back (an immediate backend): then this changes nothing.
        Transfer.objects.filter(pk=transfer_id, task=kind.value, task_id=token).update(task_id=str(result.id))

    transaction.on_commit(enqueue)


def release_task(transfer_id: int, kind: str) -> None:
    """Give back the claim of a ``kind`` job (the job calls this when it ends)."""
    Transfer.objects.filter(pk=transfer_id, task=kind).update(task="", task_id="", task_since=None)


# ------------------------------------------------------------------------------------------------ a check


def check_start_check(actor: Actor, transfer: Transfer) -> None:
    check_may_act(actor, transfer)
    if not transfer.is_open:
        raise ValidationError(_("该移交已结束，不能再检测。"))
    check_no_task(transfer)


def can_start_check(actor: Actor, transfer: Transfer) -> bool:
    return allowed(check_start_check, actor, transfer)


def do_queue_check(actor: Actor, transfer: Transfer) -> Transfer:
    """Queue the four-property check of ``transfer`` (run by the worker after the commit)."""
    with transaction.atomic():
        check_start_check(actor, transfer)
        token = _claim(transfer, TransferTask.CHECK)
        transfer.progress_done, transfer.progress_total = 0, 1
        transfer.progress_label = _("排队等待后台任务")[:100]
        transfer.save(update_fields=["progress_done", "progress_total", "progress_label", "updated"])
        log(transfer, "accession.transfer.check_request", actor, {"task": TransferTask.CHECK.value})
        _enqueue_on_commit(transfer, TransferTask.CHECK, token, actor_id(actor))
    return transfer


# ---------------------------------------------------------------------------------------------- acceptance


def check_queue_accept(actor: Actor, transfer: Transfer, override_reason: str = "") -> None:
    check_accept(actor, transfer, override_reason)
    check_no_task(transfer)


def can_queue_accept(actor: Actor, transfer: Transfer) -> bool:
    """The rule behind the 接收入库 button: the same check the action makes (an override reason aside, which the
    form asks for when the virus scan was not performed)."""
    return allowed(check_queue_accept, actor, transfer, "-")


def do_queue_accept(actor: Actor, transfer: Transfer, override_reason: str = "") -> Transfer:
    """Queue the acceptance of ``transfer`` (run by the worker after the commit; resumes one a crash stopped)."""
    with transaction.atomic():
        check_queue_accept(actor, transfer, override_reason)
        token = _claim(transfer, TransferTask.ACCEPT)
        log(transfer, "accession.transfer.accept_request", actor, {"task": TransferTask.ACCEPT.value})
        _enqueue_on_commit(transfer, TransferTask.ACCEPT, token, actor_id(actor), override_reason)
    return transfer


def note_refusal(transfer: Transfer, error: Exception) -> str:
    """A queued job was refused when it ran (a check that no longer applies, a withdrawn right): the reason goes on
    the transfer for its page; returns it."""
    message = "；".join(getattr(error, "messages", None) or [str(error)])
    Transfer.objects.filter(pk=transfer.pk).update(message=message[:5000])
    return message
