"""The PREMIS events an acceptance writes into each new package's METS, beside those preservation writes itself
(package creation, digests, format identification, ingestion): the four-property check (``validation``) and the
virus check (``virus check``) — performed, or not performed and accepted on a person's stated reason.

Each event's identifier is derived from the report and the unit: an acceptance resumed after a crash offers the same
events again, which the package already holds, so no second version is written for them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.accession.choices import CheckResult, Verdict
from dangan.accession.models import CheckReport, Transfer
from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import SYSTEM, Actor, actor_name
from dangan.preservation.premis import (
    AgentRole,
    Event,
    EventOutcome,
    EventType,
    Link,
    intellectual_entity_id,
    person_agent,
    software_agent,
)
from dangan.preservation.store import object_id_for, package_uuid_for_unit

from .checking import effective_counts

EVENT_NAMESPACE = uuid.UUID("3d2b7c9e-5f41-5a0e-8c1d-64616e67616e")
VIRUS_ITEM = "YJ-4-2"


def _identifier(report: CheckReport, unit: ArchivalUnit, kind: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{report.uuid}:{unit.uuid}:{kind}"))


def _person(username: str, role: str = "") -> list[Link]:
    return [person_agent(username).link(role)] if username else []


def acceptance_events(
    actor: Actor, transfer: Transfer, report: CheckReport, units: list[ArchivalUnit]
) -> dict[int, list[Event]]:
    """unit pk → the events to record in that unit's package."""
    software = software_agent().link()
    when: datetime = report.finished or report.created or timezone.now()
    tally = effective_counts(report)
    items = {item.code: item for item in report.items.all()}
    checker = report.checked_by.get_username() if report.checked_by is not None else ""
    acceptor = "" if actor is SYSTEM else actor_name(actor)
    signers = sorted({i.signed_by.get_username() for i in items.values() if i.signed_by is not None})
    not_performed = [code for code, item in items.items() if item.effective_result == CheckResult.NOT_PERFORMED]
    check_detail = _("DA/T 70-2018 四性检测（移交与接收）：移交 %(transfer)s，检测报告 %(report)s") % {
        "transfer": transfer.uuid,
        "report": report.uuid,
    }
    check_outcome = _(
        "结论%(verdict)s：通过 %(p)d 项，不通过 %(f)d 项，人工检测已签署 %(s)d 项，不适用 %(na)d 项，未检测 %(n)d 项"
    ) % {
        "verdict": Verdict(report.verdict).label,
        "p": tally[CheckResult.PASS],
        "f": tally[CheckResult.FAIL],
        "s": tally["signed"],
        "na": tally[CheckResult.NOT_APPLICABLE],
        "n": tally[CheckResult.NOT_PERFORMED],
    }
    if not_performed:
        check_outcome += _("（未检测：%(items)s）") % {"items": "、".join(not_performed)}
    clamav: dict[str, Any] = (report.facts or {}).get("clamav") or {}
    virus = items.get(VIRUS_ITEM)
    scanned = virus is not None and virus.result == CheckResult.PASS
    if scanned:
        virus_detail = _("ClamAV 扫描信息包的全部文件（%(engine)s）") % {"engine": clamav.get("version") or "ClamAV"}
        virus_outcome, virus_note = EventOutcome.SUCCESS, virus.summary if virus else ""
        virus_agents = [software]
    else:
        virus_detail = _("病毒扫描未进行：%(why)s") % {"why": clamav.get("reason") or (virus.summary if virus else "")}
        virus_outcome = EventOutcome.WARNING
        virus_note = _("未查毒接收，理由：%(reason)s") % {"reason": transfer.virus_override or "—"}
        virus_agents = [software, *_person(acceptor, AgentRole.AUTHORIZER)]
    events: dict[int, list[Event]] = {}
    for unit in units:
        package = intellectual_entity_id(object_id_for(package_uuid_for_unit(unit.uuid)))
        events[unit.pk] = [
            Event(
                identifier=_identifier(report, unit, "validation"),
                type=EventType.VALIDATION.value,
                date_time=when,
                detail=check_detail,
                outcome=(EventOutcome.WARNING if not_performed else EventOutcome.SUCCESS).value,
                outcome_detail=check_outcome,
                agents=[
                    software,
                    *_person(checker),
                    *(link for s in signers for link in _person(s, AgentRole.VALIDATOR)),
                ],
                objects=[package],
            ),
            Event(
                identifier=_identifier(report, unit, "virus"),
                type=EventType.VIRUS_CHECK.value,
                date_time=when,
                detail=virus_detail,
                outcome=virus_outcome.value,
                outcome_detail=virus_note,
                agents=virus_agents,
                objects=[package],
            ),
        ]
    return events
