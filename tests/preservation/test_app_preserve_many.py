"""do_preserve_many: many packages with one storage sync and one transaction; a batch killed at any of its own crash
points (between the sync and the swaps, between two swaps, before the database) leaves each object old or new, no
row pointing at a missing object, and a rerun of the same batch finishes it exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from dangan.preservation.actions.preserving import do_preserve, do_preserve_many
from dangan.preservation.models import PackageEvent, PreservedPackage
from dangan.preservation.ocfl.batch import BatchWrite
from dangan.preservation.ocfl.staging import STAGING, TXN_PREFIX
from dangan.preservation.ocfl.validation import validate_root
from dangan.preservation.ocfl.writer import WriteError
from dangan.preservation.premis import EventType
from dangan.preservation.store import object_id_for, package_uuid_for_unit

from .conftest import PDF, child_env
from .test_app_kill import check_rows_point_at_storage

UNITS = 5


def _sources(base: Path, n: int, tag: str = "") -> dict[str, Path]:
    folder = base / f"u{n}{tag}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "正文.pdf").write_bytes(PDF + f"% {n}{tag}\n".encode())
    (folder / "附件.txt").write_bytes(f"附件 {n}{tag}\n".encode() * 50)
    return {"content/正文.pdf": folder / "正文.pdf", "content/附件.txt": folder / "附件.txt"}


def _state(storage: Any, unit: Any) -> tuple[str, int] | None:
    object_id = object_id_for(package_uuid_for_unit(unit.uuid))
    if not storage.exists(object_id):
        return None
    inventory = storage.inventory(object_id)
    return inventory.head, len(inventory.version_names())


def _staging_left(storage: Any) -> list[str]:
    return [e.name for e in storage.backend.list_dir(STAGING) if e.name.startswith(TXN_PREFIX)]


def _audit_count(unit_uuid: str) -> int:
    return sum(
        1
        for entry in AuditEntry.objects.filter(action="preservation.package.preserve")
        if (entry.data or {}).get("unit") == unit_uuid
    )


@pytest.mark.django_db(transaction=True)
def test_many_packages_in_one_call_then_only_what_changed(storage, make_unit, tmp_path):
    units = [make_unit() for _ in range(UNITS)]
    items = [(unit, _sources(tmp_path, n), "") for n, unit in enumerate(units)]
    results = do_preserve_many(CONSOLE, items)
    assert [r.package.unit_id for r in results] == [u.pk for u in units]  # in the order given
    assert all(r.created and r.version == "v1" and r.indexed and r.files_added == 2 for r in results)
    for unit in units:
        package = PreservedPackage.objects.get(unit=unit)
        assert package.head_version == "v1" and package.versions.count() == 1
        assert package.files.count() == 3  # two files and the METS
        assert PackageEvent.objects.filter(package=package, event_type=EventType.INGESTION).count() == 1
        assert _audit_count(str(unit.uuid)) == 1
    assert _staging_left(storage) == []

    # Again with one unit's file changed: one new version, the others untouched, nothing logged for them.
    items[2] = (units[2], _sources(tmp_path, 2, "changed"), "更新")
    results = do_preserve_many(CONSOLE, items)
    assert [(r.created, r.version) for r in results] == [(n == 2, "v2" if n == 2 else "v1") for n in range(UNITS)]
    assert [_state(storage, u) for u in units] == [("v2", 2) if n == 2 else ("v1", 1) for n in range(UNITS)]
    assert [_audit_count(str(u.uuid)) for u in units] == [2 if n == 2 else 1 for n in range(UNITS)]
    # A single do_preserve of the same content finds nothing to do either.
    assert do_preserve(CONSOLE, units[0], items[0][1]).created is False
    assert validate_root(storage.backend).valid


@pytest.mark.django_db(transaction=True)
def test_a_batch_writes_waiting_fixity_events_and_its_rows_equal_a_rebuild(storage, make_unit, tmp_path):
    from dangan.preservation.actions.auditing import do_audit
    from dangan.preservation.actions.indexing import rebuild_from_storage

    from .test_app_rebuild import snapshot

    units = [make_unit() for _ in range(3)]
    do_preserve_many(CONSOLE, [(unit, _sources(tmp_path, n), "") for n, unit in enumerate(units)])
    do_audit(CONSOLE)  # a fixity event per package, so far only in the database
    waiting = {e.package.unit_id: e.identifier for e in PackageEvent.objects.filter(version__isnull=True)}
    assert set(waiting) == {u.pk for u in units}

    # Units 0 and 2 change, unit 1 does not: each next version carries the package's own waiting event (fetched for
    # the whole batch in one query) — for unit 1 a version of its METS alone, as a single do_preserve would write.
    sources = [_sources(tmp_path, n, "" if n == 1 else "v2") for n in range(3)]
    results = do_preserve_many(CONSOLE, [(unit, sources[n], "") for n, unit in enumerate(units)])
    assert [(r.version, r.files_added) for r in results] == [("v2", 2), ("v2", 0), ("v2", 2)]
    for unit in units:
        event = PackageEvent.objects.get(identifier=waiting[unit.pk])
        assert event.version is not None and event.version.name == "v2"
        with storage.open_file(object_id_for(package_uuid_for_unit(unit.uuid)), "metadata/mets.xml") as handle:
            assert waiting[unit.pk].encode() in handle.read()
        others = set(waiting.values()) - {waiting[unit.pk]}
        assert not PackageEvent.objects.filter(package__unit=unit, identifier__in=others).exists()
    # The rows a batch wrote (totals of new packages computed in memory) are those a rebuild reads from storage.
    before = snapshot()
    PreservedPackage.objects.all().delete()
    assert rebuild_from_storage(CONSOLE).ok
    after = snapshot()
    assert after["packages"] == before["packages"] and after["files"] == before["files"]


@pytest.mark.django_db(transaction=True)
def test_a_bad_item_writes_nothing_and_a_unit_twice_is_refused(storage, make_unit, tmp_path):
    first, second = make_unit(), make_unit()
    with pytest.raises(ValidationError):
        do_preserve_many(CONSOLE, [(first, _sources(tmp_path, 1), ""), (second, [tmp_path / "missing.pdf"], "")])
    with pytest.raises(ValidationError):
        do_preserve_many(CONSOLE, [(first, _sources(tmp_path, 1), ""), (first, _sources(tmp_path, 2), "")])
    assert _state(storage, first) is None and _state(storage, second) is None
    assert not PreservedPackage.objects.exists()


def test_a_batch_error_rolls_back_every_prepared_object(storage, tmp_path):
    storage.initialize()
    source = tmp_path / "a.txt"
    source.write_bytes(b"a")
    ids = [object_id_for(f"00000000-0000-4000-8000-{n:012d}") for n in range(4)]

    def fail(*_args: Any) -> dict[str, bytes]:
        raise RuntimeError("describe failed")

    with pytest.raises(RuntimeError), BatchWrite(storage) as batch:
        for n, object_id in enumerate(sorted(ids, key=batch.lock_key)):
            batch.add(
                object_id,
                {"content/a.txt": source},
                {},
                message="m",
                user_name="u",
                describe=fail if n == 3 else None,
            )
    assert not any(storage.exists(object_id) for object_id in ids)
    assert _staging_left(storage) == []
    with BatchWrite(storage) as batch:
        batch.add(ids[0], {"content/a.txt": source}, {}, message="m", user_name="u")
        with pytest.raises(WriteError):
            batch.add(ids[0], {"content/a.txt": source}, {}, message="m", user_name="u")
        assert [r.version for r in batch.commit()] == ["v1"]
    assert storage.exists(ids[0]) and _staging_left(storage) == []


CHILD = """
import json, sys
import django
django.setup()
from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import CONSOLE
from dangan.preservation.actions.preserving import do_preserve_many
spec = json.loads(sys.argv[1])
units = {str(u.uuid): u for u in ArchivalUnit.objects.filter(uuid__in=[s[0] for s in spec])}
do_preserve_many(CONSOLE, [(units[u], {k: v for k, v in files.items()}, "") for u, files in spec])
"""

# (crash point, the objects expected to be new after the kill: None = some may be)
BATCH_CRASHES = [
    ("ocfl.content-file:5", 0),
    ("ocfl.staging-complete:3", 0),
    ("ocfl.batch-synced:1", 0),  # everything staged and durable, nothing swapped
    ("ocfl.swapped:2", 2),  # between two swaps
    ("ocfl.batch-swap-synced:1", UNITS),
    ("ocfl.cleaned:2", UNITS),
    ("preservation.stored:1", UNITS),  # all in storage, nothing in the database
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("crash_at,new_after", BATCH_CRASHES)
def test_a_killed_batch_leaves_old_or_new_and_a_rerun_finishes_once(storage, make_unit, tmp_path, crash_at, new_after):
    storage_dir = Path(storage.backend.describe())
    units = [make_unit() for _ in range(UNITS)]
    # Two of the units have a first version already: the batch updates them and creates the others.
    for n in (0, 1):
        do_preserve(CONSOLE, units[n], _sources(tmp_path, n))
    sources = [_sources(tmp_path, n, "new") for n in range(UNITS)]
    spec = [[str(u.uuid), {k: str(v) for k, v in s.items()}] for u, s in zip(units, sources, strict=True)]
    child = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(spec)],
        env=child_env(storage_dir, crash_at),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -9, f"not killed at {crash_at}: {child.stderr}"

    expected_new = {n: ("v2", 2) if n in (0, 1) else ("v1", 1) for n in range(UNITS)}
    expected_old = {n: ("v1", 1) if n in (0, 1) else None for n in range(UNITS)}
    states = {n: _state(storage, u) for n, u in enumerate(units)}
    assert all(states[n] in (expected_old[n], expected_new[n]) for n in range(UNITS)), states
    assert sum(states[n] == expected_new[n] for n in range(UNITS)) == new_after, (crash_at, states)
    check_rows_point_at_storage(storage, crash_at)
    assert validate_root(storage.backend).valid

    results = do_preserve_many(CONSOLE, [(u, s, "") for u, s in zip(units, sources, strict=True)])  # the rerun
    assert [_state(storage, u) for u in units] == [expected_new[n] for n in range(UNITS)]
    for n, (unit, result) in enumerate(zip(units, results, strict=True)):
        package = PreservedPackage.objects.get(unit=unit)
        versions = expected_new[n][1]
        assert package.head_version == result.version == f"v{versions}", crash_at
        assert package.versions.count() == versions
        assert PackageEvent.objects.filter(package=package, event_type=EventType.INGESTION).count() == versions
        assert _audit_count(str(unit.uuid)) == versions, crash_at  # logged once per version, rerun or not
    assert _staging_left(storage) == []
    check_rows_point_at_storage(storage, crash_at)
    assert validate_root(storage.backend).valid
    # A second rerun writes nothing.
    assert not any(
        r.created or r.indexed
        for r in do_preserve_many(CONSOLE, [(u, s, "") for u, s in zip(units, sources, strict=True)])
    )
