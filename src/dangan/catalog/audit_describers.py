"""How the catalog's audit entries are shown to a reader of the audit log: through ``catalog.policy``.

An entry about a unit shows its content (the unit's name, the values before and after) only to a reader who may see
the unit now, at its current 密级 and openness, AND at every 密级 the entry itself records (a unit lowered later must
not reveal what it said while it was 秘密). A unit no longer in the catalog is judged by the last 密级 the log
recorded for it; without one, nobody reads its content. Fonds, categories, 档号 rules, authority records and imports
are shown to those who may browse the catalog. The apps above (preservation, accession) judge their entries with
``readable_unit_ids`` too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from dangan.core.auditlog.display import AuditDescriber, register_describer
from dangan.core.models import AuditEntry
from dangan.utilities.text import is_uuid

from .choices import AuthorityRole, Openness, RetentionPeriod, SecurityClassification, UnitLevel
from .models import ArchivalUnit, Fonds
from .policy import can_view_catalog, can_view_unit

UNIT_TYPE = ArchivalUnit._meta.label_lower
State = tuple[str, str]  # (密级, openness)

LABELS = {
    "subjects": _("主题词"),
    "parent": _("上级"),
    "uuid": _("标识符"),
    "authority": _("规范档案"),
    "role": _("关系"),
    "group": _("分组"),
    "range": _("件号范围"),
    "start": _("新起始件号"),
    "changes": _("档号变更（原 → 新）"),
    "scope": _("适用范围"),
    "fonds": _("全宗"),
    "category": _("门类"),
    "sha256": _("SHA-256"),
    "created": _("新建条数"),
    "unchanged": _("未变化条数"),
    "batch": _("导入批次"),
    "transfer": _("移交"),
    "units": _("档案条数"),
    "authorities": _("规范档案"),
    "links": _("关联"),
    "accounts": _("账号"),
    "code": _("代码"),
    "year": _("年度"),
    "retention": _("保管期限"),
    "organization": _("机构（问题）"),
}
VALUES = {
    "classification": SecurityClassification,
    "openness": Openness,
    "retention": RetentionPeriod,
    "level": UnitLevel,
    "role": AuthorityRole,
}


def _recorded_states(data: Any, fallback: State) -> list[State]:
    """The (密级, openness) pairs an entry's before/after record; the other half of a pair comes from ``fallback``."""
    if not isinstance(data, dict):
        return []
    states = []
    for side in (data.get("before"), data.get("after")):
        if isinstance(side, dict) and ("classification" in side or "openness" in side):
            states.append((side.get("classification") or fallback[0], side.get("openness") or fallback[1]))
    return states


def _last_recorded(object_ids: Collection[str]) -> dict[str, State]:
    """For units no longer in the catalog: the newest (密级, openness) the log recorded for each (its deletion
    records the whole description)."""
    found: dict[str, State] = {}
    if not object_ids:
        return found
    entries = (
        AuditEntry.objects.filter(object_type=UNIT_TYPE, object_id__in=list(object_ids))
        .order_by("-id")
        .values_list("object_id", "data")
    )
    for object_id, data in entries.iterator(chunk_size=500):
        if object_id in found or not isinstance(data, dict):
            continue
        for side in (data.get("after"), data.get("before")):
            if isinstance(side, dict) and side.get("classification"):
                found[object_id] = (side["classification"], side.get("openness") or "")
                break
    return found


def _current_states(unit_uuids: Iterable[str]) -> dict[str, State]:
    wanted = [u for u in set(unit_uuids) if u and is_uuid(u)]
    states: dict[str, State] = {}
    for start in range(0, len(wanted), 500):
        rows = ArchivalUnit.objects.filter(uuid__in=wanted[start : start + 500]).values_list(
            "uuid", "classification", "openness"
        )
        states.update({str(uuid): (level, openness) for uuid, level, openness in rows})
    return states


def _may_see(reader: Any, states: Iterable[State]) -> bool:
    states = list(states)
    return bool(states) and all(
        can_view_unit(reader, ArchivalUnit(classification=level, openness=openness)) for level, openness in states
    )


def readable_unit_ids(reader: Any, unit_uuids: Iterable[str]) -> set[str]:
    """The uuids among ``unit_uuids`` of units ``reader`` may see: now, or — for units deleted since — at the last
    密级 the audit log recorded for them."""
    wanted = set(unit_uuids)
    current = _current_states(wanted)
    gone = wanted - current.keys()
    known = {**_last_recorded(gone), **current}
    return {u for u, state in known.items() if _may_see(reader, [state])}


def readable_unit_entries(reader: Any, entries: Sequence[AuditEntry]) -> Collection[int]:
    """Entries about one unit each (object = the unit)."""
    if not can_view_catalog(reader):
        return set()
    ids = {e.object_id for e in entries}
    current = _current_states(ids)
    known = {**_last_recorded(ids - current.keys()), **current}
    readable = set()
    for entry in entries:
        state = known.get(entry.object_id)
        if state is not None and _may_see(reader, [state, *_recorded_states(entry.data, state)]):
            readable.add(entry.pk)
    return readable


def readable_renumberings(reader: Any, entries: Sequence[AuditEntry]) -> Collection[int]:
    """Renumbering entries (object = the fonds) name the 档号 of every unit in a range: readable only if every
    one of those units is found under its new 档号 and may be seen."""
    if not can_view_catalog(reader):
        return set()
    readable = set()
    for entry in entries:
        changes = entry.data.get("changes") if isinstance(entry.data, dict) else None
        codes = [pair[1] for pair in changes or [] if isinstance(pair, list | tuple) and len(pair) == 2 and pair[1]]
        fonds = Fonds.objects.filter(uuid=entry.object_id).first() if is_uuid(entry.object_id) else None
        if fonds is None or not codes:
            continue
        states = list(
            ArchivalUnit.objects.filter(fonds=fonds, reference_code__in=codes).values_list("classification", "openness")
        )
        if len(states) == len(set(codes)) and _may_see(reader, states):
            readable.add(entry.pk)
    return readable


def named_units(entry: AuditEntry) -> list[str] | None:
    """The uuids of the units an entry names in its ``units`` list (``[{"unit": uuid, …}, …]``: a change of many
    units at once, such as openness); None when it names none."""
    units = entry.data.get("units") if isinstance(entry.data, dict) else None
    if not isinstance(units, list):
        return None
    return [str(u.get("unit")) for u in units if isinstance(u, dict) and u.get("unit")]


def readable_unit_lists(reader: Any, entries: Sequence[AuditEntry]) -> Collection[int]:
    """Entries about many units (a ``units`` list, object = the fonds or a review round): readable only if every
    unit they name may be seen; an entry naming none is as open as the catalog."""
    if not can_view_catalog(reader):
        return set()
    named = {e.pk: named_units(e) for e in entries}
    visible = readable_unit_ids(reader, {u for uuids in named.values() for u in uuids or []})
    return {pk for pk, uuids in named.items() if uuids is None or all(u in visible for u in uuids)}


def readable_to_catalog_readers(reader: Any, entries: Sequence[AuditEntry]) -> Collection[int]:
    """Fonds, categories, 档号 rules, authority records, imports and exports: as open as the catalog itself."""
    return {e.pk for e in entries} if can_view_catalog(reader) else set()


def register() -> None:
    for prefix, readable in (
        ("catalog.", readable_to_catalog_readers),
        ("catalog.unit.", readable_unit_entries),
        ("catalog.unit.renumber", readable_renumberings),
        ("catalog.unit.openness", readable_unit_lists),
        # Linking an authority record is recorded on the unit (its name is the entry's object).
        ("catalog.authority.link", readable_unit_entries),
        ("catalog.authority.unlink", readable_unit_entries),
    ):
        register_describer(AuditDescriber(prefix, readable, labels=LABELS, values=VALUES))
