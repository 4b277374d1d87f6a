"""Registers search's index sources and follows catalog changes: every unit action and the import send
``units_changed`` inside their transaction, and the index is written in that same transaction."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from dangan.catalog.signals import units_changed
from dangan.core.audit import register_action
from dangan.core.auditlog.display import AuditDescriber, readable_with, register_describer
from dangan.core.roles import Capability

from . import menu  # noqa: F401  (the workspace navigation entry 检索)
from .index import FIELDS, UNITS, IndexSource, load_units, registry, unit_ids
from .models import DictionaryTerm

registry.register(IndexSource(UNITS, FIELDS, load_units, unit_ids))
register_action("search.dictionary.add", _("添加检索词典词语"))
register_action("search.dictionary.remove", _("删除检索词典词语"))
# Dictionary words are shown in the audit log to those who may open the dictionary page.
register_describer(
    AuditDescriber(
        "search.",
        readable_with(Capability.CATALOG_VIEW),
        labels={"terms": _("词语"), "term": _("词语"), "kind": _("类别")},
        values={"kind": DictionaryTerm.Kind},
    )
)


# Up to this many units (any single action) are indexed at once, in the catalog's transaction. Larger batches
# (a catalog import) are queued as index tasks in that same transaction, so they commit or roll back with the
# units, and the import does not wait for the analysis of every row.
IMMEDIATE_LIMIT = 2000
TASK_CHUNK = 5000


def _follow_units(sender: Any, unit_ids: list[int], removed: bool = False, **kwargs: Any) -> None:
    from .columns import next_generation
    from .sync import index_units, remove_units
    from .tasks import index_units_task

    if removed:
        remove_units(unit_ids)
        next_generation()  # nothing to load, but what keys on the generation must see the units gone
    elif len(unit_ids) <= IMMEDIATE_LIMIT:
        index_units(unit_ids)
    else:
        # The generation is raised now, in the catalog's transaction, though the rows are written later: what keys
        # on it (the portal's page cache) sees the change when it commits, not when the index catches up.
        next_generation()
        for start in range(0, len(unit_ids), TASK_CHUNK):
            index_units_task.enqueue(unit_ids[start : start + TASK_CHUNK])


units_changed.connect(_follow_units, dispatch_uid="dangan.search.follow_units")
