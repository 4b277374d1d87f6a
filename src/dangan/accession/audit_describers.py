"""How accession's audit entries are shown to a reader of the audit log: an entry about a transfer shows its content
to those who handle transfers, and only if they may see every unit the transfer brought into the catalog
(catalog.policy, through ``catalog.audit_describers``); a collection register entry to those who handle transfers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from dangan.catalog.audit_describers import readable_unit_ids
from dangan.core.auditlog.display import AuditDescriber, readable_with, register_describer
from dangan.core.models import AuditEntry
from dangan.core.roles import Capability, has_capability
from dangan.utilities.text import is_uuid

from .choices import CheckResult, TransferStatus, Verdict
from .models import TransferItem

LABELS = {
    "source": _("来源"),
    "transferring_unit": _("移交单位"),
    "batch": _("移交批次"),
    "files": _("文件数"),
    "bytes": _("字节数"),
    "bag_digest": _("信息包摘要"),
    "report": _("检测报告"),
    "verdict": _("检测结论"),
    "failed": _("未通过的项目"),
    "not_performed": _("未检测的项目"),
    "counts": _("统计"),
    "item": _("检测项目"),
    "result": _("结果"),
    "agreement": _("协议"),
    "quantity": _("数量"),
    "fonds": _("全宗"),
}
VALUES = {"status": TransferStatus, "verdict": Verdict, "result": CheckResult}


def readable_transfer_entries(reader: Any, entries: Sequence[AuditEntry]) -> Collection[int]:
    if not has_capability(reader, Capability.ACCESSION):
        return set()
    transfers = [e.object_id for e in entries if is_uuid(e.object_id)]
    units: dict[str, set[str]] = {t: set() for t in transfers}
    rows = TransferItem.objects.filter(transfer__uuid__in=transfers, unit__isnull=False).values_list(
        "transfer__uuid", "unit__uuid"
    )
    for transfer, unit in rows.iterator(chunk_size=2000):
        units[str(transfer)].add(str(unit))
    visible = readable_unit_ids(reader, set().union(*units.values())) if units else set()
    return {e.pk for e in entries if e.object_id in units and units[e.object_id] <= visible}


def register() -> None:
    for prefix, readable in (
        ("accession.", readable_transfer_entries),
        ("accession.acquisition.", readable_with(Capability.ACCESSION)),
    ):
        register_describer(AuditDescriber(prefix, readable, labels=LABELS, values=VALUES))
