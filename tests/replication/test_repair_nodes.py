# ruff: noqa: F811 (pytest fixtures imported from tests/replication/transfers.py)
"""Repair between three real dangan nodes on loopback (tests/replication/nodes.py): this test process is the owner
(node0: its keys, its storage root, its database with both keepers pinned as partner targets), node1 and node2 keep
its copies in their keeping areas. A byte flipped in a keeper's kept file is rewritten from the owner over the
signed protocol; the owner's own file, damaged, comes back from a keeper byte for byte; the owner's file and
keeper 1's copy damaged: keeper 1 is repaired from keeper 2's copy; keeper 1 killed mid-repair: the repair names
it and the next one, after the keeper restarted, resumes and finishes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.preservation.actions.auditing import do_audit
from dangan.preservation.choices import FixityStatus
from dangan.preservation.models import PreservedPackage
from dangan.replication.actions.repair import do_repair
from dangan.replication.actions.transfers import replicate_package
from dangan.replication.choices import EnvelopeFault, ReplicaState
from dangan.replication.models import Partner, Replica, StoredEnvelope, Target
from dangan.replication.stores.base import Pieces, Receipt
from dangan.replication.stores.partner import PartnerStore

from .nodes import Node, start_nodes
from .transfers import (  # noqa: F401 (fixtures)
    PDF,
    RecordingStore,
    _Wrapper,
    make_unit,
    preserved,
    source_files,
    storage,
)

pytestmark = pytest.mark.django_db

BIG = os.urandom(20_000)  # 20 chunks of 1 KiB


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Node]]:
    with start_nodes(tmp_path_factory.mktemp("nodes"), 3) as started:
        yield started


@pytest.fixture
def keepers(nodes: list[Node], settings: Any) -> Iterator[tuple[Target, Target]]:
    """This process speaks as node0; node1 and node2 are pinned here as partner targets (1 KiB chunks)."""
    settings.REPLICATION_HOME = nodes[0].replication_home
    targets = []
    for keeper in nodes[1:]:
        partner = keeper.as_partner()
        partner.quota_bytes = 64 * 1024 * 1024
        partner.save()
        targets.append(
            Target.objects.create(
                name=keeper.name, kind="partner", medium="disk", partner=partner, options={"chunk_size": 1024}
            )
        )
    yield targets[0], targets[1]
    for keeper in nodes[1:]:
        if keeper.process is None:
            keeper.start()


@pytest.fixture
def package(keepers: tuple[Target, Target], preserved: Any) -> Any:
    package = preserved({"0001.pdf": PDF, "big.bin": BIG})
    for target in keepers:
        replicate_package(package, target)
    return package


def kept(nodes: list[Node], target: Target, row: StoredEnvelope) -> Path:
    keeper = next(n for n in nodes if n.name == target.name)
    return keeper.keeping_root / nodes[0].identity["node_id"] / row.name


def big_row(package: Any, target: Target) -> StoredEnvelope:
    return StoredEnvelope.objects.get(replica__package=package, replica__target=target, path__endswith="big.bin")


def flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def mark(row: StoredEnvelope) -> None:
    """As the audits part records a failed audit."""
    from django.utils import timezone

    StoredEnvelope.objects.filter(pk=row.pk).update(
        fault=EnvelopeFault.DAMAGED, fault_found_at=timezone.now(), fault_detail="chunk 3 failed"
    )
    Replica.objects.filter(pk=row.replica_id).update(state=ReplicaState.DAMAGED)


def own_big(storage: Any, package: Any) -> Path:
    return Path(storage.backend.describe(storage.object_path(package.object_id))) / "v1/content/content/big.bin"


def test_a_flipped_byte_in_a_keepers_copy_is_rewritten_from_the_owner(nodes, keepers, package, capsys):
    one, two = keepers
    row = big_row(package, one)
    good = kept(nodes, one, row).read_bytes()
    flip(kept(nodes, one, row), 5000)
    mark(row)
    # PartnerStore.put alone would confirm it: complete, same size.
    assert PartnerStore(Partner.objects.get(name=one.name)).stat(row.name).size == len(good)

    capsys.readouterr()
    assert main(["replication", "repair", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)

    assert [(r["target"], r["source"]) for r in out["repaired"]] == [(one.name, "owner")]
    assert kept(nodes, one, row).read_bytes() == good == kept(nodes, two, big_row(package, two)).read_bytes()
    assert Replica.objects.get(package=package, target=one).state == ReplicaState.CURRENT


def test_the_owners_file_and_keeper_ones_copy_damaged_one_is_repaired_from_two(
    nodes, keepers, package, storage, capsys
):
    one, two = keepers
    path = own_big(storage, package)
    flip(path, 7777)
    do_audit(CONSOLE)  # the local fixity audit finds it
    assert PreservedPackage.objects.get(pk=package.pk).fixity_status == FixityStatus.FAILED
    row = big_row(package, one)
    good = kept(nodes, two, big_row(package, two)).read_bytes()
    flip(kept(nodes, one, row), 1500)
    mark(row)

    capsys.readouterr()
    assert main(["replication", "repair", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)

    by_what = {r["what"]: r for r in out["repaired"]}
    assert (by_what["copy"]["target"], by_what["copy"]["source"]) == (one.name, two.name)
    assert by_what["own"]["path"] == "v1/content/content/big.bin"
    assert kept(nodes, one, row).read_bytes() == good
    assert path.read_bytes() == BIG  # byte for byte, from a keeper
    assert PreservedPackage.objects.get(pk=package.pk).fixity_status == FixityStatus.OK
    assert do_audit(CONSOLE).failure_count == 0


class KillingStore(_Wrapper):
    """A real partner store whose keeper is killed (SIGKILL) after ``after`` pieces of a put went through."""

    def __init__(self, inner: PartnerStore, keeper: Node, after: int) -> None:
        super().__init__(inner)
        self.keeper, self.left = keeper, after

    def put(self, name: str, size: int, pieces: Pieces) -> Receipt:
        def counted(offset: int) -> Iterator[bytes]:
            for piece in pieces(offset):
                if self.left == 0:
                    self.keeper.kill()
                self.left -= 1
                yield piece

        return self.inner.put(name, size, counted)


def test_a_keeper_killed_mid_repair_is_named_and_the_next_repair_finishes(nodes, keepers, package):
    one, _two = keepers
    keeper = nodes[1]
    row = big_row(package, one)
    good = kept(nodes, one, row).read_bytes()
    flip(kept(nodes, one, row), 9000)
    mark(row)
    partner = Partner.objects.get(name=one.name)
    # PUTs of 4 KiB, so that some arrive before the keeper dies.
    store = KillingStore(PartnerStore(partner, put_bytes=4096, timeout=5), keeper, after=10)

    report = do_repair(CONSOLE, stores={one.pk: store})

    assert not report.ok and keeper.process is None
    [failed] = report.failed
    assert (failed.target, failed.path) == (one.name, row.path)
    row.refresh_from_db()
    assert row.fault == EnvelopeFault.DAMAGED  # still: nothing confirmed
    partial = kept(nodes, one, row).with_name(row.name.split("/")[-1] + ".partial")
    assert partial.exists() and 0 < partial.stat().st_size < len(good)
    held = partial.stat().st_size

    keeper.start()
    recording = RecordingStore(PartnerStore(partner, put_bytes=4096))
    report = do_repair(CONSOLE, stores={one.pk: recording})

    assert report.ok and [(r.target, r.source) for r in report.repaired] == [(one.name, "owner")]
    [(name, offset)] = recording.puts
    assert name == row.name and offset == held  # resumed from what the keeper held, not sent again
    assert kept(nodes, one, row).read_bytes() == good
    row.refresh_from_db()
    assert row.fault == ""
