"""The audit log: every change is recorded with before/after, and tampering is detected."""

from __future__ import annotations

import pytest

from dangan.catalog.actions.units import do_create_unit, do_update_unit
from dangan.cli import main
from dangan.core.audit import log, verify_chain
from dangan.core.models import AuditEntry


def test_changes_are_chained_and_verifiable(fonds, archivist):
    unit = do_create_unit(archivist, fonds, {"title": "遵义会议文件汇编"})
    do_update_unit(archivist, unit, {"title": "遵义会议文件选编", "page_count": 12})
    entry = AuditEntry.objects.filter(action="catalog.unit.update").get()
    assert entry.username == "archivist"
    assert entry.data["before"] == {"title": "遵义会议文件汇编", "page_count": None}
    assert entry.data["after"] == {"title": "遵义会议文件选编", "page_count": 12}
    report = verify_chain()
    assert report.ok and report.checked == AuditEntry.objects.count()


@pytest.mark.parametrize("tamper", ["edit", "delete"])
def test_editing_or_removing_an_entry_breaks_the_chain(fonds, archivist, tamper, capsys):
    for i in range(3):
        do_create_unit(archivist, fonds, {"title": f"件{i}"})
    victim = AuditEntry.objects.filter(action="catalog.unit.create").order_by("id")[1]
    if tamper == "edit":
        AuditEntry.objects.filter(pk=victim.pk).update(username="someone-else")
    else:
        AuditEntry.objects.filter(pk=victim.pk).delete()
    report = verify_chain()
    assert not report.ok
    assert main(["auditlog", "verify"]) == 1
    assert "篡改" in capsys.readouterr().err


def test_unregistered_actions_are_refused(fonds):
    with pytest.raises(KeyError):
        log(fonds, "catalog.unit.teleport", None, {})
