"""Reference codes (档号) and item numbers (件号): parsing and formatting a 档号, the next free 件号, who may number
in a classification group, and renumbering a range.

Who may number: the next free 件号 and a 档号 refused as taken both tell of the units already in the group, so only
someone who may see every unit of a classification group (全宗·门类·年度·保管期限·机构) numbers in it — by hand,
automatically or by renumbering. Others create and describe units there unnumbered; a colleague who sees the whole
group numbers them (docs/user-guide.md, 编号与密级).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit, Fonds, RecordCategory
from dangan.catalog.policy import classification_filter, sees_every_unit, sees_whole_group, unit_filter
from dangan.catalog.refcodes import CodePattern, PatternError
from dangan.catalog.signals import notify_units_changed
from dangan.core.actions.accounts import require_actor
from dangan.core.audit import log
from dangan.core.roles import Capability

from .configuration import pattern_for

# ---------------------------------------------------------------- reference codes (档号)


def code_values(unit: ArchivalUnit) -> dict[str, Any]:
    return {
        "fonds": unit.fonds.code,
        "category": unit.category.code if unit.category is not None else None,
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
    """The next free 件号 within a classification group (全宗·门类·年度·保管期限·机构). Disposed-of units keep
    their numbers, so a number is never given twice."""
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


def apply_code_parts(unit: ArchivalUnit, parts: dict[str, str]) -> None:
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
            label = getattr(ArchivalUnit._meta.get_field(field), "verbose_name", field)
            raise ValidationError(
                _("档号中的%(label)s %(code_value)s 与著录的 %(value)s 不一致")
                % {"label": label, "code_value": value, "value": current}
            )


# ---------------------------------------------------------------- who may number


def group_of(unit: ArchivalUnit) -> QuerySet[ArchivalUnit]:
    """The units of ``unit``'s classification group (全宗·门类·年度·保管期限·机构), disposed-of ones included."""
    return ArchivalUnit.objects.filter(
        fonds_id=unit.fonds_id,
        category_id=unit.category_id,
        year=unit.year,
        retention=unit.retention,
        organization=unit.organization,
    )


def may_number(actor: Any, unit: ArchivalUnit) -> bool:
    """Whether ``actor`` may give ``unit`` a 件号 or 档号: they see every other unit of its classification group."""
    others = group_of(unit)
    if unit.pk:
        others = others.exclude(pk=unit.pk)
    return sees_whole_group(actor, others)


def numbering_refused() -> ValidationError:
    """The one answer to numbering in a group with units hidden from the person: it names none of them."""
    return ValidationError(
        {
            "item_number": _(
                "本分类（门类·年度·保管期限·机构）中有您无权查看的档案，您不能在其中编件号或档号。"
                "请留空件号和档号保存，由可查看本分类全部档案的人员编号。"
            )
        }
    )


def numbering_withheld(actor: Any, unit: ArchivalUnit) -> bool:
    """Whether ``unit`` (just created) was left unnumbered because ``actor`` may not number in its group: an item
    whose classification is complete enough to be numbered, with no 档号."""
    return bool(
        unit.level == "item"
        and unit.year
        and unit.retention
        and not unit.reference_code
        and not may_number(actor, unit)
    )


def check_code_unique(actor: Any, code: str, exclude_pk: int | None = None) -> None:
    """Refuse a 档号 already in use; when the unit holding it is hidden from ``actor``, with the numbering answer,
    which names nothing (the group check comes first, so this is only reached when a 档号 pattern leaves out part
    of the classification)."""
    qs = ArchivalUnit.objects.filter(reference_code=code)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    holder = qs.first()
    if holder is None:
        return
    if not qs.filter(classification_filter(actor)).exists():
        raise numbering_refused()
    raise ValidationError(_("档号 %(code)s 已被使用") % {"code": code})


# ---------------------------------------------------------------- renumbering


@dataclass(frozen=True)
class ClassificationGroup:
    fonds: Fonds
    category: RecordCategory | None
    year: int | None
    retention: str
    organization: str = ""

    def units(self) -> QuerySet[ArchivalUnit]:
        """The group's units in the holdings (disposed-of ones keep their numbers and are never renumbered)."""
        return self.all_units().filter(disposed=False)

    def all_units(self) -> QuerySet[ArchivalUnit]:
        return ArchivalUnit.objects.filter(
            fonds=self.fonds,
            category=self.category,
            year=self.year,
            retention=self.retention,
            organization=self.organization,
        )


def check_renumber(actor: Any, group: ClassificationGroup, first: int, last: int, start: int) -> list[ArchivalUnit]:
    """Validate a renumbering and return the units of the range, locked (inside do_renumber_range's transaction)."""
    require_actor(actor, Capability.CATALOG_CHANGE)
    if first < 1 or last < first or start < 1:
        raise ValidationError(
            _("编号范围无效：起 %(first)d，止 %(last)d，新起始号 %(start)d")
            % {"first": first, "last": last, "start": start}
        )
    in_range = group.units().filter(item_number__gte=first, item_number__lte=last)
    units = list(in_range.select_for_update().order_by("item_number"))
    if not units:
        raise ValidationError(_("该范围内没有档案"))
    if not sees_every_unit(actor) and in_range.exclude(classification_filter(actor)).exists():
        # Renumbering changes every unit in the range, so it needs sight of every one of them.
        raise ValidationError(_("该范围内有您的涉密等级无权查看的档案，不能重新编号"))
    new_numbers = set(range(start, start + len(units)))
    moving = {u.pk for u in units}
    clash = group.all_units().filter(item_number__in=new_numbers).exclude(pk__in=moving)
    if clash.exists():
        shown = clash.filter(unit_filter(actor))
        taken = sorted(n for n in shown.values_list("item_number", flat=True) if n is not None)[:10]
        raise ValidationError(
            _("新件号与范围外的档案冲突：%(numbers)s") % {"numbers": ", ".join(map(str, taken)) or "…"}
        )
    return units


@transaction.atomic
def do_renumber_range(
    actor: Any, group: ClassificationGroup, first: int, last: int, start: int
) -> list[tuple[str | None, str | None]]:
    """Give the items numbered ``first``…``last`` consecutive 件号 from ``start`` and new 档号.

    Units keep their identity (UUID, links, storage); each old 档号 is kept in 曾用档号. The range is locked
    while it is renumbered, and each unit's version goes up, so an edit made from before is refused, not lost.
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
        unit.version += 1
        unit.save(update_fields=["item_number", "reference_code", "former_reference_codes", "version", "updated"])
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
