# ruff: noqa: F811 (pytest fixtures imported from tests/replication/transfers.py)
"""Restore drills (恢复演练) from real targets — a folder and a SeaweedFS S3 bucket: every object restored byte for
byte into a scratch storage root and validated, recovery time and point reported and recorded, a damaged envelope
named (exit 1), one fonds alone, the PDF report, a drill killed half-way resumed, and a drill with the key combined
from custodians' shares (never installed)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from dangan.catalog.actions.configuration import do_create_fonds
from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from dangan.preservation.actions.preserving import do_preserve
from dangan.preservation.ocfl.validation import validate_object
from dangan.preservation.storage.local import LocalFilesystemBackend
from dangan.replication.actions.drills import DRILL_MARKER, do_drill
from dangan.replication.actions.transfers import replicate_package
from dangan.replication.crypto import shares
from dangan.replication.models import DrillRun, StoredEnvelope, Target
from dangan.replication.node import master_key
from dangan.replication.stores.folder import FolderStore
from tests.conftest import S3_BUCKET

from .transfers import (  # noqa: F401 (fixtures)
    PDF,
    TEXT,
    Crash,
    make_target,
    make_unit,
    node,
    preserved,
    source_files,
    storage,
)

pytestmark = pytest.mark.django_db


def object_files(storage: Any, package: Any) -> dict[str, bytes]:
    base = Path(storage.backend.describe(storage.object_path(package.object_id)))
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def restored_files(into: Path, storage: Any, package: Any) -> dict[str, bytes]:
    base = into / storage.object_path(package.object_id)
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def drill(*args: str) -> int:
    return main(["replication", "drill", *args])


@pytest.fixture
def two_packages(preserved: Any, make_unit: Any, source_files: Any) -> list[Any]:
    first = preserved({"0001.pdf": PDF, "scan/p1.bin": os.urandom(5000)})
    unit = make_unit()
    second = preserved({"说明.txt": TEXT}, unit=unit)
    do_preserve(CONSOLE, unit, source_files({"0002.bin": os.urandom(3000)}), message="补充")  # a v2
    second.refresh_from_db()
    return [first, second]


def test_a_drill_from_a_folder_restores_every_object_byte_for_byte_and_reports_rto_and_rpo(
    node: Any, storage: Any, two_packages: list[Any], make_target: Any, tmp_path: Path, capsys: Any
) -> None:
    target = make_target("nas")
    for package in two_packages:
        replicate_package(package, target)
    into = tmp_path / "drill"
    pdf = tmp_path / "drill.pdf"

    assert drill("--target", "nas", "--into", str(into), "--json", "--pdf", str(pdf)) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["objects"] == 2 and not result["failures"]
    for package in two_packages:
        assert restored_files(into, storage, package) == object_files(storage, package)
        assert validate_object(LocalFilesystemBackend(into), storage.object_path(package.object_id)).valid
    newest = max(storage.inventory(p.object_id).version().created for p in two_packages)
    assert result["newest_version_at"] == newest.isoformat()
    assert result["recovery_point_s"] >= 0 and result["recovery_time_s"] >= 0
    assert result["files"] == sum(len(object_files(storage, p)) for p in two_packages)
    assert result["bytes"] == sum(len(b) for p in two_packages for b in object_files(storage, p).values())
    run = DrillRun.objects.get()
    assert run.state == "passed" and run.objects_restored == 2 and not run.from_shares
    assert AuditEntry.objects.filter(action="replication.drill").count() == 1
    assert not (into / DRILL_MARKER).exists()

    text = "".join(page.extract_text() for page in PdfReader(pdf).pages).replace("\x00", "")
    assert "恢复演练报告" in text and "nas" in text
    assert f"{result['bytes']} 字节" in text and "恢复对象：2 个" in text
    assert f"{result['recovery_time_s']:.3f} 秒" in text

    # A folder that is not empty (this drill's, finished) is refused: exit 2.
    assert drill("--target", "nas", "--into", str(into)) == 2
    assert drill("--target", "nowhere", "--into", str(tmp_path / "x")) == 2


def test_a_damaged_envelope_is_named_and_the_drill_exits_1(
    node: Any, storage: Any, two_packages: list[Any], make_target: Any, tmp_path: Path, capsys: Any
) -> None:
    target = make_target("nas")
    for package in two_packages:
        replicate_package(package, target)
    row = StoredEnvelope.objects.filter(path="v1/content/content/0001.pdf").get()
    at = Path(target.location) / row.name
    data = bytearray(at.read_bytes())
    data[len(data) // 2] ^= 0x01
    at.write_bytes(bytes(data))
    missing = StoredEnvelope.objects.filter(path="v2/content/content/0002.bin").get()
    (Path(target.location) / missing.name).unlink()

    assert drill("--target", "nas", "--into", str(tmp_path / "d"), "--json") == 1
    failures = json.loads(capsys.readouterr().out)["failures"]
    damaged = next(f for f in failures if row.name in f["file"])
    assert "0001.pdf" in damaged["file"] and "损坏" in damaged["what"]
    assert two_packages[0].unit.reference_code in damaged["object"]
    gone = next(f for f in failures if missing.name in f["file"])
    assert "缺失" in gone["what"] and two_packages[1].unit.reference_code in gone["object"]
    assert len(failures) == 2
    assert DrillRun.objects.get().state == "failed"


def test_a_drill_of_one_fonds_restores_only_its_packages(
    node: Any, storage: Any, preserved: Any, categories: Any, make_target: Any, tmp_path: Path, capsys: Any
) -> None:
    from dangan.catalog.actions.units import do_create_unit

    other = do_create_fonds(CONSOLE, "Z110", "贵州省档案局", creator="贵州省档案局")
    ours = preserved({"a.txt": TEXT})
    unit = do_create_unit(
        CONSOLE,
        other,
        {
            "title": "关于档案工作的通知",
            "category": categories["WS"],
            "year": 2012,
            "retention": "Y",
            "organization": "BGS",
            "responsible": "贵州省档案局",
            "page_count": 1,
        },
    )
    theirs = preserved({"b.txt": TEXT + b"!"}, unit=unit)
    target = make_target("nas")
    replicate_package(ours, target)
    replicate_package(theirs, target)

    into = tmp_path / "z110"
    assert drill("--target", "nas", "--into", str(into), "--fonds", "Z110", "--json") == 0
    assert json.loads(capsys.readouterr().out)["objects"] == 1
    assert restored_files(into, storage, theirs) == object_files(storage, theirs)
    assert not (into / storage.object_path(ours.object_id)).exists()
    assert drill("--target", "nas", "--into", str(tmp_path / "y"), "--fonds", "NOPE") == 2


class CrashingReads(FolderStore):
    """A real folder store that 'dies' after ``left`` reads."""

    def __init__(self, root: Path, left: int) -> None:
        super().__init__(root)
        self.left = left

    def read(self, name: str, offset: int = 0, length: int | None = None) -> bytes:
        if self.left <= 0:
            raise Crash("killed mid-drill")
        self.left -= 1
        return super().read(name, offset, length)


def test_a_drill_killed_half_way_resumes_and_keeps_what_it_had_verified(
    node: Any, storage: Any, two_packages: list[Any], make_target: Any, tmp_path: Path, capsys: Any
) -> None:
    target = make_target("nas")
    for package in two_packages:
        replicate_package(package, target)
    into = tmp_path / "drill"
    with pytest.raises(Crash):
        do_drill(CONSOLE, target, into, store=CrashingReads(Path(target.location), left=12))
    assert (into / DRILL_MARKER).exists() and DrillRun.objects.get().state == "running"
    # A SIGKILL would also leave a staging file behind (the exception here cleans its own up).
    leftover = into / storage.object_path(two_packages[0].object_id) / "v1" / "inventory.json.0a1b.restoring"
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_bytes(b"half")

    assert drill("--target", "nas", "--into", str(into), "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["files_resumed"] > 0 and result["drill"] == DrillRun.objects.get().pk
    for package in two_packages:
        assert restored_files(into, storage, package) == object_files(storage, package)
    assert not list(into.rglob("*.restoring"))


def test_an_escrow_drill_restores_with_the_key_from_the_shares_alone(
    node: Any, settings: Any, storage: Any, two_packages: list[Any], make_target: Any, tmp_path: Path, capsys: Any
) -> None:
    target = make_target("nas")
    for package in two_packages:
        replicate_package(package, target)
    lines = [s.to_line() for s in shares.split(master_key(), 2, ["甲", "乙", "丙"])]
    typed = tmp_path / "typed.txt"
    typed.write_text(lines[2] + "\n" + lines[0] + "\n", encoding="utf-8")
    installed = (settings.REPLICATION_HOME / "master.key").read_bytes()

    assert drill("--target", "nas", "--into", str(tmp_path / "d"), "--shares", str(typed), "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["from_shares"] and result["key_id"] == master_key().key_id.hex() and result["objects"] == 2
    assert (settings.REPLICATION_HOME / "master.key").read_bytes() == installed  # nothing installed
    assert DrillRun.objects.get().from_shares

    # A new machine: no keys at all; the shares alone restore the copy, and still nothing is installed.
    from dangan.replication import node as node_module

    settings.REPLICATION_HOME = tmp_path / "new-machine"
    node_module._cached.clear()
    assert drill("--target", "nas", "--into", str(tmp_path / "n"), "--shares", str(typed), "--json") == 0
    assert json.loads(capsys.readouterr().out)["objects"] == 2
    assert not (tmp_path / "new-machine" / "master.key").exists()
    assert drill("--target", "nas", "--into", str(tmp_path / "m")) == 1  # without shares: no key here
    assert "dangan init" in capsys.readouterr().err

    # Shares of another key decrypt nothing: every manifest named, exit 1.
    from dangan.replication.crypto.keys import MasterKey

    other = [s.to_line() for s in shares.split(MasterKey(secrets.token_bytes(32)), 2, ["甲", "乙"])]
    typed.write_text("\n".join(other), encoding="utf-8")
    assert drill("--target", "nas", "--into", str(tmp_path / "e"), "--shares", str(typed), "--json") == 1
    failures = json.loads(capsys.readouterr().out)["failures"]
    assert len(failures) == StoredEnvelope.objects.filter(kind="manifest").count()
    # Too few shares: usage.
    typed.write_text(other[0], encoding="utf-8")
    assert drill("--target", "nas", "--into", str(tmp_path / "f"), "--shares", str(typed)) == 2


def test_a_drill_from_an_s3_target(
    node: Any, storage: Any, two_packages: list[Any], seaweed: Any, monkeypatch: Any, tmp_path: Path, capsys: Any
) -> None:
    monkeypatch.setenv("TEST_S3_ACCESS", seaweed.access_key)
    monkeypatch.setenv("TEST_S3_SECRET", seaweed.secret_key)
    target = Target.objects.create(
        name="oss",
        kind="s3",
        location=f"s3://{S3_BUCKET}/drill-{secrets.token_hex(4)}",
        options={
            "endpoint": seaweed.endpoint,
            "region": "us-east-1",
            "access_key_env": "TEST_S3_ACCESS",
            "secret_key_env": "TEST_S3_SECRET",
            "chunk_size": 1024,
        },
    )
    for package in two_packages:
        replicate_package(package, target)
    into = tmp_path / "drill"
    assert drill("--target", "oss", "--into", str(into), "--json") == 0
    assert json.loads(capsys.readouterr().out)["objects"] == 2
    for package in two_packages:
        assert restored_files(into, storage, package) == object_files(storage, package)
    digest = hashlib.sha256(b"".join(object_files(storage, two_packages[0]).values())).hexdigest()
    assert digest == hashlib.sha256(b"".join(restored_files(into, storage, two_packages[0]).values())).hexdigest()


def test_the_workspace_starts_a_drill_lists_it_and_serves_its_report(
    node: Any,
    settings: Any,
    storage: Any,
    preserved: Any,
    make_target: Any,
    tmp_path: Path,
    client: Any,
    archivist: Any,
    system_admin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.urls import reverse

    from dangan.core.choices import SecurityClassification

    settings.REPLICATION_DRILL_ROOT = tmp_path / "drills"
    secret = preserved({"a.txt": TEXT}, title="秘密会议纪要", classification=SecurityClassification.SECRET)
    target = make_target("nas")
    replicate_package(secret, target)
    row = StoredEnvelope.objects.filter(path__endswith="a.txt").get()
    (Path(target.location) / row.name).unlink()

    client.force_login(system_admin)  # manages backup; reads the catalog only at 公开
    assert reverse("replication:drills") in client.get(reverse("replication:home")).content.decode()
    assert "开始恢复演练" in client.get(reverse("replication:drills")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("replication:drill_start"), {"target": str(target.pk)})
    assert answer.status_code == 302
    run = DrillRun.objects.get()
    assert run.state == "failed" and run.started_by == "sysadmin" and len(run.failures) == 1
    assert not any((tmp_path / "drills").iterdir())  # the scratch root went once recorded
    assert AuditEntry.objects.filter(action="replication.drill").count() == 1
    page = client.get(reverse("replication:drill", args=[run.pk])).content.decode()
    assert row.name in page and secret.reference_code not in page and secret.object_id in page
    pdf = client.get(reverse("replication:drill_pdf", args=[run.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace("\x00", "")
    assert "有失败" in text and secret.reference_code not in text

    client.force_login(archivist)  # cleared to 机密: sees the 档号, may not start a drill
    page = client.get(reverse("replication:drill", args=[run.pk])).content.decode()
    assert secret.reference_code in page
    assert "开始恢复演练" not in client.get(reverse("replication:drills")).content.decode()
    assert client.post(reverse("replication:drill_start"), {"target": str(target.pk)}).status_code == 403


def test_a_drill_from_a_disc_set_reads_the_disc_images(
    node: Any, storage: Any, two_packages: list[Any], tmp_path: Path, capsys: Any
) -> None:
    from dangan.replication.actions.discs import do_write_sets

    target = Target.objects.create(
        name="discs",
        kind="discs",
        medium="optical",
        location=str(tmp_path / "discs"),
        options={"capacity_bytes": 3 * 1024 * 1024, "chunk_size": 1024},
    )
    for package in two_packages:
        replicate_package(package, target)
    (disc_set,) = do_write_sets(CONSOLE, target)
    assert disc_set.discs.count() >= 3
    assert not [p for p in (Path(target.location) / "staging").rglob("*") if p.is_file()]  # on the discs alone
    into = tmp_path / "drill"
    assert drill("--target", "discs", "--into", str(into), "--json") == 0
    assert json.loads(capsys.readouterr().out)["objects"] == 2
    for package in two_packages:
        assert restored_files(into, storage, package) == object_files(storage, package)


def test_a_restore_into_the_storage_root_killed_half_way_is_continued(
    node: Any, settings: Any, storage: Any, two_packages: list[Any], make_target: Any, tmp_path: Path, capsys: Any
) -> None:
    from dangan.preservation.store import storage_root
    from dangan.replication.actions.drills import RESTORE_MARKER, do_restore

    target = make_target("nas")
    for package in two_packages:
        replicate_package(package, target)
    originals = {p.object_id: object_files(storage, p) for p in two_packages}
    settings.STORAGE_ROOT = tmp_path / "new-storage"  # the node's storage root, lost and empty
    new_root = storage_root()

    with pytest.raises(Crash):
        do_restore(CONSOLE, target, store=CrashingReads(Path(target.location), left=20))
    assert (settings.REPLICATION_HOME / RESTORE_MARKER).exists()
    assert main(["replication", "restore", "--target", "nas", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["kind"] == "restore" and result["files_resumed"] > 0
    for package in two_packages:
        assert restored_files(Path(new_root.backend.describe()), new_root, package) == originals[package.object_id]
    assert not (settings.REPLICATION_HOME / RESTORE_MARKER).exists()
    assert AuditEntry.objects.filter(action="replication.restore").count() == 1
    assert main(["replication", "restore", "--target", "nas"]) == 2  # it holds objects now
