"""Archival units: create, update, move, delete, reference codes and renumbering, and paged children.

Every change goes through here (views, API, CLI, importer and tasks alike), is validated by check_*, and is
written with its audit entry in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils.translation import gettext as _

from dangan.catalog.choices import SecurityClassification, UnitLevel
from dangan.catalog.models import ArchivalUnit, Fonds, RecordCategory, Subject
from dangan.catalog.policy import unit_filter, visible_classifications
from dangan.catalog.refcodes import CodePattern, PatternError
from dangan.catalog.signals import notify_units_changed
from dangan.catalog.validation import check_unit_fields
from dangan.core.actions.accounts import require_actor
from dangan.core.audit import log
from dangan.core.roles import Capability

from .configuration import pattern_for

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


# ---------------------------------------------------------------- reference codes (档号)


def code_values(unit: ArchivalUnit) -> dict[str, Any]:
    return {
        "fonds": unit.fonds.code,
        "category": unit.category.code if unit.category_id else None,
        "year": unit.year,
        "retention": unit.retention or None,
        "org": unit.organization or None,
        "item": unit.item_number,
    }


def parse_reference_code(fonds: Fonds, category: RecordCategory | None, code: str) -> dict[str, str]:
    """The parts of ``code``; ValidationError if it does not fit the fonds' pattern or names another fonds."""
    pattern = pattern_for(fonds, category)
    parts = pattern.parse(code)
    if parts is None:
        raise ValidationError(
            _("档号“%(code)s”不符合档号格式 %(pattern)s（例如 %(example)s）")
            % {"code": code, "pattern": pattern.source, "example": pattern.example()}
        )
    if parts.get("fonds", "").upper() != fonds.code.upper():
        raise ValidationError(
            _("档号“%(code)s”中的全宗号 %(found)s 与所属全宗 %(fonds)s 不符")
            % {"code": code, "found": parts.get("fonds"), "fonds": fonds.code}
        )
    if category is not None and "category" in parts and parts["category"].upper() != category.code.upper():
        raise ValidationError(
            _("档号“%(code)s”中的门类代码 %(found)s 与门类 %(category)s 不符")
            % {"code": code, "found": parts["category"], "category": category.code}
        )
    return parts


def next_item_number(
    fonds: Fonds, category: RecordCategory | None, year: int | None, retention: str, organization: str
) -> int:
    """The next free 件号 within a classification group (全宗·门类·年度·保管期限·机构)."""
    current = ArchivalUnit.objects.filter(
        fonds=fonds, category=category, year=year, retention=retention, organization=organization
    ).aggregate(m=Max("item_number"))["m"]
    return (current or 0) + 1


def format_reference_code(unit: ArchivalUnit, pattern: CodePattern | None = None) -> str:
    pattern = pattern or pattern_for(unit.fonds, unit.category)
    try:
        return pattern.format(code_values(unit))
    except PatternError as exc:
        raise ValidationError(str(exc)) from exc


def _apply_code_parts(unit: ArchivalUnit, parts: dict[str, str]) -> None:
    """Fill the classification fields from a parsed 档号, or reject a contradiction with fields already set."""
    mapping = {
        "year": ("year", int),
        "retention": ("retention", str),
        "org": ("organization", str),
        "item": ("item_number", int),
    }
    for part, (field, cast) in mapping.items():
        if part not in parts:
            continue
        value = cast(parts[part])
        current = getattr(unit, field)
        if current in (None, ""):
            setattr(unit, field, value)
        elif current != value:
            raise ValidationError(
                _("档号中的%(label)s %(code_value)s 与著录的 %(value)s 不一致")
                % {"label": ArchivalUnit._meta.get_field(field).verbose_name, "code_value": value, "value": current}
            )


def _check_code_unique(code: str, exclude_pk: int | None = None) -> None:
    qs = ArchivalUnit.objects.filter(reference_code=code)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationError(_("档号 %(code)s 已被使用") % {"code": code})


# ---------------------------------------------------------------- create / update / move / delete


def check_parent(fonds: Fonds, parent: ArchivalUnit | None, level: str) -> None:
    if parent is None:
        return
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
    complete gets the next 件号 and its 档号 from the pattern in force.
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
        _apply_code_parts(unit, parse_reference_code(fonds, unit.category, code))
        _check_code_unique(code)
    elif assign_reference_code and unit.level == UnitLevel.ITEM and unit.year and unit.retention:
        pattern = pattern_for(fonds, unit.category)
        if unit.item_number is None:
            unit.item_number = next_item_number(fonds, unit.category, unit.year, unit.retention, unit.organization)
        if "category" not in pattern.fields or unit.category_id:
            unit.reference_code = format_reference_code(unit, pattern)
            _check_code_unique(unit.reference_code)
    siblings = ArchivalUnit.objects.filter(fonds=fonds, parent=parent)
    unit.position = (siblings.aggregate(m=Max("position"))["m"] or 0) + 1
    unit.full_clean(exclude=["fonds", "parent", "subjects"])
    unit.save()
    if subjects:
        set_subjects(unit, subjects)
    _adjust_counts(fonds, parent, +1)
    log(unit, "catalog.unit.create", actor, {"after": {**snapshot(unit), "subjects": subjects or []}})
    notify_units_changed([unit.pk])
    return unit


def _adjust_counts(fonds: Fonds, parent: ArchivalUnit | None, delta: int) -> None:
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
def do_update_unit(actor: Any, unit: ArchivalUnit, changes: dict[str, Any]) -> ArchivalUnit:
    """Change description fields; a changed 档号 is validated and the old one kept in 曾用档号."""
    check_update_unit(actor, unit, changes)
    changes = dict(changes)
    subjects = changes.pop("subjects", None)
    fields = [f for f in changes if getattr(unit, f) != changes[f]]
    before = snapshot(unit, fields)
    old_subjects = list(unit.subjects.values_list("term", flat=True)) if subjects is not None else None
    old_code = unit.reference_code
    for field in fields:
        setattr(unit, field, changes[field])
    if "reference_code" in fields:
        code = (unit.reference_code or "").strip() or None
        unit.reference_code = code
        if code:
            parts = parse_reference_code(unit.fonds, unit.category, code)
            for part, field in (
                ("year", "year"),
                ("retention", "retention"),
                ("org", "organization"),
                ("item", "item_number"),
            ):
                if part in parts and field not in fields:
                    setattr(unit, field, int(parts[part]) if field in ("year", "item_number") else parts[part])
            _apply_code_parts(unit, parts)
            _check_code_unique(code, exclude_pk=unit.pk)
        if old_code and old_code != code and old_code not in unit.former_reference_codes:
            unit.former_reference_codes = [*unit.former_reference_codes, old_code]
            fields.append("former_reference_codes")
    if "parent" in fields:
        raise ValueError("use do_move_unit to change a unit's parent")
    unit.full_clean(exclude=["fonds", "parent", "subjects"])
    unit.save()
    data: dict[str, Any] = {"before": before, "after": snapshot(unit, [f for f in fields if f in EDITABLE_FIELDS])}
    if subjects is not None:
        new_subjects = set_subjects(unit, subjects)
        if new_subjects != old_subjects:
            data["before"]["subjects"] = old_subjects
            data["after"]["subjects"] = new_subjects
    if data["before"] or data["after"]:
        log(unit, "catalog.unit.update", actor, data)
        notify_units_changed([unit.pk])
    return unit


def _descendant_ids(unit: ArchivalUnit) -> list[int]:
    found: list[int] = []
    frontier = [unit.pk]
    while frontier:
        frontier = list(ArchivalUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        found.extend(frontier)
    return found


@transaction.atomic
def do_move_unit(actor: Any, unit: ArchivalUnit, new_parent: ArchivalUnit | None) -> ArchivalUnit:
    """Move ``unit`` (with everything under it) to the end of ``new_parent``'s children in the same fonds."""
    require_actor(actor, Capability.CATALOG_CHANGE)
    if new_parent is not None and (new_parent.pk == unit.pk or new_parent.pk in _descendant_ids(unit)):
        raise ValidationError(_("不能把档案移动到它自己或它的下级之下"))
    check_parent(unit.fonds, new_parent, unit.level)
    old_parent = unit.parent
    if (old_parent.pk if old_parent else None) == (new_parent.pk if new_parent else None):
        return unit
    _adjust_counts(unit.fonds, old_parent, -1)
    _adjust_counts(unit.fonds, new_parent, +1)
    siblings = ArchivalUnit.objects.filter(fonds=unit.fonds, parent=new_parent)
    unit.parent = new_parent
    unit.position = (siblings.aggregate(m=Max("position"))["m"] or 0) + 1
    depth_delta = (new_parent.depth + 1 if new_parent else 0) - unit.depth
    unit.depth += depth_delta
    unit.save(update_fields=["parent", "position", "depth", "updated"])
    if depth_delta:
        ArchivalUnit.objects.filter(pk__in=_descendant_ids(unit)).update(depth=F("depth") + depth_delta)
    log(
        unit,
        "catalog.unit.move",
        actor,
        {
            "before": {"parent": str(old_parent.uuid) if old_parent else None},
            "after": {"parent": str(new_parent.uuid) if new_parent else None},
        },
    )
    notify_units_changed([unit.pk])
    return unit


@transaction.atomic
def do_delete_unit(actor: Any, unit: ArchivalUnit) -> None:
    require_actor(actor, Capability.CATALOG_CHANGE)
    if ArchivalUnit.objects.filter(parent=unit).exists():
        raise ValidationError(_("该档案还有下级档案，不能删除"))
    data = {"before": snapshot(unit), "uuid": str(unit.uuid)}
    _adjust_counts(unit.fonds, unit.parent, -1)
    log(unit, "catalog.unit.delete", actor, data)
    notify_units_changed([unit.pk], removed=True)
    unit.delete()


# ---------------------------------------------------------------- renumbering


@dataclass(frozen=True)
class ClassificationGroup:
    fonds: Fonds
    category: RecordCategory | None
    year: int | None
    retention: str
    organization: str = ""

    def units(self) -> QuerySet[ArchivalUnit]:
        return ArchivalUnit.objects.filter(
            fonds=self.fonds,
            category=self.category,
            year=self.year,
            retention=self.retention,
            organization=self.organization,
        )


def check_renumber(actor: Any, group: ClassificationGroup, first: int, last: int, start: int) -> list[ArchivalUnit]:
    require_actor(actor, Capability.CATALOG_CHANGE)
    if first < 1 or last < first or start < 1:
        raise ValidationError(
            _("编号范围无效：起 %(first)d，止 %(last)d，新起始号 %(start)d")
            % {"first": first, "last": last, "start": start}
        )
    units = list(group.units().filter(item_number__gte=first, item_number__lte=last).order_by("item_number"))
    if not units:
        raise ValidationError(_("该范围内没有档案"))
    visibility = unit_filter(actor)
    if visibility and group.units().filter(pk__in=[u.pk for u in units]).exclude(visibility).exists():
        # Renumbering changes every unit in the range, so it needs sight of every one of them.
        raise ValidationError(_("该范围内有您的涉密等级无权查看的档案，不能重新编号"))
    new_numbers = set(range(start, start + len(units)))
    moving = {u.pk for u in units}
    clash = group.units().filter(item_number__in=new_numbers).exclude(pk__in=moving)
    if clash.exists():
        shown = clash.filter(visibility) if visibility else clash
        taken = sorted(shown.values_list("item_number", flat=True))[:10]
        raise ValidationError(
            _("新件号与范围外的档案冲突：%(numbers)s") % {"numbers": ", ".join(map(str, taken)) or "…"}
        )
    return units


@transaction.atomic
def do_renumber_range(
    actor: Any, group: ClassificationGroup, first: int, last: int, start: int
) -> list[tuple[str | None, str | None]]:
    """Give the items numbered ``first``…``last`` consecutive 件号 from ``start`` and new 档号.

    Units keep their identity (UUID, links, storage); each old 档号 is kept in 曾用档号.
    Returns (old, new) pairs.
    """
    units = check_renumber(actor, group, first, last, start)
    pattern = pattern_for(group.fonds, group.category)
    changes: list[tuple[str | None, str | None]] = []
    # Two passes so that swapping numbers inside the range never collides on the unique 档号.
    for unit in units:
        ArchivalUnit.objects.filter(pk=unit.pk).update(reference_code=None)
    for offset, unit in enumerate(units):
        old_code = unit.reference_code
        unit.item_number = start + offset
        new_code = format_reference_code(unit, pattern) if old_code or unit.year else None
        if old_code and old_code != new_code and old_code not in unit.former_reference_codes:
            unit.former_reference_codes = [*unit.former_reference_codes, old_code]
        unit.reference_code = new_code
        unit.save(update_fields=["item_number", "reference_code", "former_reference_codes", "updated"])
        changes.append((old_code, new_code))
    log(
        group.fonds,
        "catalog.unit.renumber",
        actor,
        {
            "group": {
                "category": group.category.code if group.category else None,
                "year": group.year,
                "retention": group.retention,
                "organization": group.organization,
            },
            "range": [first, last],
            "start": start,
            "changes": changes,
        },
    )
    notify_units_changed(u.pk for u in units)
    return changes


# ---------------------------------------------------------------- reading the hierarchy


@dataclass
class ChildrenPage:
    units: list[ArchivalUnit]
    total: int
    page: int
    size: int

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
    """One page of the children ``user`` may see, in order. Uses the (fonds, parent, position) index and the
    stored child counts, so it costs the same on a fonds of a thousand units or of millions."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, page)
    visibility = unit_filter(user)
    qs = ArchivalUnit.objects.filter(fonds=fonds, parent=parent)
    if visibility:  # an empty Q means: sees everything
        qs = qs.filter(visibility)
        total = qs.count()
    else:
        total = parent.child_count if parent is not None else fonds.top_level_count
    # Two steps: the page's ids from the covering index (cheap even at a deep offset), then just those rows.
    ids = list(qs.order_by("position", "id").values_list("id", flat=True)[(page - 1) * size : page * size])
    rows = {u.pk: u for u in ArchivalUnit.objects.filter(pk__in=ids).select_related("category")}
    return ChildrenPage([rows[pk] for pk in ids], total, page, size)


def ancestors(unit: ArchivalUnit) -> list[ArchivalUnit]:
    """The chain from the top of the fonds down to ``unit``'s parent."""
    chain: list[ArchivalUnit] = []
    current = unit.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    return list(reversed(chain))
