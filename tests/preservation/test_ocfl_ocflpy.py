"""A second opinion on what the writer produces: ocfl-py's validator (a development dependency).

ocfl-py 2.1 knows neither the 0004 layout nor SM3. Taught both (dangan.preservation.ocfl.ocflpy), it finds no error
in a root we wrote, digests included. The stock `ocfl-validate.py` run on our objects reports E056 and nothing else
(the sm3 fixity block: SM3 is not in the OCFL digest registry); that deviation is deliberate and documented."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from dangan.preservation.ocfl import ocflpy
from dangan.preservation.ocfl.root import StorageRoot, object_id_for
from dangan.preservation.storage import LocalFilesystemBackend

USER = {"user_name": "Preservation Officer", "user_address": "mailto:po@example.org"}


@pytest.fixture(scope="module")
def written_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    base = tmp_path_factory.mktemp("ocflpy")
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
    root = StorageRoot(backend)
    root.initialize()
    first, second = object_id_for(uuid.uuid4()), object_id_for(uuid.uuid4())
    root.write_version(
        first,
        files({"a.txt": b"a" * 300_000, "b/c.txt": b"c", "b/d.txt": b"c"}),
        {"metadata/mets.xml": b"<m1/>"},
        message="v1",
        **USER,
    )
    root.write_version(
        first,
        files({"e.txt": b"e"}),
        {"metadata/mets.xml": b"<m2/>"},
        message="v2",
        keep_previous=True,
        remove=["b/d.txt"],
        **USER,
    )
    root.write_version(first, files({"a.txt": b"a" * 300_000}), {"metadata/mets.xml": b"<m3/>"}, message="v3", **USER)
    backend.disable_exchange()
    root.write_version(
        second, files({"文件/一.txt": "中文内容".encode()}), {"metadata/mets.xml": b"<m/>"}, message="首次", **USER
    )
    root.write_version(
        second, files({"文件/二.txt": b"2"}), {"metadata/mets.xml": b"<m/>"}, message="再次", keep_previous=True, **USER
    )
    return base / "root", [root.object_path(first), root.object_path(second)]


def test_ocfl_py_finds_no_error_in_a_root_we_wrote(written_root: tuple[Path, list[str]]) -> None:
    path, objects = written_root
    result = ocflpy.validate_root(path)
    assert result.errors == []
    assert result.valid
    assert (result.objects, result.good_objects) == (len(objects), len(objects))
    # Its only remarks: our storage-root extension directories are not in its short list of registered ones.
    assert result.warning_codes <= {"W901"}, result.warnings
    for object_path in objects:
        single = ocflpy.validate_object(path / object_path)
        assert single.valid and single.errors == [] and single.warnings == []


def test_stock_ocfl_validate_objects_only_object_to_sm3(written_root: tuple[Path, list[str]]) -> None:
    path, objects = written_root
    tool = Path(sys.executable).with_name("ocfl-validate.py")
    assert tool.is_file(), "ocfl-py is a development dependency: pip install ocfl-py"
    for object_path in objects:
        run = subprocess.run([sys.executable, str(tool), str(path / object_path)], capture_output=True, text=True)
        codes = set(re.findall(r"\[([EW]\d{3}[a-z]?)\]", run.stdout + run.stderr))
        assert codes == {"E056b"}, run.stdout + run.stderr
