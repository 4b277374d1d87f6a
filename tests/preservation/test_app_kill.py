"""The end-to-end kill test: `dangan preserve` runs in a real child process and is killed with SIGKILL at every crash
point of the OCFL writer and of the preservation action, and after random delays. After each kill the storage root
validates and holds the old object or the new one, no database row points at a missing object or version, and
rerunning the same command finishes the job with exactly one new version."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

import pytest

from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.preservation.actions.preserving import CRASH_STEPS, do_preserve
from dangan.preservation.mets import parse_mets
from dangan.preservation.models import PackageEvent, PackageFile, PreservedPackage
from dangan.preservation.ocfl import crash
from dangan.preservation.ocfl.staging import STAGING, TXN_PREFIX
from dangan.preservation.ocfl.validation import validate_object, validate_root
from dangan.preservation.premis import EventType
from dangan.preservation.store import METS_PATH, object_id_for, package_uuid_for_unit

from .conftest import PDF, run_dangan

FILES = 12
RANDOM_KILLS = 5


def _blob(seed: str, size: int = 100_000) -> bytes:
    return random.Random(seed).randbytes(size)


V1 = {"0001.pdf": PDF, **{f"scan/p{i:02d}.bin": _blob(f"p{i}") for i in range(FILES)}}
# The second version changes four files and adds four.
V2 = {f"scan/p{i:02d}.bin": _blob(f"p{i} changed") for i in range(4)} | {
    f"scan/q{i:02d}.bin": _blob(f"q{i}") for i in range(4)
}


def logical(files: dict[str, bytes]) -> dict[str, bytes]:
    return {f"content/{name}": data for name, data in files.items()}


OLD = logical(V1)
NEW = OLD | logical(V2)


def write_sources(base: Path, files: dict[str, bytes]) -> list[str]:
    for name, data in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return [str(base / name) for name in files if "/" not in name] + [str(base / "scan")]


def content_state(storage: Any, object_id: str) -> tuple[str, dict[str, bytes]] | None:
    if not storage.backend.exists(storage.object_path(object_id)):
        return None
    inventory = storage.inventory(object_id)
    state = {}
    for path in inventory.state():
        if path != METS_PATH:
            with storage.open_file(object_id, path) as handle:
                state[path] = handle.read()
    return inventory.head, state


def check_after_kill(storage: Any, object_id: str, old: dict[str, bytes] | None, label: str) -> str:
    found = content_state(storage, object_id)
    if found is None:
        assert old is None, f"{label}: the object is gone"
        return "old"
    report = validate_object(storage.backend, storage.object_path(object_id))
    assert report.valid, f"{label}: {report}"
    head, state = found
    with storage.open_file(object_id, METS_PATH) as handle:
        record = parse_mets(handle.read())
    assert {f.path for f in record.files} == set(state), f"{label}: the METS does not list the head's files"
    if state == NEW:
        return "new"
    assert state == old, f"{label}: {head} is neither the old nor the new state"
    return "old"


def check_rows_point_at_storage(storage: Any, label: str) -> None:
    """No row names an object, a version or a stored file that storage does not have."""
    root = Path(storage.backend.describe())
    for package in PreservedPackage.objects.all():
        assert storage.exists(package.object_id), f"{label}: a row for the missing object {package.object_id}"
        versions = set(storage.inventory(package.object_id).version_names())
        rows = set(package.versions.values_list("name", flat=True))
        assert rows <= versions and package.head_version in versions, f"{label}: rows {rows}, storage {versions}"
    for path, content_path in PackageFile.objects.values_list("package__object_path", "content_path"):
        assert (root / path / content_path).is_file(), f"{label}: {content_path} is not in storage"


def check_after_rerun(storage: Any, unit: Any, version: int, label: str) -> None:
    object_id = object_id_for(package_uuid_for_unit(unit.uuid))
    inventory = storage.inventory(object_id)
    assert inventory.head == f"v{version}" and len(inventory.version_names()) == version, f"{label}: {inventory.head}"
    assert content_state(storage, object_id) == (f"v{version}", NEW), label
    assert validate_object(storage.backend, storage.object_path(object_id)).valid, label
    package = PreservedPackage.objects.get(unit=unit)
    assert package.head_version == f"v{version}" and package.versions.count() == version, label
    ingestions = PackageEvent.objects.filter(package=package, event_type=EventType.INGESTION)
    assert ingestions.count() == version, f"{label}: {ingestions.count()} ingestion events"
    assert [e.name for e in storage.backend.list_dir(STAGING) if e.name.startswith(TXN_PREFIX)] == [], label


def scenarios(start: float, end: float) -> list[tuple[str, str | None, float | None, int]]:
    """(label, crash point, delay, version written): every crash point of an update and of a first version, then
    kills at random moments between the child reaching its work and finishing it."""
    result: list[tuple[str, str | None, float | None, int]] = []
    update_steps = [s for s in crash.STEPS if s not in ("ocfl.parents-created", "ocfl.moved-aside")]
    for step in [*update_steps, *CRASH_STEPS]:
        result.append((f"v2 {step}", f"{step}:1", None, 2))
    result.append(("v2 ocfl.content-file:8", "ocfl.content-file:8", None, 2))
    result.append(("v2 ocfl.link-file:9", "ocfl.link-file:9", None, 2))
    for step in ("ocfl.content-file", "ocfl.journal-written", "ocfl.parents-created", "ocfl.swapped", *CRASH_STEPS):
        result.append((f"v1 {step}", f"{step}:1", None, 1))
    rng = random.Random(os.environ.get("DANGAN_KILL_SEED", "4"))
    for _ in range(RANDOM_KILLS):
        delay = rng.uniform(start * 0.95, end * 1.05)
        result.append((f"v2 killed after {delay * 1000:.0f} ms", None, delay, 2))
    return result


@pytest.mark.django_db(transaction=True)
def test_preserve_killed_anywhere_leaves_old_or_new_and_a_rerun_finishes(storage, make_unit, tmp_path):
    storage_dir = Path(storage.backend.describe())
    v1_paths = write_sources(tmp_path / "v1", V1)
    v2_paths = write_sources(tmp_path / "v2", V1 | V2)

    # When the child reaches its work, and when it is done: random kills fall between the two.
    probe = make_unit()
    started = time.perf_counter()
    assert (
        run_dangan(
            ["preserve", "--unit", str(probe.uuid), *v1_paths], storage_dir, crash_at="preservation.identified:1"
        ).returncode
        == -9
    )
    reach = time.perf_counter() - started
    started = time.perf_counter()
    assert run_dangan(["preserve", "--unit", str(probe.uuid), *v2_paths], storage_dir).returncode == 0
    whole = time.perf_counter() - started

    outcomes: dict[str, int] = {}
    for label, crash_at, delay, version in scenarios(reach, whole):
        unit = make_unit()
        object_id = object_id_for(package_uuid_for_unit(unit.uuid))
        if version == 2:
            do_preserve(CONSOLE, unit, v1_paths)
        paths = v2_paths if version == 2 else v1_paths
        expected_new = NEW if version == 2 else OLD
        child = run_dangan(["preserve", "--unit", str(unit.uuid), *paths], storage_dir, crash_at=crash_at, delay=delay)
        if crash_at is not None:
            assert child.returncode == -9, f"{label}: the child was not killed at its crash point: {child.stderr}"
        else:
            assert child.returncode in (0, -9), f"{label}: {child.stderr}"
        old = OLD if version == 2 else None
        if version == 1:
            found = content_state(storage, object_id)
            assert found is None or found[1] == expected_new, f"{label}: a half-written first version"
            outcome = "new" if found else "old"
        else:
            outcome = check_after_kill(storage, object_id, old, label)
        check_rows_point_at_storage(storage, label)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

        assert main(["preserve", "--unit", str(unit.uuid), *paths]) == 0, label  # the rerun
        if version == 2:
            check_after_rerun(storage, unit, 2, label)
        else:
            package = PreservedPackage.objects.get(unit=unit)
            assert package.head_version == "v1" and package.versions.count() == 1, label
            assert content_state(storage, object_id) == ("v1", OLD), label
        check_rows_point_at_storage(storage, label)

    assert outcomes.get("old") and outcomes.get("new"), outcomes  # kills landed on both sides of the swap
    report = validate_root(storage.backend)
    assert report.valid, str(report)
