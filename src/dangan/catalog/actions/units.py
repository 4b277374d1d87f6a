"""Archival units: create, update, move, delete, and paged children (numbering is in ``numbering``, disposal in
``disposals``).

Every change goes through here (views, API, CLI, importer and tasks alike), is validated by check_*, and is
written with its audit entry in one transaction. Changes to an existing unit lock its row first and work from the
row as it is then, never from a copy read before (``lock_unit``): they write only the columns they change, raise
the unit's ``version``, and refuse a change made from an older version (``EditConflict``). So two people editing
different fields both keep their edit, and the audit log records what the database holds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ForeignKey, Max
from django.utils.translation import gettext as _

from dangan.catalog.choices import SecurityClassification, UnitLevel
from dangan.catalog.holds import hold_labels, holds_on
from dangan.catalog.models import ArchivalUnit, Fonds, Subject, UnitDisposal
from dangan.catalog.policy import sees_every_unit, unit_filter, visible_child_counts, visible_classifications
from dangan.catalog.signals import notify_units_changed
from dangan.catalog.validation import check_unit_fields
from dangan.core.actions.accounts import require_actor
from dangan.core.audit import log
from dangan.core.roles import Capability
from dangan.utilities.concurrency import EditConflict

from .configuration import pattern_for
from .numbering import (
    ClassificationGroup,
    apply_code_parts,
    check_code_unique,
    check_renumber,
    code_values,
    do_renumber_range,
    format_reference_code,
    may_number,
    next_item_number,
    numbering_refused,
    numbering_withheld,
    parse_reference_code,
)

# numbering's names stay importable from here (views, the API and tests imported them before the split).
__all__ = [
    "EDITABLE_FIELDS",
    "ChildrenPage",
    "ClassificationGroup",
    "adjust_counts",
    "check_classification_allowed",
    "check_delete_unit",
    "check_parent",
    "check_renumber",
    "check_update_unit",
    "children_page",
    "code_values",
    "do_create_unit",
    "do_delete_unit",
    "do_move_unit",
    "do_renumber_range",
    "do_update_unit",
    "format_reference_code",
    "lock_unit",
    "next_item_number",
    "numbering_withheld",
    "parse_reference_code",
    "refuse_disposed",
    "set_subjects",
    "snapshot",
]

EDITABLE_FIELDS = (
    "level",
    "category",
    "year",
    "retention",
    "organization",
    "item_number",
    "reference_code",
    "document_number",
    "responsible",
    "title",
    "date",
    "date_precision",
    "page_count",
    "classification",
    "openness",
    "remarks",
    "extent",
    "physical_location",
    "notes",
)


def check_classification_allowed(actor: Any, classification: str | None) -> None:
    """Nobody may mark a unit with a 密级 above what they may read themselves (they would lose sight of it)."""
    if classification not in SecurityClassification.values:
        return  # an unknown value is reported by the model's own validation
    if classification not in visible_classifications(actor):
        raise ValidationError(
            {
                "classification": _("您的涉密等级不能著录或修改为“%(level)s”的档案")
                % {"level": SecurityClassification(classification).label}
            }
        )


def snapshot(unit: ArchivalUnit, fields: tuple[str, ...] | list[str] = EDITABLE_FIELDS) -> dict[str, Any]:
    """The unit's field values, as they go into the audit log."""
    out: dict[str, Any] = {}
    for field in fields:
        value = getattr(unit, field)
        if field == "category":
            value = value.code if value else None
        out[field] = value
    return out


# ---------------------------------------------------------------- locking and versions

_RELATED = ("fonds", "category", "parent")


def _related_field(name: str) -> ForeignKey[Any, Any]:
    field = ArchivalUnit._meta.get_field(name)
    assert isinstance(field, ForeignKey)
    return field


def lock_unit(unit: ArchivalUnit, expected_version: int | None = None) -> ArchivalUnit:
    """``unit``'s row, locked until the end of the caller's transaction and read afresh under the lock.

    ``expected_version``: the version the change was made from (None: any); a different one raises EditConflict,
    as does a unit deleted meanwhile. SQLite takes its write lock when the transaction begins (IMMEDIATE), so the
    row read here is as current there as under PostgreSQL's row lock.
    """
    locked = ArchivalUnit.objects.select_for_update().filter(pk=unit.pk).first()
    if locked is None:
        raise EditConflict(_("该档案已被删除，您的修改没有保存。"))
    if expected_version is not None and locked.version != expected_version:
        raise EditConflict(
            _(
                "该档案已被他人修改（您读取的是第 %(expected)d 版，现在是第 %(current)d 版），您的修改没有保存。"
                "请查看最新内容后再提交。"
            )
            % {"expected": expected_version, "current": locked.version},
            current_version=locked.version,
        )
    # Related rows read before stay valid (an edit never changes a unit's fonds, and a category or parent loaded
    # for the same id is the same row), and save a query each.
    for name in _RELATED:
        field = _related_field(name)
        if field.is_cached(unit):
            related = getattr(unit, name)
            if (related.pk if related is not None else None) == getattr(locked, f"{name}_id"):
                field.set_cached_value(locked, related)
    return locked


def refuse_disposed(unit: ArchivalUnit) -> None:
    """A disposed-of unit is a record in the register of disposals: it is no longer described, moved or deleted."""
    if unit.disposed:
        raise ValidationError(_("该档案已处置，不能再修改、移动或删除"))


def _refresh_from(target: ArchivalUnit, source: ArchivalUnit) -> None:
    """Give the caller's copy the values now saved, so that it never holds what was overwritten."""
    if target is source:
        return
    for f in ArchivalUnit._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    for name in _RELATED:
        field = _related_field(name)
        if field.is_cached(source):
            field.set_cached_value(target, getattr(source, name))
        elif field.is_cached(target):
            field.delete_cached_value(target)


# ---------------------------------------------------------------- create / update / move / delete


def check_parent(fonds: Fonds, parent: ArchivalUnit | None, level: str) -> None:
    if parent is None:
        return
    if parent.disposed:
        raise ValidationError(_("上级档案已处置，不能在其下新建或移入档案"))
    if parent.fonds_id != fonds.pk:
        raise ValidationError(_("上级档案不属于全宗 %(code)s") % {"code": fonds.code})
    if parent.level == UnitLevel.ITEM:
        raise ValidationError(_("“件”之下不能再有下级档案"))
    if parent.level == UnitLevel.FILE and level != UnitLevel.ITEM:
        raise ValidationError(_("案卷之下只能是“件”"))


@transaction.atomic
def do_create_unit(
    actor: Any,
    fonds: Fonds,
    data: dict[str, Any],
    *,
    parent: ArchivalUnit | None = None,
    subjects: list[str] | None = None,
    assign_reference_code: bool = True,
    is_sample: bool = False,
) -> ArchivalUnit:
    """Create a unit under ``parent`` (or at the top of ``fonds``).

    A given 档号 is parsed into its classification fields; without one, an item whose classification is
    complete gets the next 件号 and its 档号 from the pattern in force — when ``actor`` may number in its group
    (numbering.may_number); otherwise it is left unnumbered (numbering.numbering_withheld tells).
    """
    require_actor(actor, Capability.CATALOG_CHANGE)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown unit fields: {sorted(unknown)}")
    check_unit_fields(data)
    check_classification_allowed(actor, data.get("classification"))
    level = data.get("level") or UnitLevel.ITEM
    check_parent(fonds, parent, level)
    unit = ArchivalUnit(fonds=fonds, parent=parent, is_sample=is_sample, **data)
    unit.level = level
    unit.depth = parent.depth + 1 if parent else 0
    code = (unit.reference_code or "").strip() or None
    unit.reference_code = code
    if code:
        apply_code_parts(unit, parse_reference_code(fonds, unit.category, code))
        if not may_number(actor, unit):
            raise numbering_refused()
        check_code_unique(actor, code)
    elif unit.item_number is not None and not may_number(actor, unit):
        raise numbering_refused()
    elif (
        assign_reference_code
        and unit.level == UnitLevel.ITEM
        and unit.year
        and unit.retention
        and may_number(actor, unit)
    ):
        pattern = pattern_for(fonds, unit.category)
        if unit.item_number is None:
            unit.item_number = next_item_number(fonds, unit.category, unit.year, unit.retention, unit.organization)
        if "category" not in pattern.fields or unit.category_id:
            unit.reference_code = format_reference_code(unit, pattern)
            check_code_unique(actor, unit.reference_code)
    siblings = ArchivalUnit.objects.filter(fonds=fonds, parent=parent)
    unit.position = (siblings.aggregate(m=Max("position"))["m"] or 0) + 1
    unit.full_clean(exclude=["fonds", "parent", "subjects"])
    unit.save()
    if subjects:
        set_subjects(unit, subjects)
    adjust_counts(fonds, parent, +1)
    log(unit, "catalog.unit.create", actor, {"after": {**snapshot(unit), "subjects": subjects or []}})
    notify_units_changed([unit.pk])
    return unit


def adjust_counts(fonds: Fonds, parent: ArchivalUnit | None, delta: int) -> None:
    """Keep the stored counters (the fonds' units and top level, the parent's children) in step, with F() updates
    that never overwrite a concurrent change."""
    Fonds.objects.filter(pk=fonds.pk).update(unit_count=F("unit_count") + delta)
    if parent is None:
        Fonds.objects.filter(pk=fonds.pk).update(top_level_count=F("top_level_count") + delta)
    else:
        ArchivalUnit.objects.filter(pk=parent.pk).update(child_count=F("child_count") + delta)


def set_subjects(unit: ArchivalUnit, terms: list[str]) -> list[str]:
    clean = list(dict.fromkeys(t.strip() for t in terms if t and t.strip()))
    existing = {s.term: s for s in Subject.objects.filter(term__in=clean)}
    missing = [Subject(term=t) for t in clean if t not in existing]
    if missing:
        Subject.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {s.term: s for s in Subject.objects.filter(term__in=clean)}
    unit.subjects.set([existing[t] for t in clean])
    return clean


def check_update_unit(actor: Any, unit: ArchivalUnit, changes: dict[str, Any]) -> None:
    require_actor(actor, Capability.CATALOG_CHANGE)
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"subjects"}
    if unknown:
        raise ValueError(f"unknown unit fields: {sorted(unknown)}")
    check_unit_fields(changes)
    if "classification" in changes:
        check_classification_allowed(actor, changes["classification"])


@transaction.atomic
def do_update_unit(
    actor: Any, unit: ArchivalUnit, changes: dict[str, Any], *, expected_version: int | None = None
) -> ArchivalUnit:
    """Change description fields; a changed 档号 is validated and the old one kept in 曾用档号.

    Works on the row locked and read afresh (``lock_unit``): only the fields whose values differ from the row are
    written, with the version raised by one; ``expected_version`` refuses a change made from an older version.
    ``unit`` is given the saved values, and returned.
    """
    check_update_unit(actor, unit, changes)
    current = lock_unit(unit, expected_version)
    refuse_disposed(current)
    changes = dict(changes)
    subjects = changes.pop("subjects", None)
    if "parent" in changes:
        raise ValueError("use do_move_unit to change a unit's parent")
    fields = [f for f in changes if getattr(current, f) != changes[f]]
    before = snapshot(current, fields)
    old_subjects = list(current.subjects.values_list("term", flat=True)) if subjects is not None else None
    old_code = current.reference_code
    old_number = current.item_number
    for name in fields:
        setattr(current, name, changes[name])
    written = list(fields)
    if "reference_code" in fields:
        code = (current.reference_code or "").strip() or None
        current.reference_code = code
        if code:
            parts = parse_reference_code(current.fonds, current.category, code)
            for part, name in (
                ("year", "year"),
                ("retention", "retention"),
                ("org", "organization"),
                ("item", "item_number"),
            ):
                if part in parts and name not in fields:
                    setattr(current, name, int(parts[part]) if name in ("year", "item_number") else parts[part])
                    written.append(name)
            apply_code_parts(current, parts)
        if old_code and old_code != code and old_code not in current.former_reference_codes:
            current.former_reference_codes = [*current.former_reference_codes, old_code]
            written.append("former_reference_codes")
    numbered = (current.reference_code and current.reference_code != old_code) or (
        current.item_number is not None and current.item_number != old_number
    )
    if numbered and not may_number(actor, current):
        raise numbering_refused()
    if current.reference_code and current.reference_code != old_code:
        check_code_unique(actor, current.reference_code, exclude_pk=current.pk)
    if written:
        current.full_clean(exclude=["fonds", "parent", "subjects"])
        current.version += 1
        current.save(update_fields=[*dict.fromkeys(written), "version", "updated"])
    data: dict[str, Any] = {
        "before": before,
        "after": snapshot(current, [f for f in fields if f in EDITABLE_FIELDS]),
    }
    if subjects is not None:
        new_subjects = set_subjects(current, subjects)
        if new_subjects != old_subjects:
            data["before"]["subjects"] = old_subjects
            data["after"]["subjects"] = new_subjects
            if not written:
                current.version += 1
                current.save(update_fields=["version", "updated"])
    if data["before"] or data["after"]:
        data["version"] = current.version
        log(current, "catalog.unit.update", actor, data)
        notify_units_changed([current.pk])
    _refresh_from(unit, current)
    return unit


def _descendant_ids(unit: ArchivalUnit) -> list[int]:
    found: list[int] = []
    frontier = [unit.pk]
    while frontier:
        frontier = list(ArchivalUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        found.extend(frontier)
    return found


@transaction.atomic
def do_move_unit(
    actor: Any, unit: ArchivalUnit, new_parent: ArchivalUnit | None, *, expected_version: int | None = None
) -> ArchivalUnit:
    """Move ``unit`` (with everything under it) to the end of ``new_parent``'s children in the same fonds.

    The unit and the new parent are locked (in id order, so two moves never wait on each other in a circle) before
    the check that the new parent is not below the unit: two crossing moves cannot make a cycle.
    """
    require_actor(actor, Capability.CATALOG_CHANGE)
    if new_parent is not None and new_parent.pk != unit.pk:
        for pk in sorted((unit.pk, new_parent.pk)):
            list(ArchivalUnit.objects.select_for_update().filter(pk=pk).values_list("pk"))
    current = lock_unit(unit, expected_version)
    refuse_disposed(current)
    if new_parent is not None:
        new_parent = ArchivalUnit.objects.filter(pk=new_parent.pk, disposed=False).first()
        if new_parent is None:
            raise EditConflict(_("新的上级档案已不存在，没有移动。"))
    if new_parent is not None and (new_parent.pk == current.pk or new_parent.pk in _descendant_ids(current)):
        raise ValidationError(_("不能把档案移动到它自己或它的下级之下"))
    check_parent(current.fonds, new_parent, current.level)
    old_parent = current.parent
    if (old_parent.pk if old_parent else None) == (new_parent.pk if new_parent else None):
        _refresh_from(unit, current)
        return unit
    adjust_counts(current.fonds, old_parent, -1)
    adjust_counts(current.fonds, new_parent, +1)
    siblings = ArchivalUnit.objects.filter(fonds=current.fonds, parent=new_parent)
    current.parent = new_parent
    current.position = (siblings.aggregate(m=Max("position"))["m"] or 0) + 1
    depth_delta = (new_parent.depth + 1 if new_parent else 0) - current.depth
    current.depth += depth_delta
    current.version += 1
    current.save(update_fields=["parent", "position", "depth", "version", "updated"])
    if depth_delta:
        ArchivalUnit.objects.filter(pk__in=_descendant_ids(current)).update(depth=F("depth") + depth_delta)
    log(
        current,
        "catalog.unit.move",
        actor,
        {
            "before": {"parent": str(old_parent.uuid) if old_parent else None},
            "after": {"parent": str(new_parent.uuid) if new_parent else None},
            "version": current.version,
        },
    )
    notify_units_changed([current.pk])
    _refresh_from(unit, current)
    return unit


def check_delete_unit(actor: Any, unit: ArchivalUnit) -> None:
    """A unit may be deleted when nothing is below it and no higher app holds it (a preserved package: then it can
    only be disposed of, with a reason and a second person's approval — catalog.actions.disposals)."""
    require_actor(actor, Capability.CATALOG_CHANGE)
    refuse_disposed(unit)
    if ArchivalUnit.objects.filter(parent=unit).exists():
        raise ValidationError(_("该档案还有下级档案，不能删除"))
    if UnitDisposal.objects.filter(unit=unit).exists():
        # The register of disposals keeps every request, granted or not, with its unit.
        raise ValidationError(_("该档案有鉴定销毁记录，不能删除；如需移除，请申请鉴定销毁"))
    if held := holds_on([unit.pk]).get(unit.pk):
        raise ValidationError(
            _(
                "该档案%(holds)s，不能直接删除。如确需移除，请申请鉴定销毁（处置），经另一人审批后处置；保存包仍保留在存储库中。"
            )
            % {"holds": "、".join(hold_labels(held))}
        )


@transaction.atomic
def do_delete_unit(actor: Any, unit: ArchivalUnit, *, expected_version: int | None = None) -> None:
    require_actor(actor, Capability.CATALOG_CHANGE)
    current = lock_unit(unit, expected_version)
    check_delete_unit(actor, current)
    data = {"before": snapshot(current), "uuid": str(current.uuid)}
    adjust_counts(current.fonds, current.parent, -1)
    log(current, "catalog.unit.delete", actor, data)
    notify_units_changed([current.pk], removed=True)
    current.delete()


# ---------------------------------------------------------------- reading the hierarchy


@dataclass
class ChildrenPage:
    units: list[ArchivalUnit]
    total: int
    page: int
    size: int
    # unit id → how many of its children the reader may see (what the tree's expand toggle shows)
    child_counts: dict[int, int] = dataclasses.field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


MAX_PAGE_SIZE = 200


def children_page(user: Any, fonds: Fonds, parent: ArchivalUnit | None, page: int = 1, size: int = 50) -> ChildrenPage:
    """One page of the children ``user`` may see, in order, with how many children of each they may see. Uses the
    (fonds, parent, disposed, position) index and the stored child counts, so it costs the same on a fonds of a
    thousand units or of millions."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, page)
    qs = ArchivalUnit.objects.filter(fonds=fonds, parent=parent).filter(unit_filter(user))
    if sees_every_unit(user):
        total = parent.child_count if parent is not None else fonds.top_level_count
    else:
        total = qs.count()
    # Two steps: the page's ids from the covering index (cheap even at a deep offset), then just those rows.
    ids = list(qs.order_by("position", "id").values_list("id", flat=True)[(page - 1) * size : page * size])
    rows = {u.pk: u for u in ArchivalUnit.objects.filter(pk__in=ids).select_related("category")}
    units = [rows[pk] for pk in ids]
    return ChildrenPage(units, total, page, size, visible_child_counts(user, units))
