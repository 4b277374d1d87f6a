"""Accepting a checked transfer (入库), and rejecting or returning one.

The order of ``do_accept``, each step safe to resume after a crash: (1) the status 入库中 with the override of an
unperformed virus scan, if any, in the audit log; (2) ONE transaction: the catalog rows through the catalog's public
write path (``catalog.actions.bulk``), a TransferItem per row (the ledger), the link to the import batch — so the
catalog gets all the transfer's units or none; (3) the items' files preserved with ``do_preserve_many``,
ACCESSION_BATCH items at a time (storage first, one sync and one transaction per batch, rerun-safe), each package's
METS recording the four-property check and the virus check as PREMIS events (actions.events), then their ledger rows
marked; (4) the status 已接收. A rerun skips what is done. Nothing reaches the catalog or the storage before (2),
which only a transfer that passed the check reaches: a rejected or returned transfer writes neither.

Who may accept: a person who may see every row of the transfer (actions.access); with DANGAN_ACCESSION_SECOND_ACCEPTOR
a second person, who neither registered nor checked it.
"""

from __future__ import annotations

import posixpath
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.accession.choices import OPEN_STATUSES, CheckResult, TransferStatus, Verdict
from dangan.accession.models import CheckReport, Transfer, TransferItem
from dangan.accession.profile import normalize_path, read_catalog
from dangan.catalog.actions.bulk import check_new_units, do_write_new_units
from dangan.catalog.choices import UnitLevel
from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import Actor, is_operator
from dangan.core.audit import log
from dangan.preservation.actions.preserving import do_preserve_many
from dangan.preservation.store import CONTENT_PREFIX
from dangan.utilities.digests import files_digest
from dangan.utilities.parallel import run_parallel
from dangan.utilities.progress import PhaseProgress

from .access import check_may_act
from .checking import effective_verdict
from .common import allowed, remove_owned_bag, set_status
from .events import VIRUS_ITEM, acceptance_events


def _report(transfer: Transfer) -> CheckReport | None:
    return transfer.reports.order_by("-created", "-id").first()


def second_acceptor_required() -> bool:
    """DANGAN_ACCESSION_SECOND_ACCEPTOR: the acceptance must be made by a person who neither registered the
    transfer nor checked it (ran the check or signed a manual item)."""
    return bool(getattr(settings, "ACCESSION_SECOND_ACCEPTOR", False))


def involved_in_check(transfer: Transfer, report: CheckReport) -> set[int]:
    """The accounts that registered ``transfer`` or checked it (ran ``report`` or signed one of its items)."""
    people = {transfer.received_by_id, report.checked_by_id}
    people.update(item.signed_by_id for item in report.items.all())
    return {pk for pk in people if pk is not None}


def check_accept(actor: Actor, transfer: Transfer, override_reason: str = "") -> CheckReport:
    """Why ``transfer`` may not be accepted now (ValidationError, PermissionDenied), else its latest report."""
    check_may_act(actor, transfer)
    if transfer.status not in (TransferStatus.CHECKING, TransferStatus.ACCEPTING):
        raise ValidationError(
            _("只有检测完成的移交可以接收（当前：%(status)s）") % {"status": transfer.get_status_display()}
        )
    report = _report(transfer)
    if report is None:
        raise ValidationError(_("尚未进行四性检测。"))
    if transfer.status == TransferStatus.ACCEPTING:
        return report  # resuming: everything below was checked when the acceptance began
    if effective_verdict(report) != Verdict.PASS:
        failed = [i.code for i in report.items.all() if i.effective_result == CheckResult.FAIL]
        raise ValidationError(_("四性检测未通过（%(items)s），不能接收。") % {"items": "、".join(failed)})
    items = {item.code: item for item in report.items.all()}
    virus = items.get(VIRUS_ITEM)
    if virus is not None and virus.result == CheckResult.NOT_PERFORMED and not override_reason.strip():
        raise ValidationError(
            {"override_reason": _("病毒扫描未进行（%(why)s）：接收须填写理由，记入审计日志。") % {"why": virus.summary}}
        )
    if not is_operator(actor):  # the console accepts without the workspace's signatures (dangan ingest)
        unsigned = [i.code for i in items.values() if i.result == CheckResult.MANUAL and not i.signed_result]
        if unsigned:
            raise ValidationError(_("人工检测项尚未签署：%(items)s") % {"items": "、".join(unsigned)})
        if second_acceptor_required() and getattr(actor, "pk", None) in involved_in_check(transfer, report):
            raise ValidationError(
                _("本馆要求由第二人接收入库：登记或检测（含签署人工检测项）该移交的人员不能再接收，请由其他人员接收。")
            )
    if transfer.fonds is None:
        raise ValidationError(_("未指定全宗。"))
    if not Path(transfer.bag_path).is_dir():
        raise ValidationError(_("信息包已不在工作区中，无法接收；请重新登记。"))
    return report


def can_accept(actor: Actor, transfer: Transfer) -> bool:
    return allowed(check_accept, actor, transfer, "-")


def do_accept(
    actor: Actor,
    transfer: Transfer,
    *,
    override_reason: str = "",
    progress: PhaseProgress | None = None,
    workers: int | None = None,
) -> Transfer:
    """Accept ``transfer`` (or finish an acceptance a crash interrupted). See the module docstring for the order.
    Call outside a transaction (the preservation writes storage before its rows)."""
    if transfer.status == TransferStatus.ACCEPTED:
        return transfer
    report = check_accept(actor, transfer, override_reason)
    if transfer.status != TransferStatus.ACCEPTING:
        unsigned = [i.code for i in report.items.all() if i.result == CheckResult.MANUAL and not i.signed_result]
        data: dict[str, Any] = {"report": str(report.uuid), "manual_unsigned": unsigned}
        fields = []
        if override_reason.strip():
            transfer.virus_override = override_reason.strip()[:2000]
            fields.append("virus_override")
            with transaction.atomic():
                log(
                    transfer,
                    "accession.transfer.virus_override",
                    actor,
                    {"reason": transfer.virus_override, "report": str(report.uuid), "item": VIRUS_ITEM},
                )
        set_status(
            transfer,
            TransferStatus.ACCEPTING,
            actor,
            "accession.transfer.accept_start",
            _("开始入库"),
            fields=fields,
            **data,
        )
    if transfer.import_batch_id is None:
        _write_catalog(actor, transfer)
    _preserve_items(actor, transfer, report, progress, workers)
    transfer.refresh_from_db()
    set_status(
        transfer,
        TransferStatus.ACCEPTED,
        actor,
        "accession.transfer.accept",
        _("已接收 %(items)d 件") % {"items": transfer.item_count},
        items=transfer.item_count,
        files=transfer.payload_files,
        bytes=transfer.payload_bytes,
        import_batch=str(transfer.import_batch.uuid) if transfer.import_batch else "",
        virus_override=transfer.virus_override,
    )
    return transfer


# ---------------------------------------------------------------------------------------------- the catalog


def _write_catalog(actor: Actor, transfer: Transfer) -> None:
    """The catalog rows through the catalog's public write path, and the ledger, in one transaction."""
    bag = Path(transfer.bag_path)
    fonds = transfer.fonds
    assert fonds is not None
    catalog = read_catalog(bag)
    try:
        if catalog.table is None:
            raise ValidationError(_("目录无法读取：%(why)s") % {"why": "；".join(p.message for p in catalog.problems)})
        plan = check_new_units(actor, fonds, catalog.table)
    except ValidationError as exc:
        # Nothing was written: the transfer goes back to 检测中 with the reason (rows and reasons, never a cell's
        # value: every archivist reads the register), to be checked again.
        transfer.message = _("目录已不能写入（检测之后馆藏目录有变化）：%(problems)s") % {
            "problems": "；".join(exc.messages)
        }
        set_status(
            transfer,
            TransferStatus.CHECKING,
            actor,
            "accession.transfer.accept_failed",
            transfer.message,
            fields=["message"],
        )
        raise ValidationError(transfer.message) from None
    with transaction.atomic():
        written = do_write_new_units(
            actor,
            fonds,
            plan,
            file_name="、".join(catalog.paths),
            sha256=files_digest(bag / p for p in catalog.paths),
            note=_("移交 %(transfer)s 接收入库：新建 %(created)d 条")
            % {"transfer": transfer, "created": len(plan.rows) - plan.unchanged},
            audit={"transfer": str(transfer.uuid)},
        )
        TransferItem.objects.bulk_create(
            [
                TransferItem(
                    transfer=transfer,
                    row=row.number,
                    reference_code=row.values["reference_code"],
                    title=row.values["title"][:1000],
                    files=[n for p in catalog.files.get(row.number, []) if (n := normalize_path(p))],
                    unit_id=written.units.get(row.number),
                    preserved=not catalog.files.get(row.number),
                )
                for row in plan.rows
            ],
            batch_size=500,
        )
        transfer.import_batch = written.batch
        transfer.item_count = sum(1 for row in plan.rows if row.values["level"] == UnitLevel.ITEM)
        transfer.save(update_fields=["import_batch", "item_count", "updated"])


# ------------------------------------------------------------------------------------------------ content


def logical_paths(files: list[str]) -> dict[str, str]:
    """Each file's path inside the package: relative to the folder the item's files share (one file: its name)."""
    if len(files) == 1:
        return {files[0]: CONTENT_PREFIX + posixpath.basename(files[0])}
    common = posixpath.commonpath(files) if files else ""
    if common in files:  # never strip a file's own name
        common = posixpath.dirname(common)
    return {f: CONTENT_PREFIX + (posixpath.relpath(f, common) if common else f) for f in files}


def accession_workers(workers: int | None) -> int:
    """Packages written at once: threads, each with its own database connection — only outside a transaction,
    where other connections can see the catalog rows (DANGAN_ACCESSION_WORKERS, default 2)."""
    if connection.in_atomic_block:
        return 1
    return max(1, workers or int(getattr(settings, "ACCESSION_WORKERS", 2)))


def accession_batch() -> int:
    """Items preserved together (one storage sync, one transaction): DANGAN_ACCESSION_BATCH, default 200."""
    return max(1, int(getattr(settings, "ACCESSION_BATCH", 200)))


def _preserve_items(
    actor: Actor, transfer: Transfer, report: CheckReport, progress: PhaseProgress | None, workers: int | None
) -> None:
    pending = list(TransferItem.objects.filter(transfer=transfer, preserved=False).order_by("row"))
    total = TransferItem.objects.filter(transfer=transfer).exclude(files=[]).count()
    done = [total - len(pending)]
    data = Path(transfer.bag_path) / "data"
    message = _("接收入库：移交 %(transfer)s") % {"transfer": transfer}
    lock = threading.Lock()
    for item in pending:
        if item.unit_id is None:
            raise ValidationError(
                _("第 %(row)d 行（%(code)s）在目录中找不到") % {"row": item.row, "code": item.reference_code}
            )
    workers = accession_workers(workers)
    # No bigger than needed to give every worker a share: 268 items on 2 workers are two batches of 134, not one
    # of 200 beside one of 68.
    size = max(1, min(accession_batch(), -(-len(pending) // workers)))
    batches = [pending[i : i + size] for i in range(0, len(pending), size)]

    def preserve(batch: list[TransferItem]) -> None:
        units = (
            ArchivalUnit.objects.select_related("fonds__institution", "category", "parent")
            .prefetch_related("subjects")
            .in_bulk([i.unit_id for i in batch])
        )
        do_preserve_many(
            actor,
            [
                (
                    units[item.unit_id],
                    {logical: data / source for source, logical in logical_paths(item.files).items()},
                    message,
                )
                for item in batch
            ],
            events=acceptance_events(actor, transfer, report, list(units.values())),
        )
        with transaction.atomic():
            TransferItem.objects.filter(pk__in=[i.pk for i in batch]).update(preserved=True, updated=timezone.now())
            Transfer.objects.filter(pk=transfer.pk).update(preserved_items=F("preserved_items") + len(batch))
        with lock:
            done[0] += len(batch)
            if progress:
                progress("长期保存", done[0], total)

    run_parallel(batches, preserve, workers, name="accession")


# ------------------------------------------------------------------------------------------ reject, return


def check_close(actor: Actor, transfer: Transfer, reason: str = "-") -> None:
    """Why ``transfer`` may not be rejected or returned now (the rule behind those buttons too)."""
    check_may_act(actor, transfer)
    if transfer.status not in OPEN_STATUSES:
        raise ValidationError(
            _("只有已登记或检测中的移交可以拒收或退回（当前：%(status)s）") % {"status": transfer.get_status_display()}
        )
    if transfer.task:
        from .jobs import check_no_task

        check_no_task(transfer)
    if not reason.strip():
        raise ValidationError({"reason": _("请写明理由。")})


def can_close(actor: Actor, transfer: Transfer) -> bool:
    return allowed(check_close, actor, transfer)


def _close(actor: Actor, transfer: Transfer, status: str, action: str, reason: str) -> Transfer:
    check_close(actor, transfer, reason)
    transfer.message = reason.strip()[:5000]
    set_status(transfer, status, actor, action, transfer.message, fields=["message"])
    remove_owned_bag(transfer)
    return transfer


def do_reject(actor: Actor, transfer: Transfer, reason: str) -> Transfer:
    """Refuse the transfer: nothing of it reaches the catalog or the storage; the report stays."""
    return _close(actor, transfer, TransferStatus.REJECTED, "accession.transfer.reject", reason)


def do_return(actor: Actor, transfer: Transfer, reason: str) -> Transfer:
    """Return the transfer for correction (退回整改): like a rejection; a corrected package is a new transfer."""
    return _close(actor, transfer, TransferStatus.RETURNED, "accession.transfer.return", reason)
