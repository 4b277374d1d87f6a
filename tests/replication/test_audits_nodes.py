# ruff: noqa: F811 (pytest fixtures imported from tests/replication/transfers.py)
"""Audits of copies kept by real partner nodes (tests/replication/nodes.py: three `dangan serve` processes on
loopback; this test process is the owner, node0): the keeper computes the proofs
itself and sends only digests; a flipped byte in the keeper's keeping area, a chunk cut off, an envelope deleted,
a forged answer (not signed by the pinned key) and a removed partner are each found and named, and the audit's
traffic does not depend on the copy's size."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dangan.core.actors import CONSOLE
from dangan.replication.actions.audits import audit_target, do_audit
from dangan.replication.actions.partners import do_remove_partner
from dangan.replication.actions.transfers import replicate_package
from dangan.replication.choices import EnvelopeFault, EnvelopeKind, ReplicaState
from dangan.replication.crypto.envelope import EnvelopeHeader
from dangan.replication.models import AuditOutcome, Partner, Replica, StoredEnvelope, Target
from dangan.replication.stores.partner import PartnerStore

from .nodes import Node, start_nodes
from .test_audits import Replaying
from .transfers import PDF, TEXT, make_unit, preserved, source_files, storage  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Node]]:
    with start_nodes(tmp_path_factory.mktemp("nodes"), 3, quota_bytes=64 * 1024 * 1024) as started:
        yield started


@pytest.fixture
def owner(nodes: list[Node], settings: Any) -> Node:
    settings.REPLICATION_HOME = nodes[0].replication_home
    return nodes[0]


def partner_target(keeper: Node, *, public_key: str | None = None) -> Target:
    partner = keeper.as_partner(public_key=public_key)
    partner.quota_bytes = 64 * 1024 * 1024
    partner.save()
    return Target.objects.create(
        name=keeper.name, kind="partner", medium="disk", partner=partner, options={"chunk_size": 1024}
    )


def kept(keeper: Node, owner: Node, name: str) -> Path:
    return keeper.keeping_root / owner.identity["node_id"] / name


def content_row(package: Any, target: Target, suffix: str) -> StoredEnvelope:
    return StoredEnvelope.objects.get(
        replica__package=package, replica__target=target, kind=EnvelopeKind.CONTENT, path__endswith=suffix
    )


def test_partner_copies_are_proven_and_each_fault_at_a_keeper_is_named(
    nodes: list[Node], owner: Node, storage: Any, preserved: Any
) -> None:
    first = preserved({"0001.pdf": PDF, "说明.txt": TEXT, "big.bin": os.urandom(20_000)})
    second = preserved({"scan.tif": os.urandom(6000)})
    keeper, other = nodes[1], nodes[2]
    targets = [partner_target(keeper), partner_target(other)]
    for target in targets:
        for package in (first, second):
            replicate_package(package, target)

    report = do_audit(CONSOLE)
    assert report.ok and [item.target for item in report.targets] == ["node1", "node2"]
    for item in report.targets:
        assert item.chunks_sampled > 0 and item.request_bytes > 0 and item.answer_bytes > 0
    full = do_audit(CONSOLE, targets[0], full=True)
    assert full.ok and full.targets[0].chunks_covered == full.targets[0].chunks

    # Faults in node1's keeping area: a flipped byte, the last chunks cut off, an envelope deleted.
    flipped, cut, gone = (content_row(first, targets[0], suffix) for suffix in ("big.bin", "0001.pdf", "说明.txt"))
    path = kept(keeper, owner, flipped.name)
    header = EnvelopeHeader.read(path.open("rb"))
    data = bytearray(path.read_bytes())
    data[header.chunk_offset(7) + 99] ^= 0x04
    path.write_bytes(bytes(data))
    path = kept(keeper, owner, cut.name)
    path.write_bytes(path.read_bytes()[: header.chunk_offset(cut.chunks - 1)])
    kept(keeper, owner, gone.name).unlink()

    report = do_audit(CONSOLE, full=True)
    assert not report.ok
    found = {failure.envelope: failure for failure in report.failures}
    assert set(found) == {flipped.name, cut.name, gone.name}  # node2's copies are intact
    assert (found[flipped.name].what, found[flipped.name].chunk) == ("damaged", 7)
    assert (found[cut.name].what, found[cut.name].chunk) == ("chunks-missing", cut.chunks - 1)
    assert found[gone.name].what == "missing"
    assert all(
        failure.target == "node1" and failure.reference_code == first.reference_code for failure in found.values()
    )
    flipped.refresh_from_db()
    assert flipped.fault == EnvelopeFault.DAMAGED
    assert Replica.objects.get(package=first, target=targets[0]).state == ReplicaState.MISSING
    assert Replica.objects.get(package=first, target=targets[1]).state == ReplicaState.CURRENT

    # A forged answer: node2's answers checked against a key that is not its own.
    impostor = Partner.objects.get(name="node2")
    impostor.public_key = owner.identity["public_key"]
    impostor.save()
    report = do_audit(CONSOLE, Target.objects.get(name="node2"))
    (failure,) = report.failures
    assert failure.what == "forged-answer" and report.targets[0].outcome == AuditOutcome.FAILED
    impostor.public_key = other.identity["public_key"]
    impostor.save()
    assert do_audit(CONSOLE, Target.objects.get(name="node2")).ok

    # A removed partner: its copies are not audited as good.
    do_remove_partner(CONSOLE, Partner.objects.get(name="node2"), "合作终止")
    report = do_audit(CONSOLE, Target.objects.get(name="node2"))
    assert not report.ok and {failure.what for failure in report.failures} == {"target-removed"}
    assert {failure.package for failure in report.failures} == {str(first.uuid), str(second.uuid)}


def test_audit_traffic_does_not_grow_with_the_copy(
    nodes: list[Node], owner: Node, storage: Any, preserved: Any
) -> None:
    target = partner_target(nodes[1])
    small = preserved({"a.bin": os.urandom(30_000)})
    replicate_package(small, target)
    (one,) = do_audit(CONSOLE, target).targets
    big = preserved({f"f{i}.bin": os.urandom(20_000) for i in range(12)})
    replicate_package(big, target)
    (two,) = do_audit(CONSOLE, target).targets
    assert one.ok and two.ok and two.chunks > 5 * one.chunks
    # bounded by the sample (≤ 459 chunks), not by the copy: here every chunk of a small copy is sampled
    assert two.request_bytes + two.answer_bytes < 459 * 250

    # A keeper that replays its earlier (genuine, signed afresh) answer to a new challenge proves nothing.
    replaying = Replaying(PartnerStore(Partner.objects.get(name="node1")))
    assert audit_target(target, store=replaying).ok
    replaying.replay = True
    again = audit_target(target, store=replaying)
    assert [failure.what for failure in again.failures] == ["stale-answer"]
    assert again.outcome == AuditOutcome.FAILED

    # A keeper that is down: the audit says so and proves nothing (no fault is set on what it holds).
    nodes[1].kill()
    try:
        (down,) = do_audit(CONSOLE, target).targets
    finally:
        nodes[1].start()
    assert down.outcome == AuditOutcome.UNREACHABLE and [f.what for f in down.failures] == ["unreachable"]
    assert not StoredEnvelope.objects.filter(replica__target=target).exclude(fault="").exists()
