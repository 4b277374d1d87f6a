"""The DA/T 70 four-property check (四性检测) of a submission package: gather the facts once (context.gather), then
judge every registered item (registry, items). Manual items come out as "manual", to be signed by a person."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from dangan.accession.choices import CheckResult, Verdict

from .context import CheckContext, CheckInput, Progress, gather
from .registry import EVIDENCE_LIMIT, CheckSpec, Evidence, Outcome, check_spec, registered_checks

logger = logging.getLogger(__name__)

__all__ = [
    "EVIDENCE_LIMIT",
    "CheckContext",
    "CheckInput",
    "CheckRun",
    "CheckSpec",
    "Evidence",
    "ItemOutcome",
    "Outcome",
    "check_spec",
    "judge",
    "registered_checks",
    "run_checks",
]


@dataclass
class ItemOutcome:
    spec: CheckSpec
    outcome: Outcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.spec.code,
            "name": self.spec.name,
            "property": self.spec.property,
            "result": self.outcome.result,
            "summary": self.outcome.summary,
            "evidence": [e.to_dict() for e in self.outcome.evidence[:EVIDENCE_LIMIT]],
            "evidence_count": len(self.outcome.evidence),
        }


@dataclass
class CheckRun:
    context: CheckContext
    items: list[ItemOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        return Verdict.FAIL if any(i.outcome.result == CheckResult.FAIL for i in self.items) else Verdict.PASS

    def result(self, code: str) -> str:
        return next(i.outcome.result for i in self.items if i.spec.code == code)


def judge(context: CheckContext) -> list[ItemOutcome]:
    """Every registered item's outcome; an item that raises is a failure that names the error (never a pass)."""
    outcomes = []
    for spec in registered_checks():
        if spec.function is None:
            outcome = Outcome(CheckResult.MANUAL, spec.description)
        else:
            try:
                outcome = spec.function(context)
            except Exception:  # a bug in one item must not hide the others, nor pass silently
                logger.exception("check item %s raised", spec.code)
                outcome = Outcome(CheckResult.FAIL, "检测程序出错，未能完成本项检测（详见服务器日志）")
        outcomes.append(ItemOutcome(spec, outcome))
    return outcomes


def run_checks(given: CheckInput, progress: Progress | None = None, *, workers: int | None = None) -> CheckRun:
    started = time.perf_counter()
    context = gather(given, progress, workers=workers)
    run = CheckRun(context, judge(context))
    run.seconds = time.perf_counter() - started
    return run
