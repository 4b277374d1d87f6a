"""``ingest``: the whole path from a package on disk to accepted content, as ``dangan ingest`` runs it — receive,
check, then accept or reject. A package already received and still open is continued, not received again; one
already accepted is a duplicate. ``check_only`` checks without storing anything (not even a register entry)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangan.accession.checks import CheckInput, Progress, run_checks
from dangan.accession.checks.context import bag_digest
from dangan.accession.choices import OPEN_STATUSES, CheckResult, TransferStatus, Verdict
from dangan.accession.models import Transfer
from dangan.catalog.models import Fonds
from dangan.core.actors import CONSOLE, Actor

from .accepting import do_accept, do_reject
from .checking import do_check
from .events import VIRUS_ITEM
from .receiving import DuplicateBag, do_receive, is_bag, prepare_bag
from .reports import report_to_dict, run_to_dict


class IngestOutcome(models.TextChoices):
    """How ``dangan ingest`` ended (the ``status`` of its JSON)."""

    ACCEPTED = "accepted", gettext_lazy("已接收")
    REJECTED = "rejected", gettext_lazy("已拒收")
    DUPLICATE = "duplicate", gettext_lazy("重复移交")
    CHECKED = "checked", gettext_lazy("仅检测")
    WAITING = "waiting", gettext_lazy("待确认")


ACCEPTED, REJECTED, DUPLICATE, CHECKED, WAITING = (
    IngestOutcome.ACCEPTED,
    IngestOutcome.REJECTED,
    IngestOutcome.DUPLICATE,
    IngestOutcome.CHECKED,
    IngestOutcome.WAITING,
)


class UsageError(Exception):
    """The operator named something that does not exist (a path, a fonds)."""


@dataclass
class IngestResult:
    status: str  # an IngestOutcome: waiting means it needs an override or a person
    message: str
    transfer: Transfer | None = None
    report: dict[str, Any] | None = None
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        if self.status == CHECKED:
            return self.report is not None and self.report["verdict"] == Verdict.PASS
        return self.status == ACCEPTED

    def to_dict(self) -> dict[str, Any]:
        transfer = self.transfer
        return {
            "status": str(self.status),
            "ok": self.ok,
            "message": self.message,
            "details": self.details,
            "transfer": (
                {
                    "uuid": str(transfer.uuid),
                    "status": transfer.status,
                    "status_display": str(transfer.get_status_display()),
                    "fonds": transfer.fonds.code if transfer.fonds else None,
                    "items": transfer.item_count,
                    "files": transfer.payload_files,
                    "bytes": transfer.payload_bytes,
                }
                if transfer
                else None
            ),
            "report": self.report,
        }


def _fonds(code: str | None) -> Fonds | None:
    if not code:
        return None
    fonds = Fonds.objects.filter(code__iexact=code.strip()).first()
    if fonds is None:
        raise UsageError(_("全宗 %(code)s 不存在") % {"code": code})
    return fonds


def check_only(path: Path, fonds_code: str | None = None, progress: Progress | None = None) -> IngestResult:
    fonds = _fonds(fonds_code)
    scratch = None if is_bag(path) else Path(tempfile.mkdtemp(prefix="dangan-check-"))
    try:
        bag, _made = prepare_bag(path, (scratch or path) / "bag")
        run = run_checks(CheckInput(bag=bag, fonds=fonds), progress)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    report = run_to_dict(run)
    verdict = Verdict(run.verdict).label
    return IngestResult(
        CHECKED, _("仅检测：四性检测%(verdict)s，未登记、未存储任何内容") % {"verdict": verdict}, report=report
    )


def ingest(
    path: Path | str,
    *,
    fonds_code: str | None = None,
    override_reason: str = "",
    progress: Progress | None = None,
    actor: Actor = CONSOLE,
    workers: int | None = None,
) -> IngestResult:
    """Receive, check and accept (or reject) the package at ``path``."""
    path = Path(path)
    if not path.exists():
        raise UsageError(_("没有这个文件或文件夹：%(path)s") % {"path": path})
    fonds = _fonds(fonds_code)
    transfer = None
    if is_bag(path):
        digest = bag_digest(path)
        continuing = (*OPEN_STATUSES, TransferStatus.ACCEPTING)
        transfer = Transfer.objects.filter(bag_digest=digest, status__in=continuing).first() if digest else None
        accepted = (
            Transfer.objects.filter(bag_digest=digest, status=TransferStatus.ACCEPTED).first() if digest else None
        )
        if transfer is None and accepted is not None:
            return IngestResult(DUPLICATE, str(DuplicateBag(accepted).messages[0]), accepted)
    if transfer is None:
        try:
            transfer = do_receive(actor, path, fonds=fonds)
        except DuplicateBag as exc:
            if exc.existing.status != TransferStatus.ACCEPTED:
                transfer = exc.existing
            else:
                return IngestResult(DUPLICATE, exc.messages[0], exc.existing)
    if fonds is not None and transfer.fonds_id is None:
        transfer.fonds = fonds
        transfer.save(update_fields=["fonds", "updated"])
    if transfer.status != TransferStatus.ACCEPTING:
        report = do_check(actor, transfer, progress=progress, workers=workers)
        checked = report_to_dict(report, actor)
        data: dict[str, Any] | None = checked
        if report.verdict != Verdict.PASS:
            failed = [i for i in checked["items"] if i["result"] == CheckResult.FAIL]
            reason = _("四性检测未通过：%(items)s") % {"items": "、".join(f"{i['code']} {i['name']}" for i in failed)}
            do_reject(actor, transfer, reason)
            return IngestResult(REJECTED, _("已拒收：%(reason)s") % {"reason": reason}, transfer, data)
        virus = next((i for i in checked["items"] if i["code"] == VIRUS_ITEM), None)
        if virus and virus["result"] == CheckResult.NOT_PERFORMED and not override_reason.strip():
            message = _(
                "未接收：病毒扫描未进行（%(why)s）。配置病毒库（DANGAN_CLAMAV_DB）后重新运行，或用 --allow-unscanned 理由 "
                "确认接收（记入审计日志）；移交保持“检测中”"
            ) % {"why": virus["summary"]}
            return IngestResult(WAITING, message, transfer, data)
    else:
        report_obj = transfer.latest_report()
        data = report_to_dict(report_obj, actor) if report_obj else None
    try:
        do_accept(actor, transfer, override_reason=override_reason, progress=progress, workers=workers)
    except ValidationError as exc:
        transfer.refresh_from_db()
        return IngestResult(WAITING, "；".join(exc.messages), transfer, data)
    transfer.refresh_from_db()
    message = _("已接收：%(items)d 件、%(files)d 个文件入库（全宗 %(fonds)s）") % {
        "items": transfer.item_count,
        "files": transfer.payload_files,
        "fonds": transfer.fonds.code if transfer.fonds else "",
    }
    return IngestResult(ACCEPTED, message, transfer, data)
