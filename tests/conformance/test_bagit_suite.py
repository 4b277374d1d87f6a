"""The BagIt validator against the Library of Congress conformance suite (vendored in data/bagit): valid bags
pass, invalid ones fail with the reason asserted, warning bags pass with their warning. The three cases that depend
on the file system (names differing by case or by Unicode normalization, system files a checkout drops) may be
rejected clearly instead (the suite's README); Linux-only cases apply here, and the Windows-only ones are refused
too. Each bag is also judged through `dangan bag validate` (exit 0 or 1). A missing suite fails these tests."""

from __future__ import annotations

import sys

import pytest

from dangan.accession.bagit import BagReport, validate_bag
from dangan.cli import main
from tests.conformance import DATA

SUITE = DATA / "bagit"

# Why each invalid bag is invalid: the error code that must be among the report's errors.
INVALID_BECAUSE = {
    "v0.97/invalid/baginfo-missing-encoding": "ENCODING_MISSING",
    "v0.97/invalid/bom-in-bagit.txt": "BAGIT_TXT_BOM",
    "v0.97/invalid/corrupt-data-file": "DIGEST_MISMATCH",
    "v0.97/invalid/corrupt-tag-file": "TAG_DIGEST_MISMATCH",
    "v0.97/invalid/extra-file-in-bag": "FILE_NOT_IN_MANIFEST",
    "v0.97/invalid/invalid-version-number": "VERSION_INVALID",
    "v0.97/invalid/missing-baginfo": "TAG_FILE_MISSING",
    "v0.97/invalid/missing-bagit.txt": "BAGIT_TXT_MISSING",
    "v0.97/invalid/out-of-scope-file-paths-using-dot-notation": "PATH_UNSAFE",
    "v0.97/invalid/out-of-scope-file-paths-using-dot-notation-for-fetch": "PATH_UNSAFE",
    "v0.97/invalid/same-filename-listed-twice-with-different-hashes": "CONFLICTING_ENTRY",
    "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path": "PATH_UNSAFE",
    "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path-for-fetch": "PATH_UNSAFE",
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut": "PATH_UNSAFE",
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-for-fetch": "PATH_UNSAFE",
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username": "PATH_UNSAFE",
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username-for-fetch": "PATH_UNSAFE",
    "v0.97/windows-only/out-of-scope-file-paths-using-absolute-path": "PATH_UNSAFE",
    "v0.97/windows-only/out-of-scope-file-paths-using-absolute-path-for-fetch": "PATH_UNSAFE",
    "v0.97/windows-only/out-of-scope-file-paths-using-shortcut": "PATH_UNSAFE",
    "v0.97/windows-only/out-of-scope-file-paths-using-shortcut-for-fetch": "PATH_UNSAFE",
    "v0.97/windows-only/out-of-scope-file-paths-using-unc": "PATH_UNSAFE",
    "v0.97/windows-only/out-of-scope-file-paths-using-unc-for-fetch": "PATH_UNSAFE",
    # bagit-python 1.9 accepts this one; a space before the colon breaks RFC 8493 §2.1.1.
    "v1.0/invalid/bagit-with-invalid-whitespace": "BAGIT_TXT_MALFORMED",
    "v1.0/invalid/notAllManifestsListAllFiles": "FILE_NOT_IN_MANIFEST",
    "v1.0/invalid/same-filename-listed-twice-with-different-hashes": "CONFLICTING_ENTRY",
    "v1.0/invalid/same-filename-listed-twice-with-the-same-hash": "DUPLICATE_ENTRY",
}

# The warning each warning bag must raise.
WARNS_WITH = {
    "v0.97/warning/made-with-md5sum-tools": "MANIFEST_BINARY_MARKER",
    "v0.97/warning/relative-path": "PATH_LEADING_DOT_SLASH",
    # The manifest lists the name twice, in NFC and NFD; the disk holds one (NFC) file: matched as that file.
    "v0.97/warning/same-filename-listed-twice-with-different-normalization": "PATH_NORMALIZATION",
    "v0.97/warning/same-filename-listed-twice-with-the-same-hash": "DUPLICATE_ENTRY",
}

# File-system-dependent warning bags, rejected on Linux: (the warning, the error that rejects them, its path).
REJECTED_ON_LINUX = {
    # data/hello.txt and data/HELLO.txt are one file on macOS/Windows; here HELLO.txt is simply not there.
    "v0.97/warning/duplicate-file-with-different-case": ("CASE_COLLISION", "FILE_MISSING", "data/HELLO.txt"),
    # The checkout dropped data/.DS_Store that the manifest lists.
    "v0.97/warning/special-system-files": ("SYSTEM_FILE", "FILE_MISSING", "data/.DS_Store"),
}

# Warnings a valid bag of the suite may carry (a leading './' in a manifest path is accepted, and noted).
VALID_MAY_WARN = {"PATH_LEADING_DOT_SLASH"}

DIGEST_CODES = {"DIGEST_MISMATCH", "TAG_DIGEST_MISMATCH"}


def bags(*groups: str) -> list[object]:
    found: list[object] = [
        pytest.param(f"{version.name}/{group}/{bag.name}", id=f"{version.name}/{group}/{bag.name}")
        for group in groups
        for version in sorted(SUITE.glob("v*"))
        if (version / group).is_dir()
        for bag in sorted((version / group).iterdir())
        if bag.is_dir()
    ]
    # Collected as one failing case: missing conformance data must not pass silently as zero tests.
    return found or [pytest.param(None, id=f"{'+'.join(groups)}-missing")]


def validate(name: str | None, *, fast: bool = False) -> BagReport:
    assert name is not None, f"BagIt conformance suite not found at {SUITE}"
    return validate_bag(SUITE / name, fast=fast)


def cli_exit(name: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["bag", "validate", str(SUITE / name)])
    return code, capsys.readouterr().err


def test_the_suite_is_there() -> None:
    assert SUITE.is_dir(), f"BagIt conformance suite not found at {SUITE}"
    for pattern, at_least in (("v*/valid/*", 21), ("v*/invalid/*", 15), ("v*/warning/*", 6), ("v*/linux-only/*", 6)):
        assert len([p for p in SUITE.glob(pattern) if p.is_dir()]) >= at_least, pattern


def test_every_case_is_judged() -> None:
    """A case added to the suite must be added here with its reason, not pass on a guess."""
    judged = set(INVALID_BECAUSE) | set(WARNS_WITH) | set(REJECTED_ON_LINUX)
    for group in ("invalid", "linux-only", "windows-only", "warning"):
        for bag in SUITE.glob(f"v*/{group}/*"):
            if bag.is_dir():
                assert f"{bag.parent.parent.name}/{group}/{bag.name}" in judged, bag


@pytest.mark.parametrize("name", bags("valid"))
def test_valid_bags_pass(name: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    report = validate(name)
    assert report.valid, str(report)
    assert report.warning_codes <= VALID_MAY_WARN, str(report)
    assert report.version in {"0.96", "0.97", "1.0"}
    assert report.payload_files > 0 and report.payload_bytes > 0
    assert set(report.digests) == {p for p in report.digests if p.startswith("data/")}
    assert validate(name, fast=True).valid
    assert name is not None
    assert cli_exit(name, capsys)[0] == 0


@pytest.mark.parametrize("name", bags("invalid", "linux-only", "windows-only"))
def test_invalid_bags_fail_with_their_reason(name: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    if name and "/linux-only/" in name and not sys.platform.startswith("linux"):
        pytest.skip("Linux-only case")
    report = validate(name)
    assert not report.valid, str(report)
    assert name is not None
    assert INVALID_BECAUSE[name] in report.error_codes, str(report)
    for problem in report.errors:
        assert problem.message_zh and problem.message_en
    # --fast reads no payload: it still rejects every bag whose fault is not a digest.
    if INVALID_BECAUSE[name] not in DIGEST_CODES:
        assert not validate(name, fast=True).valid
    code, err = cli_exit(name, capsys)
    assert code == 1
    assert f"[{INVALID_BECAUSE[name]}]" in err


@pytest.mark.parametrize("name", bags("warning"))
def test_warning_bags_pass_with_a_warning(name: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    report = validate(name)
    assert name is not None
    if name in REJECTED_ON_LINUX:
        warning, error, path = REJECTED_ON_LINUX[name]
        assert not report.valid
        assert warning in report.warning_codes, str(report)
        assert [p.path for p in report.errors if p.code == error] == [path], str(report)
        assert cli_exit(name, capsys)[0] == 1
        return
    assert report.valid, str(report)
    assert WARNS_WITH[name] in report.warning_codes, str(report)
    code, err = cli_exit(name, capsys)
    assert code == 0
    assert f"[{WARNS_WITH[name]}]" in err


def test_case_and_system_file_rejections_say_why() -> None:
    case = validate("v0.97/warning/duplicate-file-with-different-case")
    (missing,) = [p for p in case.errors if p.code == "FILE_MISSING"]
    assert "data/hello.txt" in missing.message_en and "case" in missing.message_en
    system = validate("v0.97/warning/special-system-files")
    (missing,) = [p for p in system.errors if p.code == "FILE_MISSING"]
    assert "operating-system file" in missing.message_en and "操作系统" in missing.message_zh


def test_duplicates_are_an_error_only_from_1_0() -> None:
    old = validate("v0.97/warning/same-filename-listed-twice-with-the-same-hash")
    new = validate("v1.0/invalid/same-filename-listed-twice-with-the-same-hash")
    assert "DUPLICATE_ENTRY" in old.warning_codes and "DUPLICATE_ENTRY" in new.error_codes


def test_fetch_txt_with_every_file_present_is_complete() -> None:
    report = validate("v0.97/valid/holey-bag")
    assert report.valid and len(report.fetch) == 5
    assert {f.path for f in report.fetch} <= set(report.digests)


def test_tag_file_encodings() -> None:
    utf16 = validate("v0.97/valid/UTF-16-encoded-tag-files")
    latin1 = validate("v0.97/valid/ISO-8859-1-encoded-tag-files")
    assert utf16.encoding == "UTF-16" and latin1.encoding == "ISO-8859-1"
    assert utf16.info_values("contact-name") == ["Chris Adams"] == latin1.info_values("Contact-Name")
    assert utf16.declared_oxum == (58, 2) and (utf16.payload_bytes, utf16.payload_files) == (58, 2)


def test_bag_info_labels_and_continuations() -> None:
    report = validate("v0.96/valid/bag-in-a-bag")
    assert report.info_values("External-Description") == [
        "Uncompressed greyscale TIFF images from the Yoshimuri papers collection."
    ]
    assert report.declared_bag_size == "260 GB"
    repeated = validate("v0.97/valid/duplicate-metadata-entries")
    assert repeated.info_values("case-insensitivity-test") == ["1", "2", "3"]
    separators = validate("v0.97/valid/uncommon-metadata-separators")
    assert separators.info_values("Test-Tag") == ["1", "2", "3", "4", "5"]
