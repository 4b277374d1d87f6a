"""`dangan rebuild`: the preservation rows recreated from the storage root alone equal the ones the actions wrote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from dangan.catalog.actions.units import do_update_unit
from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from dangan.preservation.actions.auditing import do_audit
from dangan.preservation.actions.indexing import rebuild_from_storage
from dangan.preservation.actions.preserving import do_preserve
from dangan.preservation.choices import FixityStatus
from dangan.preservation.models import PackageEvent, PackageFile, PackageVersion, PreservedPackage

from .conftest import PDF, TEXT, jpeg_bytes

pytestmark = pytest.mark.django_db

PACKAGE_FIELDS = (
    "uuid",
    "unit_id",
    "unit_uuid",
    "label",
    "reference_code",
    "object_path",
    "head_version",
    "version_count",
    "file_count",
    "total_bytes",
    "stored_files",
    "stored_bytes",
    "package_created",
)


def snapshot() -> dict[str, Any]:
    """Everything in the preservation rows that comes from storage (ids and row timestamps aside)."""
    return {
        "packages": sorted(PreservedPackage.objects.values_list(*PACKAGE_FIELDS)),
        "versions": sorted(
            PackageVersion.objects.values_list(
                "package__uuid", "number", "name", "created", "message", "user_name", "user_address", "file_count"
            )
        ),
        "files": sorted(
            PackageFile.objects.values_list(
                "package__uuid",
                "version__number",
                "logical_path",
                "content_path",
                "size",
                "sha512",
                "sha256",
                "sm3",
                "puid",
                "mime_type",
                "format_name",
                "format_version",
                "format_note",
                "original_name",
                "use",
            )
        ),
        "events": sorted(
            (uuid, identifier, kind, when, detail, outcome, json.dumps(agents), json.dumps(objects), path, version)
            for uuid, identifier, kind, when, detail, outcome, agents, objects, path, version in (
                PackageEvent.objects.filter(version__isnull=False).values_list(
                    "package__uuid",
                    "identifier",
                    "event_type",
                    "date_time",
                    "detail",
                    "outcome",
                    "agents",
                    "linked_objects",
                    "file_path",
                    "version__number",
                )
            )
        ),
    }


def build_history(make_unit, source_files, archivist, capture) -> None:
    first, second = make_unit(), make_unit(title="遵义会议会址修缮方案")
    do_preserve(archivist, first, source_files({"0001.pdf": PDF, "说明.txt": TEXT, "img/p1.jpg": jpeg_bytes(1)}))
    do_preserve(CONSOLE, first, source_files({"说明.txt": TEXT + b"\xe8\xa1\xa5"}), message="更正说明")
    do_preserve(CONSOLE, second, source_files({"方案.pdf": PDF + b"%v2"}))
    do_audit(CONSOLE)  # fixity events, written into the METS only with a next version
    with capture(execute=True):
        do_update_unit(archivist, second, {"responsible": "遵义市文物局"})
    do_preserve(CONSOLE, second, source_files({"附件/图.jpg": jpeg_bytes(2)}))


def test_rebuild_from_storage_alone_equals_what_the_actions_wrote(
    storage, make_unit, source_files, archivist, django_capture_on_commit_callbacks
):
    build_history(make_unit, source_files, archivist, django_capture_on_commit_callbacks)
    before = snapshot()
    assert len(before["packages"]) == 2 and len(before["versions"]) == 5
    assert PackageEvent.objects.filter(version__isnull=True).count() == 1  # the first package's fixity check

    PreservedPackage.objects.all().delete()  # the database lost every preservation record
    report = rebuild_from_storage(CONSOLE)
    assert report.ok and report.objects == 2 and report.versions == 5
    assert snapshot() == before
    # Rebuilding over a complete index changes nothing.
    report = rebuild_from_storage(CONSOLE)
    assert report.ok and snapshot() == before
    assert AuditEntry.objects.filter(action="preservation.rebuild").count() == 2


def test_rebuild_cli_reports_missing_and_unreadable_objects(storage, make_unit, source_files, capsys):
    kept = do_preserve(CONSOLE, make_unit(), source_files({"a.txt": b"a"})).package
    gone = do_preserve(CONSOLE, make_unit(), source_files({"b.txt": b"b"})).package
    assert main(["rebuild"]) == 0
    assert "1 个对象" not in capsys.readouterr().out

    shutil.rmtree(Path(storage.backend.describe()) / gone.object_path)
    assert main(["rebuild", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["missing"] == [gone.object_id] and report["objects"] == 1
    gone.refresh_from_db()
    assert gone.fixity_status == FixityStatus.MISSING
    assert PreservedPackage.objects.get(pk=kept.pk).version_count == 1

    (Path(storage.backend.describe()) / kept.object_path / "inventory.json").write_text("{not json")
    assert main(["rebuild"]) == 1
    assert "无法读取" in capsys.readouterr().err
