"""Fixity audits over real stored objects: changed, missing and extra files found and recorded (PREMIS events, audit
log, failures), samples, the index catching up with storage, the schedule, and a run resumed after a SIGKILL."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

import dangan
from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from dangan.core.schedule import run_due_jobs
from dangan.preservation.actions.auditing import do_audit, resumable_run
from dangan.preservation.actions.preserving import do_preserve
from dangan.preservation.choices import AuditKind, AuditStatus, FailureKind, FixityStatus
from dangan.preservation.mets import parse_mets, validate_mets
from dangan.preservation.models import AuditFailure, AuditRun, PackageEvent, PreservedPackage
from dangan.preservation.premis import EventType
from dangan.preservation.schedule import due_audit, queue_due_audits
from dangan.preservation.store import METS_PATH

from .conftest import PDF, TEXT, run_dangan


def preserve_some(make_unit, source_files, count: int = 3) -> list[PreservedPackage]:
    packages = []
    for i in range(count):
        files = source_files({"0001.pdf": PDF, "说明.txt": TEXT + str(i).encode(), f"scan-{i}.bin": bytes([i]) * 5000})
        packages.append(do_preserve(CONSOLE, make_unit(), files).package)
    return packages


def content_file(storage, package: PreservedPackage, logical: str) -> Path:
    row = package.files.get(logical_path=logical, version__number=1)
    return Path(storage.backend.describe()) / package.object_path / row.content_path


@pytest.mark.django_db
def test_a_clean_audit_passes_and_records_a_fixity_event_per_object(storage, make_unit, source_files, archivist):
    packages = preserve_some(make_unit, source_files)
    run = do_audit(archivist)
    assert run.status == AuditStatus.PASSED and run.failure_count == 0
    assert (run.checked_objects, run.checked_files) == (3, 12)
    assert run.checked_bytes == run.total_bytes == sum(p.stored_bytes for p in packages)
    for package in packages:
        package.refresh_from_db()
        assert package.fixity_status == FixityStatus.OK and package.last_audit_run == run
        event = PackageEvent.objects.get(package=package, event_type=EventType.FIXITY_CHECK)
        assert event.outcome == "success" and event.version is None and event.audit_run == run
    assert AuditEntry.objects.filter(action="preservation.audit.finish", object_id=str(run.uuid)).exists()


@pytest.mark.django_db
def test_changed_missing_and_extra_files_are_found_with_what_differs(storage, make_unit, source_files, capsys):
    first, second, third = preserve_some(make_unit, source_files)
    changed = content_file(storage, first, "content/说明.txt")
    changed.write_bytes(changed.read_bytes().replace("纪要".encode(), "记要".encode()))  # same size, other bytes
    content_file(storage, second, "content/0001.pdf").unlink()
    extra = content_file(storage, third, "content/0001.pdf").with_name("evil.exe")
    extra.write_bytes(b"MZ")

    assert main(["audit"]) == 1
    out = capsys.readouterr().out
    assert "changed" in out and "missing" in out and "extra" in out and "发现 3 个问题" in out
    run = AuditRun.objects.get()
    assert run.status == AuditStatus.FAILED and run.failed_objects == 3
    failures = {f.kind: f for f in AuditFailure.objects.filter(run=run)}
    assert set(failures) == {FailureKind.CHANGED, FailureKind.MISSING, FailureKind.EXTRA}
    assert failures[FailureKind.CHANGED].logical_path == "content/说明.txt"
    assert failures[FailureKind.CHANGED].algorithm == "sha512"
    assert failures[FailureKind.CHANGED].expected == first.files.get(logical_path="content/说明.txt").sha512
    assert failures[FailureKind.CHANGED].actual and failures[FailureKind.CHANGED].actual != failures["changed"].expected
    assert failures[FailureKind.MISSING].package == second and failures[FailureKind.MISSING].logical_path
    assert failures[FailureKind.EXTRA].content_path.endswith("evil.exe")
    for package in (first, second, third):
        package.refresh_from_db()
        assert package.fixity_status == FixityStatus.FAILED
        event = PackageEvent.objects.get(package=package, event_type=EventType.FIXITY_CHECK)
        assert event.outcome == "fail" and event.outcome_detail
    assert AuditEntry.objects.filter(action="preservation.audit.failure").count() == 3

    assert main(["audit", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "failed" and {f["kind"] for f in report["failures"]} == {"changed", "missing", "extra"}
    assert all(f["object_id"].startswith("urn:uuid:") for f in report["failures"])


@pytest.mark.django_db
def test_a_missing_object_and_all_digests(storage, make_unit, source_files):
    kept, gone = preserve_some(make_unit, source_files, 2)
    shutil.rmtree(Path(storage.backend.describe()) / gone.object_path)
    run = do_audit(CONSOLE, all_digests=True)
    assert run.status == AuditStatus.FAILED and run.checked_files == 4  # kept's three files and its METS
    failure = AuditFailure.objects.get(run=run)
    assert failure.kind == FailureKind.OBJECT_MISSING and failure.package == gone
    gone.refresh_from_db()
    kept.refresh_from_db()
    assert gone.fixity_status == FixityStatus.MISSING and kept.fixity_status == FixityStatus.OK
    detail = PackageEvent.objects.get(package=kept, event_type=EventType.FIXITY_CHECK).detail
    assert "SM3" in detail


@pytest.mark.django_db
def test_a_sample_checks_its_share_of_objects(storage, make_unit, source_files):
    preserve_some(make_unit, source_files, 5)
    run = do_audit(CONSOLE, 40)
    assert run.kind == AuditKind.SAMPLE and run.sample_percent == 40
    assert run.total_objects == run.checked_objects == 2
    assert PackageEvent.objects.filter(event_type=EventType.FIXITY_CHECK).count() == 2
    assert do_audit(CONSOLE, 1).checked_objects == 1  # at least one object
    assert main(["audit", "--sample", "0"]) == 2
    assert main(["audit", "--sample", "120"]) == 2


@pytest.mark.django_db
def test_fixity_events_are_written_into_the_next_version_of_the_mets(storage, make_unit, source_files):
    (package,) = preserve_some(make_unit, source_files, 1)
    do_audit(CONSOLE)
    event = PackageEvent.objects.get(package=package, event_type=EventType.FIXITY_CHECK)
    assert not event.stored
    do_preserve(CONSOLE, package.unit, source_files({"补充.txt": b"more"}))
    event.refresh_from_db()
    assert event.stored and event.version.number == 2
    with storage.open_file(package.object_id, METS_PATH) as handle:
        data = handle.read()
    assert validate_mets(data) == []
    record = parse_mets(data)
    assert event.identifier in {e.identifier for e in record.events}


@pytest.mark.django_db
def test_an_audit_indexes_an_object_the_database_does_not_know(storage, make_unit, source_files):
    (package,) = preserve_some(make_unit, source_files, 1)
    PreservedPackage.objects.all().delete()  # as after a kill between the storage swap and the commit
    run = do_audit(CONSOLE)
    assert run.status == AuditStatus.PASSED and run.indexed_objects == 1
    restored = PreservedPackage.objects.get(uuid=package.uuid)
    assert restored.fixity_status == FixityStatus.OK and restored.unit == package.unit
    assert AuditEntry.objects.filter(action="preservation.package.index").count() == 1


@pytest.mark.django_db
def test_the_schedule_queues_a_full_pass_every_two_years_and_a_sample_every_quarter(
    storage, make_unit, source_files, settings
):
    now = timezone.now()
    assert due_audit(now) is None  # nothing preserved, nothing to audit
    preserve_some(make_unit, source_files, 2)
    assert due_audit(now) is None  # just preserved
    PreservedPackage.objects.update(created=now - timedelta(days=100))
    assert due_audit(now) == (AuditKind.SAMPLE, 5.0)
    PreservedPackage.objects.update(created=now - timedelta(days=800))
    assert due_audit(now) == (AuditKind.FULL, None)
    assert run_due_jobs(now)["preservation.audit"] == 1  # queued and (immediate backend) run
    full = AuditRun.objects.get()
    assert full.kind == AuditKind.FULL and full.scheduled and full.status == AuditStatus.PASSED and full.all_digests
    assert due_audit(now) is None
    AuditRun.objects.update(created=now - timedelta(days=95))
    assert due_audit(now) == (AuditKind.SAMPLE, 5.0)
    settings.AUDIT_SCHEDULE = False
    assert queue_due_audits(now) == 0
    settings.AUDIT_SCHEDULE = True
    settings.AUDIT_SAMPLE_DAYS, settings.AUDIT_SAMPLE_PERCENT = 30, 50.0
    AuditRun.objects.update(created=now - timedelta(days=31))
    assert queue_due_audits(now) == 1
    sample = AuditRun.objects.order_by("-created").first()
    assert sample.kind == AuditKind.SAMPLE and sample.sample_percent == 50 and sample.checked_objects == 1
    assert not sample.all_digests


@pytest.mark.django_db(transaction=True)
def test_an_audit_killed_midway_resumes_from_its_checkpoint(storage, make_unit, source_files, tmp_path):
    packages = preserve_some(make_unit, source_files, 5)
    storage_dir = Path(storage.backend.describe())
    child = run_dangan(["audit"], storage_dir, crash_at="preservation.audit-object:3")
    assert child.returncode == -9, child.stderr
    run = AuditRun.objects.get()
    assert run.status == AuditStatus.RUNNING and run.checkpoint == 2 and run.checked_objects == 2
    assert resumable_run() == run  # its process is gone
    assert PackageEvent.objects.filter(event_type=EventType.FIXITY_CHECK).count() == 2

    assert main(["audit"]) == 0  # resumes the interrupted run rather than starting another
    run.refresh_from_db()
    assert AuditRun.objects.count() == 1
    assert run.status == AuditStatus.PASSED and run.resumed == 1
    assert run.checked_objects == run.total_objects == 5
    for package in packages:  # every object checked exactly once
        assert PackageEvent.objects.filter(package=package, event_type=EventType.FIXITY_CHECK).count() == 1
    assert resumable_run() is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_queues_a_due_audit_and_runs_it(storage, make_unit, source_files):
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    from dangan.core.worker import run_worker

    preserve_some(make_unit, source_files, 2)
    PreservedPackage.objects.update(created=timezone.now() - timedelta(days=100))
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        run_worker(batch=True)  # queues what is due, then runs the queue
    run = AuditRun.objects.get()
    assert run.scheduled and run.kind == AuditKind.SAMPLE and run.status == AuditStatus.PASSED
    assert run.requested_by_name == "system" and run.checked_objects == 1
    task = DBTaskResult.objects.get(task_path="dangan.preservation.tasks.run_audit_task")
    assert task.status == "SUCCESSFUL"
    event = PackageEvent.objects.get(event_type=EventType.FIXITY_CHECK)
    assert [a["value"] for a in event.agents] == [f"dangan-{dangan.__version__}"]  # the system alone, no person
