"""``drill_task``: the workspace's "start a drill" (开始恢复演练), the same ``do_drill`` as `dangan replication drill`,
into a scratch folder that is removed once the drill is recorded (its figures and failures stay in the DrillRun)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def drill_task(user_id: int | None, target_id: int, fonds: str, into: str) -> str:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.core.actors import actor_for_task
    from dangan.replication.actions.drills import do_drill
    from dangan.replication.models import Target
    from dangan.replication.stores.base import StoreError

    target = Target.objects.filter(pk=target_id).first()
    if target is None:
        return "skipped"
    try:
        run = do_drill(actor_for_task(user_id), target, Path(into), fonds=fonds)
    except (ValidationError, PermissionDenied, StoreError) as exc:
        logger.warning("drill refused or failed: %s", exc)
        return "refused"
    shutil.rmtree(into, ignore_errors=True)
    return run.state
