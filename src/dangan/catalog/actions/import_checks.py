"""Catalog import, second step: the parsed rows checked against each other and against the database — duplicate
档号, the 上级档号 hierarchy, units already there (unchanged, or different: an error), and the next 件号 and
档号 for rows without one. Nothing is written; the result is an ImportPlan.

Every database question is asked in chunks for the whole file (never once per row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from dangan.catalog.choices import DatePrecision, UnitLevel
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import unit_filter, visible_classifications
from dangan.catalog.refcodes import PatternError
from dangan.catalog.tabular import HeaderMap, Table
from dangan.utilities.models import field_label

from .import_rows import EXISTING_FIELDS, STATES, PlannedRow, RowError, RowParser, chunks
from .units import check_parent

PROGRESS_EVERY = 1000


def code_taken_message() -> str:
    """The one answer for a 档号 held by a unit of another fonds or by one the importer may not see: it says the
    code cannot be used (uniqueness makes that unavoidable) and nothing about the unit that holds it."""
    return _("档号已被其他档案使用，不能用于本次导入")


def parent_missing_message() -> str:
    """The answer for a 上级档号 that does not exist — and for one the importer may not see."""
    return _("上级档号在本文件和本全宗中都不存在")


@dataclass
class ImportPlan:
    header: HeaderMap
    rows: list[PlannedRow]
    errors: list[RowError]
    codes: dict[str, int] = field(default_factory=dict)  # 档号 given in the file → index of its (first) row
    parent_depths: dict[int, int] = field(default_factory=dict)  # existing parent id → its depth
    # Which units the importer may see (catalog.policy); None: every unit (the console, or a check with no viewer).
    seen: Q | None = None

    def visible_ids(self, ids: list[int]) -> set[int]:
        """Those of ``ids`` the importer may see."""
        if self.seen is None:
            return set(ids)
        return set(ArchivalUnit.objects.filter(self.seen, pk__in=ids).values_list("pk", flat=True))

    def visible(self, units: Any) -> Any:
        """A queryset of units narrowed to those the importer may see."""
        return units if self.seen is None else units.filter(self.seen)

    @property
    def unchanged(self) -> int:
        return sum(1 for row in self.rows if row.existing_id is not None)

    @property
    def parent_given(self) -> bool:
        return "parent_code" in self.header or "parent_sequence" in self.header

    def column(self, key: str, default: str) -> str:
        """The header as the file writes it, or ``default`` when the file has no such column."""
        return self.header.headers.get(key, default)

    def error(self, row: PlannedRow, column: str, value: Any, reason: str, code: str = "") -> None:
        row.bad = True
        self.errors.append(RowError(row.number, column, str(value or ""), reason, code))


def check_table(
    fonds: Fonds,
    table: Table,
    *,
    visible: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    viewer: Any = None,
) -> ImportPlan:
    """Parse and check every row of ``table`` for ``fonds``.

    ``viewer`` is the person importing (catalog.policy decides what they may see), or ``visible`` the 密级 levels
    they may see; with neither, every unit is visible (the console). A row may not use a 密级 above them, and
    units they may not see are treated as absent: no row is matched to one, compared with one, or put under one.
    """
    if viewer is not None and visible is None:
        visible = visible_classifications(viewer)
    seen = unit_filter(viewer) if viewer is not None else None
    if seen is None and visible is not None:
        seen = Q(classification__in=list(visible))
    errors: list[RowError] = []
    parser = RowParser(fonds, table.header, errors, visible)
    rows: list[PlannedRow] = []
    total = len(table.rows)
    for offset, cells in enumerate(table.rows, start=1):
        row = parser.parse(table.first_row + offset - 1, cells)
        if row is not None:
            rows.append(row)
        if progress and offset % PROGRESS_EVERY == 0:
            progress(offset, total)
    plan = ImportPlan(table.header, rows, errors, seen=seen if seen != Q() else None)
    _check_codes(plan, fonds)
    if plan.parent_given:
        _resolve_parents(plan, fonds)
        _set_depths(plan)
    _match_existing(plan, fonds)
    _assign_codes(plan, fonds, parser)
    errors.sort(key=lambda e: e.row)
    if progress:
        progress(total, total)
    return plan


# ---------------------------------------------------------------- 档号 given in the file


def _check_codes(plan: ImportPlan, fonds: Fonds) -> None:
    """Duplicates within the file, and the units that already hold these 档号 (DA/T 70 1-8)."""
    column = plan.column("reference_code", _("档号"))
    for index, row in enumerate(plan.rows):
        code = row.values["reference_code"]
        if not code:
            continue
        if code in plan.codes:
            first = plan.rows[plan.codes[code]].number
            plan.error(row, column, code, _("档号与第 %(row)d 行重复") % {"row": first}, "1-8")
        else:
            plan.codes[code] = index
    for chunk in chunks(plan.codes):
        units = list(ArchivalUnit.objects.filter(reference_code__in=chunk).values(*EXISTING_FIELDS))
        seen = plan.visible_ids([unit["id"] for unit in units])
        for unit in units:
            row = plan.rows[plan.codes[unit["reference_code"]]]
            if unit["fonds_id"] != fonds.pk or unit["id"] not in seen:
                plan.error(row, column, unit["reference_code"], code_taken_message(), "1-8")
            else:
                row.existing = unit


# ---------------------------------------------------------------- hierarchy (上级档号 / 上级序号)


def _resolve_parents(plan: ImportPlan, fonds: Fonds) -> None:
    rows = plan.rows
    by_sequence: dict[str, int | None] = {}  # None: the 序号 is not unique
    for index, row in enumerate(rows):
        if row.sequence:
            by_sequence[row.sequence] = None if row.sequence in by_sequence else index
    wanted = {row.parent_code for row in rows if row.parent_code and row.parent_code not in plan.codes}
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(wanted):
        units = plan.visible(ArchivalUnit.objects.filter(reference_code__in=chunk))
        for unit in units.values("id", "reference_code", "fonds_id", "level", "depth"):
            found[unit["reference_code"]] = unit  # a parent the importer may not see is not found
    levels: dict[int, str] = {}
    verdicts: dict[tuple[str, str], str | None] = {}
    for index, row in enumerate(rows):
        if row.parent_code:
            column = plan.column("parent_code", _("上级档号"))
            if row.parent_code in plan.codes:
                row.parent_index = plan.codes[row.parent_code]
            elif (unit := found.get(row.parent_code)) is None:
                plan.error(row, column, row.parent_code, parent_missing_message())
                continue
            elif unit["fonds_id"] != fonds.pk:
                plan.error(row, column, row.parent_code, _("上级档号属于其他全宗"), "1-9")
                continue
            else:
                row.parent_id = unit["id"]
                plan.parent_depths[unit["id"]] = unit["depth"]
                levels[unit["id"]] = unit["level"]
            if row.parent_sequence and by_sequence.get(row.parent_sequence) != row.parent_index:
                plan.error(row, column, row.parent_code, _("上级档号与上级序号指向不同的行"))
                continue
        elif row.parent_sequence:
            column = plan.column("parent_sequence", _("上级序号"))
            if row.parent_sequence not in by_sequence:
                plan.error(row, column, row.parent_sequence, _("上级序号在本文件中不存在"))
                continue
            if by_sequence[row.parent_sequence] is None:
                plan.error(row, column, row.parent_sequence, _("该序号在本文件中出现多次，无法确定上级"))
                continue
            row.parent_index = by_sequence[row.parent_sequence]
        else:
            continue
        _check_level(plan, fonds, index, levels, verdicts)


def _check_level(
    plan: ImportPlan, fonds: Fonds, index: int, levels: dict[int, str], verdicts: dict[tuple[str, str], str | None]
) -> None:
    """The units.check_parent rules: nothing under an item (件), only items in a file (案卷)."""
    row = plan.rows[index]
    column = plan.column("parent_code", "") if row.parent_code else plan.column("parent_sequence", "")
    value = row.parent_code or row.parent_sequence
    if row.parent_index == index:
        plan.error(row, column, value, _("上级不能是本行自己"))
        row.parent_index = None
        return
    if row.parent_index is not None:
        parent_level = plan.rows[row.parent_index].values["level"]
    else:
        parent_level = levels[row.parent_id]  # type: ignore[index]
    key = (parent_level, row.values["level"])
    if key not in verdicts:
        try:
            check_parent(fonds, ArchivalUnit(fonds_id=fonds.pk, level=parent_level), row.values["level"])
            verdicts[key] = None
        except ValidationError as exc:
            verdicts[key] = exc.messages[0]
    if verdict := verdicts[key]:
        plan.error(row, column, value, verdict, "1-5")


def _set_depths(plan: ImportPlan) -> None:
    """Each row's depth, following parents within the file; a cycle of 上级 references is an error."""
    rows = plan.rows
    state = [0] * len(rows)  # 0 not seen, 1 on the current walk, 2 done
    for start in range(len(rows)):
        path: list[int] = []
        current: int | None = start
        while current is not None and state[current] == 0:
            state[current] = 1
            path.append(current)
            current = rows[current].parent_index
        if current is not None and state[current] == 1:
            for index in path[path.index(current) :]:
                row = rows[index]
                column = plan.column("parent_code", "") if row.parent_code else plan.column("parent_sequence", "")
                plan.error(row, column, row.parent_code or row.parent_sequence, _("上级关系构成循环"))
                row.parent_index = None
        for index in reversed(path):
            row = rows[index]
            if row.parent_index is not None:
                row.depth = rows[row.parent_index].depth + 1
            elif row.parent_id is not None:
                row.depth = plan.parent_depths[row.parent_id] + 1
            state[index] = 2


# ---------------------------------------------------------------- units already in the database


def _match_existing(plan: ImportPlan, fonds: Fonds) -> None:
    """A row whose 档号 exists must be that unit unchanged; a row without 档号 that matches a unit of the fonds
    (same 上级, same 题名 and every stated field) is that unit — so importing a file again creates nothing."""
    rows = plan.rows
    codeless = [row for row in rows if not row.values["reference_code"] and not row.bad]
    # Rows without 档号 all state the same fields (the file's columns): match them by those values at once.
    fields = sorted(codeless[0].given - {"reference_code", "item_number"}) if codeless else []
    by_content: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    candidates: list[dict[str, Any]] = []
    for chunk in chunks({row.values["title"] for row in codeless}):
        units = plan.visible(ArchivalUnit.objects.filter(fonds=fonds, title__in=chunk))
        for unit in units.values(*EXISTING_FIELDS):
            parent = unit["parent_id"] if plan.parent_given else None
            by_content[(parent, *(_unit_value(unit, name) for name in fields))].append(unit)
            candidates.append(unit)
    subjects = _subjects_of(plan, candidates) if "subjects" in plan.header else {}
    labels = _labels(plan)
    column = plan.column("reference_code", _("档号"))
    for index in sorted(range(len(rows)), key=lambda i: rows[i].depth):
        row = rows[index]
        parent_new, parent_id = _parent_of(plan, row)
        if row.existing is not None:
            differences = _differences(row, row.existing, subjects, labels)
            if plan.parent_given and (parent_new or parent_id != row.existing["parent_id"]):
                differences.append(plan.column("parent_code", _("上级")))
            if differences:
                reason = _("档号已存在且内容不同（%(fields)s）") % {"fields": "、".join(dict.fromkeys(differences))}
                plan.error(row, column, row.values["reference_code"], reason, "1-8")
            else:
                row.existing_id = row.existing["id"]
        elif not row.values["reference_code"] and not row.bad and not (plan.parent_given and parent_new):
            key = (parent_id if plan.parent_given else None, *(row.values[name] for name in fields))
            matches = by_content.get(key, [])
            for position, unit in enumerate(matches):
                if row.values["item_number"] not in (None, unit["item_number"]):
                    continue
                if row.subjects is not None and set(row.subjects) != subjects.get(unit["id"], set()):
                    continue
                row.existing_id = unit["id"]
                del matches[position]  # one unit is matched by one row only
                break


def _unit_value(unit: dict[str, Any], name: str) -> Any:
    """A stored value as the importer would have read it from a cell."""
    value = unit[name]
    if name == "date_precision" and unit["date"] and not value:
        return DatePrecision.DAY  # units entered without a precision were entered to the day
    return value.strip() if isinstance(value, str) else value


def _parent_of(plan: ImportPlan, row: PlannedRow) -> tuple[bool, int | None]:
    """(whether the parent is a row that will be created, the existing parent's id)."""
    if row.parent_index is not None:
        parent = plan.rows[row.parent_index]
        return parent.existing_id is None, parent.existing_id
    return False, row.parent_id


def _subjects_of(plan: ImportPlan, candidates: list[dict[str, Any]]) -> dict[int, set[str]]:
    ids = [row.existing["id"] for row in plan.rows if row.existing is not None]
    ids += [unit["id"] for unit in candidates]
    terms: dict[int, set[str]] = defaultdict(set)
    through = ArchivalUnit.subjects.through
    for chunk in chunks(ids):
        for unit_id, term in through.objects.filter(archivalunit_id__in=chunk).values_list(
            "archivalunit_id", "subject__term"
        ):
            terms[unit_id].add(term)
    return terms


def _labels(plan: ImportPlan) -> dict[str, str]:
    """Unit field → the column that states it, for telling the user what differs."""
    labels = {f: field_label(ArchivalUnit, f) for f in EXISTING_FIELDS if f != "id"}
    labels["category_id"] = str(ArchivalUnit._meta.get_field("category").verbose_name)
    for key, fields in STATES.items():
        for f in fields:
            if key in plan.header.headers:
                labels[f] = plan.header.headers[key]
    return labels


def _differences(
    row: PlannedRow, unit: dict[str, Any], subjects: dict[int, set[str]], labels: dict[str, str]
) -> list[str]:
    differences = []
    for name in row.given:
        if row.values[name] != _unit_value(unit, name):
            differences.append(labels[name])
    if row.subjects is not None and set(row.subjects) != subjects.get(unit["id"], set()):
        differences.append(labels.get("subjects", _("主题词")))
    return differences


# ---------------------------------------------------------------- 件号 and 档号 for rows without one


def _assign_codes(plan: ImportPlan, fonds: Fonds, parser: RowParser) -> None:
    """Like units.do_create_unit: an item whose classification is complete gets the next 件号 of its group
    (after those in the database and those stated in this file, in row order) and its 档号."""
    pending = [
        row
        for row in plan.rows
        if row.existing_id is None
        and not row.bad
        and not row.values["reference_code"]
        and row.values["level"] == UnitLevel.ITEM
        and row.values["year"]
        and row.values["retention"]
    ]
    if not pending:
        return
    highest = _highest_numbers(plan, fonds)
    column = plan.column("reference_code", _("档号"))
    generated: dict[str, PlannedRow] = {}
    for row in pending:
        values = row.values
        group = (values["category_id"], values["year"], values["retention"], values["organization"])
        if values["item_number"] is None:
            highest[group] += 1
            values["item_number"] = highest[group]
        pattern = parser.pattern(values["category_id"])
        if "category" in pattern.fields and values["category_id"] is None:
            continue
        try:
            code = pattern.format(
                {
                    "fonds": fonds.code,
                    "category": parser.categories_by_pk[values["category_id"]].code if values["category_id"] else None,
                    "year": values["year"],
                    "retention": values["retention"],
                    "org": values["organization"] or None,
                    "item": values["item_number"],
                }
            )
        except PatternError as exc:
            plan.error(row, column, "", str(exc), "1-7")
            continue
        if code in plan.codes or code in generated:
            other = plan.rows[plan.codes[code]] if code in plan.codes else generated[code]
            reason = _("生成的档号 %(code)s 与第 %(row)d 行重复") % {"code": code, "row": other.number}
            plan.error(row, column, "", reason, "1-8")
            continue
        generated[code] = row
        values["reference_code"] = code
    for chunk in chunks(generated):
        taken = ArchivalUnit.objects.filter(reference_code__in=chunk).values_list("reference_code", flat=True)
        for used in taken:
            if used is not None:
                plan.error(generated[used], column, "", _("生成的档号 %(code)s 已被使用") % {"code": used}, "1-8")


def _highest_numbers(plan: ImportPlan, fonds: Fonds) -> defaultdict[tuple[Any, ...], int]:
    highest: defaultdict[tuple[Any, ...], int] = defaultdict(int)
    groups = (
        ArchivalUnit.objects.filter(fonds=fonds)
        .values("category_id", "year", "retention", "organization")
        .annotate(highest=Max("item_number"))
        .order_by()
    )
    for group in groups:
        key = (group["category_id"], group["year"], group["retention"], group["organization"])
        highest[key] = group["highest"] or 0
    for row in plan.rows:
        values = row.values
        if values["item_number"] is not None:
            key = (values["category_id"], values["year"], values["retention"], values["organization"])
            highest[key] = max(highest[key], values["item_number"])
    return highest
