"""Registers the preservation app's audit action types, menu entry, unit page section and periodic audits, and
follows catalog changes: a unit whose description changes gets a new version of its package's METS."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dangan.catalog.holds import DeletionHold, register_deletion_hold
from dangan.catalog.panels import UnitPanel, register_unit_panel
from dangan.catalog.signals import units_changed
from dangan.core.audit import register_action
from dangan.core.auditlog.anchors import register_anchor_location
from dangan.core.roles import Capability
from dangan.core.schedule import PeriodicJob, register_periodic_job
from dangan.utilities.registry import MenuItem, register_menu_item

from . import audit_anchors, audit_describers

register_action("preservation.package.preserve", _("长期保存：写入新版本"))
register_action("preservation.package.index", _("长期保存：登记存储库中的对象"))
register_action("preservation.rebuild", _("重建长期保存索引"))
register_action("preservation.audit.start", _("发起固定性检查"))
register_action("preservation.audit.finish", _("完成固定性检查"))
register_action("preservation.audit.failure", _("固定性检查发现问题"))
register_action("preservation.file.download", _("下载保存文件"))
# How these entries are shown in the audit log: as far as catalog.policy lets the reader see each package's unit.
audit_describers.register()

register_menu_item(
    MenuItem(
        "preservation",
        _("长期保存"),
        "preservation:audit_list",
        Capability.CATALOG_VIEW,
        order=40,
        active_prefixes=("/manage/preservation",),
    )
)


def _panel(request: Any, unit: Any) -> str:
    from .views import unit_panel

    return unit_panel(request, unit)


register_unit_panel(UnitPanel("preservation", _panel, order=50))


def _units_with_packages(unit_ids: list[int]) -> set[int]:
    """The units among ``unit_ids`` that have a preserved package: the catalog refuses to simply delete them (the
    OCFL object would be left with no one able to see it); they can only be disposed of, and keep their package."""
    from .models import PreservedPackage

    held: set[int] = set()
    for start in range(0, len(unit_ids), _LOOKUP_CHUNK):
        chunk = unit_ids[start : start + _LOOKUP_CHUNK]
        held.update(PreservedPackage.objects.filter(unit_id__in=chunk).values_list("unit_id", flat=True))
    return held


register_deletion_hold(DeletionHold("preservation", _("已长期保存（有保存包）"), _units_with_packages))


def _queue_audits(now: Any) -> int:
    from .schedule import queue_due_audits

    return queue_due_audits(now)


register_periodic_job(PeriodicJob("preservation.audit", _("定期固定性检查"), _queue_audits))

# The audit log's anchors are also kept in the storage root (its extensions/dangan-audit-anchors/).
register_anchor_location(audit_anchors.location)

REFRESH_CHUNK = 100  # packages per description-refresh task
_LOOKUP_CHUNK = 5000  # unit ids per query (SQLite's variable limit)


def _follow_units(sender: Any, unit_ids: list[int], removed: bool = False, **kwargs: Any) -> None:
    """Queue a description refresh for the packages of changed units, in the catalog's transaction (so the task
    commits with the change). The immediate backend (tests, development) would run it inside that transaction,
    before the change is committed, so there it runs after the commit."""
    if removed:
        return  # the package outlives the catalog row
    from .models import PreservedPackage
    from .tasks import refresh_descriptions_task

    package_ids: list[int] = []
    for start in range(0, len(unit_ids), _LOOKUP_CHUNK):
        chunk = unit_ids[start : start + _LOOKUP_CHUNK]
        package_ids += PreservedPackage.objects.filter(unit_id__in=chunk).values_list("pk", flat=True)
    immediate = "immediate" in settings.TASKS["default"]["BACKEND"].lower()
    for start in range(0, len(package_ids), REFRESH_CHUNK):
        chunk = package_ids[start : start + REFRESH_CHUNK]
        if immediate:
            transaction.on_commit(functools.partial(refresh_descriptions_task.enqueue, chunk))
        else:
            refresh_descriptions_task.enqueue(chunk)


units_changed.connect(_follow_units, dispatch_uid="dangan.preservation.follow_units")
