"""Background work of preservation: load by id, call the same actions as the UI and CLI.

Each task is idempotent: an audit resumes from its checkpoint, a description refresh writes nothing when the
package already holds the unit's description; so the worker may run either again after a crash (see core.worker).
An audit whose worker died under it too often is closed as an error, with the worker's message, on its run.
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from dangan.core.actors import SYSTEM
from dangan.core.jobs import register_abandoned_handler

logger = logging.getLogger(__name__)


@task()
def run_audit_task(run_id: int) -> str:
    """Run (or resume) the fixity audit recorded in AuditRun ``run_id``."""
    from dangan.preservation.actions.auditing import run_audit

    run = run_audit(run_id, SYSTEM)
    return run.status if run is not None else "skipped"


def _audit_abandoned(args: list[Any], kwargs: dict[str, Any], message: str) -> None:
    from dangan.preservation.actions.auditing import do_record_abandoned

    do_record_abandoned(int(args[0] if args else kwargs["run_id"]), message)


register_abandoned_handler(run_audit_task, _audit_abandoned)


@task()
def refresh_descriptions_task(package_ids: list[int]) -> int:
    """Write the catalog's current description into each package that has changed (a new version each)."""
    from dangan.preservation.actions.preserving import do_refresh_description
    from dangan.preservation.models import PreservedPackage

    written = 0
    failed = []
    for package in PreservedPackage.objects.filter(pk__in=package_ids).order_by("pk"):
        try:
            result = do_refresh_description(SYSTEM, package)
        except Exception:  # one package's bad description must not keep the others stale
            logger.exception("could not refresh the description of %s", package.object_id)
            failed.append(package.object_id)
            continue
        written += 1 if result is not None and result.created else 0
    if failed:
        raise RuntimeError(f"descriptions not refreshed: {', '.join(failed)}")
    return written
