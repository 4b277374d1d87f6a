"""write_version(describe=…): metadata made from the staged content's digests, in the same version, without a second
read; returning the head's own bytes for the same content makes a rerun a no-op."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import pytest

from dangan.preservation.ocfl.digests import FileDigests
from dangan.preservation.ocfl.inventory import Inventory
from dangan.preservation.ocfl.root import StorageRoot
from dangan.preservation.ocfl.staging import STAGING, TXN_PREFIX
from dangan.preservation.ocfl.validation import validate_object
from dangan.preservation.ocfl.writer import WriteError
from dangan.preservation.storage import LocalFilesystemBackend

OBJECT = "urn:uuid:0b8e5c1c-7a1e-4b5e-9f00-00000000d35c"
USER = {"user_name": "接收员"}


@pytest.fixture
def root(tmp_path: Path) -> StorageRoot:
    storage = StorageRoot(LocalFilesystemBackend(tmp_path / "ocfl"), durable=False)
    storage.initialize()
    return storage


def _listing(digests: Mapping[str, FileDigests]) -> bytes:
    return "".join(f"{path} {d.size} {d.sha512} {d.sha256} {d.sm3}\n" for path, d in sorted(digests.items())).encode()


def test_describe_sees_every_digest_and_its_output_is_stored(root: StorageRoot, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes(b"hello archive")
    seen: list[tuple[dict[str, FileDigests], Inventory | None, str]] = []

    def describe(digests: Mapping[str, FileDigests], current: Inventory | None, version: str) -> dict[str, bytes]:
        seen.append((dict(digests), current, version))
        return {"metadata/list.txt": _listing(digests)}

    result = root.write_version(OBJECT, {"content/a.txt": source}, {}, message="m", describe=describe, **USER)
    assert result.created and result.version == "v1"
    (digests, current, version), *_ = seen
    assert current is None and version == "v1" and list(digests) == ["content/a.txt"]
    assert digests["content/a.txt"].sha512 == hashlib.sha512(b"hello archive").hexdigest()
    assert digests["content/a.txt"].sm3 and digests["content/a.txt"].sha256
    with root.open_file(OBJECT, "metadata/list.txt") as f:
        assert f.read() == _listing(digests)
    assert validate_object(root.backend, root.object_path(OBJECT)).valid


def test_head_bytes_for_the_same_content_make_no_version(root: StorageRoot, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes(b"v1")

    def describe(digests: Mapping[str, FileDigests], current: Inventory | None, version: str) -> dict[str, bytes]:
        if current is not None and current.state().get("content/a.txt") == digests["content/a.txt"].sha512:
            with root.open_file(OBJECT, "metadata/list.txt") as f:
                return {"metadata/list.txt": f.read()}  # nothing changed: the head's own description
        return {"metadata/list.txt": f"written as {version}".encode()}

    first = root.write_version(
        OBJECT, {"content/a.txt": source}, {}, message="m", keep_previous=True, describe=describe, **USER
    )
    again = root.write_version(
        OBJECT, {"content/a.txt": source}, {}, message="m", keep_previous=True, describe=describe, **USER
    )
    assert first.created and not again.created and again.version == "v1"
    source.write_bytes(b"v2")
    second = root.write_version(
        OBJECT, {"content/a.txt": source}, {}, message="m", keep_previous=True, describe=describe, **USER
    )
    assert second.created and second.version == "v2"
    with root.open_file(OBJECT, "metadata/list.txt") as f:
        assert f.read() == b"written as v2"  # replaced, not carried from v1
    assert [e.name for e in root.backend.list_dir(STAGING) if e.name.startswith(TXN_PREFIX)] == []


def test_a_bad_description_is_refused_and_leaves_nothing(root: StorageRoot, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes(b"x")
    for bad in ({"content/a.txt": b"clash"}, {"../escape": b"x"}, {"content/a.txt/inner": b"x"}):
        with pytest.raises(WriteError):
            root.write_version(OBJECT, {"content/a.txt": source}, {}, message="m", describe=lambda *_, b=bad: b, **USER)
    assert not root.exists(OBJECT)
    assert [e.name for e in root.backend.list_dir(STAGING) if e.name.startswith(TXN_PREFIX)] == []
