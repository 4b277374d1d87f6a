"""Virus scanning with ClamAV (DA/T 70 4-1 杀毒软件, 4-2 病毒感染): one ``clamscan`` (or ``clamdscan``) process for
all the files of a package, started beside the other checks. Without a signature database the scan is not
performed, and accepting the package then takes an explicit override recorded in the audit log."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

SIGNATURE_SUFFIXES = frozenset(
    {".cvd", ".cld", ".cud", ".hdb", ".hsb", ".hdu", ".hsu", ".mdb", ".msb", ".ndb", ".ndu", ".ldb", ".ldu"}
    | {".cdb", ".idb", ".pdb", ".gdb", ".wdb", ".ftm", ".yar", ".yara", ".cbc", ".sfp", ".fp"}
)
MIN_FILES_PER_PROCESS = 200  # below this one process is enough
_FOUND = re.compile(r"^(?P<path>.*): (?P<signature>\S.*) FOUND$")
_ERROR = re.compile(r"^(?P<path>.*): (?P<error>.*) ERROR$")


@dataclass
class ScanResult:
    performed: bool
    reason: str = ""  # why not performed
    scanner: str = ""
    version: str = ""
    database: str = ""  # the server's folder: for the log and the operator, never shown in a report
    signature_files: list[str] = field(default_factory=list)
    scanned: int = 0
    infected: dict[str, str] = field(default_factory=dict)  # absolute path → signature name
    errors: dict[str, str] = field(default_factory=dict)  # absolute path → error
    skipped: list[str] = field(default_factory=list)  # names the file list cannot carry
    seconds: float = 0.0


def database_dir() -> Path:
    return Path(getattr(settings, "CLAMAV_DB", "/var/lib/clamav"))


def scanner_path() -> str | None:
    """The configured scanner (DANGAN_CLAMAV_SCANNER), else clamscan on the PATH."""
    configured = getattr(settings, "CLAMAV_SCANNER", "") or "clamscan"
    return shutil.which(configured)


def signature_files(directory: Path) -> list[str]:
    try:
        return sorted(p.name for p in directory.iterdir() if p.suffix.lower() in SIGNATURE_SUFFIXES and p.is_file())
    except OSError:
        return []


def _version(scanner: str) -> str:
    try:
        out = subprocess.run([scanner, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


class Scan:
    """A scan running in a child process; ``result()`` waits for it."""

    def __init__(self, files: list[Path], processes: int | None = None) -> None:
        self.started = time.perf_counter()
        self.processes: list[subprocess.Popen[str]] = []
        self.list_files: list[str] = []
        scanner = scanner_path()
        database = database_dir()
        self.outcome = ScanResult(False, scanner=scanner or "", database=str(database))
        if scanner is None:
            self.outcome.reason = "未安装 ClamAV（找不到 clamscan）"
            return
        daemon = Path(scanner).name.startswith("clamdscan")
        signatures = [] if daemon else signature_files(database)
        if not daemon and not signatures:
            logger.warning("no ClamAV signature files in %s (DANGAN_CLAMAV_DB)", database)
            self.outcome.reason = "病毒库目录中没有特征库文件（见 DANGAN_CLAMAV_DB）"
            return
        self.outcome.signature_files = signatures
        self.outcome.version = _version(scanner)
        listed = [str(p) for p in files if "\n" not in str(p) and "\r" not in str(p)]
        self.outcome.skipped = [str(p) for p in files if "\n" in str(p) or "\r" in str(p)]
        self.outcome.scanned = len(listed)
        if not listed:
            self.outcome.performed = True
            return
        # One process per CPU, each with its share of the files (largest first, dealt round-robin): clamscan scans
        # one file at a time, and its parsers (PDF, images, archives) are the slow part, not the signatures.
        count = max(1, min(processes or os.cpu_count() or 1, len(listed) // MIN_FILES_PER_PROCESS or 1))
        shares: list[list[str]] = [[] for _ in range(count)]
        for index, path in enumerate(sorted(listed, key=_size, reverse=True)):
            shares[index % count].append(path)
        for share in shares:
            handle, list_file = tempfile.mkstemp(prefix="dangan-clamav-", suffix=".txt")
            with os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape") as out:
                out.write("\n".join(share) + "\n")
            self.list_files.append(list_file)
            command = [scanner, "--no-summary", "--infected", "--stdout", f"--file-list={list_file}"]
            if daemon:
                command.append("--fdpass")
            else:
                limit = getattr(settings, "CLAMAV_MAX_FILE_MB", 2000)
                command += [f"--database={database}", f"--max-filesize={limit}M", f"--max-scansize={limit}M"]
                if not getattr(settings, "CLAMAV_IMAGE_FUZZY_HASH", False):
                    command.append("--scan-image-fuzzy-hash=no")
            self.processes.append(
                subprocess.Popen(
                    command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="surrogateescape"
                )
            )

    def result(self) -> ScanResult:
        outcome = self.outcome
        if self.processes:
            performed = True
            timeout = getattr(settings, "CLAMAV_TIMEOUT", 3600)
            for process in self.processes:
                try:
                    out, err = process.communicate(timeout=timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.communicate()
                    outcome.reason = "病毒扫描超时"
                    performed = False
                    continue
                performed = self._parse(process.returncode, out, err) and performed
            outcome.performed = performed
            for list_file in self.list_files:
                Path(list_file).unlink(missing_ok=True)
            self.processes = []
        outcome.seconds = time.perf_counter() - self.started
        return outcome

    def _parse(self, code: int, out: str, err: str) -> bool:
        """Record what one process found; whether its scan counts as performed."""
        outcome = self.outcome
        errors_before = len(outcome.errors)
        for line in out.splitlines():
            if match := _FOUND.match(line):
                outcome.infected[match["path"]] = match["signature"]
            elif match := _ERROR.match(line):
                outcome.errors[match["path"]] = match["error"]
        if code in (0, 1) or (code == 2 and len(outcome.errors) > errors_before):
            return True  # per-file errors are reported as files that could not be scanned
        logger.warning("clamscan exited with %s: %s", code, (err.strip() or out.strip())[-2000:])
        outcome.reason = f"病毒扫描出错（退出码 {code}），详见服务器日志"
        return False


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def scan_files(files: list[Path]) -> ScanResult:
    return Scan(files).result()
