"""Disposal of units (鉴定销毁 / 处置): one person asks, with a reason; a second person approves or rejects.

A disposed-of unit is not deleted. Its row stays, marked ``disposed``: out of every list, count and search
(catalog.policy leaves it out of the holdings, the counters drop it, search removes it from the index), and shown
only in the register of disposals to those the policy allows, with its preserved package — which storage keeps
either way. The requester can never approve their own request: 鉴定销毁 needs two people, as the archives' rules ask.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.choices import DisposalStatus
from dangan.catalog.holds import hold_labels, holds_on
from dangan.catalog.models import ArchivalUnit, UnitDisposal
from dangan.catalog.policy import can_view_unit
from dangan.catalog.signals import notify_units_changed
from dangan.core.actions.accounts import require_actor
from dangan.core.actors import account_of, actor_name
from dangan.core.audit import log
from dangan.core.roles import Capability
from dangan.utilities.concurrency import EditConflict

from .units import adjust_counts, lock_unit, snapshot

__all__ = [
    "MAX_REASON",
    "MIN_REASON",
    "check_decide_disposal",
    "check_request_disposal",
    "do_approve_disposal",
    "do_reject_disposal",
    "do_request_disposal",
    "do_withdraw_disposal",
    "is_requester",
]

MIN_REASON = 4  # characters: "到期销毁" is the shortest honest reason
MAX_REASON = 2000


def _clean_text(value: str | None, field: str, *, required: bool, what: str) -> str:
    text = (value or "").strip()
    if required and len(text) < MIN_REASON:
        raise ValidationError({field: _("请填写%(what)s（至少 %(min)d 个字）。") % {"what": what, "min": MIN_REASON}})
    if len(text) > MAX_REASON:
        raise ValidationError({field: _("%(what)s不能超过 %(max)d 个字。") % {"what": what, "max": MAX_REASON}})
    return text


def is_requester(actor: Any, disposal: UnitDisposal) -> bool:
    """Whether ``actor`` is the person who asked for ``disposal`` (an account by id; an operator, or an account
    deleted since, by name)."""
    account = account_of(actor)
    if account is not None and disposal.requested_by_id is not None:
        return bool(account.pk == disposal.requested_by_id)
    return actor_name(actor) == disposal.requested_by_name


# ---------------------------------------------------------------- asking


def check_request_disposal(actor: Any, unit: ArchivalUnit, reason: str) -> str:
    """Validate a request and return the reason as it will be recorded."""
    require_actor(actor, Capability.CATALOG_CHANGE)
    if not can_view_unit(actor, unit):
        # Disposed of already, or hidden: the same answer as for a unit that does not exist.
        raise ValidationError(_("档案不存在"))
    text = _clean_text(reason, "reason", required=True, what=_("处置理由（鉴定意见）"))
    if UnitDisposal.objects.filter(unit=unit, status=DisposalStatus.REQUESTED).exists():
        raise ValidationError(_("该档案已有待审批的鉴定销毁申请"))
    if ArchivalUnit.objects.filter(parent=unit, disposed=False).exists():
        raise ValidationError(_("该档案还有下级档案，须先处置或移走下级档案"))
    return text


@transaction.atomic
def do_request_disposal(
    actor: Any, unit: ArchivalUnit, reason: str, *, expected_version: int | None = None
) -> UnitDisposal:
    """Record a request to dispose of ``unit``; the unit stays in the holdings until a second person approves."""
    current = lock_unit(unit, expected_version)
    text = check_request_disposal(actor, current, reason)
    held = holds_on([current.pk]).get(current.pk, [])
    disposal = UnitDisposal.objects.create(
        unit=current,
        reason=text,
        requested_by=account_of(actor),
        requested_by_name=actor_name(actor),
        holds=held,
    )
    log(
        current,
        "catalog.unit.disposal.request",
        actor,
        {"disposal": str(disposal.uuid), "reason": text, "holds": hold_labels(held)},
    )
    return disposal


# ---------------------------------------------------------------- deciding


def check_decide_disposal(actor: Any, disposal: UnitDisposal) -> None:
    """A second person who may change the catalog and see the unit decides an open request."""
    require_actor(actor, Capability.CATALOG_CHANGE)
    if not can_view_unit(actor, disposal.unit):
        raise ValidationError(_("档案不存在"))
    if not disposal.is_open:
        raise ValidationError(_("该申请已处理（%(status)s），不能再审批") % {"status": disposal.get_status_display()})
    if is_requester(actor, disposal):
        raise PermissionDenied(_("鉴定销毁须由申请人以外的另一人审批，您不能审批自己的申请。"))


def _lock_open(disposal: UnitDisposal) -> tuple[UnitDisposal, ArchivalUnit]:
    """The request and its unit, locked and read afresh (the request first, then the unit, in every action)."""
    current = UnitDisposal.objects.select_for_update().filter(pk=disposal.pk).first()
    if current is None:
        raise EditConflict(_("该申请已不存在。"))
    unit = lock_unit(current.unit)
    current.unit = unit
    return current, unit


def _decide(actor: Any, disposal: UnitDisposal, status: str, note: str) -> None:
    disposal.status = status
    disposal.decided_by = account_of(actor)
    disposal.decided_by_name = actor_name(actor)
    disposal.decided = timezone.now()
    disposal.decision_note = note
    disposal.save(update_fields=["status", "decided_by", "decided_by_name", "decided", "decision_note", "updated"])


@transaction.atomic
def do_approve_disposal(actor: Any, disposal: UnitDisposal, note: str = "") -> UnitDisposal:
    """Approve the request: the unit is disposed of — out of the holdings, its counters and the search index —
    while its row, its history and its preserved package stay, for the register of disposals."""
    current, unit = _lock_open(disposal)
    check_decide_disposal(actor, current)
    text = _clean_text(note, "note", required=False, what=_("审批意见"))
    if ArchivalUnit.objects.filter(parent=unit, disposed=False).exists():
        raise ValidationError(_("该档案还有下级档案，须先处置或移走下级档案"))
    unit.disposed = True
    unit.version += 1
    unit.save(update_fields=["disposed", "version", "updated"])
    adjust_counts(unit.fonds, unit.parent, -1)
    _decide(actor, current, DisposalStatus.APPROVED, text)
    log(
        unit,
        "catalog.unit.dispose",
        actor,
        {
            "disposal": str(current.uuid),
            "reason": current.reason,
            "requested_by": current.requested_by_name,
            "note": text,
            "holds": hold_labels(current.holds),
            "before": snapshot(unit),
        },
    )
    # Out of the search index now; higher apps keep what they hold (preservation keeps the package).
    notify_units_changed([unit.pk], removed=True)
    return current


@transaction.atomic
def do_reject_disposal(actor: Any, disposal: UnitDisposal, note: str) -> UnitDisposal:
    """Reject the request (a second person, with a reason); the unit stays in the holdings."""
    current, unit = _lock_open(disposal)
    check_decide_disposal(actor, current)
    text = _clean_text(note, "note", required=True, what=_("驳回理由"))
    _decide(actor, current, DisposalStatus.REJECTED, text)
    log(unit, "catalog.unit.disposal.reject", actor, {"disposal": str(current.uuid), "note": text})
    return current


@transaction.atomic
def do_withdraw_disposal(actor: Any, disposal: UnitDisposal) -> UnitDisposal:
    """The requester takes back an open request."""
    require_actor(actor, Capability.CATALOG_CHANGE)
    current, unit = _lock_open(disposal)
    if not current.is_open:
        raise ValidationError(_("该申请已处理（%(status)s），不能撤回") % {"status": current.get_status_display()})
    if not is_requester(actor, current):
        raise PermissionDenied(_("只有申请人可以撤回申请。"))
    _decide(actor, current, DisposalStatus.WITHDRAWN, "")
    log(unit, "catalog.unit.disposal.withdraw", actor, {"disposal": str(current.uuid)})
    return current
