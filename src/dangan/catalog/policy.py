"""The one visibility policy: whether a person may see a unit, given its 密级, its openness, the person's role, the
grants an approved access request gave a reader (``catalog.grants``), and whether the unit was disposed of (鉴定销毁:
out of the holdings, seen only through the register of disposals).

Every route that shows units — staff pages, API, search, exports, and later the portal, IIIF, OAI-PMH, feeds —
asks this module. Nothing else decides it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from dangan.core.actors import is_operator
from dangan.core.choices import Role, SecurityClassification
from dangan.core.roles import Capability, has_capability, is_reader

from .choices import Openness
from .grants import grants_for
from .models import ArchivalUnit, ImportBatch, UnitDisposal

_NOTHING = Q(pk__in=[])

# Staff roles that read units up to their clearance (密级), on the pages their capabilities open: the archivists
# (the catalog workspace) and the conservation staff (the conservation pages: locations, surveys, restoration).
CLEARED_ROLES = frozenset({Role.ARCHIVIST, Role.CONSERVATOR, Role.CONSERVATION_HEAD})


def visible_classifications(user: Any) -> list[str]:
    """The 密级 levels whose units ``user`` may see (empty: none). The console and the system's own jobs see all."""
    if is_operator(user):
        return list(SecurityClassification.values)
    if not getattr(user, "is_authenticated", False) or is_reader(user):
        return [SecurityClassification.PUBLIC]
    if user.role in CLEARED_ROLES and has_capability(user, Capability.CONSERVATION_VIEW):
        return SecurityClassification.at_most(user.clearance)
    if not has_capability(user, Capability.CATALOG_VIEW):
        return []
    # The administrator roles never read above 公开, whatever clearance an account was given.
    return [SecurityClassification.PUBLIC]


@dataclass(frozen=True)
class VisibilityRule:
    """What ``user`` may see, as data: units whose 密级 is one of ``classifications`` and, when ``openness`` is
    not None, whose openness is one of those; and, for a reader, the ``granted`` unit ids when they are 公开 (a
    grant widens openness, never 密级). ``unit_filter`` (SQL) and the search's in-memory columns both apply this one
    rule."""

    classifications: tuple[str, ...]
    openness: tuple[str, ...] | None = None
    everything: bool = False
    granted: frozenset[int] = frozenset()

    @property
    def nothing(self) -> bool:
        return not self.classifications and not self.granted


def visibility_rule(user: Any) -> VisibilityRule:
    levels = tuple(visible_classifications(user))
    if not levels:
        return VisibilityRule(())
    if (not getattr(user, "is_authenticated", False) and not is_operator(user)) or is_reader(user):
        # The public sees only units that are both 公开 and opened (开放); a reader, also those granted to them.
        return VisibilityRule(levels, (Openness.OPEN.value,), granted=grants_for(user).records)
    return VisibilityRule(levels, None, everything=len(levels) == len(SecurityClassification.values))


def classification_filter(user: Any) -> Q:
    """The 密级 / openness part of the rule as a filter on ArchivalUnit (an empty Q: every level), disposal aside.
    Most code wants ``unit_filter``; this one serves the register of disposals and the numbering rule."""
    rule = visibility_rule(user)
    if rule.nothing:
        return _NOTHING
    if rule.everything:
        return Q()
    q = Q(classification__in=list(rule.classifications))
    if rule.openness is not None:
        q &= Q(openness__in=list(rule.openness))
    if rule.granted:
        q |= Q(pk__in=sorted(rule.granted), classification=SecurityClassification.PUBLIC)
    return q


def unit_filter(user: Any) -> Q:
    """A filter on ArchivalUnit selecting what ``user`` may see: the holdings (not disposed of) that the rule allows.
    Never empty: ask ``sees_every_unit`` whether the rule hides anything from ``user``."""
    return Q(disposed=False) & classification_filter(user)


def sees_every_unit(user: Any) -> bool:
    """Whether the rule hides no unit of the holdings from ``user`` (so stored counters may be shown as they are)."""
    return visibility_rule(user).everything


def visible_units(user: Any, queryset: QuerySet[ArchivalUnit] | None = None) -> QuerySet[ArchivalUnit]:
    """``queryset`` (all units by default) narrowed to what ``user`` may see."""
    qs = ArchivalUnit.objects.all() if queryset is None else queryset
    return qs.filter(unit_filter(user))


def _rule_allows(user: Any, unit: ArchivalUnit) -> bool:
    rule = visibility_rule(user)
    if unit.pk in rule.granted and unit.classification == SecurityClassification.PUBLIC:
        return True
    if unit.classification not in rule.classifications:
        return False
    return rule.openness is None or unit.openness in rule.openness


def can_view_unit(user: Any, unit: ArchivalUnit) -> bool:
    """Whether ``user`` may see ``unit`` among the holdings (a disposed-of unit is in none of them)."""
    return not unit.disposed and _rule_allows(user, unit)


# ---------------------------------------------------------------- the hierarchy around a unit


def visible_ancestors(user: Any, unit: ArchivalUnit) -> list[ArchivalUnit]:
    """The chain above ``unit`` that ``user`` may be shown (breadcrumbs), from the top down.

    The chain stops below the first ancestor hidden from ``user``: a placeholder, or the visible units above it,
    would tell that something hidden sits in between (a 公开 件 in a 机密 案卷 shows only its fonds).
    """
    chain: list[ArchivalUnit] = []
    current = unit.parent
    while current is not None:
        if not can_view_unit(user, current):
            break
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


def visible_parent_ids(user: Any, parent_ids: Iterable[int]) -> set[int]:
    """Which of ``parent_ids`` ``user`` may see (one query; none when the rule hides nothing)."""
    ids = set(parent_ids)
    if not ids or sees_every_unit(user):
        return ids
    return set(visible_units(user, ArchivalUnit.objects.filter(pk__in=ids)).values_list("pk", flat=True))


def visible_child_counts(user: Any, units: Iterable[ArchivalUnit]) -> dict[int, int]:
    """For each unit, how many of its children ``user`` may see (one query, none if the user sees everything):
    what the tree's expand toggle and the API's child_count show, so a hidden child is not betrayed by them."""
    units = list(units)
    if sees_every_unit(user):
        return {u.pk: u.child_count for u in units}
    with_children = [u.pk for u in units if u.child_count]
    counts: dict[int, int] = {u.pk: 0 for u in units}
    if with_children:
        rows = (
            visible_units(user, ArchivalUnit.objects.filter(parent_id__in=with_children))
            .order_by()
            .values_list("parent_id")
            .annotate(n=Count("id"))
        )
        counts.update(dict(rows))
    return counts


def sees_whole_group(user: Any, units: QuerySet[ArchivalUnit]) -> bool:
    """Whether ``user`` may see every unit of ``units`` (a classification group), disposed-of ones included.

    Numbering (件号, 档号) in a group is only for those: the next free number, or a number refused as taken, would
    otherwise tell of units they may not see. Disposed-of units count by their 密级, as they keep their numbers.
    """
    if sees_every_unit(user):
        return True
    return not units.exclude(classification_filter(user)).exists()


# ---------------------------------------------------------------- the register of disposals (鉴定销毁)


def can_read_disposals(user: Any) -> bool:
    """Whether ``user`` may open the register of disposals at all: those who may change the catalog (archivists)
    and the operators. What each of them sees in it is still limited by the 密级 rule."""
    return has_capability(user, Capability.CATALOG_CHANGE)


def can_view_disposed_unit(user: Any, unit: ArchivalUnit) -> bool:
    """Whether ``user`` may see a disposed-of unit's record (and its preserved package) through the register."""
    return unit.disposed and can_read_disposals(user) and _rule_allows(user, unit)


def can_view_unit_record(user: Any, unit: ArchivalUnit) -> bool:
    """Whether ``user`` may see ``unit``'s record at all: among the holdings, or in the register of disposals.
    The preserved package of a unit is visible exactly when this is true."""
    return can_view_unit(user, unit) or can_view_disposed_unit(user, unit)


def visible_records(user: Any, queryset: QuerySet[ArchivalUnit] | None = None) -> QuerySet[ArchivalUnit]:
    """``queryset`` narrowed to the units whose record ``user`` may see (``can_view_unit_record`` as a filter):
    the holdings they may see, and the disposed-of units the register shows them."""
    qs = ArchivalUnit.objects.all() if queryset is None else queryset
    rule = classification_filter(user)
    if can_read_disposals(user):
        return qs.filter(rule)
    return qs.filter(Q(disposed=False) & rule)


def visible_disposals(user: Any, queryset: QuerySet[UnitDisposal] | None = None) -> QuerySet[UnitDisposal]:
    """The entries of the register that ``user`` may see: those of units whose 密级 the rule lets them read
    (an entry of a unit above their clearance is left out, as if it did not exist)."""
    qs = UnitDisposal.objects.all() if queryset is None else queryset
    if not can_read_disposals(user):
        return qs.none()
    rule = classification_filter(user)
    if not rule:
        return qs
    return qs.filter(unit__in=ArchivalUnit.objects.filter(rule))


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


# ---------------------------------------------------------------- a unit's files and the text read from them


def sees_unit_files(user: Any) -> bool:
    """Whether ``user`` may see the files of the units whose record they may see, and what is read from them (the
    OCR text of scanned pages, searched as the unit's full text): those who may browse the catalog, the operators,
    the public (the files of opened units) and readers — except the units in ``files_hidden(user)``."""
    if is_operator(user) or has_capability(user, Capability.CATALOG_VIEW):
        return True
    return not getattr(user, "is_authenticated", False) or is_reader(user)


def files_hidden(user: Any) -> frozenset[int]:
    """Units whose record ``user`` may see but not their files: a reader's reading-room-only grants outside a
    visit (阅览室内查阅). Search leaves their full text out; every file route refuses them."""
    return grants_for(user).records_without_files


def can_view_unit_files(user: Any, unit: ArchivalUnit) -> bool:
    """Whether ``user`` may see ``unit``'s files and their text: its record, and files at all."""
    return sees_unit_files(user) and can_view_unit_record(user, unit) and unit.pk not in files_hidden(user)


def visible_file_units(user: Any, queryset: QuerySet[ArchivalUnit] | None = None) -> QuerySet[ArchivalUnit]:
    """``queryset`` narrowed to the units among the holdings whose files ``user`` may see."""
    if not sees_unit_files(user):
        return ArchivalUnit.objects.none()
    qs = visible_units(user, queryset)
    hidden = files_hidden(user)
    return qs.exclude(pk__in=sorted(hidden)) if hidden else qs


def can_copy_unit(user: Any, unit: ArchivalUnit) -> bool:
    """Whether ``user`` may ask for copies (复制) of ``unit``'s pages: staff who see its files; a reader, of a unit
    opened to everyone, or granted without the condition "no copies" (不得复制)."""
    if not can_view_unit_files(user, unit):
        return False
    if not is_reader(user):
        return True
    if unit.pk in grants_for(user).copies:
        return True
    return unit.classification == SecurityClassification.PUBLIC and unit.openness == Openness.OPEN
