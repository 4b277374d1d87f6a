"""Accession's and preservation's audit entries as a reader of the audit log sees them: a transfer that brought a
秘密 unit, and that unit's package, show their content only to a reader cleared for it (catalog.policy); a 公开
unit's package entries to any catalog reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dangan.accession.actions.ingest import ingest
from dangan.accession.samples import default_items
from dangan.catalog.models import ArchivalUnit
from dangan.core.auditlog.display import present
from dangan.core.models import AuditEntry
from dangan.preservation.models import PreservedPackage


def test_transfer_and_package_entries_follow_the_units_they_concern(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, junior_archivist: Any, archivist: Any
) -> None:
    items = default_items(2)
    items[1].classification = "秘密"
    result = ingest(make_sip(items))
    assert result.status == "accepted", result.message
    secret = ArchivalUnit.objects.get(classification="secret")
    public = ArchivalUnit.objects.exclude(pk=secret.pk).get()

    transfer_entries = list(AuditEntry.objects.filter(object_id=str(result.transfer.uuid)))
    assert transfer_entries
    assert all(v.withheld for v in present(transfer_entries, junior_archivist))
    assert not any(v.withheld for v in present(transfer_entries, archivist))

    def package_entries(unit: ArchivalUnit) -> list[AuditEntry]:
        package = PreservedPackage.objects.get(unit=unit)
        return list(AuditEntry.objects.filter(object_id=str(package.uuid)))

    secret_views = present(package_entries(secret), junior_archivist)
    assert secret_views and all(v.withheld and not v.object_text for v in secret_views)
    assert not any(v.withheld for v in present(package_entries(secret), archivist))
    assert not any(v.withheld for v in present(package_entries(public), junior_archivist))
