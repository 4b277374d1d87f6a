"""The catalog's public write path for other apps: rows of a catalog ``Table`` checked exactly as the catalog import
checks them, then written as new units in ONE transaction (the caller's, when it has one), recorded as an
``ImportBatch`` with one ``catalog.import`` audit entry.

Accession accepts a transfer through it (``plan_rows`` at the check, ``check_new_units`` + ``do_write_new_units``
at the acceptance). The import's step modules (import_rows, import_checks, import_write) stay private to the
catalog: other apps import from here only, so the catalog may change how it checks and writes without them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit, Fonds, ImportBatch
from dangan.catalog.policy import visible_classifications
from dangan.catalog.tabular import Table
from dangan.core.actions.accounts import require_actor
from dangan.core.actors import Actor, account_of, is_operator
from dangan.core.audit import log
from dangan.core.roles import Capability

from .import_checks import ImportPlan, check_table
from .import_rows import PlannedRow, RowError
from .import_write import insert_plan

__all__ = [
    "ImportPlan",
    "NewUnits",
    "PlannedRow",
    "RowError",
    "check_new_units",
    "do_write_new_units",
    "plan_rows",
]

MAX_PROBLEMS = 20  # problem lines named in the refusal; the count says how many there were


@dataclass
class NewUnits:
    """What ``do_write_new_units`` wrote: the batch that records it, and each row's new unit."""

    batch: ImportBatch
    created: int
    units: dict[int, int] = field(default_factory=dict)  # row number → the new unit's pk (rows with a 档号)


def plan_rows(
    fonds: Fonds,
    table: Table,
    *,
    visible: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPlan:
    """Every row of ``table`` parsed and checked for ``fonds`` as the catalog import does (DA/T 70 codes on each
    error); nothing is written. ``visible``: the 密级 levels the writer may use (None: every level)."""
    return check_table(fonds, table, visible=visible, progress=progress)


def check_new_units(actor: Actor, fonds: Fonds, table: Table, *, require_codes: bool = True) -> ImportPlan:
    """The plan to write ``table``'s rows as new units of ``fonds`` for ``actor``; ValidationError (one message per
    problem) when a row is bad, is already in the catalog, has no 档号 (``require_codes``) or holds a 密级 the actor
    may not see. The messages name rows and reasons, never a cell's value: the refusal may be shown to others."""
    require_actor(actor, Capability.CATALOG_IMPORT)
    visible = None if is_operator(actor) else visible_classifications(actor)
    plan = check_table(fonds, table, visible=visible)
    problems = [
        _("第 %(row)d 行 [%(column)s]：%(reason)s") % {"row": e.row, "column": e.column, "reason": e.reason}
        for e in plan.errors
    ]
    for row in plan.rows:
        if row.existing_id is not None:
            problems.append(_("第 %(row)d 行：该条目已在馆藏目录中") % {"row": row.number})
        elif require_codes and not row.values["reference_code"]:
            problems.append(_("第 %(row)d 行：没有档号") % {"row": row.number})
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(_("……共 %(count)d 处") % {"count": len(problems)})
        raise ValidationError(shown)
    return plan


def do_write_new_units(
    actor: Actor,
    fonds: Fonds,
    plan: ImportPlan,
    *,
    file_name: str,
    sha256: str,
    note: str = "",
    audit: dict[str, Any] | None = None,
) -> NewUnits:
    """Write the rows of ``plan`` (from ``check_new_units``) as new units of ``fonds``, in one transaction that
    joins the caller's: the caller's own rows written in the same transaction go in, or not, with the units.
    ``file_name``/``sha256`` name the source (the batch records them); ``note`` is the batch's message; ``audit``
    adds keys to the ``catalog.import`` entry (e.g. the transfer)."""
    require_actor(actor, Capability.CATALOG_IMPORT)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            fonds=fonds,
            user=account_of(actor),
            file_name=file_name[:300],
            sha256=sha256,
            status=ImportBatch.Status.RUNNING,
            total_rows=len(plan.rows),
        )
        created = insert_plan(plan, fonds, batch)
        by_code = dict(ArchivalUnit.objects.filter(import_batch=batch).values_list("reference_code", "id"))
        units = {
            row.number: by_code[row.values["reference_code"]]
            for row in plan.rows
            if row.values["reference_code"] in by_code
        }
        batch.status = ImportBatch.Status.DONE
        batch.created_count = batch.processed_rows = created
        batch.finished = timezone.now()
        batch.message = note or _("新建 %(created)d 条") % {"created": created}
        batch.save()
        log(
            fonds,
            "catalog.import",
            actor,
            {"file": batch.file_name, "sha256": sha256, "created": created, "batch": str(batch.uuid), **(audit or {})},
        )
    return NewUnits(batch, created, units)
