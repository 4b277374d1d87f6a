"""How preservation's audit entries are shown to a reader of the audit log: an entry about a package (preserving,
downloading, a fixity failure) shows its content only to a reader who may see the package's unit (catalog.policy,
through ``catalog.audit_describers``); an audit run's start and end, which name no unit, to the readers of the
preservation pages; a rebuild, which lists any object and server errors, only to a reader who sees every 密级."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from dangan.catalog.audit_describers import readable_unit_ids
from dangan.catalog.policy import visibility_rule
from dangan.core.auditlog.display import AuditDescriber, readable_with, register_describer
from dangan.core.models import AuditEntry
from dangan.core.roles import Capability
from dangan.utilities.text import is_uuid

from .choices import AuditKind, AuditStatus
from .models import PreservedPackage

LABELS = {
    "unit": _("档案"),
    "object_id": _("对象标识"),
    "version": _("版本"),
    "new_version": _("新版本"),
    "files": _("文件"),
    "file_count": _("文件数"),
    "bytes_written": _("写入字节数"),
    "run": _("检查批次"),
    "failures": _("问题"),
    "failed_objects": _("有问题的对象数"),
    "objects": _("对象数"),
    "versions": _("版本数"),
    "events": _("事件数"),
    "missing": _("缺失的对象"),
    "errors": _("错误"),
    "resumed": _("续做"),
    "sample_percent": _("抽样比例（%）"),
    "expected": _("应为"),
    "actual": _("实为"),
    "kind": _("类型"),
    "status": _("状态"),
}
VALUES = {"kind": AuditKind, "status": AuditStatus}


def readable_package_entries(reader: Any, entries: Sequence[AuditEntry]) -> Collection[int]:
    """Entries whose object is a package: as readable as the package's unit (now, or as last recorded)."""
    uuids = [e.object_id for e in entries if is_uuid(e.object_id)]
    units = {
        str(p): str(u) for p, u in PreservedPackage.objects.filter(uuid__in=uuids).values_list("uuid", "unit_uuid")
    }
    for entry in entries:  # a package row rebuilt away still has its unit in the entry
        recorded = entry.data.get("unit") if isinstance(entry.data, dict) else None
        if entry.object_id not in units and isinstance(recorded, str):
            units[entry.object_id] = recorded
    visible = readable_unit_ids(reader, set(units.values()))
    return {e.pk for e in entries if units.get(e.object_id) in visible}


def readable_to_all_levels(reader: Any, entries: Sequence[AuditEntry]) -> Collection[int]:
    return {e.pk for e in entries} if visibility_rule(reader).everything else set()


def register() -> None:
    for prefix, readable in (
        ("preservation.", readable_with(Capability.CATALOG_VIEW)),
        ("preservation.package.", readable_package_entries),
        ("preservation.file.", readable_package_entries),
        ("preservation.audit.failure", readable_package_entries),
        ("preservation.rebuild", readable_to_all_levels),
    ):
        register_describer(AuditDescriber(prefix, readable, labels=LABELS, values=VALUES))
