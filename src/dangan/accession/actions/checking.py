"""The four-property check of a received transfer (四性检测), its stored report, and the manual items a person signs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.accession.checks import CheckInput, CheckRun, run_checks
from dangan.accession.checks.levels import EvidenceLevels
from dangan.accession.choices import OPEN_STATUSES, CheckResult, TransferStatus, Verdict
from dangan.accession.models import CheckItem, CheckReport, Transfer
from dangan.catalog.choices import UnitLevel
from dangan.core.actors import Actor, account_of
from dangan.core.audit import log
from dangan.utilities.progress import PhaseProgress, throttled

from .access import check_may_act
from .common import allowed, person_name, set_status

PROGRESS_SECONDS = 0.5  # how often the progress of a running check is written for the UI to poll
CLAMAV_FACTS = ("performed", "version", "reason", "signature_files")


def run_facts(run: CheckRun) -> dict[str, Any]:
    """What the report says about the package. Paths are inside the package: nothing names the server's folders."""
    ctx = run.context
    report = ctx.bag_report
    scan = ctx.scan
    return {
        "bagit_version": report.version,
        "algorithms": report.payload_algorithms,
        "payload_files": report.payload_files,
        "payload_bytes": report.payload_bytes,
        "content_files": len(ctx.files),
        "items": sum(1 for row in ctx.plan.rows if row.values["level"] == UnitLevel.ITEM) if ctx.plan else None,
        "rows": len(ctx.plan.rows) if ctx.plan else None,
        "fonds": ctx.fonds_code,
        "catalog": ctx.catalog.paths,
        "bag_digest": ctx.bag_digest,
        "source_organization": ctx.info("Source-Organization"),
        "bagging_date": ctx.info("Bagging-Date"),
        "clamav": {key: getattr(scan, key) for key in CLAMAV_FACTS},
        "seconds": {k: round(v, 3) for k, v in ctx.seconds.items()} | {"total": round(run.seconds, 3)},
    }


def counts(results: list[str]) -> dict[str, int]:
    return {value: sum(1 for r in results if r == value) for value in CheckResult.values}


def _progress_writer(transfer: Transfer, progress: PhaseProgress | None) -> PhaseProgress:
    def store(label: str, done: int, total: int) -> None:
        Transfer.objects.filter(pk=transfer.pk).update(
            progress_label=label[:100], progress_done=done, progress_total=total
        )

    stored = throttled(store, PROGRESS_SECONDS)

    def report(label: str, done: int, total: int) -> None:
        if progress is not None:
            progress(label, done, total)
        stored(label, done, total)

    return report


def check_check(actor: Actor, transfer: Transfer) -> None:
    check_may_act(actor, transfer)
    if transfer.status not in OPEN_STATUSES:
        raise ValidationError(
            _("只有已登记或检测中的移交可以检测（当前：%(status)s）") % {"status": transfer.get_status_display()}
        )
    if not Path(transfer.bag_path).is_dir():
        raise ValidationError(_("信息包已不在工作区中，无法检测；请重新登记。"))


def do_check(
    actor: Actor, transfer: Transfer, *, progress: PhaseProgress | None = None, workers: int | None = None
) -> CheckReport:
    """Check ``transfer``'s package against every item and store the report; the transfer stays in 检测中 until it
    is accepted, rejected or returned. A check can be repeated (e.g. after a manual item or the virus database)."""
    check_check(actor, transfer)
    if transfer.status == TransferStatus.RECEIVED:
        set_status(transfer, TransferStatus.CHECKING, actor, "accession.transfer.check_start", _("开始四性检测"))
    started = timezone.now()
    given = CheckInput(
        bag=Path(transfer.bag_path),
        fonds=transfer.fonds,
        declared_items=transfer.declared_items,
        declared_bytes=transfer.declared_bytes,
        transfer_id=transfer.pk,
    )
    run = run_checks(given, _progress_writer(transfer, progress), workers=workers)
    return save_report(actor, transfer, run, started)


@transaction.atomic
def save_report(actor: Actor, transfer: Transfer, run: CheckRun, started: Any) -> CheckReport:
    results = [item.outcome.result for item in run.items]
    tally = counts(results)
    levels = EvidenceLevels(run.context)
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
        checked_by_name=person_name(actor),
    )
    items = []
    for position, item in enumerate(run.items):
        data = item.to_dict()
        data["evidence"] = levels.annotate(data["evidence"])
        items.append(CheckItem(report=report, position=position, **_item_fields(data)))
    CheckItem.objects.bulk_create(items)
    report.created = started
    report.save(update_fields=["created"])
    ctx = run.context
    if transfer.fonds_id is None and ctx.fonds is not None:
        transfer.fonds = ctx.fonds
    transfer.verdict = run.verdict
    transfer.classification = levels.transfer
    transfer.item_count = report.facts.get("items") or 0
    transfer.progress_done = transfer.progress_total
    transfer.message = check_message(report)
    fields = ["fonds", "verdict", "classification", "item_count", "progress_done", "message", "updated"]
    transfer.save(update_fields=fields)
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


def effective_counts(report: CheckReport) -> dict[str, int]:
    """The items by result after the signatures: a signed manual item counts as what the person found; ``unsigned``
    is what still waits for a person (待人工)."""
    items = list(report.items.all())
    tally = counts([item.effective_result for item in items])
    tally["unsigned"] = tally.pop(CheckResult.MANUAL)
    tally["signed"] = sum(1 for item in items if item.signed_result)
    return tally


def check_message(report: CheckReport) -> str:
    """The one-line result of a check as the transfer shows it, signatures included."""
    tally = effective_counts(report)
    message = _("四性检测%(verdict)s：通过 %(p)d 项，不通过 %(f)d 项，待人工 %(m)d 项，未检测 %(n)d 项") % {
        "verdict": Verdict(effective_verdict(report)).label,
        "p": tally[CheckResult.PASS],
        "f": tally[CheckResult.FAIL],
        "m": tally["unsigned"],
        "n": tally[CheckResult.NOT_PERFORMED],
    }
    if tally["signed"]:
        message += _("（已签署人工检测 %(s)d 项）") % {"s": tally["signed"]}
    return message


def check_sign(actor: Actor, item: CheckItem, result: str = CheckResult.PASS, note: str = "-") -> None:
    """Why ``actor`` may not sign ``item`` now (the rule behind the signing form too)."""
    transfer = item.report.transfer
    if transfer is None:
        raise ValidationError(_("该报告不属于任何移交，不能签署。"))
    check_may_act(actor, transfer)
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError(_("人工检测项须由登录的人员签署。"))
    if item.result != CheckResult.MANUAL:
        raise ValidationError(_("只有人工检测项需要签署。"))
    if transfer.status not in OPEN_STATUSES:
        raise ValidationError(_("该移交已结束，不能再签署。"))
    if transfer.latest_report() != item.report:
        raise ValidationError(_("该报告已被新的检测取代，请在最新报告中签署。"))
    if result not in (CheckResult.PASS, CheckResult.FAIL):
        raise ValidationError({"result": _("请选择“通过”或“不通过”。")})
    if result == CheckResult.FAIL and not note.strip():
        raise ValidationError({"note": _("不通过时请写明原因。")})


def can_sign(actor: Actor, item: CheckItem) -> bool:
    return not item.signed_result and allowed(check_sign, actor, item)


@transaction.atomic
def do_sign_item(actor: Actor, item: CheckItem, result: str, note: str = "") -> CheckItem:
    """A person signs a manual item (载体外观 …) as passed or failed, with a note."""
    check_sign(actor, item, result, note)
    transfer = item.report.transfer
    assert transfer is not None
    item.signed_by = account_of(actor)
    item.signed_by_name = person_name(actor)
    item.signed_at = timezone.now()
    item.signed_result = result
    item.signed_note = note.strip()[:2000]
    item.save()
    report = item.report
    report.verdict = effective_verdict(report)
    report.save(update_fields=["verdict", "updated"])
    transfer.verdict = report.verdict
    transfer.message = check_message(report)
    transfer.save(update_fields=["verdict", "message", "updated"])
    log(transfer, "accession.check.sign", actor, {"item": item.code, "result": result, "note": item.signed_note})
    return item
