"""Preserving a unit's files: one OCFL object per unit, a new version per change, METS + PREMIS in it, the database
rows written after the storage, permissions; all on real files and a real database."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangan.catalog.actions.units import do_update_unit
from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import CONSOLE
from dangan.core.choices import SecurityClassification
from dangan.core.models import AuditEntry
from dangan.preservation.actions.preserving import collect_files, do_preserve
from dangan.preservation.description import description_for
from dangan.preservation.mets import parse_mets, validate_mets
from dangan.preservation.models import PackageEvent, PackageFile, PackageVersion, PreservedPackage
from dangan.preservation.ocfl.validation import validate_object
from dangan.preservation.premis import EventType
from dangan.preservation.store import METS_PATH, package_uuid_for_unit

from .conftest import PDF, TEXT, jpeg_bytes

pytestmark = pytest.mark.django_db


def mets_of(storage, package, version=None):
    with storage.open_file(package.object_id, METS_PATH, version) as handle:
        return handle.read()


def test_first_preserve_writes_an_ocfl_object_with_mets_and_the_rows(storage, make_unit, source_files, archivist):
    unit = make_unit()
    paths = source_files({"0001.pdf": PDF, "说明.txt": TEXT, "scan/p1.jpg": jpeg_bytes()})
    result = do_preserve(archivist, unit, [paths[0], paths[1], paths[2].parent], message="接收")
    package = result.package
    assert result.created and result.version == "v1" and result.files_added == 3
    assert package.uuid == package_uuid_for_unit(unit.uuid) and package.unit == unit
    assert package.object_id.startswith("urn:uuid:") and unit.reference_code not in package.object_id
    assert validate_object(storage.backend, storage.object_path(package.object_id)).valid

    data = mets_of(storage, package)
    assert validate_mets(data) == []
    record = parse_mets(data)
    assert record.package_id == package.object_id
    assert record.description == description_for(unit)
    assert record.description.reference_code == unit.reference_code and record.description.subjects == ["扶贫", "通知"]
    by_path = {f.path: f for f in record.files}
    assert set(by_path) == {"content/0001.pdf", "content/说明.txt", "content/scan/p1.jpg"}
    assert by_path["content/0001.pdf"].sha512 == hashlib.sha512(PDF).hexdigest()
    assert by_path["content/0001.pdf"].sm3 and by_path["content/0001.pdf"].sha256 == hashlib.sha256(PDF).hexdigest()
    assert by_path["content/0001.pdf"].puid == "fmt/18" and by_path["content/scan/p1.jpg"].puid == "fmt/43"
    types = [e.type for e in record.events]
    assert types.count(EventType.FORMAT_IDENTIFICATION) == 3  # one per file
    assert {EventType.INFORMATION_PACKAGE_CREATION, EventType.MESSAGE_DIGEST_CALCULATION, EventType.INGESTION} <= set(
        types
    )

    files = {f.logical_path: f for f in PackageFile.objects.filter(package=package)}
    assert set(files) == {*by_path, METS_PATH}
    assert files["content/说明.txt"].puid == "x-fmt/111" and files["content/说明.txt"].size == len(TEXT)
    assert files[METS_PATH].puid and files[METS_PATH].use == "metadata"
    assert files["content/0001.pdf"].content_path == "v1/content/content/0001.pdf"
    assert (package.head_version, package.version_count, package.file_count) == ("v1", 1, 4)
    assert package.total_bytes == sum(f.size for f in files.values())
    assert PackageEvent.objects.filter(package=package, version__number=1).count() == len(record.events)
    entry = AuditEntry.objects.get(action="preservation.package.preserve")
    assert entry.username == "archivist" and entry.data["version"] == "v1"


def test_every_change_is_a_new_version_and_nothing_new_is_no_version(storage, make_unit, source_files):
    unit = make_unit()
    first = source_files({"a.txt": b"first", "b.txt": b"stays"})
    v1 = do_preserve(CONSOLE, unit, first)
    again = do_preserve(CONSOLE, unit, first)
    assert not again.created and again.version == "v1" and not again.indexed
    assert AuditEntry.objects.filter(action="preservation.package.preserve").count() == 1

    (changed,) = source_files({"a.txt": b"second"})
    v2 = do_preserve(CONSOLE, unit, [changed], message="更正")
    assert v2.created and v2.version == "v2" and v2.changed_paths == ["content/a.txt"]
    package = PreservedPackage.objects.get(pk=v1.package.pk)
    assert (package.head_version, package.version_count) == ("v2", 2)
    head = {f.logical_path: f for f in PackageFile.objects.filter(version__package=package, version__number=2)}
    assert set(head) == {"content/a.txt", "content/b.txt", METS_PATH}  # b.txt carried into v2
    assert head["content/b.txt"].content_path.startswith("v1/")  # stored once, not copied
    old = PackageFile.objects.get(version__package=package, version__number=1, logical_path="content/a.txt")
    assert old.sha512 == hashlib.sha512(b"first").hexdigest()
    assert PackageVersion.objects.get(package=package, number=2).message == "更正"
    record = parse_mets(mets_of(storage, package))
    ingest = [e for e in record.events if e.type == EventType.INGESTION]
    assert len(ingest) == 2 and "v2" in ingest[-1].detail
    assert validate_object(storage.backend, package.object_path).valid


def test_a_changed_description_is_a_new_version_with_a_metadata_modification_event(
    storage, make_unit, source_files, archivist, django_capture_on_commit_callbacks
):
    unit = make_unit()
    package = do_preserve(CONSOLE, unit, source_files({"a.txt": b"x"})).package
    with django_capture_on_commit_callbacks(execute=True):
        do_update_unit(archivist, unit, {"title": "关于开展脱贫攻坚工作的通知（修订）"})
    package.refresh_from_db()
    assert package.head_version == "v2" and package.label.endswith("（修订）")
    record = parse_mets(mets_of(storage, package))
    assert record.description.title == "关于开展脱贫攻坚工作的通知（修订）"
    modification = [e for e in record.events if e.type == EventType.METADATA_MODIFICATION]
    assert len(modification) == 1 and modification[0].detail == "著录项变更：题名"
    assert validate_mets(mets_of(storage, package)) == []
    # The same description again: no version.
    with django_capture_on_commit_callbacks(execute=True):
        do_update_unit(archivist, unit, {"page_count": 3})
    package.refresh_from_db()
    assert package.head_version == "v2"


def test_who_may_preserve(storage, make_unit, source_files, archivist, junior_archivist, security_admin, system_admin):
    files = source_files({"a.txt": b"x"})
    secret = make_unit(classification=SecurityClassification.SECRET)
    for user in (security_admin, system_admin):  # neither may change the catalog
        with pytest.raises(PermissionDenied):
            do_preserve(user, secret, files)
    with pytest.raises(PermissionDenied):
        do_preserve(junior_archivist, secret, files)  # the policy hides a 秘密 unit from a 公开-cleared archivist
    assert not storage.exists(PreservedPackage(uuid=package_uuid_for_unit(secret.uuid)).object_id)
    assert do_preserve(archivist, secret, files).created


def test_bad_input_is_refused_before_anything_is_written(storage, make_unit, source_files, tmp_path):
    unit = make_unit()
    with pytest.raises(ValidationError, match="不存在"):
        collect_files([tmp_path / "nowhere.pdf"])
    (empty := tmp_path / "empty").mkdir()
    with pytest.raises(ValidationError, match="没有文件"):
        collect_files([empty])
    a, b = source_files({"x/a.txt": b"1"}) + source_files({"x/a.txt": b"2"})
    with pytest.raises(ValidationError, match="重复"):
        collect_files([a, b])
    with pytest.raises(ValidationError):
        do_preserve(CONSOLE, unit, [])
    assert PreservedPackage.objects.count() == 0 and list(storage.objects()) == []


def test_a_failed_write_leaves_no_object_and_no_row(storage, make_unit, source_files):
    unit = make_unit()
    # A control character in the description cannot go into XML (DA/T 70 1-6): the METS cannot be built, the
    # write stops before the swap, and the database is not touched.
    ArchivalUnit.objects.filter(pk=unit.pk).update(title="坏\x0b字符")
    unit.refresh_from_db()
    with pytest.raises(ValueError):
        do_preserve(CONSOLE, unit, source_files({"a.txt": b"x"}))
    assert PreservedPackage.objects.count() == 0
    assert list(storage.objects()) == []
    assert [e.name for e in storage.backend.list_dir("extensions/dangan-staging") if e.name.startswith("txn")] == []
