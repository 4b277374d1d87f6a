"""Part stacks: the stacks tree (add, rename, move, remove locations, keeping ``full_code``), placing and moving
units (every move recorded as a ``Move``), and what a location holds and has free. Changing the tree needs
``CONSERVATION_MANAGE``; placing and moving units ``CONSERVATION_WORK`` and ``catalog.policy`` for each unit.

Capacity: a location's ``capacity`` counts what it holds directly — the units placed on it and its child
locations (a shelf of boxes counts its boxes, a box its units). Pages count only the units the reader may see."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.conservation.choices import LocationKind
from dangan.conservation.models import Location, Move, Placement
from dangan.core.actors import account_of
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability

__all__ = [
    "Occupancy",
    "check_add_location",
    "do_add_location",
    "do_add_locations",
    "do_add_stack",
    "do_edit_location",
    "do_move_location",
    "do_move_units",
    "do_place",
    "do_remove_location",
    "occupancy",
    "resolve_units",
    "subtree",
    "units_below",
]

CODE = re.compile(r"^[A-Za-z0-9]{1,32}$")
MAX_RANGE = 500


# ---------------------------------------------------------------- queries


def subtree(location: Location) -> QuerySet[Location]:
    """``location`` and every location below it (codes have no "-", so the prefix is exact)."""
    return Location.objects.filter(Q(pk=location.pk) | Q(full_code__startswith=location.full_code + "-"))


def units_below(location: Location, user: Any | None = None) -> QuerySet[ArchivalUnit]:
    """The units placed on ``location`` or below it, narrowed to those ``user`` may see when given."""
    units = ArchivalUnit.objects.filter(placement__location__in=subtree(location))
    return visible_units(user, units) if user is not None else units


@dataclass(frozen=True)
class Occupancy:
    location: Location
    units: int  # placed directly on it (as counted for the reader)
    children: int
    below: int  # units on it and below it (as counted for the reader)

    @property
    def used(self) -> int:
        return self.units + self.children

    @property
    def free(self) -> int | None:
        return None if self.location.capacity is None else max(0, self.location.capacity - self.used)

    @property
    def full(self) -> bool:
        return self.free == 0


def occupancy(user: Any, locations: Iterable[Location]) -> list[Occupancy]:
    """What each location holds, counting only the units ``user`` may see."""
    locations = list(locations)
    ids = [loc.pk for loc in locations]
    visible = visible_units(user, ArchivalUnit.objects.all())
    direct = dict(
        Placement.objects.filter(location_id__in=ids, unit__in=visible)
        .values("location_id")
        .annotate(n=Count("pk"))
        .values_list("location_id", "n")
    )
    children = dict(
        Location.objects.filter(parent_id__in=ids)
        .values("parent_id")
        .annotate(n=Count("pk"))
        .values_list("parent_id", "n")
    )
    result = []
    for loc in locations:
        below = Placement.objects.filter(
            Q(location=loc) | Q(location__full_code__startswith=loc.full_code + "-"), unit__in=visible
        ).count()
        result.append(Occupancy(loc, direct.get(loc.pk, 0), children.get(loc.pk, 0), below))
    return result


def _used(location: Location) -> int:
    """What ``location`` holds directly, every unit counted (for refusing a placement past its capacity)."""
    return Placement.objects.filter(location=location).count() + Location.objects.filter(parent=location).count()


def resolve_units(user: Any, codes: Sequence[str]) -> list[ArchivalUnit]:
    """The units with these 档号 that ``user`` may see; ValidationError naming every code not found (a unit the
    user may not see is "not found" alike)."""
    wanted = [c.strip() for c in codes if c.strip()]
    if not wanted:
        raise ValidationError({"units": _("请填写档号")})
    found = {u.reference_code: u for u in visible_units(user, ArchivalUnit.objects.filter(reference_code__in=wanted))}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ValidationError({"units": _("找不到以下档号：%(codes)s") % {"codes": "、".join(missing)}})
    return [found[c] for c in dict.fromkeys(wanted)]


# ---------------------------------------------------------------- the tree


def _manage(actor: Any) -> None:
    if not has_capability(actor, Capability.CONSERVATION_MANAGE):
        raise PermissionDenied(_("没有管理库房位置的权限"))


def _check_code(code: str, errors: dict[str, str]) -> None:
    if not CODE.match(code):
        errors["code"] = _("代码只能由字母和数字组成（不含“-”），最长 32 个字符")


def _check_kind(parent: Location | None, kind: str, errors: dict[str, str]) -> None:
    if kind not in LocationKind.values:
        errors["kind"] = _("层级无法识别")
    elif parent is None and kind != LocationKind.STACK:
        errors["kind"] = _("没有上级位置的只能是库房")
    elif parent is not None and LocationKind.depth_of(kind) <= LocationKind.depth_of(parent.kind):
        errors["kind"] = _("下级位置的层级必须低于“%(parent)s”") % {"parent": parent.get_kind_display()}


def _sibling_exists(parent: Location | None, code: str, exclude: int | None = None) -> bool:
    siblings = Location.objects.filter(parent=parent, code=code)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    return siblings.exists()


def _full_code(parent: Location | None, code: str) -> str:
    return f"{parent.full_code}-{code}" if parent is not None else code


def check_add_location(actor: Any, parent: Location | None, code: str, kind: str, capacity: int | None = None) -> None:
    _manage(actor)
    errors: dict[str, str] = {}
    _check_code(code, errors)
    _check_kind(parent, kind, errors)
    if capacity is not None and capacity < 0:
        errors["capacity"] = _("容量不能为负数")
    if "code" not in errors and _sibling_exists(parent, code):
        errors["code"] = _("同一上级下已有代码为“%(code)s”的位置") % {"code": code}
    if parent is not None and parent.capacity is not None and _used(parent) >= parent.capacity:
        errors["parent"] = _("上级位置“%(code)s”已满") % {"code": parent.full_code}
    if len(_full_code(parent, code)) > 200:
        errors["code"] = _("完整代码过长")
    if errors:
        raise ValidationError(errors)


def do_add_location(
    actor: Any,
    parent: Location | None,
    code: str,
    kind: str,
    *,
    name: str = "",
    capacity: int | None = None,
) -> Location:
    """Add one location under ``parent`` (a stack when ``parent`` is None)."""
    code = code.strip()
    check_add_location(actor, parent, code, kind, capacity)
    with transaction.atomic():
        location = Location.objects.create(
            parent=parent,
            kind=kind,
            code=code,
            full_code=_full_code(parent, code),
            name=name.strip(),
            capacity=capacity,
            depth=0 if parent is None else parent.depth + 1,
        )
        log(location, "conservation.location.add", actor, {"full_code": location.full_code, "kind": kind})
    return location


def do_add_stack(actor: Any, code: str, name: str, *, capacity: int | None = None) -> Location:
    """A stack (库房): a location with no parent."""
    return do_add_location(actor, None, code, LocationKind.STACK, name=name, capacity=capacity)


def range_codes(start: int, count: int, width: int = 2, prefix: str = "") -> list[str]:
    """The codes of a range: ``prefix`` + the numbers from ``start``, zero-padded to ``width`` (01, 02 …)."""
    return [f"{prefix}{n:0{width}d}" for n in range(start, start + count)]


def do_add_locations(
    actor: Any,
    parent: Location,
    codes: Sequence[str],
    kind: str,
    *,
    capacity: int | None = None,
) -> list[Location]:
    """Add several locations of one kind under ``parent`` (a range of shelves or boxes): all or none; the error
    names each code refused."""
    _manage(actor)
    if not codes or len(codes) > MAX_RANGE:
        raise ValidationError({"count": _("一次添加 1 至 %(max)s 个位置") % {"max": MAX_RANGE}})
    errors: dict[str, str] = {}
    _check_kind(parent, kind, errors)
    bad = [c for c in codes if not CODE.match(c)]
    taken = set(Location.objects.filter(parent=parent, code__in=codes).values_list("code", flat=True))
    if bad or taken or len(set(codes)) != len(codes):
        errors["code"] = _("以下代码无效或已存在：%(codes)s") % {"codes": "、".join(sorted(set(bad) | taken)) or "—"}
    if parent.capacity is not None and _used(parent) + len(codes) > parent.capacity:
        errors["count"] = _("上级位置“%(code)s”容量不足") % {"code": parent.full_code}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        created = [
            Location.objects.create(
                parent=parent,
                kind=kind,
                code=code,
                full_code=_full_code(parent, code),
                capacity=capacity,
                depth=parent.depth + 1,
            )
            for code in codes
        ]
        log(
            parent,
            "conservation.location.add",
            actor,
            {"under": parent.full_code, "kind": kind, "codes": list(codes)},
        )
    return created


def _recode(location: Location, old_full: str, new_full: str) -> None:
    """Rewrite the ``full_code`` of everything below ``location`` after its own changed (one UPDATE)."""
    Location.objects.filter(full_code__startswith=old_full + "-").update(
        full_code=Concat(Value(new_full), Substr(F("full_code"), len(old_full) + 1)),
        version=F("version") + 1,
    )


def do_edit_location(
    actor: Any,
    location: Location,
    *,
    code: str,
    name: str,
    capacity: int | None,
    version: int | None = None,
) -> Location:
    """Rename a location (its code and name) and set its capacity; the codes below follow."""
    _manage(actor)
    code = code.strip()
    errors: dict[str, str] = {}
    _check_code(code, errors)
    if "code" not in errors and _sibling_exists(location.parent, code, exclude=location.pk):
        errors["code"] = _("同一上级下已有代码为“%(code)s”的位置") % {"code": code}
    if capacity is not None and capacity < _used(location):
        errors["capacity"] = _("容量不能小于已存放的数量")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Location.objects.select_for_update().get(pk=location.pk)
        if version is not None and locked.version != version:
            raise ValidationError(_("该位置已被他人修改，请刷新后重试"))
        before = {"full_code": locked.full_code, "name": locked.name, "capacity": locked.capacity}
        old_full = locked.full_code
        locked.code, locked.name, locked.capacity = code, name.strip(), capacity
        locked.full_code = _full_code(locked.parent, code)
        locked.version += 1
        locked.save()
        if locked.full_code != old_full:
            _recode(locked, old_full, locked.full_code)
        after = {"full_code": locked.full_code, "name": locked.name, "capacity": locked.capacity}
        log(locked, "conservation.location.edit", actor, {"before": before, "after": after})
    return locked


def do_move_location(actor: Any, location: Location, new_parent: Location) -> Location:
    """Move ``location`` (with everything below it and on it) under ``new_parent``."""
    _manage(actor)
    errors: dict[str, str] = {}
    if location.is_stack:
        errors["parent"] = _("库房不能移动到其他位置之下")
    elif new_parent.pk == location.pk or new_parent.full_code.startswith(location.full_code + "-"):
        errors["parent"] = _("不能移到自身或其下级位置之下")
    else:
        _check_kind(new_parent, location.kind, errors)
        if _sibling_exists(new_parent, location.code):
            errors["parent"] = _("目标位置下已有代码为“%(code)s”的位置") % {"code": location.code}
        elif new_parent.capacity is not None and _used(new_parent) >= new_parent.capacity:
            errors["parent"] = _("目标位置“%(code)s”已满") % {"code": new_parent.full_code}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Location.objects.select_for_update().get(pk=location.pk)
        old_full, depth_change = locked.full_code, new_parent.depth + 1 - locked.depth
        locked.parent = new_parent
        locked.full_code = _full_code(new_parent, locked.code)
        locked.depth = new_parent.depth + 1
        locked.version += 1
        locked.save()
        Location.objects.filter(full_code__startswith=old_full + "-").update(depth=F("depth") + depth_change)
        _recode(locked, old_full, locked.full_code)
        log(locked, "conservation.location.move", actor, {"before": old_full, "after": locked.full_code})
    return locked


def do_update_location(
    actor: Any,
    location: Location,
    *,
    parent_code: str,
    code: str,
    name: str,
    capacity: int | None,
    version: int | None = None,
) -> Location:
    """The edit form's one change: a move under ``parent_code`` (when it names another parent) and the new code,
    name and capacity, in one transaction — a refused rename leaves the location where it was."""
    parent_code = parent_code.strip()
    with transaction.atomic():
        current = location.parent.full_code if location.parent else ""
        if parent_code and parent_code != current:
            parent = Location.objects.filter(full_code=parent_code).first()
            if parent is None:
                raise ValidationError({"parent": _("找不到位置 %(code)s") % {"code": parent_code}})
            if version is not None and Location.objects.filter(pk=location.pk, version=version).count() == 0:
                raise ValidationError(_("该位置已被他人修改，请刷新后重试"))
            location = do_move_location(actor, location, parent)
            version = location.version
        return do_edit_location(actor, location, code=code, name=name, capacity=capacity, version=version)


def do_remove_location(actor: Any, location: Location) -> None:
    """Remove ``location`` and the empty locations below it; refused while any unit is placed on or below it."""
    _manage(actor)
    with transaction.atomic():
        if Placement.objects.filter(location__in=subtree(location)).exists():
            raise ValidationError(_("该位置或其下级位置仍存放有档案，不能删除；请先移出"))
        removed = list(subtree(location).order_by("-depth").values_list("pk", "full_code"))
        for pk, _code in removed:
            Location.objects.filter(pk=pk).delete()
        log(None, "conservation.location.remove", actor, {"full_codes": [code for _pk, code in removed]})


# ---------------------------------------------------------------- placing and moving units


def _work(actor: Any, units: Iterable[ArchivalUnit]) -> None:
    if not has_capability(actor, Capability.CONSERVATION_WORK):
        raise PermissionDenied(_("没有上架和移库的权限"))
    for unit in units:
        if not can_view_unit(actor, unit):
            raise PermissionDenied(_("无权查看该档案"))


def do_move_units(actor: Any, units: Sequence[ArchivalUnit], to: Location, reason: str = "") -> list[Move]:
    """Place ``units`` on ``to`` (those not placed yet) or move them there (the others): all or none, each move
    recorded with who, when and why. Refused past ``to``'s capacity."""
    _work(actor, units)
    units = list({u.pk: u for u in units}.values())
    if not units:
        raise ValidationError({"units": _("请选择档案")})
    now = timezone.now()
    with transaction.atomic():
        target = Location.objects.select_for_update().get(pk=to.pk)
        current = {p.unit_id: p for p in Placement.objects.select_related("location").filter(unit__in=units)}
        arriving = [u for u in units if u.pk not in current or current[u.pk].location_id != target.pk]
        if not arriving:
            raise ValidationError({"units": _("所选档案已在该位置")})
        if target.capacity is not None and _used(target) + len(arriving) > target.capacity:
            raise ValidationError({"units": _("位置“%(code)s”容量不足") % {"code": target.full_code}})
        moves = []
        for unit in arriving:
            placement = current.get(unit.pk)
            source = placement.location if placement else None
            if placement is None:
                Placement.objects.create(unit=unit, location=target, placed_at=now, placed_by=account_of(actor))
            else:
                placement.location, placement.placed_at, placement.placed_by = target, now, account_of(actor)
                placement.save(update_fields=["location", "placed_at", "placed_by"])
            moves.append(
                Move(
                    unit=unit,
                    from_location=source,
                    to_location=target,
                    from_code=source.full_code if source else "",
                    to_code=target.full_code,
                    moved_at=now,
                    moved_by=account_of(actor),
                    reason=reason.strip()[:200],
                )
            )
        Move.objects.bulk_create(moves)
        log(
            target,
            "conservation.move",
            actor,
            {
                "to": target.full_code,
                "units": [str(u.uuid) for u in arriving],
                "from": sorted({m.from_code for m in moves if m.from_code}),
                "reason": reason.strip(),
            },
        )
    return moves


def do_place(actor: Any, unit: ArchivalUnit, to: Location, reason: str = "") -> Move:
    """Place (or move) one unit on ``to``."""
    return do_move_units(actor, [unit], to, reason)[0]
