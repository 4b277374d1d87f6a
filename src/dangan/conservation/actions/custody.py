"""Check-out and return of originals (出库/入库), shared by every part that takes a unit out of the stacks (reading,
digitization, restoration, exhibition). The stacks part builds its pages, slips and overdue warnings on these."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.conservation.choices import CheckOutPurpose
from dangan.conservation.models import CheckOut, Placement
from dangan.core.actors import account_of
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability

__all__ = ["check_check_out", "check_return", "do_check_out", "do_return", "open_checkouts", "overdue_count"]


def _allowed(actor: Any, unit: ArchivalUnit) -> None:
    if not has_capability(actor, Capability.CONSERVATION_WORK):
        raise PermissionDenied(_("没有办理出入库的权限"))
    if not can_view_unit(actor, unit):
        raise PermissionDenied(_("无权查看该档案"))


def check_check_out(actor: Any, unit: ArchivalUnit, purpose: str, due: date, taken_by: str) -> None:
    """ValidationError (in Chinese, by field) unless ``unit`` may leave the stacks now for ``purpose`` until
    ``due``, signed for by ``taken_by``; PermissionDenied for an actor who may not."""
    _allowed(actor, unit)
    errors: dict[str, str] = {}
    if purpose not in CheckOutPurpose.values:
        errors["purpose"] = _("出库事由无法识别")
    if not taken_by.strip():
        errors["taken_by"] = _("请填写领取人")
    if due < timezone.localdate():
        errors["due"] = _("应还日期不能早于今天")
    if CheckOut.objects.filter(unit=unit, returned_at__isnull=True).exists():
        errors["unit"] = _("该档案已出库，尚未归还")
    if errors:
        raise ValidationError(errors)


def do_check_out(
    actor: Any, unit: ArchivalUnit, purpose: str, due: date, taken_by: str, *, reference: str = ""
) -> CheckOut:
    """Record that ``unit`` left the stacks (出库): from its placement, for ``purpose``, until ``due``."""
    check_check_out(actor, unit, purpose, due, taken_by)
    with transaction.atomic():
        placement = Placement.objects.filter(unit=unit).select_related("location").first()
        checkout = CheckOut.objects.create(
            unit=unit,
            purpose=purpose,
            reference=reference.strip(),
            taken_from=placement.location if placement else None,
            checked_out_at=timezone.now(),
            due=due,
            handed_out_by=account_of(actor),
            taken_by=taken_by.strip(),
        )
        log(
            checkout,
            "conservation.checkout",
            actor,
            {"unit": str(unit.uuid), "purpose": purpose, "due": due.isoformat(), "taken_by": checkout.taken_by},
        )
    return checkout


def check_return(actor: Any, checkout: CheckOut) -> None:
    _allowed(actor, checkout.unit)
    if not checkout.is_open:
        raise ValidationError(_("该出库记录已归还"))


def do_return(actor: Any, checkout: CheckOut, returned_by: str, note: str = "") -> CheckOut:
    """Record that the unit came back (入库), checked in by ``actor``; its place is its placement's."""
    check_return(actor, checkout)
    with transaction.atomic():
        locked = CheckOut.objects.select_for_update().get(pk=checkout.pk)
        if not locked.is_open:
            raise ValidationError(_("该出库记录已归还"))
        locked.returned_at = timezone.now()
        locked.received_by = account_of(actor)
        locked.returned_by = returned_by.strip()
        locked.return_note = note.strip()
        locked.save(update_fields=["returned_at", "received_by", "returned_by", "return_note"])
        log(locked, "conservation.return", actor, {"unit": str(locked.unit.uuid), "returned_by": locked.returned_by})
    return locked


# ---------------------------------------------------------------- open check-outs and overdue warnings (part stacks)


def open_checkouts(user: Any, *, overdue: bool = False) -> QuerySet[CheckOut]:
    """The open check-outs of the units ``user`` may see, the longest overdue first; only those past their due
    date with ``overdue``. Computed on each view (no periodic job): a check-out is overdue from the day after
    ``due``."""
    checkouts = CheckOut.objects.filter(
        returned_at__isnull=True, unit__in=visible_units(user, ArchivalUnit.objects.all())
    )
    if overdue:
        checkouts = checkouts.filter(due__lt=timezone.localdate())
    return checkouts.select_related("unit", "taken_from", "handed_out_by").order_by("due", "checked_out_at")


def overdue_count(user: Any) -> int:
    """How many of the units ``user`` may see are overdue (the start page's warning)."""
    return open_checkouts(user, overdue=True).count()
