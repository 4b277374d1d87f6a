"""validate_bag() on bags made here with real files: each fault gives its code and path, and nothing else."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import bagit
import pytest

from dangan.accession.bagit import BagReport, Severity, validate_bag

from .test_bagit_support import PAYLOAD, add_manifest_line, new_bag, retag, set_oxum, write_files


def codes(report: BagReport) -> list[tuple[str, str | None]]:
    return sorted((p.code, p.path) for p in report.problems)


def test_a_bag_made_here_is_valid_with_its_totals_and_digests(tmp_path: Path) -> None:
    bag = new_bag(tmp_path, algorithms=("sha512", "sha256"))
    report = validate_bag(bag)
    assert report.valid and report.problems == [], str(report)
    assert report.version == "1.0" and report.encoding == "UTF-8"
    assert report.payload_files == len(PAYLOAD) == report.declared_oxum[1]  # type: ignore[index]
    assert report.payload_bytes == sum(len(c) for c in PAYLOAD.values()) == report.declared_oxum[0]  # type: ignore[index]
    assert sorted(report.payload_algorithms) == ["sha256", "sha512"]
    for rel, content in PAYLOAD.items():
        assert report.digests[f"data/{rel}"] == {
            "sha512": hashlib.sha512(content).hexdigest(),
            "sha256": hashlib.sha256(content).hexdigest(),
        }


def test_bagit_python_accepts_our_bags(tmp_path: Path) -> None:
    bag = new_bag(tmp_path, algorithms=("sha512", "md5"))
    assert bagit.Bag(str(bag)).is_valid()


def test_corrupted_file(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    target = bag / "data/sub/b.bin"
    content = bytearray(target.read_bytes())
    content[500_000] ^= 0xFF  # same size: only the digest can tell
    target.write_bytes(bytes(content))
    report = validate_bag(bag)
    assert codes(report) == [("DIGEST_MISMATCH", "data/sub/b.bin")]
    (problem,) = report.errors
    assert hashlib.sha512(bytes(content)).hexdigest() in problem.message_en
    assert "摘要不符" in problem.message_zh
    assert validate_bag(bag, fast=True).valid  # --fast reads no payload: a same-size change passes


def test_missing_file(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    (bag / "data/sub/deeper/c.txt").unlink()
    report = validate_bag(bag)
    assert codes(report) == [
        ("EMPTY_DIRECTORY", "data/sub/deeper/"),
        ("FILE_MISSING", "data/sub/deeper/c.txt"),
        ("OXUM_MISMATCH", "bag-info.txt"),
    ]
    assert codes(validate_bag(bag, fast=True)) == codes(report)


def test_extra_file(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    (bag / "data/sub/extra.txt").write_bytes(b"not listed")
    report = validate_bag(bag)
    assert codes(report) == [("FILE_NOT_IN_MANIFEST", "data/sub/extra.txt"), ("OXUM_MISMATCH", "bag-info.txt")]
    assert "manifest-sha512.txt" in report.errors[0].message_en


def test_payload_oxum_mismatch(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    set_oxum(bag, "1.4")
    report = validate_bag(bag)
    assert codes(report) == [("OXUM_MISMATCH", "bag-info.txt")]
    assert "declares 4 files and 1 bytes" in report.errors[0].message_en
    assert report.declared_oxum == (1, 4)
    set_oxum(bag, "12 bytes")
    assert codes(validate_bag(bag)) == [("OXUM_MALFORMED", "bag-info.txt")]


def test_every_payload_file_in_every_manifest(tmp_path: Path) -> None:
    bag = new_bag(tmp_path, algorithms=("sha512", "sha256"))
    manifest = bag / "manifest-sha256.txt"
    manifest.write_text("".join(line + "\n" for line in manifest.read_text().splitlines() if "a.txt" not in line))
    retag(bag)
    report = validate_bag(bag)
    assert codes(report) == [("FILE_NOT_IN_MANIFEST", "data/a.txt")]
    assert "manifest-sha256.txt" in report.errors[0].message_en


def test_duplicate_entries(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    digest = hashlib.sha512(b"hello\n").hexdigest()
    add_manifest_line(bag, "sha512", digest, "data/a.txt")
    assert codes(validate_bag(bag)) == [("DUPLICATE_ENTRY", "data/a.txt")]
    assert validate_bag(bag).errors[0].severity is Severity.ERROR  # a 1.0 bag lists each file once
    add_manifest_line(bag, "sha512", "0" * 128, "data/a.txt")
    assert "CONFLICTING_ENTRY" in validate_bag(bag).error_codes


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("../outside.txt", "PATH_UNSAFE"),
        ("data/../../outside.txt", "PATH_UNSAFE"),
        ("/etc/passwd", "PATH_UNSAFE"),
        ("C:\\Windows\\win.ini", "PATH_UNSAFE"),
        ("~/.bashrc", "PATH_UNSAFE"),
        ("data//a.txt", "PATH_MALFORMED"),
        ("bagit.txt", "PATH_OUTSIDE_PAYLOAD"),
    ],
)
def test_unsafe_manifest_paths_are_refused_and_never_read(tmp_path: Path, path: str, code: str) -> None:
    bag = new_bag(tmp_path)
    add_manifest_line(bag, "sha512", "0" * 128, path)
    report = validate_bag(bag)
    assert report.error_codes == {code}, str(report)
    assert path in (report.errors[0].path or "")


def test_percent_encoded_names_round_trip(tmp_path: Path) -> None:
    source = write_files(tmp_path / "source", {"100%.txt": b"a", "line\nbreak.txt": b"b", "cr\rname": b"c"})
    bag = new_bag_from(source, tmp_path / "bag")
    text = (bag / "manifest-sha512.txt").read_text()
    assert "data/100%25.txt" in text and "data/line%0Abreak.txt" in text and "data/cr%0Dname" in text
    report = validate_bag(bag)
    assert report.valid and report.problems == [], str(report)


def new_bag_from(source: Path, dest: Path) -> Path:
    from dangan.accession.bagit import make_bag

    return make_bag(source, dest)


def test_a_literal_percent_as_bagit_python_writes_it(tmp_path: Path) -> None:
    source = write_files(tmp_path / "source", {"a%25b.txt": b"x"})
    bag = new_bag_from(source, tmp_path / "bag")
    manifest = bag / "manifest-sha512.txt"
    manifest.write_text(manifest.read_text().replace("a%2525b", "a%25b"))  # '%' left unencoded (bagit-python 1.x)
    retag(bag)
    report = validate_bag(bag)
    assert report.valid, str(report)
    assert codes(report) == [("PATH_PERCENT_LITERAL", "data/a%b.txt")]


def test_unicode_normalization(tmp_path: Path) -> None:
    composed, decomposed = "N\u00fa\u00f1ez.txt", "Nu\u0301n\u0303ez.txt"
    source = write_files(tmp_path / "source", {composed: b"x"})
    bag = new_bag_from(source, tmp_path / "bag")
    manifest = bag / "manifest-sha512.txt"
    manifest.write_text(manifest.read_text().replace(composed, decomposed))  # listed NFD (macOS), stored NFC
    retag(bag)
    report = validate_bag(bag)
    assert report.valid, str(report)
    assert codes(report) == [("PATH_NORMALIZATION", f"data/{decomposed}")]


def test_names_that_collide_elsewhere(tmp_path: Path) -> None:
    source = write_files(tmp_path / "source", {"Readme.txt": b"1", "README.txt": b"2"})
    report = validate_bag(new_bag_from(source, tmp_path / "bag"))
    assert report.valid
    assert report.warning_codes == {"CASE_COLLISION"}


def test_hidden_and_system_files_warn(tmp_path: Path) -> None:
    source = write_files(tmp_path / "source", {"a.txt": b"1", ".hidden": b"2", "sub/Thumbs.db": b"3", "._a.txt": b"4"})
    report = validate_bag(new_bag_from(source, tmp_path / "bag"))
    assert report.valid
    assert codes(report) == [
        ("HIDDEN_FILE", "data/.hidden"),
        ("SYSTEM_FILE", "data/._a.txt"),
        ("SYSTEM_FILE", "data/sub/Thumbs.db"),
    ]


def test_a_link_in_the_payload_is_not_followed(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the bag")
    os.symlink(secret, bag / "data/link.txt")
    report = validate_bag(bag)
    assert ("SPECIAL_FILE", "data/link.txt") in codes(report)
    assert "data/link.txt" not in report.digests


def test_a_tag_file_behind_a_linked_folder_is_not_read(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    outside = write_files(tmp_path / "outside", {"secret.txt": b"outside the bag"})
    os.symlink(outside, bag / "meta")
    tagmanifest = bag / "tagmanifest-sha512.txt"
    digest = hashlib.sha512(b"outside the bag").hexdigest()
    tagmanifest.write_text(tagmanifest.read_text() + f"{digest}  meta/secret.txt\n")
    report = validate_bag(bag)
    assert codes(report) == [("SPECIAL_FILE", "meta/secret.txt")]


def test_manifests_missing_empty_or_unsupported(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    (bag / "manifest-sha512.txt").rename(bag / "manifest-whirlpool.txt")
    report = validate_bag(bag)
    assert {"MANIFEST_MISSING", "TAG_FILE_MISSING"} <= report.error_codes
    assert "MANIFEST_ALGORITHM_UNSUPPORTED" in report.warning_codes
    (bag / "manifest-whirlpool.txt").rename(bag / "manifest-sha512.txt")
    (bag / "manifest-sha512.txt").write_text("")
    retag(bag)
    report = validate_bag(bag)
    assert "MANIFEST_EMPTY" in report.warning_codes
    assert [p.code for p in report.errors].count("FILE_NOT_IN_MANIFEST") == len(PAYLOAD)


def test_md5_only_is_weak_in_a_1_0_bag(tmp_path: Path) -> None:
    report = validate_bag(new_bag(tmp_path, algorithms=("md5",)))
    assert report.valid and report.warning_codes == {"MANIFEST_WEAK_ALGORITHM"}


def test_fetch_txt_lists_a_file_that_is_not_there(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    (bag / "fetch.txt").write_text("https://example.org/c.txt 16 data/sub/deeper/c.txt\n")
    retag(bag)
    assert validate_bag(bag).valid  # every file listed in fetch.txt is present: a complete bag
    (bag / "data/sub/deeper/c.txt").unlink()
    report = validate_bag(bag)
    assert ("FETCH_INCOMPLETE", "data/sub/deeper/c.txt") in codes(report)
    assert "FILE_MISSING" not in report.error_codes
    (incomplete,) = [p for p in report.errors if p.code == "FETCH_INCOMPLETE"]
    assert "https://example.org/c.txt" in incomplete.message_en and "不下载" in incomplete.message_zh
    (bag / "fetch.txt").write_text("example.org/x - data/x\nhttps://example.org/y\n")
    report = validate_bag(bag)
    assert {"FETCH_URL_MALFORMED", "FETCH_LINE_MALFORMED"} <= report.error_codes


def test_bagit_txt_rules(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    bagit = bag / "bagit.txt"
    for text, code in (
        ("BagIt-Version: 1.0\r\nTag-File-Character-Encoding: UTF-8\r\n", None),
        ("Tag-File-Character-Encoding: UTF-8\nBagIt-Version: 1.0\n", "BAGIT_TXT_MALFORMED"),
        ("BagIt-Version: 1.0\nTag-File-Character-Encoding: KOI-9\n", "ENCODING_UNKNOWN"),
        ("BagIt-Version: 2.0\nTag-File-Character-Encoding: UTF-8\n", "VERSION_UNSUPPORTED"),
        ("BagIt-Version: 1.0\n", "ENCODING_MISSING"),
    ):
        bagit.write_bytes(text.encode())
        retag(bag)
        report = validate_bag(bag)
        assert (report.error_codes == set()) if code is None else (code in report.error_codes), (text, str(report))


def test_bag_info_parsing(tmp_path: Path) -> None:
    bag = new_bag(
        tmp_path,
        info={
            "Source-Organization": "贵州省档案馆",
            "External-Description": "第一行\n第二行",
            "Keyword": ["扶贫", "档案"],
        },
    )
    report = validate_bag(bag)
    assert report.valid
    assert report.info_values("source-organization") == ["贵州省档案馆"]
    assert report.info_values("External-Description") == ["第一行 第二行"]
    assert report.info_values("Keyword") == ["扶贫", "档案"]
    info = bag / "bag-info.txt"
    info.write_text(info.read_text() + "no colon here\n")
    retag(bag)
    assert "BAGINFO_LINE_MALFORMED" in validate_bag(bag).error_codes


def test_progress_and_workers(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    calls: list[tuple[int, int, int, int]] = []
    one = validate_bag(bag, workers=1, progress=lambda *a: calls.append(a))
    many = validate_bag(bag, workers=8)
    assert one.digests == many.digests
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1] and calls[-1][2] == calls[-1][3]
    assert calls[-1][1] == len(PAYLOAD) + 3  # and the tag files: bagit.txt, bag-info.txt, manifest-sha512.txt


def test_not_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validate_bag(tmp_path / "nothing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        validate_bag(tmp_path / "file")


def test_an_empty_folder_is_not_a_bag(tmp_path: Path) -> None:
    report = validate_bag(tmp_path)
    assert {"BAGIT_TXT_MISSING", "MANIFEST_MISSING", "PAYLOAD_DIR_MISSING"} <= report.error_codes


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_files_and_folders_are_reported(tmp_path: Path) -> None:
    bag = new_bag(tmp_path)
    (bag / "data/a.txt").chmod(0)
    (bag / "data/sub/deeper").chmod(0)
    try:
        report = validate_bag(bag)
    finally:
        (bag / "data/a.txt").chmod(0o644)
        (bag / "data/sub/deeper").chmod(0o755)
    assert ("FILE_UNREADABLE", "data/a.txt") in codes(report)
    assert ("FILE_UNREADABLE", "data/sub/deeper/") in codes(report)
