"""A check report as a person may read it (the page, the PDF, the JSON of the API and of ``dangan ingest --json``):
Chinese labels beside the stable values, and of the findings tied to catalog rows only those the reader may see
(actions.access). Nothing in it names a folder of the server: files are named inside the package."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dangan.accession.checks import CheckRun
from dangan.accession.choices import CheckResult, Property, Verdict
from dangan.accession.models import CheckItem, CheckReport
from dangan.core.actors import Actor

from .access import VisibleEvidence, visible_evidence
from .checking import CLAMAV_FACTS, counts, effective_counts, run_facts

PAGE_EVIDENCE = 100  # findings listed per item on the report page
# The facts a report shows (older reports stored more, e.g. the bag's folder on the server: never shown).
FACT_KEYS = (
    "bagit_version",
    "algorithms",
    "payload_files",
    "payload_bytes",
    "content_files",
    "items",
    "rows",
    "fonds",
    "catalog",
    "bag_digest",
    "source_organization",
    "bagging_date",
    "clamav",
    "seconds",
)


@dataclass
class ItemView:
    """One item of a report for one reader."""

    item: CheckItem
    evidence: VisibleEvidence

    @property
    def hidden(self) -> int:
        return self.evidence.withheld

    @property
    def failed(self) -> bool:
        return self.item.effective_result == CheckResult.FAIL

    @property
    def more(self) -> int:
        """Findings beyond those shown on a page (PAGE_EVIDENCE) or stored."""
        return max(0, len(self.evidence.shown) - PAGE_EVIDENCE) + self.evidence.unlisted


def item_views(viewer: Actor, report: CheckReport) -> list[ItemView]:
    return [ItemView(item, visible_evidence(viewer, item)) for item in report.items.all()]


def shown_facts(facts: dict[str, Any]) -> dict[str, Any]:
    shown = {key: facts[key] for key in FACT_KEYS if key in facts}
    if isinstance(shown.get("clamav"), dict):
        shown["clamav"] = {key: shown["clamav"].get(key) for key in CLAMAV_FACTS if key in shown["clamav"]}
    return shown


def report_to_dict(report: CheckReport, viewer: Actor) -> dict[str, Any]:
    """The report as JSON for ``viewer``."""
    transfer = report.transfer
    tally = effective_counts(report)
    return {
        "uuid": str(report.uuid),
        "transfer": str(transfer.uuid) if transfer else None,
        "verdict": report.verdict,
        "verdict_display": str(Verdict(report.verdict).label),
        "created": report.created.isoformat(),
        "finished": report.finished.isoformat() if report.finished else None,
        "checked_by": report.checked_by_name,
        "facts": shown_facts(report.facts or {}),
        "counts": {
            "pass": report.passed,
            "fail": report.failed,
            "manual": report.manual,
            "not_applicable": report.not_applicable,
            "not_performed": report.not_performed,
            "unsigned": tally["unsigned"],
        },
        "items": [item_to_dict(view) for view in item_views(viewer, report)],
    }


def item_to_dict(view: ItemView) -> dict[str, Any]:
    item = view.item
    return {
        "code": item.code,
        "name": item.name,
        "property": item.property,
        "property_display": str(Property(item.property).label),
        "result": item.result,
        "result_display": str(CheckResult(item.result).label),
        "summary": item.summary,
        "evidence": view.evidence.shown,
        "evidence_count": item.evidence_count,
        "evidence_withheld": view.evidence.withheld,
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
    """A check that was not stored (``dangan ingest --check-only``, at the console), as report_to_dict."""
    tally = counts([item.outcome.result for item in run.items])
    items = []
    for item in run.items:
        data = item.to_dict()
        data["property_display"] = str(Property(data["property"]).label)
        data["result_display"] = str(CheckResult(data["result"]).label)
        data["evidence_withheld"] = 0
        data["signed"] = None
        items.append(data)
    return {
        "uuid": None,
        "transfer": None,
        "verdict": run.verdict,
        "verdict_display": str(Verdict(run.verdict).label),
        "created": None,
        "finished": None,
        "checked_by": "",
        "facts": run_facts(run),
        "counts": {
            "pass": tally[CheckResult.PASS],
            "fail": tally[CheckResult.FAIL],
            "manual": tally[CheckResult.MANUAL],
            "not_applicable": tally[CheckResult.NOT_APPLICABLE],
            "not_performed": tally[CheckResult.NOT_PERFORMED],
            "unsigned": tally[CheckResult.MANUAL],
        },
        "items": items,
    }
