# ruff: noqa: F811 (pytest fixtures imported from tests/replication/transfers.py)
"""Audits without download against folder targets (real folders, real OCFL objects, real envelopes): a whole copy
proven, every chunk covered by a full audit and by a cycle of sampled audits, and each fault found and named — a
flipped byte, a chunk cut off, an envelope deleted, a damaged header, a stale (replayed) answer, the owner's own
file rotted (not the keeper's fault) — with the records it leaves (AuditRun, faults, replica state, PREMIS events)
and the CLI's exit codes."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from dangan.preservation.models import PackageEvent
from dangan.preservation.premis import EventType
from dangan.replication.actions.audits import audit_target, audits_per_cycle, do_audit, due_targets
from dangan.replication.actions.transfers import replicate_package
from dangan.replication.choices import EnvelopeFault, EnvelopeKind, ReplicaState
from dangan.replication.crypto.envelope import EnvelopeHeader
from dangan.replication.crypto.proofs import CopyAnswer, CopyChallenge, slot_of
from dangan.replication.models import AuditOutcome, AuditRun, Replica, StoredEnvelope
from dangan.replication.stores.folder import FolderStore

from .transfers import (  # noqa: F401 (fixtures)
    PDF,
    TEXT,
    _Wrapper,
    make_target,
    make_unit,
    node,
    preserved,
    source_files,
    storage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def copy(node: Any, storage: Any, preserved: Any, make_target: Any) -> tuple[Any, Any, Path]:
    """Two packages replicated to a folder target of 1 KiB chunks: (target, first package, the folder)."""
    first = preserved({"0001.pdf": PDF, "说明.txt": TEXT, "big.bin": os.urandom(9000)})
    second = preserved({"scan.tif": os.urandom(4000)})
    target = make_target("nas")
    for package in (first, second):
        replicate_package(package, target)
    return target, first, Path(target.location)


def content_row(package: Any, suffix: str = "big.bin") -> StoredEnvelope:
    return StoredEnvelope.objects.get(replica__package=package, kind=EnvelopeKind.CONTENT, path__endswith=suffix)


def cli(*args: str) -> tuple[int, str, str]:
    from dangan.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["replication", "audit", *args])
    return code, out.getvalue(), err.getvalue()


def test_an_intact_copy_is_proven_and_recorded(copy: tuple) -> None:
    target, first, _folder = copy
    report = do_audit_console(target)
    (audit,) = report.targets
    assert report.ok and audit.outcome == AuditOutcome.PROVEN and not audit.failures
    rows = StoredEnvelope.objects.filter(replica__target=target)
    total = sum(row.chunks for row in rows)
    assert audit.envelopes == rows.count() and audit.chunks == total
    assert audit.chunks_sampled == min(total, audit.chunks_sampled) > 0 and audit.request_bytes > 0
    run = AuditRun.objects.get(pk=audit.run_id)
    assert run.outcome == AuditOutcome.PROVEN and run.finished_at is not None and run.failures == []
    assert all(replica.proven_at is not None for replica in Replica.objects.filter(target=target))
    event = PackageEvent.objects.filter(package=first, event_type=EventType.FIXITY_CHECK).latest("id")
    assert event.outcome == "success" and "nas" in event.detail


def do_audit_console(target: Any, **options: Any) -> Any:
    from dangan.core.actors import CONSOLE

    return do_audit(CONSOLE, target, **options)


def test_a_full_audit_covers_every_chunk_and_a_cycle_covers_every_envelope(copy: tuple, settings: Any) -> None:
    target, _first, _folder = copy
    rows = list(StoredEnvelope.objects.filter(replica__target=target))
    (full,) = do_audit_console(target, full=True).targets
    assert full.ok and full.chunks_covered == sum(row.chunks for row in rows) and full.chunks_sampled == 0
    StoredEnvelope.objects.update(proven_at=None)

    settings.REPLICATION_AUDITS_PER_CYCLE = 3
    covered = 0
    numbers = []
    for _ in range(audits_per_cycle()):
        (audit,) = do_audit_console(target).targets
        assert audit.ok
        covered += audit.chunks_covered
        numbers.append(AuditRun.objects.get(pk=audit.run_id).cycle_audit)
    assert numbers == [0, 1, 2] and covered == sum(row.chunks for row in rows)
    # every envelope was covered in one slice of the cycle (and so proven)
    assert {slot_of(row.name, 3) for row in rows} <= {0, 1, 2}
    assert not StoredEnvelope.objects.filter(replica__target=target, proven_at__isnull=True).exists()
    runs = AuditRun.objects.filter(target=target, full=False).order_by("id")
    assert len({run.cycle_started_at for run in runs}) == 1
    (audit,) = do_audit_console(target).targets  # the next cycle starts again at slice 0
    assert AuditRun.objects.get(pk=audit.run_id).cycle_audit == 0
    assert target not in due_targets()  # just audited


def test_a_flipped_byte_is_found_and_named_down_to_the_chunk(copy: tuple) -> None:
    target, first, folder = copy
    row = content_row(first)
    path = folder / row.name
    header = EnvelopeHeader.read(path.open("rb"))
    data = bytearray(path.read_bytes())
    data[header.chunk_offset(4) + 60] ^= 0x01
    path.write_bytes(bytes(data))

    report = do_audit_console(target, full=True)
    assert not report.ok
    (failure,) = report.failures
    assert (failure.what, failure.envelope, failure.chunk, failure.path) == ("damaged", row.name, 4, row.path)
    assert failure.package == str(first.uuid) and failure.reference_code == first.reference_code
    row.refresh_from_db()
    assert row.fault == EnvelopeFault.DAMAGED and row.fault_found_at is not None and "4" in row.fault_detail
    replica = Replica.objects.get(package=first, target=target)
    assert replica.state == ReplicaState.DAMAGED and "big.bin" in replica.problem
    event = PackageEvent.objects.filter(package=first, event_type=EventType.FIXITY_CHECK).latest("id")
    assert event.outcome == "fail" and "big.bin" in event.outcome_detail
    other = Replica.objects.exclude(package=first).get(target=target)
    assert other.state == ReplicaState.CURRENT and other.proven_at is not None

    code, out, _err = cli("--target", "nas")
    assert code == 1 and row.name in out and first.reference_code in out


def test_a_chunk_cut_off_an_envelope_deleted_and_a_damaged_header_are_each_named(copy: tuple) -> None:
    target, first, folder = copy
    cut, gone, header_row = content_row(first), content_row(first, "0001.pdf"), content_row(first, "说明.txt")
    path = folder / cut.name
    header = EnvelopeHeader.read(path.open("rb"))
    path.write_bytes(path.read_bytes()[: header.chunk_offset(cut.chunks - 2)])  # the last two chunks cut off
    (folder / gone.name).unlink()
    data = bytearray((folder / header_row.name).read_bytes())
    data[30] ^= 0x01  # in the content tag: the header still parses, but it is not the one sent
    (folder / header_row.name).write_bytes(bytes(data))

    report = do_audit_console(target, full=True)
    found = {failure.envelope: failure for failure in report.failures}
    assert set(found) == {cut.name, gone.name, header_row.name}
    assert found[cut.name].what == "chunks-missing" and found[cut.name].chunk == cut.chunks - 2
    assert found[gone.name].what == "missing"
    assert found[header_row.name].what == "header-damaged"
    faults = dict(StoredEnvelope.objects.filter(fault__gt="").values_list("name", "fault"))
    assert faults == {cut.name: "missing", gone.name: "missing", header_row.name: "damaged"}
    assert Replica.objects.get(package=first, target=target).state == ReplicaState.MISSING

    code, out, _err = cli("--target", "nas", "--json")
    data = json.loads(out)
    assert code == 1 and not data["ok"]
    assert {item["what"] for item in data["failures"]} == {"chunks-missing", "missing", "header-damaged"}
    assert {"package", "reference_code", "target", "envelope", "path", "chunk", "what"} <= set(data["failures"][0])


def test_a_sampled_audit_finds_a_copy_with_many_damaged_chunks(copy: tuple) -> None:
    target, _first, folder = copy
    rows = list(StoredEnvelope.objects.filter(replica__target=target))
    for row in rows:  # every chunk of every envelope damaged: any sample finds it
        path = folder / row.name
        header = EnvelopeHeader.read(path.open("rb"))
        data = bytearray(path.read_bytes())
        for index in range(row.chunks):
            data[header.chunk_offset(index) + 30] ^= 0x10
        path.write_bytes(bytes(data))
    (audit,) = do_audit_console(target).targets
    assert audit.outcome == AuditOutcome.FAILED and audit.failures
    assert {failure.what for failure in audit.failures} == {"damaged"}


class Replaying(_Wrapper):
    """A keeper that, once ``replay`` is set, answers every challenge with the first answer it gave (when its copy
    was whole)."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.first: CopyAnswer | None = None
        self.replay = False

    def prove(self, challenge: CopyChallenge) -> CopyAnswer:
        if self.replay and self.first is not None:
            return self.first
        answer = self.inner.prove(challenge)
        if self.first is None:
            self.first = answer
        return answer


def test_a_replayed_answer_is_named_stale_and_proves_nothing(copy: tuple) -> None:
    target, _first, folder = copy
    store = Replaying(FolderStore(folder))
    audit = audit_target(target, store=store)
    assert audit.ok
    StoredEnvelope.objects.update(proven_at=None)
    Replica.objects.update(proven_at=None)
    store.replay = True
    again = audit_target(target, store=store)
    assert again.outcome == AuditOutcome.FAILED and [f.what for f in again.failures] == ["stale-answer"]
    assert not StoredEnvelope.objects.filter(proven_at__isnull=False).exists()
    assert not Replica.objects.filter(proven_at__isnull=False).exists()


def test_the_owners_own_rotted_file_is_unverifiable_not_the_keepers_fault(copy: tuple, storage: Any) -> None:
    target, first, _folder = copy
    row = content_row(first)
    own = Path(storage.backend.describe(storage.object_path(first.object_id))) / row.path
    data = bytearray(own.read_bytes())
    data[100] ^= 0x01
    own.chmod(0o644)
    own.write_bytes(bytes(data))
    report = do_audit_console(target, full=True)
    (failure,) = report.failures
    assert failure.what == "unverifiable" and failure.envelope == row.name and "本馆" in failure.detail
    row.refresh_from_db()
    assert row.fault == ""  # the keeper is not blamed
    assert Replica.objects.get(package=first, target=target).state == ReplicaState.CURRENT


def test_a_disabled_target_is_not_audited_as_good_and_an_unknown_one_is_a_usage_error(copy: tuple) -> None:
    target, _first, _folder = copy
    target.enabled = False
    target.save()
    code, out, _err = cli("--target", "nas")
    assert code == 1 and "target-disabled" in out
    assert not Replica.objects.filter(proven_at__isnull=False).exists()
    code, _out, err = cli("--target", "nowhere")
    assert code == 2 and "nowhere" in err
    code, out, _err = cli()  # no enabled target: nothing to prove, nothing failed
    assert code == 0


def test_the_periodic_job_queues_an_audit_for_each_due_target(copy: tuple) -> None:
    from django.utils import timezone

    from dangan.replication.actions.audits import queue_due_audits

    target, _first, _folder = copy
    assert target in due_targets()
    queued = queue_due_audits(timezone.now())  # the immediate backend runs the task at once
    assert queued == 1
    assert AuditRun.objects.filter(target=target, outcome=AuditOutcome.PROVEN).exists()
    assert due_targets() == []


@pytest.fixture
def s3_target(seaweed: Any, monkeypatch: pytest.MonkeyPatch, db: Any) -> Any:
    from dangan.replication.models import Target

    monkeypatch.setenv("TEST_AUDIT_S3_KEY", seaweed.access_key)
    monkeypatch.setenv("TEST_AUDIT_S3_SECRET", seaweed.secret_key)
    return Target.objects.create(
        name="oss",
        kind="s3",
        medium="object",
        location=f"s3://dangan-test/audits-{os.urandom(4).hex()}",
        options={
            "endpoint": seaweed.endpoint,
            "region": "us-east-1",
            "access_key_env": "TEST_AUDIT_S3_KEY",
            "secret_key_env": "TEST_AUDIT_S3_SECRET",
            "chunk_size": 1024,
        },
    )


def test_an_s3_copy_is_proven_and_a_flipped_byte_named(s3_target: Any, node: Any, storage: Any, preserved: Any) -> None:
    from dangan.replication.stores.registry import store_for

    package = preserved({"big.bin": os.urandom(12_000), "说明.txt": TEXT})
    replicate_package(package, s3_target)
    assert do_audit_console(s3_target).ok
    row = content_row(package)
    store: Any = store_for(s3_target)
    data = bytearray(store.read(row.name))
    header = EnvelopeHeader.read(io.BytesIO(bytes(data)))
    data[header.chunk_offset(3) + 10] ^= 0x01
    store.client.put_object(store.location.bucket, f"{store.location.prefix}/{row.name}", bytes(data))
    report = do_audit_console(s3_target, full=True)
    (failure,) = report.failures
    assert (failure.what, failure.envelope, failure.chunk, failure.target) == ("damaged", row.name, 3, "oss")


def test_the_audits_pages_and_audit_now(
    copy: tuple,
    preserved: Any,
    client: Any,
    system_admin: Any,
    archivist: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.urls import reverse

    from dangan.core.choices import SecurityClassification

    target, _first, folder = copy
    first = preserved({"big.bin": os.urandom(3000)}, classification=SecurityClassification.CONFIDENTIAL)
    replicate_package(first, target)
    row = content_row(first)
    path = folder / row.name
    data = bytearray(path.read_bytes())
    data[EnvelopeHeader.read(path.open("rb")).chunk_offset(1) + 5] ^= 0x01
    path.write_bytes(bytes(data))

    client.force_login(archivist)
    assert client.post(reverse("replication:audit_now"), {"target": "nas", "full": "1"}).status_code == 403
    client.force_login(system_admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("replication:audit_now"), {"target": "nas", "full": "1"})
    assert answer.status_code == 302  # queued; the immediate backend ran it
    run = AuditRun.objects.get(target=target)
    assert run.full and run.outcome == AuditOutcome.FAILED and run.actor_name == system_admin.username

    client.force_login(archivist)
    page = client.get(reverse("replication:audits")).content.decode()
    assert "nas" in page and reverse("replication:audit_run", args=[run.pk]) in page
    detail = client.get(reverse("replication:audit_run", args=[run.pk])).content.decode()
    assert row.name[:20] in detail and "damaged" in detail
    # 档号 shown to who may see the unit (the archivist, cleared to 机密); the system administrator (公开 only) sees
    # the package's id instead
    assert first.reference_code in detail
    client.force_login(system_admin)
    detail = client.get(reverse("replication:audit_run", args=[run.pk])).content.decode()
    assert first.reference_code not in detail and str(first.uuid) in detail


def test_a_package_of_two_versions_proves_whole_both_manifests_rebuilt_from_the_owners_files(
    copy: tuple, source_files: Any
) -> None:
    from dangan.core.actors import CONSOLE
    from dangan.preservation.actions.preserving import do_preserve

    target, first, folder = copy
    do_preserve(CONSOLE, first.unit, source_files({"0002.txt": TEXT}), message="补充")
    first.refresh_from_db()
    replicate_package(first, target)
    manifests = StoredEnvelope.objects.filter(replica__package=first, kind=EnvelopeKind.MANIFEST)
    assert manifests.count() == 2
    report = do_audit_console(target, full=True)
    assert report.ok, report.as_dict()
    assert not StoredEnvelope.objects.filter(replica__target=target, proven_at__isnull=True).exists()
    # the v1 manifest damaged at the target is found like any envelope
    v1 = manifests.get(version_number=1)
    data = bytearray((folder / v1.name).read_bytes())
    data[-20] ^= 0x01
    (folder / v1.name).write_bytes(bytes(data))
    (failure,) = do_audit_console(target, full=True).failures
    assert (failure.envelope, failure.what, failure.path) == (v1.name, "damaged", "v1")


class ReplayingWhileNarrowing(_Wrapper):
    """A keeper that answers the first challenge of an audit for real, then replays that answer to the narrowing
    challenges that follow (hoping to make the owner blame envelopes it cannot judge)."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.first: CopyAnswer | None = None

    def prove(self, challenge: CopyChallenge) -> CopyAnswer:
        if self.first is None:
            self.first = self.inner.prove(challenge)
            return self.first
        return self.first


def test_a_replay_while_narrowing_down_is_stale_and_blames_no_envelope(copy: tuple) -> None:
    target, first, folder = copy
    row = content_row(first)
    path = folder / row.name
    data = bytearray(path.read_bytes())
    data[EnvelopeHeader.read(path.open("rb")).chunk_offset(2) + 9] ^= 0x01
    path.write_bytes(bytes(data))
    audit = audit_target(target, full=True, store=ReplayingWhileNarrowing(FolderStore(folder)))
    assert [failure.what for failure in audit.failures] == ["stale-answer"]
    assert not StoredEnvelope.objects.exclude(fault="").exists()
    assert Replica.objects.get(package=first, target=target).state == ReplicaState.CURRENT
