"""Changing the openness (开放状态) of units: the one write path for the openness review's decisions (access app)
and anything else that opens or closes units in bulk.

Rows are locked and changed in batches: each batch locks its rows, raises their ``version`` (an edit made from
before is refused, not lost), writes one ``catalog.unit.openness`` audit entry per fonds with every unit's
previous state, and sends ``units_changed`` so that search re-indexes them — all inside the caller's transaction, so
the change and its record commit together. Visibility (catalog.policy) reads the column: the change is in effect
for the portal the moment the transaction commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.choices import Openness
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.signals import notify_units_changed
from dangan.core.actors import check_actor
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability

__all__ = ["BATCH", "do_set_openness"]

BATCH = 1000  # units locked and written at a time


def do_set_openness(actor: Any, units: Iterable[int | ArchivalUnit], openness: str, reason: str) -> int:
    """Give ``units`` (ids or units) the openness ``openness``, for ``reason`` (recorded in the audit log).
    Returns how many units changed (those already at ``openness``, disposed of or gone are left as they are).

    ``actor`` needs the capability to change the catalog or to review openness. The caller decides which units
    the actor may act on (the access app's review lists only the units its reviewer may see)."""
    if openness not in Openness.values:
        raise ValidationError(_("开放状态无效：%(value)s") % {"value": openness})
    check_actor(actor)
    if not (has_capability(actor, Capability.OPENNESS_REVIEW) or has_capability(actor, Capability.CATALOG_CHANGE)):
        raise PermissionDenied(_("您没有修改档案开放状态的权限。"))
    ids = sorted({u.pk if isinstance(u, ArchivalUnit) else int(u) for u in units})
    changed = 0
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            changed += _set_batch(actor, ids[start : start + BATCH], openness, reason)
    return changed


def _set_batch(actor: Any, ids: list[int], openness: str, reason: str) -> int:
    rows = list(
        ArchivalUnit.objects.select_for_update()
        .filter(pk__in=ids, disposed=False)
        .exclude(openness=openness)
        .order_by("pk")
        .values("pk", "uuid", "reference_code", "openness", "fonds_id")
    )
    if not rows:
        return 0
    changing = [row["pk"] for row in rows]
    ArchivalUnit.objects.filter(pk__in=changing).update(
        openness=openness, version=F("version") + 1, updated=timezone.now()
    )
    by_fonds: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_fonds[row["fonds_id"]].append(
            {"unit": str(row["uuid"]), "reference_code": row["reference_code"], "before": row["openness"]}
        )
    for fonds in Fonds.objects.filter(pk__in=list(by_fonds)).order_by("pk"):
        log(
            fonds,
            "catalog.unit.openness",
            actor,
            {"openness": openness, "reason": reason[:500], "units": by_fonds[fonds.pk]},
        )
    notify_units_changed(changing)
    return len(changing)
