"""Shared pieces of the batch actions: the capability, optimistic locking, status steps with their audit entries,
the spec handed to the image checks, and the rule behind a button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit
from dangan.core.actions.accounts import require_actor
from dangan.core.actors import actor_name
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.digitization.models import Batch


def require_digitize(actor: Any) -> None:
    require_actor(actor, Capability.DIGITIZE)


def may_digitize(user: Any) -> bool:
    return has_capability(user, Capability.DIGITIZE)


def allowed(check: Callable[..., object], *args: Any) -> bool:
    """Whether ``check(*args)`` passes: the rule behind a button is the check its action makes."""
    try:
        check(*args)
    except (ValidationError, PermissionDenied, Http404):
        return False
    return True


def person_name(actor: Any) -> str:
    full = str(actor.get_full_name() or "").strip() if hasattr(actor, "get_full_name") else ""
    return (full or actor_name(actor))[:150]


def require_visible_unit(actor: Any, unit: ArchivalUnit) -> None:
    """A unit the actor may not see does not exist for them (404, the same as an unknown one)."""
    if not can_view_unit(actor, unit):
        raise Http404(_("档案不存在。"))


def check_version(batch: Batch, expected: int | None) -> None:
    """ValidationError (409) when ``expected`` is given and is not the batch's current version."""
    if expected is not None and int(expected) != batch.version:
        raise ValidationError(
            _("该批次已被他人修改（当前修订号 %(now)d，您读取时为 %(then)d），请刷新后重试。")
            % {"now": batch.version, "then": int(expected)},
            code="conflict",
        )


def bump(batch: Batch, *fields: str) -> None:
    """Save ``fields`` of ``batch`` and move its version on by one (optimistic locking)."""
    Batch.objects.filter(pk=batch.pk).update(version=F("version") + 1)
    batch.version += 1
    if fields:
        batch.save(update_fields=[*fields, "updated"])


def set_status(batch: Batch, status: str, actor: Any, action: str, **data: Any) -> None:
    """Move ``batch`` to ``status`` with an audit entry (inside the caller's transaction)."""
    before = batch.status
    batch.status = status
    bump(batch, "status", *data.pop("fields", []))
    log(batch, action, actor, {"before": {"status": before}, "after": {"status": status}, **data})


def scan_spec(batch: Batch) -> Any:
    """The qc ScanSpec of ``batch``'s scanning specification."""
    from dangan.digitization.qc import ScanSpec

    return ScanSpec(
        dpi=batch.dpi,
        colour_mode=batch.colour_mode,
        master_format=batch.master_format,
        max_skew_degrees=batch.max_skew_degrees,
    )
