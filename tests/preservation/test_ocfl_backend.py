"""The local file system storage backend: every path operation the OCFL layer relies on, on real files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dangan.preservation.storage import EntryKind, LocalFilesystemBackend, LockBusy
from dangan.preservation.storage.backend import ExchangeNotSupported, join, parent


@pytest.fixture
def backend(tmp_path: Path) -> LocalFilesystemBackend:
    return LocalFilesystemBackend(tmp_path / "root")


def test_write_read_stat_and_list(backend: LocalFilesystemBackend) -> None:
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


def test_new_files_never_overwrite(backend: LocalFilesystemBackend) -> None:
    backend.mkdir("", parents=True)
    backend.write_bytes("f", b"1")
    with pytest.raises(FileExistsError):
        backend.write_bytes("f", b"2")
    with pytest.raises(FileExistsError):
        backend.open_write("f")
    assert backend.read_bytes("f") == b"1"


def test_paths_must_stay_inside_the_root(backend: LocalFilesystemBackend) -> None:
    for bad in ("/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a/"):
        with pytest.raises(ValueError):
            backend.exists(bad)


def test_rename_does_not_replace_unless_asked(backend: LocalFilesystemBackend) -> None:
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


def test_exchange_swaps_two_directories_atomically(backend: LocalFilesystemBackend) -> None:
    backend.mkdir("old", parents=True)
    backend.mkdir("new", parents=True)
    backend.write_bytes("old/version", b"1")
    backend.write_bytes("new/version", b"2")
    backend.exchange("new", "old")
    assert backend.read_bytes("old/version") == b"2"
    assert backend.read_bytes("new/version") == b"1"


def test_exchange_can_be_switched_off_to_exercise_the_fallback(backend: LocalFilesystemBackend) -> None:
    backend.mkdir("a", parents=True)
    backend.mkdir("b", parents=True)
    backend.disable_exchange()
    with pytest.raises(ExchangeNotSupported):
        backend.exchange("a", "b")


def test_link_copy_remove_and_remove_tree(backend: LocalFilesystemBackend) -> None:
    backend.mkdir("d/e", parents=True)
    backend.write_bytes("d/e/f", b"content")
    backend.link("d/e/f", "d/g")
    assert os.stat(backend.describe("d/g")).st_nlink == 2
    backend.copy_file("d/g", "d/h")
    assert backend.read_bytes("d/h") == b"content"
    backend.remove("d/h")
    assert not backend.exists("d/h")
    with pytest.raises(OSError):
        backend.rmdir("d")
    backend.remove_tree("d")
    backend.remove_tree("d")  # already gone: not an error
    assert not backend.exists("d")


def test_fsync_and_sync(backend: LocalFilesystemBackend) -> None:
    backend.mkdir("d", parents=True)
    backend.write_bytes("d/f", b"x", fsync=True)
    backend.fsync("d/f")
    backend.fsync("d")
    backend.sync()


def test_lock_excludes_other_holders(backend: LocalFilesystemBackend) -> None:
    backend.mkdir("", parents=True)
    with backend.lock("locks/a.lock"):
        with pytest.raises(LockBusy), backend.lock("locks/a.lock", blocking=False):
            pass
        with backend.lock("locks/b.lock", blocking=False):
            pass
    with backend.lock("locks/a.lock", blocking=False):
        pass


def test_symbolic_links_are_reported_not_followed(backend: LocalFilesystemBackend, tmp_path: Path) -> None:
    backend.mkdir("", parents=True)
    (tmp_path / "outside").write_text("x")
    os.symlink(tmp_path / "outside", backend.describe("link"))
    assert backend.stat("link").kind is EntryKind.LINK
    assert [e.kind for e in backend.list_dir("")] == [EntryKind.LINK]


def test_join_and_parent() -> None:
    assert join("", "a", "", "b/c") == "a/b/c"
    assert parent("a/b/c") == "a/b" and parent("a") == ""
