"""The manual sample inspection (人工抽检), acceptance (验收) and rework (返工) of a batch.

Once every unit passed the automatic checks, a person inspects at least ``sample_percent`` of the pages, drawn at
random with a seed derived from the batch and the round (the same batch and round always draw the same pages), and
gives each a verdict. Acceptance then counts them: at least ``accept_percent`` passed → 已验收 (ready to preserve);
otherwise → 返工, and the failed pages wait for a replacement. A replacement image is staged and checked alone (its
unit's page count, order and duplicates again) — the rest of the batch is not redone — and when nothing fails any
more the batch waits for a new round of inspection.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.actors import account_of
from dangan.core.audit import log
from dangan.digitization.choices import BatchStatus, PageStatus, UnitStatus, Verdict
from dangan.digitization.models import Batch, Inspection, InspectionItem, PageScan
from dangan.digitization.staging import copy_hashing

from .common import bump, check_version, person_name, require_digitize, require_visible_unit, scan_spec
from .importing import _save_page, _Work, recheck_units, settle_status, staged_name

__all__ = [
    "check_accept",
    "check_start_inspection",
    "current_inspection",
    "do_accept",
    "do_record_verdict",
    "do_replace_page",
    "do_start_inspection",
    "sample_pages",
    "sample_size",
]


def sample_size(total: int, percent: float) -> int:
    """How many of ``total`` pages a sample of ``percent`` % holds: rounded up, at least one."""
    if total <= 0:
        return 0
    return min(total, max(1, math.ceil(total * percent / 100 - 1e-9)))


def sample_pages(batch: Batch, round_number: int) -> list[PageScan]:
    """The pages round ``round_number`` of ``batch``'s inspection draws, in page order (seeded per batch + round)."""
    pages = list(
        PageScan.objects.filter(batch=batch)
        .select_related("batch_unit")
        .order_by("batch_unit__position", "batch_unit_id", "number")
    )
    count = sample_size(len(pages), batch.sample_percent)
    rng = random.Random(f"{batch.uuid}:{round_number}")
    chosen = sorted(rng.sample(range(len(pages)), count))
    return [pages[i] for i in chosen]


def current_inspection(batch: Batch) -> Inspection | None:
    """The batch's inspection in progress (not yet decided), if any."""
    return batch.inspections.filter(finished__isnull=True).order_by("-round").first()


def check_start_inspection(actor: Any, batch: Batch) -> None:
    require_digitize(actor)
    if batch.status != BatchStatus.INSPECTING:
        raise ValidationError(
            _("批次处于“%(status)s”状态：全部图像质检合格后才能抽检。") % {"status": batch.get_status_display()}
        )


def do_start_inspection(actor: Any, batch: Batch) -> Inspection:
    """The inspection in progress, or a new round with its sample drawn."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        check_start_inspection(actor, batch)
        running = current_inspection(batch)
        if running is not None:
            return running
        number = (batch.inspections.order_by("-round").values_list("round", flat=True).first() or 0) + 1
        inspection = Inspection.objects.create(
            batch=batch,
            round=number,
            seed=f"{batch.uuid}:{number}",
            inspector=account_of(actor),
            inspector_name=person_name(actor),
        )
        pages = sample_pages(batch, number)
        InspectionItem.objects.bulk_create(
            [InspectionItem(inspection=inspection, page=page, position=i) for i, page in enumerate(pages, 1)]
        )
        bump(batch)
        log(
            batch,
            "digitization.inspection.start",
            actor,
            {"round": number, "sampled": len(pages), "percent": batch.sample_percent},
        )
    return inspection


def do_record_verdict(actor: Any, item: InspectionItem, verdict: str, note: str = "") -> InspectionItem:
    """The inspector's verdict on one sampled page (pass / fail, with a note; a failure needs one)."""
    require_digitize(actor)
    require_visible_unit(actor, item.page.batch_unit.unit)
    if verdict not in (Verdict.PASS, Verdict.FAIL):
        raise ValidationError({"verdict": _("请判定合格或不合格。")})
    note = (note or "").strip()
    if verdict == Verdict.FAIL and not note:
        raise ValidationError({"note": _("判定不合格时请说明原因。")})
    with transaction.atomic():
        item = InspectionItem.objects.select_related("inspection", "page", "page__batch_unit").get(pk=item.pk)
        if item.inspection.finished is not None:
            raise ValidationError(_("该轮抽检已结束，不能再修改判定。"))
        before = item.verdict
        item.verdict, item.note = verdict, note[:2000]
        item.decided_at, item.decided_by_name = timezone.now(), person_name(actor)
        item.save()
        log(
            item.inspection.batch,
            "digitization.inspection.verdict",
            actor,
            {
                "unit": item.page.batch_unit.reference_code,
                "page": item.page.number,
                "before": {"verdict": before},
                "after": {"verdict": verdict, "note": item.note},
            },
        )
    return item


def check_accept(actor: Any, batch: Batch) -> Inspection:
    require_digitize(actor)
    if batch.status != BatchStatus.INSPECTING:
        raise ValidationError(_("批次处于“%(status)s”状态，不能验收。") % {"status": batch.get_status_display()})
    inspection = current_inspection(batch)
    if inspection is None:
        raise ValidationError(_("请先进行人工抽检。"))
    open_items = inspection.items.filter(verdict="").count()
    if open_items:
        raise ValidationError(_("还有 %(n)d 页抽检页未判定。") % {"n": open_items})
    return inspection


def do_accept(actor: Any, batch: Batch, *, expected_version: int | None = None) -> Batch:
    """Decide the batch on its sample: ≥ accept_percent of the sampled pages passed → 已验收, else → 返工 (the
    failed pages wait for their replacements)."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        check_version(batch, expected_version)
        inspection = check_accept(actor, batch)
        items = list(inspection.items.select_related("page", "page__batch_unit"))
        passed = sum(1 for i in items if i.verdict == Verdict.PASS)
        rate = 100.0 * passed / len(items) if items else 100.0
        accepted = rate + 1e-9 >= batch.accept_percent
        inspection.finished = timezone.now()
        inspection.outcome = Verdict.PASS if accepted else Verdict.FAIL
        inspection.pass_percent = round(rate, 2)
        inspection.save(update_fields=["finished", "outcome", "pass_percent", "updated"])
        before = batch.status
        if accepted:
            batch.status = BatchStatus.ACCEPTED
        else:
            batch.status = BatchStatus.REWORK
            failed = [i.page for i in items if i.verdict == Verdict.FAIL]
            PageScan.objects.filter(pk__in=[p.pk for p in failed]).update(status=PageStatus.REWORK)
            for unit_id in {p.batch_unit_id for p in failed}:
                batch.units.filter(pk=unit_id).update(status=UnitStatus.FAILED)
        bump(batch, "status")
        log(
            batch,
            "digitization.batch.accept" if accepted else "digitization.batch.return",
            actor,
            {
                "before": {"status": before},
                "after": {"status": batch.status},
                "round": inspection.round,
                "sampled": len(items),
                "passed": passed,
                "percent": round(rate, 2),
                "required": batch.accept_percent,
            },
        )
    return batch


def check_replace_page(actor: Any, page: PageScan) -> None:
    require_digitize(actor)
    require_visible_unit(actor, page.batch_unit.unit)
    if page.batch.status not in (BatchStatus.REWORK, BatchStatus.CHECKING, BatchStatus.INSPECTING):
        raise ValidationError(
            _("批次处于“%(status)s”状态，不能替换图像。") % {"status": page.batch.get_status_display()}
        )
    if page.status not in (PageStatus.FAILED, PageStatus.REWORK):
        raise ValidationError(_("只能替换质检或抽检不合格的页面。"))


def do_replace_page(actor: Any, page: PageScan, source: Path, *, original_name: str = "") -> PageScan:
    """Rework of one page: stage ``source`` as its new image, check it and its unit again (nothing else)."""
    from dangan.digitization.qc import check_page

    page = PageScan.objects.select_related("batch", "batch_unit", "batch_unit__unit").get(pk=page.pk)
    check_replace_page(actor, page)
    batch = page.batch
    work = _Work(page.batch_unit, page.number, Path(source), page)
    work.staged = staged_name(batch, page.batch_unit, page.number, page.revision + 1)
    work.sha256, work.size = copy_hashing(Path(source), batch.folder / work.staged)
    name = Path(original_name or page.original_name).name
    work.check = check_page(batch.folder / work.staged, scan_spec(batch), name=name)
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        check_replace_page(actor, PageScan.objects.select_related("batch", "batch_unit__unit").get(pk=page.pk))
        work.source = work.source.with_name(name) if name else work.source
        saved = _save_page(batch, work)
        if saved.status == PageStatus.PASSED and page.status == PageStatus.REWORK:
            saved.status = PageStatus.PASSED
        recheck_units(batch, [page.batch_unit])
        log(
            batch,
            "digitization.page.replace",
            actor,
            {
                "unit": page.batch_unit.reference_code,
                "page": page.number,
                "revision": saved.revision,
                "passed": work.check.passed,
            },
        )
        settle_status(
            batch, actor, "digitization.batch.recheck", {"unit": page.batch_unit.reference_code, "page": page.number}
        )
    saved.refresh_from_db()
    return saved
