"""The OCFL storage root on a real S3 store (SeaweedFS on loopback): objects written, read back and validated; a
writer killed at every crash point and a store stopped mid-write leave the old version or the new one, never a mix,
and the next write recovers; a whole preservation and fixity audit with DANGAN_STORAGE_URL=s3://…; wrong settings
give a sentence, not a traceback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from dangan.preservation.ocfl import crash, crashtest
from dangan.preservation.ocfl.batch import BatchWrite
from dangan.preservation.ocfl.root import ObjectNotFound, StorageRoot
from dangan.preservation.ocfl.staging import STAGING, TXN_PREFIX
from dangan.preservation.ocfl.validation import validate_object, validate_root
from dangan.preservation.storage import S3Backend
from dangan.preservation.storage.s3 import S3Client, S3Config, S3ConnectionError
from dangan.preservation.storage.seaweedfs import SeaweedServer

from .conftest import S3_BUCKET

FILES = 5
SIZE = 30_000


def sources(tmp_path: Path, contents: dict[str, bytes]) -> dict[str, Path]:
    base = tmp_path / f"src-{uuid.uuid4().hex[:8]}"
    result = {}
    for logical, data in contents.items():
        path = base / logical
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        result[logical] = path
    return result


def write_package(root: StorageRoot, tmp_path: Path, version: int, **extra: Any) -> str:
    content, metadata = crashtest.package(version, FILES, SIZE)
    result = root.write_version(
        crashtest.OBJECT_ID,
        sources(tmp_path, content),
        metadata,
        message=f"v{version}",
        user_name="测试",
        **extra,
    )
    return result.version


def state(root: StorageRoot) -> dict[str, bytes] | None:
    """What a reader sees through the root inventory (None: no object)."""
    try:
        inventory = root.inventory(crashtest.OBJECT_ID)
    except ObjectNotFound:
        return None
    found = {}
    for logical in inventory.state():
        with root.open_file(crashtest.OBJECT_ID, logical, inventory=inventory) as f:
            found[logical] = f.read()
    return found


def test_objects_are_written_read_back_and_validated_on_s3(s3_backend: S3Backend, tmp_path: Path) -> None:
    root = StorageRoot(s3_backend)
    root.initialize()
    root.initialize()  # idempotent
    for version in (1, 2, 3):
        assert write_package(root, tmp_path, version) == f"v{version}"
    assert state(root) == crashtest.expected_state(3, FILES, SIZE)
    again = write_package(root, tmp_path, 3)  # the same state: no new version
    assert again == "v3" and len(root.versions(crashtest.OBJECT_ID)) == 3
    assert [o.head for o in root.objects()] == ["v3"]
    assert root.verify_object(crashtest.OBJECT_ID, all_digests=True).ok
    assert validate_root(s3_backend).valid
    with root.open_file(crashtest.OBJECT_ID, "metadata/mets.xml", version=1) as f:
        assert b'LABEL="v1"' in f.read()
    # Unchanged bytes are referenced, not stored again: v2 holds only what changed.
    v2_files = [
        e.name for _d, _dirs, files in s3_backend.walk(root.object_path(crashtest.OBJECT_ID) + "/v2") for e in files
    ]
    assert len(v2_files) < FILES + 3
    # A damaged file is found by the fixity check.
    info = root.files(crashtest.OBJECT_ID)[0]
    key = s3_backend.prefix + root.object_path(crashtest.OBJECT_ID) + "/" + info.content_path
    s3_backend.client.put_object(s3_backend.bucket, key, b"rot")
    report = root.verify_object(crashtest.OBJECT_ID)
    assert [f.kind.value for f in report.failures] == ["changed"]


def test_a_batch_of_objects_on_s3(s3_backend: S3Backend, tmp_path: Path) -> None:
    root = StorageRoot(s3_backend)
    root.initialize()
    ids = sorted((str(uuid.uuid4()) for _ in range(3)), key=lambda i: BatchWrite(root).lock_key(i))
    with BatchWrite(root) as batch:
        for n, object_id in enumerate(ids):
            batch.add(
                object_id, sources(tmp_path, {f"content/{n}.txt": f"{n}".encode()}), {}, message="m", user_name="u"
            )
        results = batch.commit()
    assert [r.version for r in results] == ["v1"] * 3
    assert validate_root(s3_backend).valid
    assert not [e for e in s3_backend.list_dir(STAGING) if e.name.startswith(TXN_PREFIX)]


# ---------------------------------------------------------------- a writer killed at each crash point

CHILD = """
import json, sys, tempfile
from pathlib import Path
from dangan.preservation.ocfl import crashtest
from dangan.preservation.ocfl.root import StorageRoot
from dangan.preservation.storage import S3Backend
from dangan.preservation.storage.s3 import S3Client, S3Config
a = json.loads(sys.argv[1])
backend = S3Backend(S3Client(S3Config(a["endpoint"], a["key"], a["secret"])), a["bucket"], a["prefix"])
content, metadata = crashtest.package(a["version"], a["files"], a["size"])
with tempfile.TemporaryDirectory() as tmp:
    paths = {}
    for logical, data in content.items():
        p = Path(tmp) / logical
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        paths[logical] = p
    StorageRoot(backend).write_version(crashtest.OBJECT_ID, paths, metadata, message="kill", user_name="u")
"""

IN_PLACE_STEPS = [s for s in crash.STEPS if s not in ("ocfl.link-file", "ocfl.parents-created", "ocfl.moved-aside")]


def kill_scenarios() -> list[tuple[int, str, int]]:
    cases = []
    for version in (1, 3):
        for step in IN_PLACE_STEPS:
            cases.append((version, step, 1))
            if step == "ocfl.content-file":
                cases.append((version, step, FILES))
    return cases


@pytest.mark.parametrize(("version", "step", "occurrence"), kill_scenarios(), ids=lambda v: str(v))
def test_a_writer_killed_at_each_crash_point_leaves_old_or_new(
    seaweed: Any, s3_backend: S3Backend, tmp_path: Path, version: int, step: str, occurrence: int
) -> None:
    root = StorageRoot(s3_backend)
    root.initialize()
    for earlier in range(1, version):
        write_package(root, tmp_path, earlier)
    old = crashtest.expected_state(version - 1, FILES, SIZE) if version > 1 else None
    new = crashtest.expected_state(version, FILES, SIZE)
    args = {
        "endpoint": seaweed.endpoint,
        "key": seaweed.access_key,
        "secret": seaweed.secret_key,
        "bucket": s3_backend.bucket,
        "prefix": s3_backend.prefix,
        "version": version,
        "files": FILES,
        "size": SIZE,
    }
    status = crashtest.run_killed([sys.executable, "-c", CHILD, json.dumps(args)], crash_at=f"{step}:{occurrence}")
    assert status == -signal.SIGKILL
    before_commit = crash.STEPS.index(step) < crash.STEPS.index("ocfl.swapped")
    assert state(root) == (old if before_commit else new)  # what every reader sees, before any recovery
    report = root.recover()
    assert not root.recover().changed and not report.busy
    assert state(root) == (old if before_commit else new)
    if state(root) is not None:
        assert validate_object(s3_backend, root.object_path(crashtest.OBJECT_ID)).valid
    write_package(root, tmp_path, version)  # the rerun (its lock: the dead child's is broken at once)
    inventory = root.inventory(crashtest.OBJECT_ID)
    assert inventory.head == f"v{version}" and len(inventory.version_names()) == version
    assert state(root) == new
    assert validate_root(s3_backend).valid
    assert not [e for e in s3_backend.list_dir(STAGING) if e.name.startswith(TXN_PREFIX)]


# ---------------------------------------------------------------- the store stopped mid-write


@pytest.fixture
def own_server(tmp_path: Path) -> Any:
    server = SeaweedServer(tmp_path / "seaweedfs")
    server.start()
    server.client().create_bucket("fault")
    yield server
    server.stop(kill=True)


def test_the_store_stopped_mid_write_shows_nothing_half_written(own_server: SeaweedServer, tmp_path: Path) -> None:
    config = S3Config(own_server.endpoint, own_server.access_key, own_server.secret_key, retries=1, backoff=0.05)
    backend = S3Backend(S3Client(config), "fault", "root", lock_ttl=2)
    root = StorageRoot(backend)
    root.initialize()
    write_package(root, tmp_path, 1)
    old = crashtest.expected_state(1, FILES, SIZE)

    def stop_after_the_first_file(done: int, _total: int) -> None:
        if done:
            own_server.stop(kill=True)

    with pytest.raises(S3ConnectionError):
        write_package(root, tmp_path, 2, progress=stop_after_the_first_file)
    own_server.start()
    assert state(root) == old  # v2 never became visible
    assert root.inventory(crashtest.OBJECT_ID).head == "v1"
    report = root.recover()  # the half-written v2 directory goes (the lock left behind expires first)
    assert any(p.endswith("/v2") for p in report.removed)
    assert validate_root(backend).valid
    assert write_package(root, tmp_path, 2) == "v2"
    assert state(root) == crashtest.expected_state(2, FILES, SIZE)
    assert validate_root(backend).valid and root.verify_object(crashtest.OBJECT_ID).ok


# ---------------------------------------------------------------- through the application


@pytest.mark.django_db
def test_preserve_and_audit_with_the_storage_url_on_s3(s3_storage: Any, make_unit: Any, source_files: Any) -> None:
    from dangan.core.actors import CONSOLE
    from dangan.preservation.actions.auditing import do_audit
    from dangan.preservation.actions.preserving import do_preserve
    from dangan.preservation.choices import AuditStatus
    from dangan.preservation.store import METS_PATH

    assert isinstance(s3_storage.backend, S3Backend)
    unit = make_unit()
    first = do_preserve(CONSOLE, unit, source_files({"0001.pdf": b"%PDF-1.4 one", "说明.txt": "说明".encode()}))
    assert first.created and first.version == "v1"
    second = do_preserve(CONSOLE, unit, source_files({"0002.pdf": b"%PDF-1.4 two"}))  # beside the first files
    assert second.version == "v2"
    package = second.package
    with s3_storage.open_file(package.object_id, METS_PATH) as f:
        assert b"0002.pdf" in f.read()
    assert validate_object(s3_storage.backend, s3_storage.object_path(package.object_id)).valid
    run = do_audit(CONSOLE)
    assert run.status == AuditStatus.PASSED
    # The image server opens masters as files: on S3 it gets a local copy, named by the file's SHA-512.
    from dangan.preservation.iiif.derivatives import master_path
    from dangan.preservation.models import PackageFile

    pdf = PackageFile.objects.get(package=package, logical_path="content/0002.pdf")
    copy = Path(master_path(pdf))
    assert copy.read_bytes() == b"%PDF-1.4 two" and copy.name == pdf.sha512
    assert master_path(pdf) == str(copy)  # fetched once
    # The audit log's anchors are kept in the storage root on S3 too (rewritten whole: no append on S3).
    from dangan.preservation.audit_anchors import append_anchor, location, read_anchor_lines

    before = read_anchor_lines() or []
    append_anchor('{"n": 1}')
    append_anchor('{"n": 2}')
    assert read_anchor_lines() == [*before, '{"n": 1}', '{"n": 2}']
    assert location.describe().startswith("s3://")


@pytest.mark.django_db
def test_wrong_settings_give_a_chinese_sentence(settings: Any, seaweed: Any) -> None:
    from dangan.preservation.store import StorageConfigError, storage_root

    settings.S3_ENDPOINT = seaweed.endpoint
    settings.S3_ACCESS_KEY_ID = seaweed.access_key
    settings.S3_SECRET_ACCESS_KEY = seaweed.secret_key
    cases = {
        "s3://no-such-bucket-x/p": "存储桶不存在",
        "ftp://host/x": "无法识别",
        "s3://Bad_Bucket/p": "存储桶名称无效",
    }
    for url, words in cases.items():
        settings.STORAGE_URL = url
        with pytest.raises(StorageConfigError, match=words):
            storage_root()
    settings.STORAGE_URL = f"s3://{S3_BUCKET}/wrong-key"
    settings.S3_SECRET_ACCESS_KEY = "not-the-secret"
    with pytest.raises(StorageConfigError, match="DANGAN_S3_SECRET_ACCESS_KEY"):
        storage_root()
    settings.S3_ENDPOINT = "http://127.0.0.1:9"
    with pytest.raises(StorageConfigError, match="无法连接"):
        storage_root()
    settings.S3_ENDPOINT = ""
    with pytest.raises(StorageConfigError, match="DANGAN_S3_ENDPOINT"):
        storage_root()


def test_the_command_line_says_what_is_wrong(seaweed: Any, tmp_path: Path) -> None:
    import os

    env = dict(os.environ)
    env.update(
        DANGAN_HOME=str(tmp_path / "home"),
        DANGAN_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DANGAN_STORAGE_URL="s3://no-such-bucket-x/root",
        DANGAN_S3_ENDPOINT=seaweed.endpoint,
        DANGAN_S3_ACCESS_KEY_ID=seaweed.access_key,
        DANGAN_S3_SECRET_ACCESS_KEY=seaweed.secret_key,
        DANGAN_LOG_LEVEL="ERROR",
    )
    command = [sys.executable, "-c", "import sys; from dangan.cli import main; sys.exit(main())", "init"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "存储桶不存在" in done.stderr and "Traceback" not in done.stderr


def test_recovery_never_removes_committed_versions(s3_backend: S3Backend, tmp_path: Path) -> None:
    """A journal of v3 and a v3 directory, but the root inventory gone (by other hands): recovery removes v3 only."""
    from dangan.preservation.ocfl.staging import IN_PLACE, Staging, transaction_name

    root = StorageRoot(s3_backend)
    root.initialize()
    write_package(root, tmp_path, 1)
    write_package(root, tmp_path, 2)
    path = root.object_path(crashtest.OBJECT_ID)
    txn = f"{STAGING}/{transaction_name(path)}"
    s3_backend.mkdir(txn, parents=True)
    journal = {"object_path": path, "object_id": crashtest.OBJECT_ID, "version": "v3", "mode": IN_PLACE}
    Staging(s3_backend).write_journal(txn, journal)
    s3_backend.write_bytes(f"{path}/v3/content/stray", b"half")
    s3_backend.remove(f"{path}/inventory.json")
    report = root.recover()
    assert report.removed == [f"{path}/v3", txn]
    assert s3_backend.is_file(f"{path}/v1/inventory.json") and s3_backend.is_file(f"{path}/v2/inventory.json")


def test_requests_and_a_read_survive_a_restart_of_the_store(own_server: SeaweedServer) -> None:
    """Idempotent requests are retried while the store is down; a streamed read resumes where it broke off."""
    import threading

    client = S3Client(
        S3Config(own_server.endpoint, own_server.access_key, own_server.secret_key, retries=7, backoff=0.5)
    )
    data = bytes(range(256)) * (20 * 1024 * 1024 // 256)
    client.put_object("fault", "big", data)
    reader = client.open_object("fault", "big")
    buffer = bytearray(1024 * 1024)
    got = bytearray(buffer[: reader.readinto(buffer)])
    own_server.stop(kill=True)
    restart = threading.Thread(target=own_server.start)
    restart.start()
    while n := reader.readinto(buffer):  # the rest of the object, across the restart
        got += buffer[:n]
    restart.join()
    reader.close()
    assert bytes(got) == data
    assert client.head_object("fault", "big") is not None
