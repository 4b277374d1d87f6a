"""Background work of digitization: load by id, call the same actions as the CLI. An OCR run is safe to rerun: it
resumes from the next page not yet recognized (see actions.ocr_runs)."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from dangan.core.actors import actor_for_task
from dangan.core.jobs import register_abandoned_handler

logger = logging.getLogger(__name__)


@task()
def ocr_run_task(run_id: int, user_id: int | None) -> str:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.digitization.actions.ocr_runs import do_fail_ocr_run, do_run_ocr
    from dangan.digitization.models import OcrRun

    run = OcrRun.objects.select_related("unit").filter(pk=run_id).first()
    if run is None or not run.is_active:
        return "skipped"
    try:
        return str(do_run_ocr(actor_for_task(user_id), run).status)
    except (ValidationError, PermissionDenied) as exc:
        message = "；".join(getattr(exc, "messages", [str(exc)]))
        do_fail_ocr_run(run_id, message)
        logger.warning("OCR run %s refused: %s", run.uuid, message)
        return "refused"


def _abandoned(args: list[Any], kwargs: dict[str, Any], message: str) -> None:
    from dangan.digitization.actions.ocr_runs import do_fail_ocr_run

    run_id = args[0] if args else kwargs.get("run_id")
    if run_id is not None:
        do_fail_ocr_run(int(run_id), message)


register_abandoned_handler(ocr_run_task, _abandoned)
