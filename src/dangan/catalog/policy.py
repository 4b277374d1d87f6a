"""The one visibility policy: whether a person may see a unit, given its 密级, its openness and the person's role.

Every route that shows units — staff pages, API, search, exports, and later the portal, IIIF, OAI-PMH, feeds —
asks this module. Nothing else decides it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from dangan.core.choices import Role, SecurityClassification
from dangan.core.roles import Capability, has_capability

from .choices import Openness
from .models import ArchivalUnit, ImportBatch

_NOTHING = Q(pk__in=[])


def visible_classifications(user: Any) -> list[str]:
    """The 密级 levels whose units ``user`` may see (empty: none)."""
    if not getattr(user, "is_authenticated", False):
        return [SecurityClassification.PUBLIC]
    if not has_capability(user, Capability.CATALOG_VIEW):
        return []
    if user.role == Role.ARCHIVIST:
        return SecurityClassification.at_most(user.clearance)
    # The administrator roles never read above 公开, whatever clearance an account was given.
    return [SecurityClassification.PUBLIC]


def unit_filter(user: Any) -> Q:
    """A filter on ArchivalUnit selecting what ``user`` may see."""
    levels = visible_classifications(user)
    if not levels:
        return _NOTHING
    if not getattr(user, "is_authenticated", False):
        # The public sees only units that are both 公开 and opened (开放).
        return Q(classification=SecurityClassification.PUBLIC, openness=Openness.OPEN)
    if len(levels) == len(SecurityClassification.values):
        return Q()
    return Q(classification__in=levels)


def visible_units(user: Any, queryset: QuerySet[ArchivalUnit] | None = None) -> QuerySet[ArchivalUnit]:
    """``queryset`` (all units by default) narrowed to what ``user`` may see."""
    qs = ArchivalUnit.objects.all() if queryset is None else queryset
    return qs.filter(unit_filter(user))


def can_view_unit(user: Any, unit: ArchivalUnit) -> bool:
    levels = visible_classifications(user)
    if unit.classification not in levels:
        return False
    if not getattr(user, "is_authenticated", False):
        return unit.openness == Openness.OPEN
    return True


def can_view_catalog(user: Any) -> bool:
    """Whether ``user`` may browse the catalog at all (fonds list, hierarchy)."""
    return has_capability(user, Capability.CATALOG_VIEW)


def can_read_import_values(user: Any, batch: ImportBatch) -> bool:
    """Whether ``user`` may read the cell values quoted in an import report.

    The rows of an uploaded file may hold units above another reader's clearance, and until they are imported
    they have no 密级 the policy could weigh; so only the person who uploaded the file reads them.
    """
    return getattr(user, "is_authenticated", False) and batch.user_id == user.pk


def import_report_errors(user: Any, batch: ImportBatch) -> list[dict[str, Any]]:
    """The row-by-row errors of ``batch`` as ``user`` may read them (cell values withheld from others)."""
    errors = [e if isinstance(e, dict) else {"reason": str(e)} for e in batch.errors or []]
    if can_read_import_values(user, batch):
        return errors
    return [{**e, "value": ""} for e in errors]
