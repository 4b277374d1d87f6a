"""OCR jobs (``OcrRun``) over one unit or one digitization batch: recorded, run in the foreground (the CLI) or by
the worker (tasks.py), with progress on the row, resumable.

A start for a target (unit or batch) that has an unfinished run resumes that run instead of recording another (a
run whose process was killed stays "running" on its row; the rerun continues it from the next page, as
do_ocr_unit skips the pages done). Queueing it for the worker a second time while it is queued is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import actor_name, is_operator
from dangan.core.audit import log
from dangan.preservation.permissions import require_actor_any

from ..models import Batch, BatchUnit, OcrRun, OcrRunStatus
from ..ocr_text import master_pages
from .ocr import OCR, check_ocr_unit, do_ocr_unit

__all__ = ["batch_units", "do_queue_ocr_run", "do_run_ocr", "do_start_ocr_run", "run_units"]

Progress = Callable[[int, int], None]


def batch_units(batch_name: str) -> list[ArchivalUnit]:
    """The units of the digitization batch called ``batch_name``, in the batch's order."""
    batch = Batch.objects.filter(name=batch_name).first()
    if batch is None:
        raise ValidationError(_("找不到批次“%(name)s”。") % {"name": batch_name})
    ids = list(BatchUnit.objects.filter(batch=batch).order_by("position", "pk").values_list("unit_id", flat=True))
    found = ArchivalUnit.objects.select_related("fonds", "category", "parent").in_bulk(ids)
    return [found[i] for i in ids if i in found]


def run_units(run: OcrRun) -> list[ArchivalUnit]:
    if run.batch_name:
        return batch_units(run.batch_name)
    return [run.unit] if run.unit is not None else []


def do_start_ocr_run(actor: Any, *, unit: ArchivalUnit | None = None, batch_name: str = "") -> OcrRun:
    """The run for ``unit`` or the batch called ``batch_name``: the unfinished one, or a new queued row."""
    require_actor_any(actor, OCR)
    if (unit is None) == (not batch_name):
        raise ValidationError(_("请指定一个档案或一个批次。"))
    if unit is not None:
        check_ocr_unit(actor, unit)  # visible, with pages
    units = [unit] if unit is not None else batch_units(batch_name)
    if not units:
        raise ValidationError(_("批次“%(name)s”中没有档案。") % {"name": batch_name})
    with transaction.atomic():
        active = OcrRun.objects.filter(status__in=(OcrRunStatus.QUEUED, OcrRunStatus.RUNNING))
        active = active.filter(unit=unit) if unit is not None else active.filter(batch_name=batch_name)
        run = active.order_by("pk").first()
        if run is not None:
            return run
        run = OcrRun.objects.create(
            unit=unit,
            batch_name=batch_name,
            units_total=len(units),
            requested_by=None if is_operator(actor) else actor,
            requested_by_name=actor_name(actor),
        )
        log(
            unit,
            "digitization.ocr.start",
            actor,
            {"run": str(run.uuid), "unit": str(unit.uuid) if unit else "", "batch": batch_name},
        )
    return run


def do_queue_ocr_run(actor: Any, run: OcrRun) -> None:
    """Hand the run to the worker; refused while the worker has it queued or running."""
    from dangan.core.jobs import task_active

    from ..tasks import ocr_run_task

    user_id = None if is_operator(actor) else actor.pk
    if task_active(ocr_run_task, run.pk, user_id) or task_active(ocr_run_task, run.pk, None):
        raise ValidationError(_("该识别任务已在后台队列中。"), code="already_running")
    ocr_run_task.enqueue(run.pk, user_id)


def do_run_ocr(actor: Any, run: OcrRun, *, progress: Progress | None = None, layout: str = "auto") -> OcrRun:
    """Run (or resume) ``run`` here and now: every unit's pages, progress on the row and to ``progress(pages done,
    pages total)``; ``layout`` as recognize takes it. A unit that cannot be recognized is noted in ``error`` and the
    others go on; the run ends ``failed`` when any unit failed, else ``done``."""
    require_actor_any(actor, OCR)
    units = run_units(run)
    totals = {unit.pk: len(master_pages(unit)) for unit in units}
    run.status = OcrRunStatus.RUNNING
    run.started = run.started or timezone.now()
    run.units_total, run.units_done = len(units), 0
    run.pages_total, run.pages_done, run.pages_skipped = sum(totals.values()), 0, 0
    run.error = ""
    run.save()
    errors: list[str] = []
    before = 0
    for unit in units:

        def report(done: int, _total: int, before: int = before) -> None:
            run.pages_done = before + done
            OcrRun.objects.filter(pk=run.pk).update(pages_done=run.pages_done, updated=timezone.now())
            if progress is not None:
                progress(run.pages_done, run.pages_total)

        try:
            result = do_ocr_unit(actor, unit, layout=layout, progress=report)
        except (ValidationError, PermissionDenied) as exc:
            errors.append(f"{unit.reference_code or unit.uuid}: {'；'.join(getattr(exc, 'messages', [str(exc)]))}")
        except (OSError, ValueError) as exc:
            errors.append(f"{unit.reference_code or unit.uuid}: {exc}")
        else:
            run.pages_skipped += result.pages_skipped
            run.units_done += 1
        before += totals[unit.pk]
    run.pages_done = before
    run.status = OcrRunStatus.FAILED if errors else OcrRunStatus.DONE
    run.error = "\n".join(errors)
    run.finished = timezone.now()
    run.save()
    return run


def do_fail_ocr_run(run_id: int, message: str) -> None:
    """Record that the worker gave the run up (core.jobs abandoned handler)."""
    OcrRun.objects.filter(pk=run_id).update(
        status=OcrRunStatus.FAILED, error=message, finished=timezone.now(), updated=timezone.now()
    )
