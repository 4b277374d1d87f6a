"""The PATCHED second opinion (dangan.preservation.ocfl.ocflpy): ocfl-py taught, in this process, the 0004 layout of
older storage roots and the SM3 digest, so that it validates such a root as a root and re-hashes every digest
(sha512, sha256 and sm3), which stock ocfl-py 2.1 cannot do. Stock ocfl-py itself: test_ocfl_ocflpy.py."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from dangan.preservation.ocfl import ocflpy
from dangan.preservation.ocfl.layout import HashAndIdNTupleLayout, HashedNTupleLayout, StorageLayout
from dangan.preservation.ocfl.root import StorageRoot, object_id_for
from dangan.preservation.storage import LocalFilesystemBackend

USER = {"user_name": "Preservation Officer", "user_address": "mailto:po@example.org"}


def write_root(base: Path, layout: StorageLayout) -> tuple[Path, list[str]]:
    sources = base / "sources"
    sources.mkdir()

    def files(contents: dict[str, bytes]) -> dict[str, Path]:
        result = {}
        for name, data in contents.items():
            path = sources / uuid.uuid4().hex
            path.write_bytes(data)
            result[name] = path
        return result

    backend = LocalFilesystemBackend(base / "root")
    root = StorageRoot(backend, durable=False)
    root.initialize(layout)
    first, second = object_id_for(uuid.uuid4()), object_id_for(uuid.uuid4())
    root.write_version(
        first,
        files({"a.txt": b"a" * 300_000, "b/c.txt": b"c", "b/d.txt": b"c"}),
        {"m.xml": b"<1/>"},
        message="1",
        **USER,
    )
    root.write_version(
        first, files({"e.txt": b"e"}), {"m.xml": b"<2/>"}, message="2", keep_previous=True, remove=["b/d.txt"], **USER
    )
    backend.disable_exchange()
    root.write_version(second, files({"文件/一.txt": "中文内容".encode()}), {}, message="首次", **USER)
    root.write_version(second, files({"文件/二.txt": b"2"}), {}, message="再次", keep_previous=True, **USER)
    return base / "root", [root.object_path(first), root.object_path(second)]


@pytest.fixture(scope="module", params=[HashAndIdNTupleLayout(), HashedNTupleLayout()], ids=["0003", "0004"])
def written_root(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    return write_root(tmp_path_factory.mktemp("ocflpy-patched"), request.param)


def test_patched_ocfl_py_rehashes_every_digest_and_finds_no_error(written_root: tuple[Path, list[str]]) -> None:
    path, objects = written_root
    result = ocflpy.validate_root(path)
    assert result.errors == []
    assert result.valid
    assert (result.objects, result.good_objects) == (len(objects), len(objects))
    # Its only remark: our staging directory is not in its short list of registered storage-root extensions (nor,
    # on an old root, the 0004 layout's own directory).
    assert result.warning_codes <= {"W901"}, result.warnings
    for object_path in objects:
        single = ocflpy.validate_object(path / object_path)
        assert single.valid and single.errors == [] and single.warnings == []


def test_patched_ocfl_py_sees_a_wrong_sm3_digest(tmp_path: Path) -> None:
    path, objects = write_root(tmp_path, HashAndIdNTupleLayout())
    head = path / objects[1]
    for inventory in (head / "inventory.json", head / "v2" / "inventory.json"):  # the head's two copies, alike
        data = json.loads(inventory.read_text())
        sm3 = data["fixity"]["sm3"]
        digest = next(d for d, paths in sm3.items() if paths == ["v2/content/文件/二.txt"])
        sm3["0" * 64 if digest != "0" * 64 else "1" * 64] = sm3.pop(digest)
        inventory.write_text(json.dumps(data, indent=2, ensure_ascii=False))
        sidecar = hashlib.sha512(inventory.read_bytes()).hexdigest()
        (inventory.parent / "inventory.json.sha512").write_text(f"{sidecar}  inventory.json\n")
    result = ocflpy.validate_object(head)
    assert not result.valid and result.error_codes == {"E093a"}, result.errors
    assert "sm3" in result.errors[0]


def test_stock_ocfl_py_refuses_an_old_0004_root_as_a_root_but_not_its_objects(tmp_path: Path) -> None:
    """Why the patched module stays: a root initialised with 0004 is E071 to stock ocfl-py (which prints nothing for
    a root, and exits 1); its objects, named one by one, are valid."""
    path, objects = write_root(tmp_path, HashedNTupleLayout())
    tool = Path(sys.executable).with_name("ocfl-validate.py")
    args = [sys.executable, str(tool), "--lax-digests", "--no-check-digests"]
    run = subprocess.run([*args, str(path)], capture_output=True, text=True)
    assert run.returncode == 1
    root = subprocess.run(
        [sys.executable, str(tool.with_name("ocfl-root.py")), "validate", "--root", str(path), "--lax-digests"],
        capture_output=True,
        text=True,
    )
    assert "E071" in root.stdout + root.stderr
    run = subprocess.run([*args, *(str(path / o) for o in objects)], capture_output=True, text=True)
    assert run.returncode == 0 and "[E" not in run.stdout + run.stderr, run.stdout + run.stderr
