"""The storage backends: every path operation the OCFL layer relies on, on real files and on a real S3 store
(SeaweedFS on loopback); what only a file system has (exchange, hard links, symbolic links) on the local one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dangan.preservation.storage import EntryKind, LocalFilesystemBackend, LockBusy, StorageBackend
from dangan.preservation.storage.backend import ExchangeNotSupported, LinkNotSupported, join, parent


@pytest.fixture
def local_backend(tmp_path: Path) -> LocalFilesystemBackend:
    return LocalFilesystemBackend(tmp_path / "root")


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> StorageBackend:
    if request.param == "s3":
        return request.getfixturevalue("s3_backend")
    return LocalFilesystemBackend(tmp_path / "root")


def test_write_read_stat_and_list(backend: StorageBackend) -> None:
    backend.mkdir("", parents=True, exist_ok=True)
    backend.mkdir("a/b", parents=True)
    backend.write_bytes("a/b/file.txt", b"hello")
    with backend.open_write("a/other.bin") as f:
        f.write(b"x" * 10)
    assert backend.read_bytes("a/b/file.txt") == b"hello"
    with backend.open_read("a/other.bin") as f:
        buf = bytearray(4)
        assert f.readinto(buf) == 4
    assert backend.stat("a/other.bin").size == 10
    assert backend.stat("a").kind is EntryKind.DIR
    assert [(e.name, e.kind, e.size) for e in backend.list_dir("a")] == [
        ("b", EntryKind.DIR, 0),
        ("other.bin", EntryKind.FILE, 10),
    ]
    walked = [(d, [x.name for x in dirs], [x.name for x in others]) for d, dirs, others in backend.walk("")]
    assert walked == [("", ["a"], []), ("a", ["b"], ["other.bin"]), ("a/b", [], ["file.txt"])]
    assert backend.exists("a/b") and backend.is_dir("a/b") and backend.is_file("a/b/file.txt")
    assert not backend.exists("nope") and not backend.is_file("a")


def test_new_files_never_overwrite(backend: StorageBackend) -> None:
    backend.mkdir("", parents=True)
    backend.write_bytes("f", b"1")
    with pytest.raises(FileExistsError):
        backend.write_bytes("f", b"2")
    with pytest.raises(FileExistsError):
        backend.open_write("f")
    assert backend.read_bytes("f") == b"1"


def test_paths_must_stay_inside_the_root(backend: StorageBackend) -> None:
    for bad in ("/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a/"):
        with pytest.raises(ValueError):
            backend.exists(bad)


def test_rename_does_not_replace_unless_asked(backend: StorageBackend) -> None:
    backend.mkdir("src", parents=True)
    backend.mkdir("dst", parents=True)  # an empty directory: plain rename(2) would silently replace it
    with pytest.raises(FileExistsError):
        backend.rename("src", "dst")
    backend.write_bytes("f1", b"1")
    backend.write_bytes("f2", b"2")
    backend.rename("f1", "f2", replace=True)
    assert backend.read_bytes("f2") == b"1" and not backend.exists("f1")
    backend.rename("src", "moved")
    assert backend.is_dir("moved") and not backend.exists("src")


def test_exchange_swaps_two_directories_atomically(local_backend: LocalFilesystemBackend) -> None:
    backend = local_backend
    backend.mkdir("old", parents=True)
    backend.mkdir("new", parents=True)
    backend.write_bytes("old/version", b"1")
    backend.write_bytes("new/version", b"2")
    backend.exchange("new", "old")
    assert backend.read_bytes("old/version") == b"2"
    assert backend.read_bytes("new/version") == b"1"


def test_exchange_can_be_switched_off_to_exercise_the_fallback(local_backend: LocalFilesystemBackend) -> None:
    backend = local_backend
    backend.mkdir("a", parents=True)
    backend.mkdir("b", parents=True)
    backend.disable_exchange()
    with pytest.raises(ExchangeNotSupported):
        backend.exchange("a", "b")


def test_hard_links_on_a_file_system(local_backend: LocalFilesystemBackend) -> None:
    local_backend.mkdir("d", parents=True)
    local_backend.write_bytes("d/f", b"content")
    local_backend.link("d/f", "d/g")
    assert os.stat(local_backend.describe("d/g")).st_nlink == 2


def test_copy_remove_and_remove_tree(backend: StorageBackend) -> None:
    backend.mkdir("d/e", parents=True)
    backend.write_bytes("d/e/f", b"content")
    backend.write_bytes("d/g", b"content")
    backend.copy_file("d/g", "d/h")
    assert backend.read_bytes("d/h") == b"content"
    backend.remove("d/h")
    assert not backend.exists("d/h")
    with pytest.raises(OSError):
        backend.rmdir("d")
    backend.remove_tree("d")
    backend.remove_tree("d")  # already gone: not an error
    assert not backend.exists("d")


def test_fsync_and_sync(backend: StorageBackend) -> None:
    backend.mkdir("d", parents=True)
    backend.write_bytes("d/f", b"x", fsync=True)
    backend.fsync("d/f")
    backend.fsync("d")
    backend.sync()


def test_lock_excludes_other_holders(backend: StorageBackend) -> None:
    backend.mkdir("", parents=True)
    with backend.lock("locks/a.lock"):
        with pytest.raises(LockBusy), backend.lock("locks/a.lock", blocking=False):
            pass
        with backend.lock("locks/b.lock", blocking=False):
            pass
    with backend.lock("locks/a.lock", blocking=False):
        pass


def test_symbolic_links_are_reported_not_followed(local_backend: LocalFilesystemBackend, tmp_path: Path) -> None:
    backend = local_backend
    backend.mkdir("", parents=True)
    (tmp_path / "outside").write_text("x")
    os.symlink(tmp_path / "outside", backend.describe("link"))
    assert backend.stat("link").kind is EntryKind.LINK
    assert [e.kind for e in backend.list_dir("")] == [EntryKind.LINK]


def test_join_and_parent() -> None:
    assert join("", "a", "", "b/c") == "a/b/c"
    assert parent("a/b/c") == "a/b" and parent("a") == ""


def test_an_object_store_has_no_exchange_and_no_links(s3_backend: StorageBackend) -> None:
    s3_backend.mkdir("a", parents=True)
    s3_backend.write_bytes("a/f", b"x")
    assert not s3_backend.renames_atomically
    with pytest.raises(ExchangeNotSupported):
        s3_backend.exchange("a", "a")
    with pytest.raises(LinkNotSupported):
        s3_backend.link("a/f", "a/g")


def test_replace_bytes_and_missing_paths(backend: StorageBackend) -> None:
    backend.mkdir("d", parents=True)
    backend.replace_bytes("d/f", b"one")
    backend.replace_bytes("d/f", b"two")
    assert backend.read_bytes("d/f") == b"two"
    assert [e.name for e in backend.list_dir("d")] == ["f"]
    for call in (
        lambda: backend.read_bytes("d/nope"),
        lambda: backend.open_read("d/nope"),
        lambda: backend.stat("nope"),
        lambda: backend.list_dir("nope"),
        lambda: backend.remove("d/nope"),
        lambda: backend.rmdir("nope"),
        lambda: backend.rename("nope", "x"),
    ):
        with pytest.raises(FileNotFoundError):
            call()
    backend.mkdir("empty")
    assert backend.is_dir("empty") and backend.list_dir("empty") == []
    with pytest.raises(FileExistsError):
        backend.mkdir("empty")
    backend.mkdir("empty", exist_ok=True)
    backend.rmdir("empty")
    assert not backend.exists("empty")
