"""The four-property check of a received transfer (四性检测), its stored report, and the manual items a person signs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.accession.checks import CheckInput, CheckRun, Progress, run_checks
from dangan.accession.choices import CheckResult, TransferStatus, Verdict
from dangan.accession.models import CheckItem, CheckReport, Transfer
from dangan.core.actors import account_of, actor_name
from dangan.core.audit import log

from .common import require_accession, set_status

PROGRESS_SECONDS = 0.5  # how often the progress of a running check is written for the UI to poll


def run_facts(run: CheckRun) -> dict[str, Any]:
    ctx = run.context
    report = ctx.bag_report
    return {
        "bag": str(ctx.bag),
        "bagit_version": report.version,
        "algorithms": report.payload_algorithms,
        "payload_files": report.payload_files,
        "payload_bytes": report.payload_bytes,
        "content_files": len(ctx.files),
        "items": sum(1 for row in ctx.plan.rows if row.values["level"] == "item") if ctx.plan else None,
        "rows": len(ctx.plan.rows) if ctx.plan else None,
        "fonds": ctx.fonds_code,
        "catalog": ctx.catalog.paths,
        "bag_digest": ctx.bag_digest,
        "source_organization": ctx.info("Source-Organization"),
        "bagging_date": ctx.info("Bagging-Date"),
        "clamav": {
            "performed": ctx.scan.performed,
            "version": ctx.scan.version,
            "database": ctx.scan.database,
            "reason": ctx.scan.reason,
        },
        "seconds": {k: round(v, 3) for k, v in ctx.seconds.items()} | {"total": round(run.seconds, 3)},
    }


def counts(results: list[str]) -> dict[str, int]:
    return {value: sum(1 for r in results if r == value) for value in CheckResult.values}


def _progress_writer(transfer: Transfer, progress: Progress | None) -> Progress:
    last = [0.0]

    def report(label: str, done: int, total: int) -> None:
        if progress is not None:
            progress(label, done, total)
        now = time.monotonic()
        if now - last[0] >= PROGRESS_SECONDS or done >= total:
            last[0] = now
            Transfer.objects.filter(pk=transfer.pk).update(
                progress_label=label[:100], progress_done=done, progress_total=total
            )

    return report


def do_check(
    actor: Any, transfer: Transfer, *, progress: Progress | None = None, workers: int | None = None
) -> CheckReport:
    """Check ``transfer``'s package against every item and store the report; the transfer stays in 检测中 until it
    is accepted, rejected or returned. A check can be repeated (e.g. after a manual item or the virus database)."""
    require_accession(actor)
    if transfer.status not in (TransferStatus.RECEIVED, TransferStatus.CHECKING):
        raise ValidationError(
            _("只有已登记或检测中的移交可以检测（当前：%(status)s）") % {"status": transfer.get_status_display()}
        )
    bag = Path(transfer.bag_path)
    if not bag.is_dir():
        raise ValidationError(_("信息包不存在：%(path)s") % {"path": bag})
    if transfer.status == TransferStatus.RECEIVED:
        set_status(transfer, TransferStatus.CHECKING, actor, "accession.transfer.check_start", _("开始四性检测"))
    started = timezone.now()
    given = CheckInput(
        bag=bag,
        fonds=transfer.fonds,
        declared_items=transfer.declared_items,
        declared_bytes=transfer.declared_bytes,
        transfer_id=transfer.pk,
    )
    run = run_checks(given, _progress_writer(transfer, progress), workers=workers)
    return save_report(actor, transfer, run, started)


@transaction.atomic
def save_report(actor: Any, transfer: Transfer, run: CheckRun, started: Any) -> CheckReport:
    results = [item.outcome.result for item in run.items]
    tally = counts(results)
    report = CheckReport.objects.create(
        transfer=transfer,
        bag_path=transfer.bag_path,
        verdict=run.verdict,
        facts=run_facts(run),
        passed=tally[CheckResult.PASS],
        failed=tally[CheckResult.FAIL],
        manual=tally[CheckResult.MANUAL],
        not_applicable=tally[CheckResult.NOT_APPLICABLE],
        not_performed=tally[CheckResult.NOT_PERFORMED],
        seconds=run.seconds,
        finished=timezone.now(),
        checked_by=account_of(actor),
        checked_by_name=actor_name(actor),
    )
    CheckItem.objects.bulk_create(
        [
            CheckItem(report=report, position=position, **_item_fields(item.to_dict()))
            for position, item in enumerate(run.items)
        ]
    )
    report.created = started
    report.save(update_fields=["created"])
    ctx = run.context
    if transfer.fonds_id is None and ctx.fonds is not None:
        transfer.fonds = ctx.fonds
    transfer.verdict = run.verdict
    transfer.item_count = report.facts.get("items") or 0
    transfer.progress_done = transfer.progress_total
    transfer.message = _("四性检测%(verdict)s：通过 %(p)d 项，不通过 %(f)d 项，待人工 %(m)d 项，未检测 %(n)d 项") % {
        "verdict": Verdict(run.verdict).label,
        "p": report.passed,
        "f": report.failed,
        "m": report.manual,
        "n": report.not_performed,
    }
    transfer.save(update_fields=["fonds", "verdict", "item_count", "progress_done", "message", "updated"])
    log(
        transfer,
        "accession.transfer.check",
        actor,
        {
            "report": str(report.uuid),
            "verdict": run.verdict,
            "failed": [i.spec.code for i in run.items if i.outcome.result == CheckResult.FAIL],
            "not_performed": [i.spec.code for i in run.items if i.outcome.result == CheckResult.NOT_PERFORMED],
            "counts": tally,
        },
    )
    return report


def _item_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": data["code"],
        "name": data["name"],
        "property": data["property"],
        "result": data["result"],
        "summary": data["summary"][:5000],
        "evidence": data["evidence"],
        "evidence_count": data["evidence_count"],
    }


def effective_verdict(report: CheckReport) -> str:
    results = [item.effective_result for item in report.items.all()]
    return Verdict.FAIL if CheckResult.FAIL in results else Verdict.PASS


@transaction.atomic
def do_sign_item(actor: Any, item: CheckItem, result: str, note: str = "") -> CheckItem:
    """A person signs a manual item (载体外观 …) as passed or failed, with a note."""
    require_accession(actor)
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError(_("人工检测项须由登录的人员签署。"))
    if item.result != CheckResult.MANUAL:
        raise ValidationError(_("只有人工检测项需要签署。"))
    if result not in (CheckResult.PASS, CheckResult.FAIL):
        raise ValidationError({"result": _("请选择“通过”或“不通过”。")})
    transfer = item.report.transfer
    if transfer is None or transfer.status not in (TransferStatus.RECEIVED, TransferStatus.CHECKING):
        raise ValidationError(_("该移交已结束，不能再签署。"))
    if result == CheckResult.FAIL and not note.strip():
        raise ValidationError({"note": _("不通过时请写明原因。")})
    item.signed_by = actor
    item.signed_by_name = actor.get_username()
    item.signed_at = timezone.now()
    item.signed_result = result
    item.signed_note = note.strip()[:2000]
    item.save()
    report = item.report
    report.verdict = effective_verdict(report)
    report.save(update_fields=["verdict", "updated"])
    transfer.verdict = report.verdict
    transfer.save(update_fields=["verdict", "updated"])
    log(
        item.report.transfer,
        "accession.check.sign",
        actor,
        {"item": item.code, "result": result, "note": item.signed_note},
    )
    return item


def report_to_dict(report: CheckReport) -> dict[str, Any]:
    """The report as JSON (API, CLI --json): Chinese labels beside the stable values."""
    transfer = report.transfer
    return {
        "uuid": str(report.uuid),
        "transfer": str(transfer.uuid) if transfer else None,
        "verdict": report.verdict,
        "verdict_display": str(Verdict(report.verdict).label),
        "created": report.created.isoformat(),
        "finished": report.finished.isoformat() if report.finished else None,
        "checked_by": report.checked_by_name,
        "facts": report.facts,
        "counts": {
            "pass": report.passed,
            "fail": report.failed,
            "manual": report.manual,
            "not_applicable": report.not_applicable,
            "not_performed": report.not_performed,
        },
        "items": [item_to_dict(item) for item in report.items.all()],
    }


def item_to_dict(item: CheckItem) -> dict[str, Any]:
    from dangan.accession.choices import Property

    return {
        "code": item.code,
        "name": item.name,
        "property": item.property,
        "property_display": str(Property(item.property).label),
        "result": item.result,
        "result_display": str(CheckResult(item.result).label),
        "summary": item.summary,
        "evidence": item.evidence,
        "evidence_count": item.evidence_count,
        "signed": (
            {
                "by": item.signed_by_name,
                "at": item.signed_at.isoformat() if item.signed_at else None,
                "result": item.signed_result,
                "note": item.signed_note,
            }
            if item.signed_result
            else None
        ),
    }


def run_to_dict(run: CheckRun) -> dict[str, Any]:
    """A check that was not stored (dangan ingest --check-only), in the same shape as report_to_dict."""
    from dangan.accession.choices import Property

    tally = counts([item.outcome.result for item in run.items])
    items = []
    for item in run.items:
        data = item.to_dict()
        data["property_display"] = str(Property(data["property"]).label)
        data["result_display"] = str(CheckResult(data["result"]).label)
        data["signed"] = None
        items.append(data)
    return {
        "uuid": None,
        "transfer": None,
        "verdict": run.verdict,
        "verdict_display": str(Verdict(run.verdict).label),
        "facts": run_facts(run),
        "counts": {
            "pass": tally["pass"],
            "fail": tally["fail"],
            "manual": tally["manual"],
            "not_applicable": tally["not_applicable"],
            "not_performed": tally["not_performed"],
        },
        "items": items,
    }
