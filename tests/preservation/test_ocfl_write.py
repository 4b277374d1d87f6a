"""Writing versions to the OCFL storage root and reading them back, on real files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dangan.preservation.ocfl.inventory import INVENTORY_TYPE, Inventory
from dangan.preservation.ocfl.layout import HashAndIdNTupleLayout, HashedNTupleLayout
from dangan.preservation.ocfl.root import ObjectNotFound, StorageRoot, StorageRootError, object_id_for
from dangan.preservation.ocfl.staging import STAGING, TXN_PREFIX, Staging, transaction_name
from dangan.preservation.ocfl.validation import validate_object, validate_root
from dangan.preservation.ocfl.writer import VersionWriter, WriteError
from dangan.preservation.storage import LocalFilesystemBackend
from tests.conformance import DATA

MakeFiles = Callable[[dict[str, bytes]], dict[str, Path]]

USER = {"user_name": "档案馆 接收员", "user_address": "mailto:jieshou@example.org"}


@pytest.fixture
def root(tmp_path: Path) -> StorageRoot:
    storage = StorageRoot(LocalFilesystemBackend(tmp_path / "ocfl"))
    storage.initialize()
    return storage


@pytest.fixture
def make_files(tmp_path: Path) -> MakeFiles:
    """make_files({'a.txt': b'...'}) → {'a.txt': Path} with the bytes written under a fresh source directory."""
    counter = iter(range(1000))

    def make(contents: dict[str, bytes]) -> dict[str, Path]:
        base = tmp_path / f"sources-{next(counter)}"
        result = {}
        for logical, data in contents.items():
            path = base / logical
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            result[logical] = path
        return result

    return make


def read_all(root: StorageRoot, object_id: str, version: str | int | None = None) -> dict[str, bytes]:
    result = {}
    for info in root.files(object_id, version):
        with root.open_file(object_id, info.logical_path, version) as f:
            result[info.logical_path] = f.read()
    return result


def hard_links(root: StorageRoot) -> list[str]:
    base = Path(root.backend.describe())
    return [
        os.path.join(d, n)
        for d, _dirs, names in os.walk(base)
        for n in names
        if os.lstat(os.path.join(d, n)).st_nlink > 1
    ]


def test_initialize_writes_an_ocfl_1_1_root_with_the_0003_layout(root: StorageRoot) -> None:
    base = Path(root.backend.describe())
    assert (base / "0=ocfl_1.1").read_text() == "ocfl_1.1\n"
    declared = json.loads((base / "ocfl_layout.json").read_text())
    assert declared["extension"] == "0003-hash-and-id-n-tuple-storage-layout"
    assert isinstance(declared["description"], str)
    config = json.loads((base / "extensions/0003-hash-and-id-n-tuple-storage-layout/config.json").read_text())
    assert config == {
        "extensionName": "0003-hash-and-id-n-tuple-storage-layout",
        "digestAlgorithm": "sha256",
        "tupleSize": 3,
        "numberOfTuples": 3,
    }
    assert not (base / "extensions/0004-hashed-n-tuple-storage-layout").exists()
    root.initialize()  # idempotent
    assert validate_root(root.backend).valid
    assert list(root.objects()) == []


def test_a_root_initialised_with_the_0004_layout_keeps_it(tmp_path: Path, make_files: MakeFiles) -> None:
    """Roots written before 0003 became the default declare 0004: they are read and written as they are."""
    base = tmp_path / "old"
    StorageRoot(LocalFilesystemBackend(base)).initialize(HashedNTupleLayout())
    assert json.loads((base / "ocfl_layout.json").read_text())["extension"] == "0004-hashed-n-tuple-storage-layout"
    assert json.loads((base / "extensions/0004-hashed-n-tuple-storage-layout/config.json").read_text()) == {
        "extensionName": "0004-hashed-n-tuple-storage-layout",
        "digestAlgorithm": "sha256",
        "tupleSize": 3,
        "numberOfTuples": 3,
        "shortObjectRoot": False,
    }
    root = StorageRoot(LocalFilesystemBackend(base))  # as a new process finds it
    root.initialize()  # with no layout asked for: the root keeps its own
    assert root.layout == HashedNTupleLayout()
    object_id = object_id_for(uuid.uuid4())
    digest = hashlib.sha256(object_id.encode()).hexdigest()
    root.write_version(object_id, make_files({"a.txt": b"a"}), {"m.xml": b"<m/>"}, message="v1", **USER)
    root.write_version(object_id, make_files({"b.txt": b"b"}), {}, message="v2", keep_previous=True, **USER)
    assert root.object_path(object_id) == f"{digest[:3]}/{digest[3:6]}/{digest[6:9]}/{digest}"
    assert (base / root.object_path(object_id) / "v2/inventory.json").is_file()
    assert [o.object_id for o in root.objects()] == [object_id]
    assert read_all(root, object_id) == {"a.txt": b"a", "b.txt": b"b", "m.xml": b"<m/>"}
    report = validate_root(root.backend)
    assert report.valid, report
    assert not (base / "extensions/0003-hash-and-id-n-tuple-storage-layout").exists()
    # A root whose initialisation was cut before its declaration is finished with the layout it started with.
    half = tmp_path / "half"
    StorageRoot(LocalFilesystemBackend(half)).initialize(HashedNTupleLayout())
    (half / "0=ocfl_1.1").unlink()
    with pytest.raises(StorageRootError, match="different layout"):
        StorageRoot(LocalFilesystemBackend(half)).initialize(HashAndIdNTupleLayout())
    StorageRoot(LocalFilesystemBackend(half)).initialize()
    assert (half / "0=ocfl_1.1").is_file()
    assert StorageRoot(LocalFilesystemBackend(half)).layout == HashedNTupleLayout()


def test_a_root_with_a_layout_this_code_does_not_implement_is_refused(tmp_path: Path) -> None:
    root = StorageRoot(LocalFilesystemBackend(tmp_path / "other"))
    root.initialize()
    (tmp_path / "other/ocfl_layout.json").write_text(
        '{"extension": "0002-flat-direct-storage-layout", "description": ""}'
    )
    with pytest.raises(StorageRootError, match="not supported"):
        StorageRoot(LocalFilesystemBackend(tmp_path / "other")).object_path(uuid.uuid4())


def test_a_root_that_is_not_initialized_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageRootError):
        StorageRoot(LocalFilesystemBackend(tmp_path / "empty")).object_path(uuid.uuid4())


def test_objects_are_found_by_package_uuid_never_by_reference_code(root: StorageRoot) -> None:
    package = uuid.UUID("6f1c2d4e-8a9b-4c3d-9e0f-112233445566")
    assert object_id_for(package) == "urn:uuid:6f1c2d4e-8a9b-4c3d-9e0f-112233445566"
    assert object_id_for("URN:UUID:6F1C2D4E-8A9B-4C3D-9E0F-112233445566") == object_id_for(package)
    digest = hashlib.sha256(b"urn:uuid:6f1c2d4e-8a9b-4c3d-9e0f-112233445566").hexdigest()
    assert root.object_path(package) == (
        f"{digest[:3]}/{digest[3:6]}/{digest[6:9]}/urn%3auuid%3a6f1c2d4e-8a9b-4c3d-9e0f-112233445566"
    )
    with pytest.raises(ValueError):
        object_id_for("Z109-WS-2023-Y-0001")  # a reference code (档号) is not an object id


def test_first_version_holds_files_and_metadata_with_three_digests(root: StorageRoot, make_files: MakeFiles) -> None:
    object_id = object_id_for(uuid.uuid4())
    files = make_files(
        {"documents/0001.pdf": b"%PDF-1.7 one", "documents/0002.pdf": b"%PDF-1.7 two", "封面.tif": b"II*"}
    )
    mets = b'<?xml version="1.0"?><mets:mets xmlns:mets="http://www.loc.gov/METS/"/>'
    when = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    result = root.write_version(
        object_id, files, {"metadata/mets.xml": mets}, message="接收 Z109-WS-2023", created=when, **USER
    )
    assert (result.version, result.created, result.new_files, result.deduplicated) == ("v1", True, 4, 0)
    inventory = root.inventory(object_id)
    assert inventory.data["type"] == INVENTORY_TYPE and inventory.digest_algorithm == "sha512"
    assert inventory.id == object_id and inventory.head == "v1"
    assert sorted(inventory.manifest.values()) == [
        ["v1/content/documents/0001.pdf"],
        ["v1/content/documents/0002.pdf"],
        ["v1/content/metadata/mets.xml"],
        ["v1/content/封面.tif"],
    ]
    for algorithm in ("sha256", "sm3"):
        paths = sorted(p for ps in inventory.fixity[algorithm].values() for p in ps)
        assert paths == sorted(p for ps in inventory.manifest.values() for p in ps)
    version = root.versions(object_id)[0]
    assert (version.name, version.created, version.message) == ("v1", when, "接收 Z109-WS-2023")
    assert (version.user_name, version.user_address) == ("档案馆 接收员", "mailto:jieshou@example.org")
    assert read_all(root, object_id) == {
        "documents/0001.pdf": b"%PDF-1.7 one",
        "documents/0002.pdf": b"%PDF-1.7 two",
        "metadata/mets.xml": mets,
        "封面.tif": b"II*",
    }
    info = {f.logical_path: f for f in root.files(object_id)}["metadata/mets.xml"]
    assert info.size == len(mets) and info.sha256 and info.sm3 and info.sha512
    report = validate_object(root.backend, root.object_path(object_id))
    assert report.valid and not report.warnings, report
    assert [(o.object_id, o.head) for o in root.objects()] == [(object_id, "v1")]


def test_every_change_is_a_new_version_and_unchanged_content_is_stored_once(
    root: StorageRoot, make_files: MakeFiles
) -> None:
    object_id = object_id_for(uuid.uuid4())
    v1 = make_files({"a.txt": b"alpha", "b.txt": b"beta", "copy-of-a.txt": b"alpha"})
    first = root.write_version(object_id, v1, {"metadata/mets.xml": b"<v1/>"}, message="v1", **USER)
    assert (first.new_files, first.deduplicated) == (3, 1)  # copy-of-a.txt has a.txt's bytes
    v2 = make_files({"a.txt": b"alpha", "b.txt": b"beta, corrected", "c.txt": b"beta"})
    second = root.write_version(object_id, v2, {"metadata/mets.xml": b"<v2/>"}, message="v2", **USER)
    assert (second.version, second.new_files, second.deduplicated) == ("v2", 2, 2)
    inventory = root.inventory(object_id)
    assert sorted(p for ps in inventory.manifest.values() for p in ps) == [
        "v1/content/a.txt",
        "v1/content/b.txt",
        "v1/content/metadata/mets.xml",
        "v2/content/b.txt",
        "v2/content/metadata/mets.xml",
    ]
    assert read_all(root, object_id, "v1") == {
        "a.txt": b"alpha",
        "b.txt": b"beta",
        "copy-of-a.txt": b"alpha",
        "metadata/mets.xml": b"<v1/>",
    }
    assert read_all(root, object_id) == {
        "a.txt": b"alpha",
        "b.txt": b"beta, corrected",
        "c.txt": b"beta",
        "metadata/mets.xml": b"<v2/>",
    }
    assert read_all(root, object_id, 1) == read_all(root, object_id, "v1")
    assert [v.name for v in root.versions(object_id)] == ["v1", "v2"]
    assert validate_object(root.backend, root.object_path(object_id)).valid
    assert not hard_links(root)  # OCFL forbids links: the staging links are gone with the old copy


def test_rewriting_the_head_state_adds_no_version(root: StorageRoot, make_files: MakeFiles) -> None:
    object_id = object_id_for(uuid.uuid4())
    files = make_files({"a.txt": b"alpha"})
    root.write_version(object_id, files, {"metadata/mets.xml": b"<m/>"}, message="v1", **USER)
    again = root.write_version(object_id, files, {"metadata/mets.xml": b"<m/>"}, message="rerun", **USER)
    assert (again.version, again.created) == ("v1", False)
    assert [v.name for v in root.versions(object_id)] == ["v1"]
    forced = root.write_version(
        object_id, files, {"metadata/mets.xml": b"<m/>"}, message="same bytes", skip_if_unchanged=False, **USER
    )
    assert (forced.version, forced.created, forced.new_files) == ("v2", True, 0)
    assert not root.backend.exists(f"{root.object_path(object_id)}/v2/content")  # no empty content directory
    assert validate_object(root.backend, root.object_path(object_id)).valid
    assert not [e for e in root.backend.list_dir(STAGING) if e.name.startswith(TXN_PREFIX)]


def test_keep_previous_carries_unchanged_files_forward(root: StorageRoot, make_files: MakeFiles) -> None:
    object_id = object_id_for(uuid.uuid4())
    root.write_version(
        object_id, make_files({"a.txt": b"a", "b.txt": b"b"}), {"metadata/mets.xml": b"1"}, message="v1", **USER
    )
    result = root.write_version(
        object_id,
        make_files({"c.txt": b"c"}),
        {"metadata/mets.xml": b"2"},
        message="add c, drop b",
        keep_previous=True,
        remove=["b.txt"],
        **USER,
    )
    assert result.version == "v2"
    assert read_all(root, object_id) == {"a.txt": b"a", "c.txt": b"c", "metadata/mets.xml": b"2"}
    assert validate_object(root.backend, root.object_path(object_id)).valid


def test_progress_is_reported_in_bytes(root: StorageRoot, make_files: MakeFiles) -> None:
    calls: list[tuple[int, int]] = []
    files = make_files({f"f{i}": b"x" * (i + 1) * 1000 for i in range(5)})
    root.write_version(
        uuid.uuid4(),
        files,
        {"metadata/mets.xml": b"12345"},
        message="m",
        progress=lambda d, t: calls.append((d, t)),
        **USER,
    )
    total = 15_000 + 5
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)


def test_without_rename_exchange_the_fallback_swap_writes_the_same_object(
    tmp_path: Path, make_files: MakeFiles
) -> None:
    backend = LocalFilesystemBackend(tmp_path / "ocfl")
    backend.disable_exchange()
    root = StorageRoot(backend, durable=False)
    root.initialize()
    object_id = object_id_for(uuid.uuid4())
    for n in (1, 2, 3):
        root.write_version(object_id, make_files({"f.txt": f"{n}".encode()}), {}, message=f"v{n}", **USER)
    assert [v.name for v in root.versions(object_id)] == ["v1", "v2", "v3"]
    assert read_all(root, object_id) == {"f.txt": b"3"}
    assert validate_root(backend).valid


@pytest.mark.parametrize(
    ("files", "metadata", "message"),
    [
        ({"../escape.txt": b"x"}, {}, "'..'"),
        ({"/abs.txt": b"x"}, {}, "begins or ends"),
        ({"a//b.txt": b"x"}, {}, "empty"),
        ({"a": b"x", "a/b": b"y"}, {}, "also a directory"),
        ({"m.xml": b"x"}, {"m.xml": b"y"}, "both as files and as metadata"),
    ],
)
def test_bad_logical_paths_are_refused(
    root: StorageRoot, tmp_path: Path, files: dict[str, bytes], metadata: dict[str, bytes], message: str
) -> None:
    source = tmp_path / "source.txt"
    source.write_bytes(b"x")
    sources = dict.fromkeys(files, source)
    with pytest.raises(WriteError, match=message):
        root.write_version(uuid.uuid4(), sources, metadata, message="m", **USER)
    assert list(root.objects()) == []


def test_missing_source_and_missing_object(root: StorageRoot, tmp_path: Path) -> None:
    with pytest.raises(WriteError, match="does not exist"):
        root.write_version(uuid.uuid4(), {"a": tmp_path / "nope"}, {}, message="m", **USER)
    with pytest.raises(ObjectNotFound):
        root.inventory(uuid.uuid4())
    with pytest.raises(ObjectNotFound):
        root.verify_object(uuid.uuid4())


def test_open_file_of_an_unknown_path(root: StorageRoot, make_files: MakeFiles) -> None:
    object_id = uuid.uuid4()
    root.write_version(object_id, make_files({"a": b"1"}), {}, message="m", **USER)
    with pytest.raises(KeyError):
        root.open_file(object_id, "b")
    with pytest.raises(KeyError):
        root.files(object_id, "v9")


def test_concurrent_writers_of_one_object_add_one_version(root: StorageRoot, make_files: MakeFiles) -> None:
    object_id = object_id_for(uuid.uuid4())
    files = make_files({f"f{i}.bin": os.urandom(50_000) for i in range(10)})
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(
                lambda n: root.write_version(
                    object_id, files, {"metadata/mets.xml": b"<m/>"}, message=f"writer {n}", **USER
                ),
                range(4),
            )
        )
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert {r.version for r in results} == {"v1"}
    assert [v.name for v in root.versions(object_id)] == ["v1"]


def test_recover_leaves_a_live_writers_transaction_alone(root: StorageRoot) -> None:
    object_path = root.object_path(uuid.uuid4())
    txn = f"{STAGING}/{transaction_name(object_path)}"
    root.backend.mkdir(f"{txn}/object", parents=True)
    with root.staging.locked(object_path):
        report = root.recover()
        assert report.busy == [txn] and root.backend.exists(txn)
    report = root.recover()
    assert report.removed == [txn] and not root.backend.exists(txn)


def test_an_error_half_way_leaves_the_object_and_staging_as_before(root: StorageRoot, make_files: MakeFiles) -> None:
    object_id = object_id_for(uuid.uuid4())
    root.write_version(object_id, make_files({"a": b"1"}), {}, message="v1", **USER)

    def cancel(done: int, total: int) -> None:
        if done:
            raise RuntimeError("cancelled by the operator")

    with pytest.raises(RuntimeError, match="cancelled"):
        root.write_version(object_id, make_files({"a": b"2", "b": b"3"}), {}, message="v2", progress=cancel, **USER)
    assert [v.name for v in root.versions(object_id)] == ["v1"]
    assert not [e for e in root.backend.list_dir(STAGING) if e.name.startswith(TXN_PREFIX)]
    with pytest.raises(WriteError, match="timezone"):
        root.write_version(object_id, make_files({"a": b"2"}), {}, message="v2", created=datetime(2024, 1, 1), **USER)
    assert root.write_version(object_id, make_files({"a": b"2"}), {}, message="v2", **USER).version == "v2"


@pytest.mark.parametrize(
    "fixture",
    [
        "good-objects/minimal_uppercase_digests",
        "good-objects/minimal_content_dir_called_stuff",
        "good-objects/spec-ex-full",
        "warn-objects/W001_zero_padded_versions",
        "warn-objects/W004_uses_sha256",
    ],
)
def test_objects_made_elsewhere_get_a_valid_next_version(tmp_path: Path, make_files: MakeFiles, fixture: str) -> None:
    """Upper-case digests, another content directory, zero-padded names, sha256 addressing: kept as they are."""
    source = DATA / "ocfl/1.1" / fixture
    if not source.is_dir():
        pytest.fail(f"OCFL conformance fixtures not found at {source}")
    backend = LocalFilesystemBackend(tmp_path / "store")
    shutil.copytree(source, tmp_path / "store/object")
    before = validate_object(backend, "object")
    inventory = json.loads((source / "inventory.json").read_text())
    writer = VersionWriter(backend, Staging(backend), inventory["id"], "object", durable=False)
    result = writer.write(
        make_files({"added.txt": b"new"}),
        {"metadata/mets.xml": b"<m/>"},
        message="added",
        user_name="dangan",
        user_address="mailto:dangan@example.org",
        created=None,
        progress=None,
        keep_previous=True,
        remove=(),
        skip_if_unchanged=True,
    )
    after = validate_object(backend, "object")
    assert after.valid, str(after)
    assert after.warning_codes <= before.warning_codes
    new = result.inventory
    assert new.digest_algorithm == inventory["digestAlgorithm"]
    assert new.content_directory == inventory.get("contentDirectory", "content")
    assert len(new.head) == len(inventory["head"])  # v003 → v004
    assert set(new.state()) == set(Inventory(inventory).state()) | {"added.txt", "metadata/mets.xml"}
