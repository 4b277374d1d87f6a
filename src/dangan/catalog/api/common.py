"""Lookups and serialisation shared by the catalog endpoints.

Units are only ever fetched through ``catalog.policy`` (``visible_units``), so a unit the caller may not see is
answered exactly like one that does not exist: 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit, Authority, Fonds, RecordCategory
from dangan.catalog.policy import unit_filter, visible_units


def sees_everything(user: Any) -> bool:
    """Whether the policy lets ``user`` see every unit (so stored counters may be shown as they are)."""
    return not unit_filter(user)


def _as_uuid(value: UUID | str) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return None


def unit_or_404(user: Any, uuid: UUID | str) -> ArchivalUnit:
    uuid = _as_uuid(uuid)  # type: ignore[assignment]
    if uuid is None:
        raise Http404(_("档案不存在"))
    unit = visible_units(user).select_related("fonds", "category", "parent").filter(uuid=uuid).first()
    if unit is None:
        raise Http404(_("档案不存在"))
    return unit


def visible_unit_or_error(user: Any, uuid: UUID | str | None, field: str) -> ArchivalUnit | None:
    """The unit named in a request body, or a 422 on ``field`` (the same message whether hidden or absent)."""
    if uuid is None:
        return None
    unit = visible_units(user).select_related("fonds").filter(uuid=uuid).first()
    if unit is None:
        raise ValidationError({field: _("档案 %(uuid)s 不存在") % {"uuid": uuid}})
    return unit


def fonds_or_404(code: str) -> Fonds:
    fonds = Fonds.objects.filter(code__iexact=code).first()
    if fonds is None:
        raise Http404(_("全宗 %(code)s 不存在") % {"code": code})
    return fonds


def fonds_or_error(code: str, field: str = "fonds") -> Fonds:
    fonds = Fonds.objects.filter(code__iexact=(code or "").strip()).first() if code else None
    if fonds is None:
        raise ValidationError({field: _("全宗 %(code)s 不存在") % {"code": code or ""}})
    return fonds


def category_or_error(code: str | None, field: str = "category") -> RecordCategory | None:
    if not code:
        return None
    category = RecordCategory.objects.filter(code__iexact=code.strip()).first()
    if category is None:
        raise ValidationError({field: _("未知门类：%(code)s") % {"code": code}})
    return category


def authority_or_404(uuid: UUID | str) -> Authority:
    authority = Authority.objects.filter(uuid=uuid).first()
    if authority is None:
        raise Http404(_("规范档案不存在"))
    return authority


def authority_or_error(uuid: UUID, field: str = "authority") -> Authority:
    authority = Authority.objects.filter(uuid=uuid).first()
    if authority is None:
        raise ValidationError({field: _("规范档案 %(uuid)s 不存在") % {"uuid": uuid}})
    return authority


# ---------------------------------------------------------------- serialisation


def fonds_out(user: Any, fonds: Fonds) -> dict[str, Any]:
    everything = sees_everything(user)
    if everything:
        top_level = fonds.top_level_count
    else:
        top_level = visible_units(user, ArchivalUnit.objects.filter(fonds=fonds, parent=None)).count()
    return {
        "uuid": fonds.uuid,
        "code": fonds.code,
        "name": fonds.name,
        "creator": fonds.creator,
        "start_year": fonds.start_year,
        "end_year": fonds.end_year,
        "history": fonds.history,
        "arrangement": fonds.arrangement,
        "arrangement_display": str(fonds.get_arrangement_display()),
        "scheme_notes": fonds.scheme_notes,
        # A total that counted hidden units would betray them; a visible total would cost a full count.
        "unit_count": fonds.unit_count if everything else None,
        "top_level_count": top_level,
        "is_sample": fonds.is_sample,
        "created": fonds.created,
        "updated": fonds.updated,
    }


def visible_child_counts(user: Any, units: Iterable[ArchivalUnit]) -> dict[int, int]:
    """For each unit, how many of its children ``user`` may see (one query, none if the user sees everything)."""
    units = list(units)
    if sees_everything(user):
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


def units_out(user: Any, units: Iterable[ArchivalUnit]) -> list[dict[str, Any]]:
    """Serialise ``units`` with a constant number of queries (parents, fonds, categories, subjects, counts)."""
    units = list(units)
    if not units:
        return []
    ids = [u.pk for u in units]
    parent_ids = {u.parent_id for u in units if u.parent_id}
    # A parent the user may not see is not named (its UUID would confirm that it exists): "parent" is null.
    parents = (
        dict(visible_units(user, ArchivalUnit.objects.filter(pk__in=parent_ids)).values_list("pk", "uuid"))
        if parent_ids
        else {}
    )
    fonds_codes = dict(Fonds.objects.filter(pk__in={u.fonds_id for u in units}).values_list("pk", "code"))
    category_ids = {u.category_id for u in units if u.category_id}
    categories = (
        dict(RecordCategory.objects.filter(pk__in=category_ids).values_list("pk", "code")) if category_ids else {}
    )
    subjects: dict[int, list[str]] = {pk: [] for pk in ids}
    through = ArchivalUnit.subjects.through
    for unit_id, term in (
        through.objects.filter(archivalunit_id__in=ids).order_by("id").values_list("archivalunit_id", "subject__term")
    ):
        subjects[unit_id].append(term)
    child_counts = visible_child_counts(user, units)
    return [
        {
            "uuid": u.uuid,
            "reference_code": u.reference_code,
            "title": u.title,
            "level": u.level,
            "level_display": str(u.get_level_display()),
            "fonds": fonds_codes[u.fonds_id],
            "parent": parents.get(u.parent_id) if u.parent_id else None,
            "category": categories.get(u.category_id) if u.category_id else None,
            "year": u.year,
            "retention": u.retention,
            "retention_display": str(u.get_retention_display()) if u.retention else "",
            "organization": u.organization,
            "item_number": u.item_number,
            "document_number": u.document_number,
            "responsible": u.responsible,
            "date": u.date,
            "date_precision": u.date_precision,
            "page_count": u.page_count,
            "classification": u.classification,
            "classification_display": str(u.get_classification_display()),
            "openness": u.openness,
            "openness_display": str(u.get_openness_display()),
            "remarks": u.remarks,
            "extent": u.extent,
            "physical_location": u.physical_location,
            "notes": u.notes,
            "subjects": subjects[u.pk],
            "child_count": child_counts.get(u.pk, 0),
            "former_reference_codes": list(u.former_reference_codes or []),
            "is_sample": u.is_sample,
            "created": u.created,
            "updated": u.updated,
        }
        for u in units
    ]


def unit_out(user: Any, unit: ArchivalUnit) -> dict[str, Any]:
    return units_out(user, [unit])[0]


def authority_out(authority: Authority) -> dict[str, Any]:
    return {
        "uuid": authority.uuid,
        "kind": authority.kind,
        "kind_display": str(authority.get_kind_display()),
        "name": authority.name,
        "variant_names": list(authority.variant_names or []),
        "dates": authority.dates,
        "description": authority.description,
        "identifier": authority.identifier,
        "is_sample": authority.is_sample,
        "created": authority.created,
        "updated": authority.updated,
    }


def pages_for(total: int, size: int) -> int:
    return max(1, -(-total // size))
