# ruff: noqa: F811 (pytest fixtures imported from tests/replication/transfers.py)
"""Replicating preserved packages to folder targets (real folders): the first copy, a new version sent
incrementally, a transfer killed half-way and resumed, the manifest that lists the object, and the rebuilt object
that validates — all from what lies at the target."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from dangan.core.actors import CONSOLE
from dangan.preservation.actions.preserving import do_preserve
from dangan.preservation.models import PackageEvent
from dangan.preservation.ocfl.validation import validate_object
from dangan.preservation.premis import EventType
from dangan.preservation.storage.local import LocalFilesystemBackend
from dangan.replication.actions.transfers import MANIFEST_FORMAT, replicate_package
from dangan.replication.choices import EnvelopeKind, ReplicaState
from dangan.replication.crypto import envelope
from dangan.replication.models import BackupRecord, Replica, StoredEnvelope
from dangan.replication.node import master_key
from dangan.replication.stores.folder import FolderStore
from tests.preservation.conftest import s3_storage  # noqa: F401 (fixture)

from .transfers import (  # noqa: F401 (fixtures)
    PDF,
    TEXT,
    Crash,
    FailingStore,
    RecordingStore,
    make_target,
    make_unit,
    node,
    preserved,
    source_files,
    storage,
)

pytestmark = pytest.mark.django_db


def object_files(storage: Any, package: Any) -> dict[str, bytes]:
    """Every file of the package's OCFL object, by path under the object root."""
    base = Path(storage.backend.describe(storage.object_path(package.object_id)))
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def open_envelope(folder: Path, name: str) -> bytes:
    with open(folder / name, "rb") as handle:
        return b"".join(envelope.decrypt(master_key(), handle))


def manifest_at(folder: Path, version: int) -> dict[str, Any]:
    """The manifest of ``version`` found at the target by listing manifests/ and decrypting each."""
    for path in sorted((folder / "manifests").iterdir()):
        document = json.loads(open_envelope(folder, f"manifests/{path.name}"))
        if document["version"] == version:
            return document
    raise AssertionError(f"no manifest of v{version} at {folder}")


def test_first_replication_sends_the_whole_object_encrypted_and_records_it(node, storage, preserved, make_target):
    package = preserved({"0001.pdf": PDF, "说明.txt": TEXT, "big.bin": os.urandom(5000)})
    target = make_target("nas")
    folder = Path(target.location)

    result = replicate_package(package, target)

    assert result.version_number == 1 and not result.unchanged
    files = object_files(storage, package)
    replica = Replica.objects.get(package=package, target=target)
    assert replica.state == ReplicaState.CURRENT and replica.version_number == 1 and not replica.problem
    rows = list(replica.envelopes.all())
    # One envelope per distinct content (the root inventory is v1's inventory: the same envelope), one manifest.
    assert len([r for r in rows if r.kind == EnvelopeKind.CONTENT]) == len(set(files.values()))
    assert [r.kind for r in rows].count(EnvelopeKind.MANIFEST) == 1
    for row in rows:
        held = folder / row.name
        assert held.stat().st_size == row.ciphertext_size and row.stored_at is not None
        assert hashlib.sha256(held.read_bytes()).hexdigest() == row.manifest["sha256"]
        assert row.name.startswith(("content/", "manifests/")) and len(row.name.split("/")[1]) == 64
    assert replica.bytes == sum(r.ciphertext_size for r in rows)
    assert sum(1 for p in folder.rglob("*") if p.is_file()) == len(rows)  # nothing else, no .partial left
    # Nothing at the target is readable: no file's bytes, no path, no 档号.
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert PDF[:20] not in data and TEXT not in data and package.reference_code.encode() not in data

    event = PackageEvent.objects.get(package=package, event_type=EventType.REPLICATION)
    assert "nas" in event.detail and event.outcome == "success" and event.version_id is None
    record = BackupRecord.objects.get()
    assert (record.package_uuid, record.target_name, record.version_number) == (package.uuid, "nas", 1)
    assert record.envelopes == len(rows) and record.bytes == replica.bytes == record.total_bytes
    assert record.actor_name == "console" and record.manifest_name.startswith("manifests/")
    receipts = "".join(
        f"{r.name} {r.ciphertext_size} {r.manifest['sha256']}\n" for r in sorted(rows, key=lambda r: r.name)
    )
    assert record.receipt_sha256 == hashlib.sha256(receipts.encode()).hexdigest()


def test_the_manifest_lists_the_object_and_the_object_comes_back_from_the_target_alone(
    node, storage, preserved, make_target, tmp_path
):
    package = preserved({"0001.pdf": PDF, "scan/p1.bin": os.urandom(3000)})
    target = make_target("tape", medium="tape")
    replicate_package(package, target)
    folder = Path(target.location)

    document = manifest_at(folder, 1)
    files = object_files(storage, package)
    assert document["format"] == MANIFEST_FORMAT and document["owner"] == str(node.node_id)
    assert document["object_id"] == package.object_id and document["package"] == str(package.uuid)
    assert document["version_name"] == "v1"
    assert [f["path"] for f in document["files"]] == sorted(files)
    for item in document["files"]:
        assert item["size"] == len(files[item["path"]])
        assert item["sha256"] == hashlib.sha256(files[item["path"]]).hexdigest()

    # A node that lost everything but its key: the object, byte for byte, from the target's envelopes.
    rebuilt = tmp_path / "rebuilt" / "object"
    for item in document["files"]:
        path = rebuilt / item["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(open_envelope(folder, item["envelope"]))
    assert {p.relative_to(rebuilt).as_posix(): p.read_bytes() for p in rebuilt.rglob("*") if p.is_file()} == files
    assert validate_object(LocalFilesystemBackend(rebuilt.parent), "object").valid


def test_a_new_version_sends_only_its_new_files(node, storage, preserved, make_target, source_files):
    package = preserved({"0001.pdf": PDF, "big.bin": os.urandom(8000)})
    target = make_target("nas")
    folder = Path(target.location)
    replicate_package(package, target)
    before = {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    old_rows = set(StoredEnvelope.objects.values_list("name", flat=True))

    do_preserve(CONSOLE, package.unit, source_files({"0002.txt": TEXT}), message="补充")
    package.refresh_from_db()
    assert package.head_version == "v2"
    store = RecordingStore(FolderStore(folder))
    result = replicate_package(package, target, store=store)

    assert result.version_number == 2
    new_rows = set(StoredEnvelope.objects.values_list("name", flat=True)) - old_rows
    assert set(store.sent) == new_rows and not set(store.sent) & old_rows  # nothing old sent again
    # v2's new content (0002.txt, the new METS), its inventory and sidecar, the root ones (the same bytes as
    # v2's: no second envelope), and the manifest of v2.
    paths = set(StoredEnvelope.objects.filter(name__in=new_rows).values_list("path", flat=True))
    assert paths == {
        "v2/content/content/0002.txt",
        "v2/content/metadata/mets.xml",
        "v2/inventory.json",
        "v2/inventory.json.sha512",
        "v2",
    }
    assert result.envelopes_sent == len(new_rows) == 5
    assert all((folder / name).stat().st_mtime_ns == mtime for name, mtime in before.items())  # old ones untouched
    assert [f["path"] for f in manifest_at(folder, 2)["files"]] == sorted(object_files(storage, package))
    replica = Replica.objects.get()
    assert replica.version_number == 2 and replica.state == ReplicaState.CURRENT
    assert BackupRecord.objects.count() == 2

    again = replicate_package(package, target, store=store)  # current: nothing read, nothing sent, nothing noted
    assert again.unchanged and BackupRecord.objects.count() == 2
    assert PackageEvent.objects.filter(event_type=EventType.REPLICATION).count() == 2


def test_a_transfer_killed_half_way_resumes_where_it_stopped(node, storage, preserved, make_target):
    package = preserved({"a.bin": os.urandom(20_000), "b.bin": os.urandom(20_000)})
    target = make_target("nas")
    folder = Path(target.location)

    with pytest.raises(Crash):
        replicate_package(package, target, store=FailingStore(FolderStore(folder), after=30))

    # Rows only for what the target confirmed; each of them whole at the target; one envelope cut off.
    rows = list(StoredEnvelope.objects.all())
    assert rows and all((folder / r.name).stat().st_size == r.ciphertext_size for r in rows)
    partial = list(folder.rglob("*.partial"))
    assert len(partial) == 1 and partial[0].stat().st_size > 0
    replica = Replica.objects.get()
    assert replica.state == ReplicaState.PENDING and replica.version_number == 0
    assert not BackupRecord.objects.exists()
    assert not PackageEvent.objects.filter(event_type=EventType.REPLICATION).exists()

    store = RecordingStore(FolderStore(folder))
    result = replicate_package(package, target, store=store)
    cut = partial[0].relative_to(folder).as_posix().removesuffix(".partial")
    assert dict(store.puts)[cut] > 0  # resumed from the bytes already there, not sent again
    assert not set(store.sent) & {r.name for r in rows}  # confirmed envelopes were not sent again
    assert result.version_number == 1 and not list(folder.rglob("*.partial"))
    document = manifest_at(folder, 1)
    files = object_files(storage, package)
    for item in document["files"]:
        assert open_envelope(folder, item["envelope"]) == files[item["path"]]
    assert Replica.objects.get().state == ReplicaState.CURRENT


def test_a_crash_after_the_target_confirmed_but_before_the_row_sends_nothing_again(
    node, storage, preserved, make_target
):
    package = preserved({"a.bin": os.urandom(4000)})
    target = make_target("nas")
    folder = Path(target.location)
    replicate_package(package, target)
    names = set(StoredEnvelope.objects.values_list("name", flat=True))
    Replica.objects.all().delete()  # the database forgot (a crash before its commit); the target holds it all

    store = RecordingStore(FolderStore(folder))
    result = replicate_package(package, target, store=store)
    assert store.sent == [] and {name for name, _offset in store.puts} == names
    assert result.version_number == 1 and Replica.objects.get().state == ReplicaState.CURRENT


def test_a_target_that_corrupts_what_it_receives_is_caught_by_the_receipt(node, storage, preserved, make_target):
    from dangan.replication.stores.base import StoreError

    class Flipping(RecordingStore):
        def put(self, name, size, pieces):
            def flipped(offset):
                for piece in pieces(offset):
                    yield piece[:-1] + bytes([piece[-1] ^ 1]) if len(piece) > 100 else piece

            return self.inner.put(name, size, flipped)

    package = preserved({"a.bin": os.urandom(4000)})
    target = make_target("nas")
    with pytest.raises(StoreError, match="回执"):
        replicate_package(package, target, store=Flipping(FolderStore(target.location)))
    assert not StoredEnvelope.objects.exists()
    assert not [p for p in Path(target.location).rglob("*") if p.is_file()]  # the bad envelope was removed
    assert "回执" in Replica.objects.get().problem


def test_the_folder_store_is_resumable_and_idempotent(tmp_path):
    store = FolderStore(tmp_path)
    data = os.urandom(10_000)

    def pieces(offset):
        for start in range(offset, len(data), 1000):
            yield data[start : start + 1000]

    asked = []

    def failing(offset):
        asked.append(offset)
        for n, piece in enumerate(pieces(offset)):
            if n == 4:
                raise Crash()
            yield piece

    with pytest.raises(Crash):
        store.put("content/ab", len(data), failing)
    assert store.stat("content/ab").complete is False and store.stat("content/ab").size == 4000
    receipt = store.put("content/ab", len(data), lambda offset: (asked.append(offset), pieces(offset))[1])
    assert asked == [0, 4000] and receipt.sha256 == hashlib.sha256(data).hexdigest() and receipt.size == len(data)
    assert store.put("content/ab", len(data), failing) == receipt and asked == [0, 4000]  # held: nothing asked
    assert store.read("content/ab", 9000, 5000) == data[9000:] and [o.name for o in store.list("content/")] == [
        "content/ab"
    ]
    store.delete("content/ab")
    assert store.stat("content/ab") is None and list(store.list()) == []
    with pytest.raises(ValueError):
        store.put("../escape", 1, lambda offset: iter([b"x"]))


def test_a_package_on_an_s3_storage_root_replicates_the_same_way(
    node, s3_storage, make_unit, source_files, make_target
):
    package = do_preserve(CONSOLE, make_unit(), source_files({"a.bin": os.urandom(5000), "b.txt": TEXT})).package
    target = make_target("nas")
    folder = Path(target.location)

    result = replicate_package(package, target)

    assert result.version_number == 1 and Replica.objects.get().state == ReplicaState.CURRENT
    document = manifest_at(folder, 1)
    base = s3_storage.object_path(package.object_id)
    for item in document["files"]:
        assert open_envelope(folder, item["envelope"]) == s3_storage.backend.read_bytes(f"{base}/{item['path']}")
    assert {"0=ocfl_object_1.1", "inventory.json", "v1/content/content/a.bin"} <= {f["path"] for f in document["files"]}


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_replicates_by_itself_and_a_target_that_was_down_catches_up(
    node, storage, preserved, make_target, settings
):
    """The periodic job queues replication every REPLICATION_EVERY_MINUTES (none while one waits or runs); the worker
    runs it; a target whose folder had gone away gets its copy at the next run."""
    import shutil
    from datetime import timedelta

    from django.utils import timezone

    from dangan.core.schedule import run_due_jobs
    from tests.accession.test_jobs import DATABASE_QUEUE, run_queued_jobs

    settings.TASKS = DATABASE_QUEUE
    settings.REPLICATION_EVERY_MINUTES = 30
    package = preserved({"0001.pdf": PDF})
    nas = make_target("nas")
    away = Path(nas.location).with_name("nas-away")
    Path(nas.location).rename(away)  # the NAS is unmounted

    now = timezone.now()
    assert run_due_jobs(now)["replication.replicate"] == 1
    assert run_due_jobs(now)["replication.replicate"] == 0  # one is queued already
    run_queued_jobs()
    assert Replica.objects.get(package=package, target=nas).state != ReplicaState.CURRENT
    assert run_due_jobs(now + timedelta(minutes=10))["replication.replicate"] == 0  # not due yet

    shutil.move(away, nas.location)  # mounted again
    assert run_due_jobs(now + timedelta(minutes=31))["replication.replicate"] == 1
    run_queued_jobs()
    assert Replica.objects.get(package=package, target=nas).state == ReplicaState.CURRENT

    settings.REPLICATION_EVERY_MINUTES = 0
    assert run_due_jobs(now + timedelta(days=1))["replication.replicate"] == 0


class _Parallel(RecordingStore):
    """A real folder store that lets replication have several envelopes on their way at once (as PartnerStore
    does): the first two puts wait for each other (so they did run at the same time), and the envelope named
    ``fail`` dies as its transfer starts."""

    parallel_puts = 3

    def __init__(self, inner: Any, fail: str = "") -> None:
        super().__init__(inner)
        self.fail = fail
        self.meet = threading.Barrier(2, timeout=120)  # a deadline, not a measurement
        self.started = 0
        self.lock = threading.Lock()

    def put(self, name: str, size: int, pieces: Any) -> Any:
        with self.lock:
            self.started += 1
            first_two = self.started <= 2
        if first_two:
            self.meet.wait()
        if name == self.fail:
            raise Crash("killed mid-transfer")
        return super().put(name, size, pieces)


def test_envelopes_on_their_way_at_once_are_recorded_in_order_and_a_failure_resumes(
    node, storage, preserved, make_target
):
    files = {f"{i}.bin": os.urandom(3000 + i) for i in range(6)}
    package = preserved(files)
    target = make_target("nas")
    folder = Path(target.location)
    header = envelope.make_header(
        master_key(),
        object_id=str(package.uuid),
        content_sha256=hashlib.sha256(files["3.bin"]).digest(),
        suite=envelope.Suite.parse(target.cipher),
        chunk_size=target.options["chunk_size"],
    )
    failing = f"content/{header.content_tag.hex()}"

    with pytest.raises(Crash):
        replicate_package(package, target, store=_Parallel(FolderStore(folder), fail=failing))

    # Rows in the files' order up to the one that failed (the version's inventory, its sidecar, 0–2.bin), each
    # whole at the target; none for it or after it, though some after it may have arrived whole meanwhile.
    rows = list(StoredEnvelope.objects.order_by("id"))
    assert [Path(r.path).name for r in rows][2:] == ["0.bin", "1.bin", "2.bin"] and len(rows) == 5
    assert all((folder / r.name).stat().st_size == r.ciphertext_size for r in rows)
    assert not (folder / failing).exists() and Replica.objects.get().state == ReplicaState.PENDING

    store = _Parallel(FolderStore(folder))
    result = replicate_package(package, target, store=store)
    assert not set(store.sent) & {r.name for r in rows}  # confirmed envelopes were not sent again
    assert failing in store.sent and result.version_number == 1
    assert Replica.objects.get().state == ReplicaState.CURRENT
    document = manifest_at(folder, 1)
    stored = object_files(storage, package)
    assert len({item["envelope"] for item in document["files"]}) < len(document["files"])  # the root inventory
    for item in document["files"]:
        assert open_envelope(folder, item["envelope"]) == stored[item["path"]]
    assert StoredEnvelope.objects.count() == len({item["envelope"] for item in document["files"]}) + 1
