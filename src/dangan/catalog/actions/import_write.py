"""Catalog import, last step: a checked plan written — the new units (parents before children), their subject
links and the counters. Runs inside the import's one transaction (see importing._write).

Rows go in with one prepared INSERT and executemany (COPY on PostgreSQL), the field values prepared by their
fields as bulk_create would, but without its per-object Python work, which took most of a 100,000-row import.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import F, Max

from dangan.catalog.models import ArchivalUnit, Fonds, ImportBatch, Subject
from dangan.catalog.signals import notify_units_changed

from .import_checks import ImportPlan
from .import_rows import DEFAULTS, PlannedRow, chunks

EXECUTE_BATCH = 5000
# Column types the database drivers take as they are (str, int, bool, None); everything else is prepared by
# its field, as Model.save() would.
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


class RowInserter:
    """INSERT many rows of ``model``: ``varying`` attnames per row, the other columns from one template;
    ``ready`` names varying columns whose values the caller has already prepared (see ``prepare``)."""

    def __init__(
        self,
        model: type[models.Model],
        varying: Sequence[str],
        constants: dict[str, Any],
        ready: Sequence[str] = (),
    ) -> None:
        self.connection = connection = connections[DEFAULT_DB_ALIAS]
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        template = model(**constants)
        self.varying = list(varying)
        by_attname = {f.attname: f for f in fields}
        self.fields = by_attname
        self.converters: list[Callable[[Any], Any] | None] = [
            None if name in ready or isinstance(by_attname[name], _PLAIN_FIELDS) else self._converter(by_attname[name])
            for name in self.varying
        ]
        fixed = [f for f in fields if f.attname not in self.varying]
        self.fixed = tuple(f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in fixed)
        columns = [by_attname[name].column for name in self.varying] + [f.column for f in fixed]
        quote = connection.ops.quote_name
        table, names = quote(model._meta.db_table), ", ".join(quote(str(c)) for c in columns)
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"

    def _converter(self, field: models.Field) -> Callable[[Any], Any]:
        connection = self.connection

        def convert(value: Any) -> Any:
            return None if value is None else field.get_db_prep_save(value, connection)

        return convert

    def prepare(self, name: str, value: Any) -> Any:
        """``value`` of column ``name`` as the database driver receives (and gives back) it."""
        return self.fields[name].get_db_prep_save(value, self.connection)

    def params(self, row: dict[str, Any]) -> tuple[Any, ...]:
        values = [row[name] for name in self.varying]
        for position, convert in enumerate(self.converters):
            if convert is not None:
                values[position] = convert(values[position])
        return (*values, *self.fixed)

    def insert(self, rows: Iterable[dict[str, Any]]) -> None:
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                # COPY: several times faster than even a pipelined executemany on PostgreSQL.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(self.params(row))
                return
            for batch in chunks((self.params(row) for row in rows), EXECUTE_BATCH):
                cursor.executemany(self.sql, batch)


def insert_plan(plan: ImportPlan, fonds: Fonds, batch: ImportBatch) -> int:
    """Write the new rows of ``plan``; returns how many units were created."""
    new = [index for index, row in enumerate(plan.rows) if row.existing_id is None]
    pks = _insert_units(plan, fonds, batch, new)
    _insert_subjects(plan, pks)
    _update_counts(plan, fonds, new)
    notify_units_changed(pks.values())
    return len(new)


def _insert_units(plan: ImportPlan, fonds: Fonds, batch: ImportBatch, new: list[int]) -> dict[int, int]:
    """Insert depth by depth, so each parent has its key before its children go in; returns index → pk."""
    rows = plan.rows
    positions = _positions(plan, fonds, new)
    children = Counter(rows[i].parent_index for i in new if rows[i].parent_index is not None)
    inserter = RowInserter(
        ArchivalUnit,
        [*DEFAULTS, "uuid", "parent_id", "position", "depth", "child_count"],
        {"fonds_id": fonds.pk, "import_batch_id": batch.pk},
        ready=["uuid"],
    )
    by_depth: dict[int, list[int]] = {}
    for index in new:
        by_depth.setdefault(rows[index].depth, []).append(index)
    pks: dict[int, int] = {}
    table, uuid_column = ArchivalUnit._meta.db_table, ArchivalUnit._meta.get_field("uuid").column
    for depth in sorted(by_depth):
        identities: dict[Any, int] = {}  # the uuid as the database driver gives it back → row index
        records = []
        for index in by_depth[depth]:
            identity = inserter.prepare("uuid", uuid.uuid4())
            identities[identity] = index
            records.append(
                {
                    **rows[index].values,
                    "uuid": identity,
                    "parent_id": _parent_pk(rows, rows[index], pks),
                    "position": positions[index],
                    "depth": depth,
                    "child_count": children.get(index, 0),
                }
            )
        inserter.insert(records)
        # Read the new keys back raw: the ORM would parse 100,000 UUIDs only for them to be compared.
        with inserter.connection.cursor() as cursor:
            quote = inserter.connection.ops.quote_name
            cursor.execute(
                f"SELECT {quote(str(uuid_column))}, {quote('id')} FROM {quote(table)} "
                f"WHERE {quote('import_batch_id')} = %s AND {quote('depth')} = %s",
                [batch.pk, depth],
            )
            pks.update((identities[identity], pk) for identity, pk in cursor.fetchall())
    return pks


def _parent_pk(rows: list[PlannedRow], row: PlannedRow, pks: dict[int, int]) -> int | None:
    if row.parent_index is not None:
        parent = rows[row.parent_index]
        return parent.existing_id or pks[row.parent_index]
    return row.parent_id


def _sibling_group(rows: list[PlannedRow], row: PlannedRow) -> tuple[str, int | None]:
    if row.parent_index is not None:
        parent = rows[row.parent_index]
        if parent.existing_id is None:
            return ("row", row.parent_index)
        return ("unit", parent.existing_id)
    return ("unit", row.parent_id)


def _positions(plan: ImportPlan, fonds: Fonds, new: list[int]) -> dict[int, int]:
    """Each new unit goes after its existing siblings, in row order."""
    rows = plan.rows
    groups = {index: _sibling_group(rows, rows[index]) for index in new}
    last: Counter[tuple[str, int | None]] = Counter()
    last[("unit", None)] = ArchivalUnit.objects.filter(fonds=fonds, parent=None).aggregate(m=Max("position"))["m"] or 0
    existing = {group[1] for group in groups.values() if group[0] == "unit" and group[1] is not None}
    for chunk in chunks(existing):
        siblings = (
            ArchivalUnit.objects.filter(parent_id__in=chunk).values("parent_id").annotate(m=Max("position")).order_by()
        )
        for group in siblings:
            last[("unit", group["parent_id"])] = group["m"] or 0
    positions = {}
    for index in new:
        last[groups[index]] += 1
        positions[index] = last[groups[index]]
    return positions


def _insert_subjects(plan: ImportPlan, pks: dict[int, int]) -> None:
    wanted = {index: plan.rows[index].subjects or [] for index in pks if plan.rows[index].subjects}
    terms = {term for subjects in wanted.values() for term in subjects}
    if not terms:
        return
    found: dict[str, int] = {}
    for chunk in chunks(terms):
        found.update(Subject.objects.filter(term__in=chunk).values_list("term", "pk"))
    missing = [Subject(term=term) for term in sorted(terms) if term not in found]
    if missing:
        Subject.objects.bulk_create(missing, batch_size=500, ignore_conflicts=True)
        for chunk in chunks(subject.term for subject in missing):
            found.update(Subject.objects.filter(term__in=chunk).values_list("term", "pk"))
    through = ArchivalUnit.subjects.through
    links = (
        {"archivalunit_id": pks[index], "subject_id": found[term]}
        for index, subjects in wanted.items()
        for term in subjects
    )
    RowInserter(through, ["archivalunit_id", "subject_id"], {}).insert(links)


def _update_counts(plan: ImportPlan, fonds: Fonds, new: list[int]) -> None:
    """Fonds.unit_count/top_level_count and the existing parents' child_count (new parents were born with it)."""
    rows = plan.rows
    top = 0
    added: Counter[int] = Counter()
    for index in new:
        kind, parent = _sibling_group(rows, rows[index])
        if kind == "unit" and parent is None:
            top += 1
        elif kind == "unit":
            added[parent] += 1  # type: ignore[index]
    Fonds.objects.filter(pk=fonds.pk).update(
        unit_count=F("unit_count") + len(new), top_level_count=F("top_level_count") + top
    )
    by_delta: dict[int, list[int]] = {}
    for parent, delta in added.items():
        by_delta.setdefault(delta, []).append(parent)
    for delta, parents in by_delta.items():
        for chunk in chunks(parents):
            ArchivalUnit.objects.filter(pk__in=chunk).update(child_count=F("child_count") + delta)
