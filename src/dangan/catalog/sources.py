"""Where a unit came from (来源), as its page names it: the catalog import by default, or whatever the app that
wrote it through ``catalog.actions.bulk`` says (accession: the transfer, 移交). Higher apps register a finder; the
catalog never imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dangan.core.roles import Capability, has_capability
from dangan.utilities.registry import Registry

from .models import ArchivalUnit


@dataclass(frozen=True)
class UnitSource:
    """How a unit entered the catalog: a label, and a link when the viewer may open it."""

    label: str | Promise
    url: str = ""


# (viewer, unit) → the unit's source, or None when the unit did not come through this finder's app.
SourceFinder = Callable[[Any, ArchivalUnit], UnitSource | None]

unit_sources = Registry[SourceFinder]("unit sources")


def register_unit_source(key: str, finder: SourceFinder) -> SourceFinder:
    return unit_sources.register(key, finder)


def unit_source(viewer: Any, unit: ArchivalUnit) -> UnitSource | None:
    """The source of ``unit`` for ``viewer``; None for a unit entered by hand."""
    if unit.import_batch_id is None:
        return None
    for finder in unit_sources:
        found = finder(viewer, unit)
        if found is not None:
            return found
    batch = unit.import_batch
    url = ""
    if batch is not None and has_capability(viewer, Capability.CATALOG_IMPORT):
        url = reverse("catalog:import_detail", args=[batch.uuid])
    return UnitSource(_("目录导入"), url)
