"""Background work of accession: load by id, call the same actions as the UI and CLI. Both are safe to rerun: a
check simply runs again; an acceptance resumes where it stopped (see actions.accepting). Each gives back the
transfer's job claim when it ends, however it ends (see actions.jobs)."""

from __future__ import annotations

import logging

from django_tasks import task

from dangan.accession.choices import TransferTask
from dangan.core.actors import actor_for_task

logger = logging.getLogger(__name__)


@task()
def check_transfer_task(transfer_id: int, user_id: int | None) -> str:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.accession.actions.checking import do_check
    from dangan.accession.actions.jobs import note_refusal, release_task
    from dangan.accession.models import Transfer

    try:
        transfer = Transfer.objects.filter(pk=transfer_id).first()
        if transfer is None or not transfer.is_open:
            return "skipped"
        try:
            return do_check(actor_for_task(user_id), transfer).verdict
        except (ValidationError, PermissionDenied) as exc:
            message = note_refusal(transfer, exc)
            logger.warning("transfer %s not checked: %s", transfer.uuid, message)
            return "refused"
    finally:
        release_task(transfer_id, TransferTask.CHECK)


@task()
def accept_transfer_task(transfer_id: int, user_id: int | None, override_reason: str = "") -> str:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.accession.actions.accepting import do_accept
    from dangan.accession.actions.jobs import note_refusal, release_task
    from dangan.accession.models import Transfer

    try:
        transfer = Transfer.objects.filter(pk=transfer_id).first()
        if transfer is None:
            return "skipped"
        try:
            return do_accept(actor_for_task(user_id), transfer, override_reason=override_reason).status
        except (ValidationError, PermissionDenied) as exc:
            message = note_refusal(transfer, exc)
            logger.warning("transfer %s not accepted: %s", transfer.uuid, message)
            return "refused"
    finally:
        release_task(transfer_id, TransferTask.ACCEPT)
