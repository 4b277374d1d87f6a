"""make_bag(): folders bagged in place or copied, .zip archives unpacked safely and bagged; every bag it makes is
valid, and nothing it refuses leaves anything behind."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from dangan.accession.bagit import BagError, ZipLimits, make_bag, validate_bag
from dangan.accession.bagit import make as make_module

from .test_bagit_support import PAYLOAD, write_files


def listing(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return [p.name for p in folder.iterdir() if ".bagging-" in p.name or ".unpacking-" in p.name]


def test_bag_a_folder_in_place(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "transfer")
    before = listing(folder)
    assert make_bag(folder) == folder
    assert {p.name for p in folder.iterdir()} == {
        "bagit.txt",
        "bag-info.txt",
        "data",
        "manifest-sha512.txt",
        "tagmanifest-sha512.txt",
    }
    assert listing(folder / "data") == before
    assert validate_bag(folder).problems == []
    assert leftovers(tmp_path) == []


def test_a_failure_half_way_puts_the_folder_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_files(tmp_path / "transfer")
    before = listing(folder)

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(make_module, "_write_tag_files", fail)
    with pytest.raises(OSError, match="disk full"):
        make_bag(folder)
    assert listing(folder) == before
    assert leftovers(tmp_path) == []


def test_bag_a_copy(tmp_path: Path) -> None:
    source = write_files(tmp_path / "source")
    os.utime(source / "a.txt", (1_000_000_000, 1_000_000_000))
    (source / "empty").mkdir()
    before = listing(source)
    bag = make_bag(
        source,
        tmp_path / "bags" / "sip-001",
        algorithms=("sha256", "md5"),
        info={"Source-Organization": "贵州省档案馆"},
    )
    assert listing(source) == before  # untouched
    assert listing(bag / "data") == before
    assert (bag / "data/a.txt").stat().st_mtime == 1_000_000_000
    assert (bag / "data/empty").is_dir()
    report = validate_bag(bag)
    assert report.valid and report.warning_codes == {"EMPTY_DIRECTORY"}
    assert sorted(report.payload_algorithms) == ["md5", "sha256"]
    assert report.info_values("Source-Organization") == ["贵州省档案馆"]
    assert report.info_values("Bag-Software-Agent")[0].startswith("dangan ")
    assert stat.S_IMODE(bag.stat().st_mode) & 0o055, "a bag is not made private by its staging folder"
    assert leftovers(tmp_path / "bags") == []


def test_refusals_leave_nothing(tmp_path: Path) -> None:
    source = write_files(tmp_path / "source")
    (tmp_path / "taken").mkdir()
    with pytest.raises(BagError, match="exists"):
        make_bag(source, tmp_path / "taken")
    with pytest.raises(BagError, match="inside"):
        make_bag(source, source / "bag")
    with pytest.raises(BagError, match="label"):
        make_bag(source, tmp_path / "x", info={"Bad: label": "v"})
    with pytest.raises(ValueError, match="unsupported"):
        make_bag(source, tmp_path / "x", algorithms=("crc32",))
    os.symlink("/etc/passwd", source / "link")
    with pytest.raises(BagError, match="link"):
        make_bag(source, tmp_path / "x")
    with pytest.raises(BagError, match="link"):
        make_bag(source)
    assert not (tmp_path / "x").exists()
    assert leftovers(tmp_path) == [] and (source / "a.txt").is_file()
    (source / "link").unlink()
    bag = make_bag(source)
    with pytest.raises(BagError, match="already a bag"):
        make_bag(bag, tmp_path / "again")


def test_payload_oxum_is_always_computed(tmp_path: Path) -> None:
    bag = make_bag(write_files(tmp_path / "s"), tmp_path / "b", info=[("Payload-Oxum", "1.1"), ("Note", "x")])
    report = validate_bag(bag)
    assert report.valid and report.info_values("Payload-Oxum") == [f"{report.payload_bytes}.{len(PAYLOAD)}"]


# ------------------------------------------------------------------------------------------------------------ zips


def make_zip(path: Path, entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name, (2024, 5, 1, 12, 0, 0))
            info.compress_type = compression
            archive.writestr(info, content)
    return path


def test_bag_a_zip(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "transfer.zip", {f"transfer/{k}": v for k, v in PAYLOAD.items()})
    bag = make_bag(archive)
    assert bag == tmp_path / "transfer"
    assert listing(bag / "data/transfer") == dict(PAYLOAD)
    report = validate_bag(bag)
    assert report.valid and report.problems == [], str(report)
    assert leftovers(tmp_path) == []


def test_a_zip_with_gbk_names(tmp_path: Path) -> None:
    """Chinese Windows tools write names in GBK without the UTF-8 flag."""
    name = "档案目录.txt"
    placeholder = "X" * len(name.encode("gbk")[:-4]) + ".txt"
    archive = make_zip(tmp_path / "gbk.zip", {placeholder: b"x"})
    data = archive.read_bytes().replace(placeholder.encode(), name.encode("gbk"))
    archive.write_bytes(data)
    bag = make_bag(archive, tmp_path / "bag")
    assert (bag / "data" / name).read_bytes() == b"x"
    assert validate_bag(bag).valid


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil.txt", "outside"),
        ("ok/../../evil.txt", "outside"),
        ("/tmp/evil.txt", "absolute"),
        ("C:/evil.txt", "absolute"),
        ("..\\evil.txt", "outside"),
    ],
)
def test_zip_slip_is_refused(tmp_path: Path, name: str, message: str) -> None:
    archive = make_zip(tmp_path / "slip.zip", {"fine.txt": b"ok", name: b"evil"})
    with pytest.raises(BagError, match=message):
        make_bag(archive, tmp_path / "work" / "bag")
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()
    assert not (tmp_path / "work" / "bag").exists() and leftovers(tmp_path / "work") == []


def test_links_and_encrypted_entries_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as z:
        info = zipfile.ZipInfo("link")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    with pytest.raises(BagError, match="symbolic link"):
        make_bag(archive, tmp_path / "bag")
    encrypted = make_zip(tmp_path / "enc.zip", {"a.txt": b"x"})
    raw = bytearray(encrypted.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the 'encrypted' flag bit
        at = raw.find(signature)
        raw[at + offset] |= 1
    encrypted.write_bytes(bytes(raw))
    with pytest.raises(BagError, match="encrypted"):
        make_bag(encrypted, tmp_path / "bag")
    assert not (tmp_path / "bag").exists()


def test_zip_limits(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "many.zip", {f"{i}.txt": b"x" * 100 for i in range(5)})
    with pytest.raises(BagError, match="more than 4 files"):
        make_bag(archive, tmp_path / "bag", zip_limits=ZipLimits(max_files=4))
    with pytest.raises(BagError, match="more than 400 bytes"):
        make_bag(archive, tmp_path / "bag", zip_limits=ZipLimits(max_total_bytes=400))
    bomb = make_zip(tmp_path / "bomb.zip", {"zeros.bin": bytes(4 << 20)})
    with pytest.raises(BagError, match="zip bomb"):
        make_bag(bomb, tmp_path / "bag", zip_limits=ZipLimits(max_ratio=100))
    with pytest.raises(BagError, match="zip bomb"):
        make_bag(bomb, tmp_path / "bag")  # deflate's ceiling is about 1032:1; the default refuses 1000:1 and more
    assert not (tmp_path / "bag").exists() and leftovers(tmp_path) == []
    text = make_zip(tmp_path / "text.zip", {"log.txt": b"".join(b"line %d ok\n" % i for i in range(200_000))})
    assert validate_bag(make_bag(text, tmp_path / "bag")).valid  # ordinary compression is within the defaults


def test_a_zip_that_holds_a_bag_is_unpacked_as_it_is(tmp_path: Path) -> None:
    bag = make_bag(write_files(tmp_path / "s"), tmp_path / "sip")
    for top in ("sip/", ""):
        archive = tmp_path / f"bag{len(top)}.zip"
        with zipfile.ZipFile(archive, "w") as z:
            for path in sorted(bag.rglob("*")):
                if path.is_file():
                    z.write(path, top + path.relative_to(bag).as_posix())
        unpacked = make_bag(archive, tmp_path / f"unpacked{len(top)}")
        assert listing(unpacked) == listing(bag)
        assert validate_bag(unpacked).problems == []
