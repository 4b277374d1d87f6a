"""Background work of digitization: load by id, call the same actions as the pages, the API and the CLI. An import
resumes (unchanged pages are skipped), a preservation resumes (preserved units are skipped, the events are stable);
each clears the batch's job record when it ends, however it ends (see actions.jobs). An OCR run resumes from the next
page not yet recognized (see actions.ocr_runs)."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from dangan.core.actors import actor_for_task
from dangan.core.jobs import register_abandoned_handler

logger = logging.getLogger(__name__)


@task()
def import_batch_task(batch_id: int, user_id: int | None, folder: str) -> str:
    from pathlib import Path

    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.digitization.actions.importing import do_import_folder
    from dangan.digitization.actions.jobs import note_refusal, progress_recorder, release_task
    from dangan.digitization.models import Batch
    from dangan.utilities.progress import throttled

    try:
        batch = Batch.objects.filter(pk=batch_id).first()
        if batch is None:
            return "skipped"

        try:
            result = do_import_folder(
                actor_for_task(user_id), batch, Path(folder), progress=throttled(progress_recorder(batch_id), 0.5)
            )
        except (ValidationError, PermissionDenied) as exc:
            logger.warning("batch %s not imported: %s", batch.uuid, note_refusal(batch_id, exc))
            return "refused"
        return "ok" if result.ok else "problems"
    finally:
        release_task(batch_id)


@task()
def preserve_batch_task(batch_id: int, user_id: int | None) -> str:
    from django.core.exceptions import PermissionDenied, ValidationError

    from dangan.digitization.actions.jobs import note_refusal, progress_recorder, release_task
    from dangan.digitization.actions.preserving import do_preserve_batch
    from dangan.digitization.models import Batch
    from dangan.utilities.progress import throttled

    try:
        batch = Batch.objects.filter(pk=batch_id).first()
        if batch is None:
            return "skipped"

        try:
            units = do_preserve_batch(
                actor_for_task(user_id), batch, progress=throttled(progress_recorder(batch_id), 0.5)
            )
        except (ValidationError, PermissionDenied) as exc:
            logger.warning("batch %s not preserved: %s", batch.uuid, note_refusal(batch_id, exc))
            return "refused"
        return f"{len(units)} units"
    finally:
        release_task(batch_id)


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
