"""The one visibility policy: whether a person may see a unit, given its 密级, its openness and the person's role.

Every route that shows units — staff pages, API, search, exports, and later the portal, IIIF, OAI-PMH, feeds —
asks this module. Nothing else decides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from dangan.core.actors import is_operator
from dangan.core.choices import Role, SecurityClassification
from dangan.core.roles import Capability, has_capability

from .choices import Openness
from .models import ArchivalUnit, ImportBatch

_NOTHING = Q(pk__in=[])


def visible_classifications(user: Any) -> list[str]:
    """The 密级 levels whose units ``user`` may see (empty: none). The console and the system's own jobs see all."""
    if is_operator(user):
        return list(SecurityClassification.values)
    if not getattr(user, "is_authenticated", False):
        return [SecurityClassification.PUBLIC]
    if not has_capability(user, Capability.CATALOG_VIEW):
        return []
    if user.role == Role.ARCHIVIST:
        return SecurityClassification.at_most(user.clearance)
    # The administrator roles never read above 公开, whatever clearance an account was given.
    return [SecurityClassification.PUBLIC]


@dataclass(frozen=True)
class VisibilityRule:
    """What ``user`` may see, as data: units whose 密级 is one of ``classifications`` and, when ``openness`` is
    not None, whose openness is one of those. ``unit_filter`` (SQL) and the search's in-memory columns both apply
    this one rule."""

    classifications: tuple[str, ...]
    openness: tuple[str, ...] | None = None
    everything: bool = False

    @property
    def nothing(self) -> bool:
        return not self.classifications


def visibility_rule(user: Any) -> VisibilityRule:
    levels = tuple(visible_classifications(user))
    if not levels:
        return VisibilityRule(())
    if not getattr(user, "is_authenticated", False) and not is_operator(user):
        # The public sees only units that are both 公开 and opened (开放).
        return VisibilityRule(levels, (Openness.OPEN.value,))
    return VisibilityRule(levels, None, everything=len(levels) == len(SecurityClassification.values))


def unit_filter(user: Any) -> Q:
    """A filter on ArchivalUnit selecting what ``user`` may see."""
    rule = visibility_rule(user)
    if rule.nothing:
        return _NOTHING
    if rule.everything:
        return Q()
    q = Q(classification__in=list(rule.classifications))
    if rule.openness is not None:
        q &= Q(openness__in=list(rule.openness))
    return q


def visible_units(user: Any, queryset: QuerySet[ArchivalUnit] | None = None) -> QuerySet[ArchivalUnit]:
    """``queryset`` (all units by default) narrowed to what ``user`` may see."""
    qs = ArchivalUnit.objects.all() if queryset is None else queryset
    return qs.filter(unit_filter(user))


def can_view_unit(user: Any, unit: ArchivalUnit) -> bool:
    rule = visibility_rule(user)
    if unit.classification not in rule.classifications:
        return False
    return rule.openness is None or unit.openness in rule.openness


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
