# ruff: noqa: F811 (pytest fixtures imported from tests/replication/transfers.py)
"""The audits and repair parts together, as an operator runs them: `dangan replication audit --full` finds each
fault at a keeper (a flipped byte, a chunk cut off, an envelope deleted, a damaged header) and names it, `dangan
replication repair` rewrites exactly what the audit named, and the next audit proves the copy whole again."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from dangan.cli import main
from dangan.replication.actions.transfers import replicate_package
from dangan.replication.choices import EnvelopeFault, EnvelopeKind, ReplicaState
from dangan.replication.crypto.envelope import EnvelopeHeader
from dangan.replication.models import Replica, StoredEnvelope

from .transfers import (  # noqa: F401 (fixtures)
    PDF,
    TEXT,
    make_target,
    make_unit,
    node,
    preserved,
    source_files,
    storage,
)

pytestmark = pytest.mark.django_db


def run(capsys: Any, *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["replication", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_what_an_audit_names_repair_rewrites_and_the_next_audit_proves(
    node: Any, storage: Any, preserved: Any, make_target: Any, security_auditor: Any, capsys: Any
) -> None:
    package = preserved({"0001.pdf": PDF, "说明.txt": TEXT, "big.bin": os.urandom(9000), "scan.tif": os.urandom(5000)})
    nas = make_target("nas")
    replicate_package(package, nas)
    folder = Path(nas.location)
    rows = {
        row.path.rsplit("/", 1)[-1]: row
        for row in StoredEnvelope.objects.filter(replica__target=nas, kind=EnvelopeKind.CONTENT)
    }
    originals = {path.name: path.read_bytes() for path in folder.rglob("*") if path.is_file()}

    # Four faults at the keeper, one per envelope.
    flipped = folder / rows["big.bin"].name
    data = bytearray(flipped.read_bytes())
    data[-100] ^= 0x01
    flipped.write_bytes(bytes(data))
    cut = folder / rows["scan.tif"].name
    cut.write_bytes(cut.read_bytes()[:-1500])
    (folder / rows["0001.pdf"].name).unlink()
    header = folder / rows["说明.txt"].name
    data = bytearray(header.read_bytes())
    data[len(EnvelopeHeader.read(io.BytesIO(bytes(data))).to_bytes()) - 1] ^= 0x01  # the object id's last byte
    header.write_bytes(bytes(data))

    code, audit = run(capsys, "audit", "--target", "nas", "--full")
    assert code == 1
    faults = {row.path.rsplit("/", 1)[-1]: row.fault for row in StoredEnvelope.objects.filter(replica__target=nas)}
    assert faults["big.bin"] == faults["说明.txt"] == EnvelopeFault.DAMAGED
    assert faults["0001.pdf"] == EnvelopeFault.MISSING
    assert faults["scan.tif"] in (EnvelopeFault.DAMAGED, EnvelopeFault.MISSING)
    assert Replica.objects.get(package=package, target=nas).state in (ReplicaState.DAMAGED, ReplicaState.MISSING)
    assert "big.bin" in json.dumps(audit, ensure_ascii=False)

    code, repair = run(capsys, "repair", "--target", "nas")
    assert code == 0 and repair["failed"] == [], repair
    assert {item["path"].rsplit("/", 1)[-1] for item in repair["repaired"]} == {
        "big.bin",
        "scan.tif",
        "0001.pdf",
        "说明.txt",
    }
    assert {path.name: path.read_bytes() for path in folder.rglob("*") if path.is_file()} == originals

    code, audit = run(capsys, "audit", "--target", "nas", "--full")
    assert code == 0, audit
    assert not StoredEnvelope.objects.filter(replica__target=nas).exclude(fault="").exists()
    assert Replica.objects.get(package=package, target=nas).state == ReplicaState.CURRENT

    # The security auditor reads what was audited and repaired in the audit log, in full, labelled.
    from dangan.core.auditlog.display import present
    from dangan.core.models import AuditEntry

    entries = list(AuditEntry.objects.filter(action__in=["replication.audit", "replication.repair"]).order_by("id"))
    assert [entry.action for entry in entries] == ["replication.audit", "replication.repair", "replication.audit"]
    views = present(entries, security_auditor)
    assert not any(view.withheld for view in views)
    repaired = dict(views[1].details)
    assert repaired["备份目标"] == "nas" and "已修复" in repaired and "发送字节数" in repaired
    # Package ids, never a 档号 or a title: whoever reads the log may not see every unit.
    assert package.unit.reference_code not in json.dumps([entry.data for entry in entries], ensure_ascii=False)
