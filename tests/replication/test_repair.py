# ruff: noqa: F811 (pytest fixtures imported from tests/replication/transfers.py)
"""Repair with real folder targets (two keepers, "nas" and "tape") and a real storage root: a byte flipped in a
keeper's copy, an envelope deleted, this node's own file damaged (found by the real fixity audit), the owner's
file and one keeper's copy damaged together, no good copy anywhere, a repair cut off and finished by the next, a
keeper under another cipher, a copy on a written disc — through `dangan replication repair` where the exit code
and the JSON are what a user sees."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from dangan.preservation.actions.auditing import do_audit
from dangan.preservation.choices import FixityStatus
from dangan.preservation.models import PackageEvent, PreservedPackage
from dangan.preservation.premis import EventType
from dangan.replication.actions.repair import do_repair
from dangan.replication.actions.transfers import replicate_package
from dangan.replication.choices import EnvelopeFault, EnvelopeKind, ReplicaState
from dangan.replication.models import BackupRecord, RegisterKind, Replica, StoredEnvelope, Target
from dangan.replication.stores.folder import FolderStore

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

BIG = os.urandom(9000)  # nine 1 KiB chunks at the test targets


@pytest.fixture
def copies(node: Any, storage: Any, preserved: Any, make_target: Any) -> Any:
    """One package replicated to two folder keepers; returns (package, nas, tape)."""
    package = preserved({"0001.pdf": PDF, "说明.txt": TEXT, "big.bin": BIG})
    nas, tape = make_target("nas"), make_target("tape", medium="tape", site="昆明")
    replicate_package(package, nas)
    replicate_package(package, tape)
    return package, nas, tape


def row_of(package: Any, target: Target, suffix: str = "big.bin") -> StoredEnvelope:
    return StoredEnvelope.objects.get(replica__package=package, replica__target=target, path__endswith=suffix)


def held(target: Target, row: StoredEnvelope) -> Path:
    return Path(target.location) / row.name


def flip(path: Path, at: int = 500) -> bytes:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    return bytes(data)


def mark(row: StoredEnvelope, fault: str, detail: str = "chunk 0 failed") -> None:
    """What the audits part records on a failed audit: the envelope's fault, and the replica's state."""
    from django.utils import timezone

    StoredEnvelope.objects.filter(pk=row.pk).update(fault=fault, fault_found_at=timezone.now(), fault_detail=detail)
    state = ReplicaState.DAMAGED if fault == EnvelopeFault.DAMAGED else ReplicaState.MISSING
    Replica.objects.filter(pk=row.replica_id).update(state=state)


def own_file(storage: Any, package: Any, path: str = "v1/content/content/big.bin") -> Path:
    return Path(storage.backend.describe(storage.object_path(package.object_id))) / path


def damage_own(storage: Any, package: Any) -> Path:
    """Rot a byte of the owner's big.bin, then let the real fixity audit find it."""
    path = own_file(storage, package)
    flip(path, 4321)
    do_audit(CONSOLE)
    assert PreservedPackage.objects.get(pk=package.pk).fixity_status == FixityStatus.FAILED
    return path


def repair_json(capsys: Any, *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["replication", "repair", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_a_flipped_byte_in_a_keepers_copy_is_rewritten_from_the_owner(copies, capsys):
    package, nas, tape = copies
    row = row_of(package, nas)
    good = held(nas, row).read_bytes()
    flip(held(nas, row))
    mark(row, EnvelopeFault.DAMAGED)
    # The folder store alone would confirm a complete envelope of the same size without sending a byte.
    assert FolderStore(nas.location).stat(row.name).size == len(good)

    code, out = repair_json(capsys)

    assert code == 0 and out["ok"] and out["damaged_copies"] == 1 and out["failed"] == []
    [done] = out["repaired"]
    assert (done["target"], done["source"], done["what"], done["path"]) == ("nas", "owner", "copy", row.path)
    assert held(nas, row).read_bytes() == good == held(tape, row).read_bytes()  # one ciphertext for every keeper
    row.refresh_from_db()
    assert (row.fault, row.fault_detail, row.fault_found_at) == ("", "", None)
    assert Replica.objects.get(package=package, target=nas).state == ReplicaState.CURRENT
    record = BackupRecord.objects.get(kind=RegisterKind.REPAIR)
    assert (record.target_name, record.envelopes, record.bytes) == ("nas", 1, len(good))
    assert (
        record.receipt_sha256
        == hashlib.sha256(f"{row.name} {len(good)} {row.manifest['sha256']}\n".encode()).hexdigest()
    )
    event = PackageEvent.objects.filter(package=package, event_type=EventType.REPLICATION).latest("id")
    assert "修复" in event.detail and "nas" in event.detail and event.outcome == "success"
    assert AuditEntry.objects.filter(action="replication.repair").count() == 1

    # Nothing left to do: exit 0, nothing repaired.
    code, out = repair_json(capsys)
    assert code == 0 and out["repaired"] == [] and out["damaged_copies"] == 0


def test_a_deleted_envelope_is_found_by_repairs_own_check_and_put_again(copies, capsys):
    package, nas, _tape = copies
    row = row_of(package, nas, "0001.pdf")
    good = held(nas, row).read_bytes()
    held(nas, row).unlink()
    # The audit only said the copy is missing; which envelope is repair's own check (a listing of the target).
    Replica.objects.filter(package=package, target=nas).update(state=ReplicaState.MISSING)

    code, out = repair_json(capsys, "--target", "nas")

    assert code == 0 and [r["path"] for r in out["repaired"]] == [row.path]
    assert held(nas, row).read_bytes() == good
    row.refresh_from_db()
    assert row.fault == ""
    assert Replica.objects.get(package=package, target=nas).state == ReplicaState.CURRENT


def test_the_owners_damaged_file_is_restored_from_a_keeper_byte_for_byte(copies, storage, capsys):
    package, _nas, _tape = copies
    path = damage_own(storage, package)

    code, out = repair_json(capsys)

    assert code == 0 and out["damaged_files"] == 1
    [done] = out["repaired"]
    assert (done["what"], done["path"], done["target"], done["source"]) == (
        "own",
        "v1/content/content/big.bin",
        "",
        "nas",
    )
    assert path.read_bytes() == BIG
    package.refresh_from_db()
    assert package.fixity_status == FixityStatus.OK
    restore = BackupRecord.objects.get(kind=RegisterKind.RESTORE)
    assert (restore.target_name, restore.version_number, restore.envelopes) == ("nas", 1, 1)
    recovery = PackageEvent.objects.get(package=package, event_type=EventType.RECOVERY)
    assert "v1/content/content/big.bin" in recovery.detail and "nas" in recovery.detail
    # Nothing was left in the storage root's staging area, and the next real audit finds the object whole.
    assert not list((Path(storage.backend.describe("")) / "extensions/dangan-staging").glob("repair-*"))
    assert do_audit(CONSOLE).failure_count == 0


def test_the_owners_file_and_keeper_as_copy_damaged_a_is_repaired_from_keeper_b(copies, storage, capsys):
    package, nas, tape = copies
    path = damage_own(storage, package)
    row = row_of(package, nas)
    good = held(tape, row).read_bytes()
    flip(held(nas, row), 2000)
    mark(row, EnvelopeFault.DAMAGED)

    code, out = repair_json(capsys)

    assert code == 0, out
    by_what = {r["what"]: r for r in out["repaired"]}
    assert (by_what["copy"]["target"], by_what["copy"]["source"]) == ("nas", "tape")
    assert by_what["own"]["path"] == "v1/content/content/big.bin"
    assert held(nas, row).read_bytes() == good and path.read_bytes() == BIG
    assert PreservedPackage.objects.get(pk=package.pk).fixity_status == FixityStatus.OK


def test_no_good_copy_anywhere_is_named_and_nothing_is_overwritten(copies, storage, capsys):
    package, nas, tape = copies
    path = damage_own(storage, package)
    rotten = path.read_bytes()
    row_nas, row_tape = row_of(package, nas), row_of(package, tape)
    at_nas, at_tape = flip(held(nas, row_nas), 700), flip(held(tape, row_tape), 3000)
    mark(row_nas, EnvelopeFault.DAMAGED)
    mark(row_tape, EnvelopeFault.DAMAGED)

    code, out = repair_json(capsys)

    assert code == 1 and not out["ok"] and out["repaired"] == []
    named = {(f["what"], f["target"], f["path"], f["package"], f["reference_code"]) for f in out["failed"]}
    ref = package.reference_code
    assert named == {
        ("copy", "nas", "v1/content/content/big.bin", str(package.uuid), ref),
        ("copy", "tape", "v1/content/content/big.bin", str(package.uuid), ref),
        ("own", "", "v1/content/content/big.bin", str(package.uuid), ref),
    }
    assert all("没有可用的完好副本" in f["reason"] for f in out["failed"])
    assert path.read_bytes() == rotten  # not overwritten with anything that did not check out
    assert held(nas, row_nas).read_bytes() == at_nas and held(tape, row_tape).read_bytes() == at_tape
    assert StoredEnvelope.objects.exclude(fault="").count() == 2
    # The text output names them too.
    capsys.readouterr()
    assert main(["replication", "repair"]) == 1
    text = capsys.readouterr().out
    assert text.count("无法修复 not repaired") == 3 and "v1/content/content/big.bin" in text and "tape" in text


def test_a_repair_cut_off_half_way_is_finished_by_the_next(copies, capsys):
    package, nas, _tape = copies
    row = row_of(package, nas)
    good = held(nas, row).read_bytes()
    flip(held(nas, row))
    mark(row, EnvelopeFault.DAMAGED)

    with pytest.raises(Crash):  # the process dies after three pieces of the envelope were written
        do_repair(CONSOLE, stores={nas.pk: FailingStore(FolderStore(nas.location), after=3)})
    row.refresh_from_db()
    assert row.fault == EnvelopeFault.DAMAGED  # not cleared before the receipt
    assert not held(nas, row).exists() and held(nas, row).with_name(held(nas, row).name + ".partial").exists()

    recording = RecordingStore(FolderStore(nas.location))
    report = do_repair(CONSOLE, stores={nas.pk: recording})

    assert report.ok and [r.path for r in report.repaired] == [row.path]
    [(name, offset)] = recording.puts
    assert name == row.name and offset is not None and offset > 0  # resumed, not started again
    assert held(nas, row).read_bytes() == good
    row.refresh_from_db()
    assert row.fault == ""


def test_a_keeper_under_another_cipher_is_decrypted_and_sealed_again(node, storage, preserved, make_target, capsys):
    package = preserved({"big.bin": BIG})
    nas, aes = make_target("nas"), make_target("aes", cipher="aes-256-gcm")
    replicate_package(package, nas)
    replicate_package(package, aes)
    path = damage_own(storage, package)
    row = row_of(package, nas)
    good = held(nas, row).read_bytes()
    assert row.name != row_of(package, aes).name  # other cipher: other bytes, other name
    flip(held(nas, row))
    mark(row, EnvelopeFault.DAMAGED)

    code, out = repair_json(capsys)

    assert code == 0, out
    assert {(r["what"], r["source"]) for r in out["repaired"]} == {("copy", "aes"), ("own", "aes")}
    assert held(nas, row).read_bytes() == good and path.read_bytes() == BIG


def test_a_damaged_manifest_envelope_is_rebuilt_from_the_owners_inventory(copies, capsys):
    package, nas, _tape = copies
    row = StoredEnvelope.objects.get(replica__package=package, replica__target=nas, kind=EnvelopeKind.MANIFEST)
    good = held(nas, row).read_bytes()
    flip(held(nas, row), 100)
    mark(row, EnvelopeFault.DAMAGED)

    code, out = repair_json(capsys, "--target", "nas")

    assert code == 0 and [(r["source"], r["path"]) for r in out["repaired"]] == [("owner", "v1")]
    assert held(nas, row).read_bytes() == good


def test_usage_errors_exit_2(copies):
    assert main(["replication", "repair", "--target", "nowhere"]) == 2


def test_a_copy_on_a_written_disc_is_named_with_the_way_out(node, storage, preserved, tmp_path, capsys):
    from dangan.replication.actions.discs import do_write_sets

    package = preserved({"big.bin": BIG})
    (tmp_path / "discs").mkdir()
    discs = Target.objects.create(
        name="discs",
        kind="discs",
        medium="optical",
        location=str(tmp_path / "discs"),
        options={"capacity_bytes": 3 * 1024 * 1024, "chunk_size": 1024},
    )
    replicate_package(package, discs)
    do_write_sets(CONSOLE, discs)  # the envelopes are on write-once discs now
    row = row_of(package, discs)
    mark(row, EnvelopeFault.DAMAGED)

    code, out = repair_json(capsys)

    assert code == 1
    [failed] = out["failed"]
    assert (failed["target"], failed["path"]) == ("discs", row.path)
    assert "dangan replication discs rebuild" in failed["reason"] and "discs-s001-d01" in failed["reason"]
    row.refresh_from_db()
    assert row.fault == EnvelopeFault.DAMAGED


def test_an_s3_keepers_flipped_byte_is_rewritten_and_the_owners_file_restored_from_s3(
    node, storage, preserved, seaweed, monkeypatch, capsys
):
    import secrets

    from dangan.replication.stores.s3 import s3_store
    from tests.conftest import S3_BUCKET

    monkeypatch.setenv("TEST_S3_ACCESS", seaweed.access_key)
    monkeypatch.setenv("TEST_S3_SECRET", seaweed.secret_key)
    oss = Target.objects.create(
        name="oss",
        kind="s3",
        medium="object",
        location=f"s3://{S3_BUCKET}/repair-{secrets.token_hex(4)}",
        options={
            "endpoint": seaweed.endpoint,
            "region": "us-east-1",
            "access_key_env": "TEST_S3_ACCESS",
            "secret_key_env": "TEST_S3_SECRET",
            "chunk_size": 1024,
        },
    )
    package = preserved({"big.bin": BIG})
    replicate_package(package, oss)
    row = row_of(package, oss)
    store = s3_store(oss)
    good = store.read(row.name)
    data = bytearray(good)
    data[3000] ^= 0x01
    store.client.put_object(store.location.bucket, f"{store.location.prefix}/{row.name}", bytes(data))
    mark(row, EnvelopeFault.DAMAGED)

    code, out = repair_json(capsys)
    assert code == 0 and [(r["target"], r["source"]) for r in out["repaired"]] == [("oss", "owner")]
    assert store.read(row.name) == good

    path = damage_own(storage, package)
    code, out = repair_json(capsys)
    assert code == 0 and [(r["what"], r["source"]) for r in out["repaired"]] == [("own", "oss")]
    assert path.read_bytes() == BIG
    store.close()


def test_the_repair_page_lists_faults_by_what_the_viewer_may_see_and_repairs_now(
    node,
    storage,
    preserved,
    make_target,
    client,
    archivist,
    system_admin,
    django_capture_on_commit_callbacks,
):
    from django.urls import reverse

    from dangan.core.choices import SecurityClassification

    secret = preserved({"big.bin": BIG}, title="秘密会议纪要", classification=SecurityClassification.SECRET)
    nas = make_target("nas")
    replicate_package(secret, nas)
    row = row_of(secret, nas)
    flip(held(nas, row))
    mark(row, EnvelopeFault.DAMAGED, "第 3 块未通过验证")
    url = reverse("replication:repair")

    client.force_login(system_admin)  # manages backup; reads the catalog only at 公开: the package by its id
    page = client.get(url).content.decode()
    assert str(secret.uuid) in page and secret.reference_code not in page and "秘密会议纪要" not in page
    assert row.path in page and "第 3 块未通过验证" in page and "立即修复" in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("replication:repair_now"), {"target": "nas"})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.fault == ""  # the queued task ran the repair
    page = client.get(url).content.decode()
    assert "没有发现损坏或缺失的副本" in page and "来源：owner" in page and "最近一次修复" in page
    assert secret.reference_code not in page
    entry = AuditEntry.objects.get(action="replication.repair")
    assert (
        entry.data["repaired"][0]["package"] == str(secret.uuid) and "reference_code" not in entry.data["repaired"][0]
    )
    assert client.post(reverse("replication:repair_now"), {"target": "nowhere"}).status_code == 302

    assert f'href="{url}"' in client.get(reverse("replication:home")).content.decode()  # linked from the start page

    client.force_login(archivist)  # reads copies, may not repair
    assert client.get(url).status_code == 403
    assert f'href="{url}"' not in client.get(reverse("replication:home")).content.decode()
    assert client.post(reverse("replication:repair_now")).status_code == 403


def test_a_copy_marked_damaged_with_every_envelope_whole_by_size_asks_for_a_full_audit(copies, capsys):
    package, nas, _tape = copies
    row = row_of(package, nas)
    flip(held(nas, row))  # the same size: the listing cannot find it
    Replica.objects.filter(package=package, target=nas).update(state=ReplicaState.DAMAGED)

    code, out = repair_json(capsys)

    assert code == 1 and out["repaired"] == []
    [failed] = out["failed"]
    assert failed["target"] == "nas" and "dangan replication audit --target nas --full" in failed["reason"]


def test_repair_before_dangan_init_says_so(settings, storage, tmp_path, capsys):
    settings.REPLICATION_HOME = tmp_path / "nothing-here"
    assert main(["replication", "repair"]) == 1
    assert "dangan init" in capsys.readouterr().err
