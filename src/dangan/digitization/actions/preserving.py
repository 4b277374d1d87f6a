"""Preserving a batch's accepted masters (入库): each unit's page images become a new version of its package, as
``content/masters/0001.tif`` … in page order (preservation's METS lists them in a physical structMap in that order),
with two PREMIS events of their own: the capture (数字化采集: batch, scanning specification, who scanned, when) and
the image quality check (图像质量检查: outcome, with the measured values and the sample inspection).

Units are written through ``do_preserve_many`` a chunk at a time (one storage sync and one transaction per chunk).
The events' identifiers derive from the batch and the unit, so a run resumed after a crash offers the same events,
which the package already holds: no second version. A unit's staged images are removed once it is preserved.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.audit import log
from dangan.digitization.choices import MASTER_EXTENSIONS, BatchStatus, PageStatus, UnitStatus
from dangan.digitization.models import Batch, BatchUnit, Inspection, PageScan
from dangan.preservation.actions.preserving import do_preserve_many
from dangan.preservation.permissions import PRESERVE, require_actor_any
from dangan.preservation.premis import (
    FILE_ID_TYPE,
    AgentRole,
    Event,
    EventOutcome,
    EventType,
    Link,
    intellectual_entity_id,
    person_agent,
    software_agent,
)
from dangan.preservation.store import CONTENT_PREFIX, object_id_for, package_uuid_for_unit
from dangan.utilities.parallel import run_parallel
from dangan.utilities.progress import PhaseProgress

from .common import bump, require_digitize, require_visible_unit
from .importing import remove_staging

__all__ = ["CAPTURE_EVENT", "MASTERS_PREFIX", "check_preserve_batch", "do_preserve_batch", "master_path"]

EVENT_NAMESPACE = uuid.UUID("8a0f4c2e-1b7d-5e93-a6c4-64616e67616e")
MASTERS_PREFIX = CONTENT_PREFIX + "masters/"
CAPTURE_EVENT = "capture"  # id.loc.gov eventType "capture" (数字化采集)
ORGANISATION_ID_TYPE = "organization name"
PRESERVE_LABEL = _("长期保存")
PRESERVE_THREADS = 2


def master_path(batch: Batch, number: int) -> str:
    """The logical path of page ``number``'s master in the unit's package."""
    return f"{MASTERS_PREFIX}{number:04d}{MASTER_EXTENSIONS[batch.master_format]}"


def check_preserve_batch(actor: Any, batch: Batch, *, without_inspection: bool = False) -> None:
    require_digitize(actor)
    require_actor_any(actor, PRESERVE)
    allowed: tuple[str, ...] = (BatchStatus.ACCEPTED,)
    if without_inspection:
        allowed = (BatchStatus.ACCEPTED, BatchStatus.INSPECTING, BatchStatus.REWORK)
    if batch.status not in allowed:
        raise ValidationError(
            _("批次处于“%(status)s”状态，验收合格后才能入库。") % {"status": batch.get_status_display()}
        )
    if not _ready_units(batch).exists():
        raise ValidationError(_("批次中没有可入库的档案（质检合格且尚未入库）。"))


def _ready_units(batch: Batch) -> Any:
    return batch.units.filter(status=UnitStatus.PASSED).select_related("unit", "unit__fonds", "unit__category")


def _events(actor: Any, batch: Batch, batch_unit: BatchUnit, pages: Sequence[PageScan]) -> list[Event]:
    package = intellectual_entity_id(object_id_for(package_uuid_for_unit(batch_unit.unit.uuid)))
    files = [Link(FILE_ID_TYPE, master_path(batch, p.number)) for p in pages]
    software = software_agent().link()
    revision = sum(p.revision for p in pages)

    def identifier(kind: str) -> str:
        return str(uuid.uuid5(EVENT_NAMESPACE, f"{batch.uuid}:{batch_unit.unit.uuid}:{kind}:{revision}"))

    scanners: list[Link] = []
    if batch.operator:
        scanners.append(person_agent(batch.operator).link(AgentRole.IMPLEMENTER))
    if batch.organisation:
        scanners.append(Link(ORGANISATION_ID_TYPE, batch.organisation, AgentRole.IMPLEMENTER))
    captured = pages[0].created if pages else timezone.now()
    spec = _("%(dpi)d dpi，%(mode)s，%(format)s") % {
        "dpi": batch.dpi,
        "mode": batch.get_colour_mode_display(),
        "format": batch.get_master_format_display(),
    }
    capture_detail = _(
        "数字化采集（DA/T 31-2017）：批次“%(batch)s”，扫描规格 %(spec)s，%(pages)d 页；扫描：%(who)s"
    ) % {
        "batch": batch.name,
        "spec": spec,
        "pages": len(pages),
        "who": "、".join(x for x in (batch.organisation, batch.operator) if x) or "—",
    }
    dpis = [p.dpi for p in pages if p.dpi]
    skews = [abs(p.skew_degrees) for p in pages if p.skew_degrees is not None]
    measured = _("分辨率 %(low)s–%(high)s dpi；最大倾斜角 %(skew)s；色彩 %(modes)s；格式 %(formats)s") % {
        "low": f"{min(dpis):.0f}" if dpis else "—",
        "high": f"{max(dpis):.0f}" if dpis else "—",
        "skew": f"{max(skews):.1f}°" if skews else "—",
        "modes": "、".join(sorted({p.colour_mode for p in pages if p.colour_mode})) or "—",
        "formats": "、".join(sorted({p.format for p in pages if p.format})) or "—",
    }
    inspection = Inspection.objects.filter(batch=batch, finished__isnull=False).order_by("-round").first()
    sampled = (
        _("；人工抽检第 %(round)d 轮 %(n)d 页，合格率 %(rate).1f%%（要求 ≥ %(limit).0f%%）")
        % {
            "round": inspection.round,
            "n": inspection.items.count(),
            "rate": inspection.pass_percent or 0,
            "limit": batch.accept_percent,
        }
        if inspection is not None
        else _("；未经人工抽检（命令行导入）")
    )
    inspector = (
        [person_agent(inspection.inspector_name).link(AgentRole.VALIDATOR)]
        if inspection and inspection.inspector_name
        else []
    )
    return [
        Event(
            identifier=identifier("capture"),
            type=CAPTURE_EVENT,
            date_time=captured,
            detail=capture_detail,
            outcome=EventOutcome.SUCCESS.value,
            outcome_detail=_("共 %(pages)d 页，页序见 METS 物理结构图") % {"pages": len(pages)},
            agents=[software, *scanners],
            objects=[package, *files],
        ),
        Event(
            identifier=identifier("qc"),
            type=EventType.VALIDATION.value,
            date_time=timezone.now(),
            detail=_(
                "图像质量检查（DA/T 31-2017）：可解码、分辨率、色彩模式、倾斜角、空白页、黑边、页数、命名与顺序、重复页、文件格式"
            ),
            outcome=EventOutcome.SUCCESS.value,
            outcome_detail=_("%(pages)d 页全部通过：%(measured)s%(sampled)s")
            % {"pages": len(pages), "measured": measured, "sampled": sampled},
            agents=[software, *inspector],
            objects=[package, *files],
        ),
    ]


def do_preserve_batch(
    actor: Any,
    batch: Batch,
    *,
    without_inspection: bool = False,
    progress: PhaseProgress | None = None,
    chunk: int | None = None,
) -> list[BatchUnit]:
    """Preserve the masters of every unit of ``batch`` that passed and is not preserved yet; the units preserved.
    ``without_inspection``: the CLI's import, which preserves the units that passed QC at once (no sample)."""
    check_preserve_batch(actor, batch, without_inspection=without_inspection)
    ready = list(_ready_units(batch))
    for batch_unit in ready:
        require_visible_unit(actor, batch_unit.unit)
    size = max(1, chunk or int(getattr(settings, "ACCESSION_BATCH", 200)))
    # Outside a transaction (the CLI, the worker), two chunks are written at once: the storage writes, and the
    # derivatives preservation builds when an immediate task queue runs them on commit, use both cores. Inside one
    # (a test), other threads could not see its rows: one chunk after another.
    parallel = 1 if connection.in_atomic_block else PRESERVE_THREADS
    if parallel > 1 and len(ready) > 1:
        size = min(size, -(-len(ready) // parallel))
    parts = [ready[start : start + size] for start in range(0, len(ready), size)]
    done: list[BatchUnit] = []
    label = str(PRESERVE_LABEL)
    lock = threading.Lock()
    if progress:
        progress(label, 0, len(ready))

    def preserve_part(part: list[BatchUnit]) -> None:
        _preserve_part(actor, batch, part, without_inspection)
        with lock:
            done.extend(part)
            if progress:
                progress(label, len(done), len(ready))

    run_parallel(parts, preserve_part, min(parallel, len(parts)), name="dangan-preserve")
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        if not batch.units.exclude(status=UnitStatus.PRESERVED).exists() and not batch.problems:
            before = batch.status
            batch.status = BatchStatus.PRESERVED
            batch.finished = timezone.localdate()
            batch.task, batch.task_id, batch.task_since, batch.progress_label = "", "", None, ""
            bump(batch, "status", "finished", "task", "task_id", "task_since", "progress_label")
            transaction.on_commit(lambda: remove_staging(batch))  # uploads and anything else left in the staging area
            log(
                batch,
                "digitization.batch.preserve",
                actor,
                {"before": {"status": before}, "after": {"status": batch.status}, "units": len(done)},
            )
        else:
            batch.task, batch.task_id, batch.task_since, batch.progress_label = "", "", None, ""
            bump(batch, "task", "task_id", "task_since", "progress_label")
    return done


def _preserve_part(actor: Any, batch: Batch, part: list[BatchUnit], without_inspection: bool) -> None:
    """One chunk of units: their masters as new versions (one storage sync, one transaction), then their rows."""
    pages = {b.pk: list(PageScan.objects.filter(batch_unit=b).order_by("number")) for b in part}
    items = []
    events: dict[int, list[Event]] = {}
    for batch_unit in part:
        unit_pages = pages[batch_unit.pk]
        files = {master_path(batch, p.number): batch.folder / p.path for p in unit_pages}
        message = _("数字化批次“%(batch)s”：%(pages)d 页图像") % {"batch": batch.name, "pages": len(unit_pages)}
        items.append((batch_unit.unit, files, message))
        events[batch_unit.unit.pk] = _events(actor, batch, batch_unit, unit_pages)
    results = do_preserve_many(actor, items, events=events)
    with transaction.atomic():
        for batch_unit, result in zip(part, results, strict=True):
            batch_unit.status = UnitStatus.PRESERVED
            batch_unit.preserved_version = result.version
            batch_unit.save(update_fields=["status", "preserved_version", "updated"])
            PageScan.objects.filter(batch_unit=batch_unit).update(status=PageStatus.ACCEPTED)
            log(
                batch,
                "digitization.unit.preserve",
                actor,
                {
                    "unit": batch_unit.reference_code,
                    "version": result.version,
                    "pages": len(pages[batch_unit.pk]),
                    "without_inspection": without_inspection,
                },
            )
    for batch_unit in part:
        remove_staging(batch, batch_unit)
