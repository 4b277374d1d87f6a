"""Part wechat's background work: a story's push (its steps, resumable) and the status polls of pushes being
published (queued by the periodic job ``outreach.wechat.poll``, registered in hooks.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django_tasks import task

from dangan.core.jobs import register_abandoned_handler

logger = logging.getLogger(__name__)


@task()
def push_story_task(push_id: int, user_id: int | None) -> str:
    """Do what is left of push ``push_id`` (as the account that asked for it); its state afterwards."""
    from dangan.core.actors import actor_for_task
    from dangan.outreach.actions.wechat import run_push

    actor_for_task(user_id)  # the account must still exist and be active
    return run_push(push_id).state


@task()
def poll_push_task(push_id: int) -> str:
    """Ask WeChat how the publishing of push ``push_id`` goes; its state afterwards."""
    from dangan.outreach.actions.wechat import run_push

    return run_push(push_id).state


def queue_due_polls(now: datetime) -> int:
    """The periodic job: a poll task for each push being published whose status is due to be asked again."""
    from dangan.outreach.actions.wechat import claim_due_polls

    ids = claim_due_polls(now)
    for push_id in ids:
        poll_push_task.enqueue(push_id)
    return len(ids)


def _push_abandoned(args: list[Any], kwargs: dict[str, Any], message: str) -> None:
    from dangan.outreach.actions.wechat import do_record_abandoned

    do_record_abandoned(int(args[0] if args else kwargs["push_id"]), message)


register_abandoned_handler(push_story_task, _push_abandoned)
register_abandoned_handler(poll_push_task, _push_abandoned)
