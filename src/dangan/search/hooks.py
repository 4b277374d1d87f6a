"""Registers search's index sources and follows catalog changes: every unit action and the import send
``units_changed`` inside their transaction, and the index is written in that same transaction."""

from __future__ import annotations

from typing import Any

from dangan.catalog.signals import units_changed

from . import menu  # noqa: F401  (the workspace navigation entry 检索)
from .index import FIELDS, UNITS, IndexSource, load_units, registry, unit_ids

registry.register(IndexSource(UNITS, FIELDS, load_units, unit_ids))


def _follow_units(sender: Any, unit_ids: list[int], removed: bool = False, **kwargs: Any) -> None:
    from .sync import index_units, remove_units

    if removed:
        remove_units(unit_ids)
    else:
        index_units(unit_ids)


units_changed.connect(_follow_units, dispatch_uid="dangan.search.follow_units")
