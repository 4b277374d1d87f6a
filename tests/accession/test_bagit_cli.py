"""`dangan bag` through a real process: exit codes 0/1/2, warnings and reasons on stderr, the verdict or the JSON
report on stdout. No database is touched (the command runs without Django)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from dangan.accession.bagit import make_bag

from .test_bagit_support import write_files

COMMAND = [sys.executable, "-c", "import sys; from dangan.cli import main; sys.exit(main())"]


def dangan(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_a_valid_bag_exits_0_with_warnings_on_stderr(tmp_path: Path) -> None:
    bag = make_bag(write_files(tmp_path / "s", {"a.txt": b"1", ".hidden": b"2"}), tmp_path / "bag")
    result = dangan("bag", "validate", bag)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("有效 valid")
    assert "警告 warning [HIDDEN_FILE] data/.hidden" in result.stderr
    quiet = dangan("bag", "validate", "--quiet", bag)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_an_invalid_bag_exits_1_with_the_reasons(tmp_path: Path) -> None:
    bag = make_bag(write_files(tmp_path / "s", {"a.txt": b"1", "b.txt": b"2"}), tmp_path / "bag")
    (bag / "data/a.txt").write_bytes(b"9")
    (bag / "data/b.txt").unlink()
    result = dangan("bag", "validate", bag)
    assert result.returncode == 1
    assert result.stdout.startswith("无效 invalid")
    assert "错误 error [DIGEST_MISMATCH] data/a.txt" in result.stderr
    assert "错误 error [FILE_MISSING] data/b.txt" in result.stderr
    fast = dangan("bag", "validate", "--fast", bag)
    assert fast.returncode == 1 and "[DIGEST_MISMATCH]" not in fast.stderr and "[FILE_MISSING]" in fast.stderr


def test_json_report(tmp_path: Path) -> None:
    bag = make_bag(write_files(tmp_path / "s", {"a.txt": b"1"}), tmp_path / "bag")
    result = dangan("bag", "validate", "--json", bag)
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["valid"] is True and report["version"] == "1.0"
    assert (report["payload_files"], report["payload_bytes"]) == (1, 1)
    assert report["declared_oxum"] == {"bytes": 1, "files": 1}
    (bag / "data/a.txt").write_bytes(b"22")
    result = dangan("bag", "validate", "--json", bag)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert {e["code"] for e in report["errors"]} == {"DIGEST_MISMATCH", "OXUM_MISMATCH"}
    assert all(e["message_zh"] and e["message_en"] and e["severity"] == "error" for e in report["errors"])


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = dangan("bag", "validate", tmp_path / "nothing")
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    (tmp_path / "f.zip").write_bytes(b"PK")
    assert dangan("bag", "validate", tmp_path / "f.zip").returncode == 2
    assert dangan("bag", "validate").returncode == 2
    assert dangan("bag").returncode == 2
    assert dangan("bag", "make", tmp_path / "nothing").returncode == 2
    assert dangan("bag", "make", tmp_path, "--algorithm", "crc32").returncode == 2


def test_make_then_validate(tmp_path: Path) -> None:
    source = write_files(tmp_path / "source")
    result = dangan(
        "bag", "make", source, tmp_path / "bag", "--algorithm", "sha256", "--info", "Source-Organization=档案馆"
    )
    assert result.returncode == 0, result.stderr
    assert "已打包 bagged" in result.stdout
    assert (tmp_path / "bag/manifest-sha256.txt").is_file()
    assert "Source-Organization: 档案馆" in (tmp_path / "bag/bag-info.txt").read_text(encoding="utf-8")
    assert dangan("bag", "validate", tmp_path / "bag").returncode == 0
    again = dangan("bag", "make", tmp_path / "bag")
    assert again.returncode == 1 and "already a bag" in again.stderr


def test_make_refuses_a_zip_slip_archive(tmp_path: Path) -> None:
    archive = tmp_path / "slip.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../evil.txt", b"x")
    result = dangan("bag", "make", archive, tmp_path / "bag")
    assert result.returncode == 1
    assert "无法打包 cannot bag" in result.stderr and "outside" in result.stderr
    assert not (tmp_path / "bag").exists() and not (tmp_path.parent / "evil.txt").exists()
