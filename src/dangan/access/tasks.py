"""Background work of the access app: load by id, call the same actions as the pages and the API.

Copies (复制): ``make_copy_task`` makes a requested copy (``actions.copies.do_make_copy``, idempotent: a copy made,
delivered or refused meanwhile is left as it is); a failure is recorded on the request for the desk to see.
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from dangan.core.jobs import register_abandoned_handler

logger = logging.getLogger(__name__)


@task()
def make_copy_task(copy_id: int, user_id: int | None) -> str:
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.translation import gettext as _

    from dangan.access.actions.copies import do_fail_copy, do_make_copy
    from dangan.access.models import CopyRequest
    from dangan.core.actors import SYSTEM, ActorGone, actor_for_task

    copy = CopyRequest.objects.filter(pk=copy_id).first()
    if copy is None:
        return "skipped"
    try:
        made = do_make_copy(actor_for_task(user_id), copy)
    except ActorGone:
        do_fail_copy(SYSTEM, copy, _("安排制作的账号已停用，请重新制作。"))
        return "refused"
    except (ValidationError, PermissionDenied) as exc:
        message = "；".join(getattr(exc, "messages", [str(exc)]))
        do_fail_copy(SYSTEM, copy, message)
        logger.warning("copy %s not made: %s", copy.uuid, message)
        return "refused"
    except Exception as exc:
        do_fail_copy(SYSTEM, copy, _("制作失败：%(error)s") % {"error": exc})
        logger.exception("copy %s failed", copy.uuid)
        return "failed"
    return str(made.status)


def _abandoned(args: list[Any], kwargs: dict[str, Any], message: str) -> None:
    from dangan.access.actions.copies import do_fail_copy
    from dangan.access.models import CopyRequest
    from dangan.core.actors import SYSTEM

    copy_id = args[0] if args else kwargs.get("copy_id")
    copy = CopyRequest.objects.filter(pk=copy_id).first() if copy_id is not None else None
    if copy is not None:
        do_fail_copy(SYSTEM, copy, message)


register_abandoned_handler(make_copy_task, _abandoned)
