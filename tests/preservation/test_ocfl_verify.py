"""Fixity checks of stored objects (changed, missing, extra, sidecar) and validation of whole storage roots."""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dangan.preservation.ocfl.fixity import FailureKind
from dangan.preservation.ocfl.inventory import dump_inventory, sidecar_text
from dangan.preservation.ocfl.root import StorageRoot, object_id_for
from dangan.preservation.ocfl.validation import validate_object, validate_root
from dangan.preservation.storage import LocalFilesystemBackend

Stored = tuple[StorageRoot, str, Path]

USER = {"user_name": "审计员", "user_address": "mailto:audit@example.org"}


@pytest.fixture
def stored(tmp_path: Path) -> Stored:
    """A root with one object of two versions; returns (root, object id, object directory)."""
    root = StorageRoot(LocalFilesystemBackend(tmp_path / "ocfl"))
    root.initialize()
    object_id = object_id_for(uuid.uuid4())
    sources = tmp_path / "sources"
    sources.mkdir()
    for version, contents in enumerate(
        ({"a.txt": b"alpha" * 1000, "b.txt": b"beta"}, {"a.txt": b"alpha" * 1000, "b.txt": b"beta 2"}), 1
    ):
        files = {}
        for name, data in contents.items():
            (sources / f"{version}-{name}").write_bytes(data)
            files[name] = sources / f"{version}-{name}"
        root.write_version(
            object_id, files, {"metadata/mets.xml": f"<v{version}/>".encode()}, message=f"v{version}", **USER
        )
    return root, object_id, Path(root.backend.describe(root.object_path(object_id)))


def rewrite_inventory(directory: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the root inventory and the head's copy consistently, sidecars included (a 'valid' forgery)."""
    data = json.loads((directory / "inventory.json").read_text())
    change(data)
    raw = dump_inventory(data)
    for where in (directory, directory / data["head"]):
        (where / "inventory.json").write_bytes(raw)
        (where / "inventory.json.sha512").write_text(sidecar_text(raw, "sha512"))


def test_an_intact_object_verifies(stored: Stored) -> None:
    root, object_id, _directory = stored
    report = root.verify_object(object_id)
    assert report.ok, report.failures
    assert report.files_checked == 5  # a.txt, b.txt, mets v1; b.txt, mets v2
    assert report.bytes_checked == 5000 + 4 + 5 + 6 + 5
    assert root.verify_object(object_id, all_digests=True).ok


def test_changed_missing_and_extra_files(stored: Stored) -> None:
    root, object_id, directory = stored
    (directory / "v1/content/b.txt").write_bytes(b"BETA")  # same size, other bytes
    (directory / "v2/content/metadata/mets.xml").unlink()
    (directory / "v2/content/smuggled.bin").write_bytes(b"?")
    report = root.verify_object(object_id)
    changed = report.of_kind(FailureKind.CHANGED)
    assert [(f.path, f.algorithm) for f in changed] == [("v1/content/b.txt", "sha512")]
    assert changed[0].actual == hashlib.sha512(b"BETA").hexdigest()
    assert changed[0].expected == hashlib.sha512(b"beta").hexdigest()
    assert [f.path for f in report.of_kind(FailureKind.MISSING)] == ["v2/content/metadata/mets.xml"]
    assert [f.path for f in report.of_kind(FailureKind.EXTRA)] == ["v2/content/smuggled.bin"]
    assert not report.ok
    validation = validate_object(root.backend, root.object_path(object_id))
    assert {"E023", "E092"} <= validation.error_codes


def test_inventory_sidecar_mismatch(stored: Stored) -> None:
    root, object_id, directory = stored
    with (directory / "inventory.json").open("ab") as f:
        f.write(b" ")
    (directory / "v1/inventory.json.sha512").write_text("0" * 128 + " inventory.json\n")
    report = root.verify_object(object_id)
    paths = sorted(f.path for f in report.of_kind(FailureKind.SIDECAR))
    assert paths == ["inventory.json", "v1/inventory.json"]
    assert report.of_kind(FailureKind.INVENTORY)  # the root inventory no longer equals the head's copy


def test_all_digests_checks_the_fixity_block_too(stored: Stored) -> None:
    root, object_id, directory = stored

    def forge_sm3(data: dict[str, Any]) -> None:
        sm3 = data["fixity"]["sm3"]
        digest = next(d for d, paths in sm3.items() if paths == ["v1/content/a.txt"])
        sm3["0" * 64] = sm3.pop(digest)

    rewrite_inventory(directory, forge_sm3)
    assert root.verify_object(object_id).ok  # sha512 only
    report = root.verify_object(object_id, all_digests=True)
    assert [(f.kind, f.path, f.algorithm, f.expected) for f in report.failures] == [
        (FailureKind.CHANGED, "v1/content/a.txt", "sm3", "0" * 64)
    ]
    assert "E093" in validate_object(root.backend, root.object_path(object_id)).error_codes


def test_a_root_with_crash_leftovers_in_staging_is_still_valid(stored: Stored) -> None:
    root, _object_id, _directory = stored
    leftover = Path(root.backend.describe("extensions/dangan-staging/txn-abc-0123/object/v1/content"))
    leftover.mkdir(parents=True)
    (leftover / "half-written.bin").write_bytes(b"x")
    report = validate_root(root.backend)
    assert report.valid, str(report)
    assert len(report.objects) == 1
    assert root.recover().removed == ["extensions/dangan-staging/txn-abc-0123"]
    assert not root.recover().changed


def test_root_level_errors(stored: Stored) -> None:
    root, _object_id, directory = stored
    base = Path(root.backend.describe())
    (base / "abc/def").mkdir(parents=True)
    (base / directory.relative_to(base).parts[0] / "stray.txt").write_text("x")
    moved = base / "fff/fff/fff" / directory.name
    moved.parent.mkdir(parents=True)
    shutil.copytree(directory, moved)
    report = validate_root(root.backend)
    assert not report.valid
    assert {"E072", "E073"} <= report.error_codes
    assert "E083" in report.objects["fff/fff/fff/" + directory.name].error_codes
    (base / "0=ocfl_1.1").unlink()
    assert "E069" in validate_root(root.backend).error_codes
