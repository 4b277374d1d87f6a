"""Background work of accession: load by id, call the same actions as the UI and CLI. Both are safe to rerun: a
check simply runs again; an acceptance resumes where it stopped (see actions.accepting)."""

from __future__ import annotations

import logging

from django_tasks import task

from dangan.core.actors import actor_for_task

logger = logging.getLogger(__name__)


@task()
def check_transfer_task(transfer_id: int, user_id: int | None) -> str:
    from dangan.accession.actions.checking import do_check
    from dangan.accession.models import Transfer

    transfer = Transfer.objects.filter(pk=transfer_id).first()
    if transfer is None or not transfer.is_open:
        return "skipped"
    return do_check(actor_for_task(user_id), transfer).verdict


@task()
def accept_transfer_task(transfer_id: int, user_id: int | None, override_reason: str = "") -> str:
    from django.core.exceptions import ValidationError

    from dangan.accession.actions.accepting import do_accept
    from dangan.accession.models import Transfer

    transfer = Transfer.objects.filter(pk=transfer_id).first()
    if transfer is None:
        return "skipped"
    try:
        return do_accept(actor_for_task(user_id), transfer, override_reason=override_reason).status
    except ValidationError as exc:
        message = "；".join(exc.messages)
        # conventions: allow state-change — the refusal noted on the transfer for its page; moves into accession's
        # actions with the queueing rework (issue #13 §4)
        Transfer.objects.filter(pk=transfer_id).update(message=message[:5000])
        logger.warning("transfer %s not accepted: %s", transfer.uuid, message)
        return "refused"
