"""validate_bag(): is a folder a complete, intact BagIt bag (RFC 8493, and the 0.93–0.97 drafts)?

The order of work: bagit.txt, the manifests, bag-info.txt and fetch.txt are read; the payload folder is walked once
(without following links); manifest entries are matched to the files found; then, unless ``fast``, every listed file
is read once, in parallel threads, for all the algorithms that list it. Every problem is collected; nothing stops at
the first.
"""

from __future__ import annotations

import errno
import os
import stat
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

from .hashing import HashJob, Progress, hash_files
from .problems import BagReport, Severity
from .tagfiles import (
    ALGORITHMS,
    MANIFEST_NAME,
    WEAK_ALGORITHMS,
    Manifest,
    check_bag_info,
    decode_tag_file,
    parse_bag_info,
    parse_fetch,
    parse_manifest,
    read_bagit_txt,
    version_tuple,
)

# Names that operating systems and file managers leave behind (compared case-insensitively).
SYSTEM_NAMES = frozenset(
    n.casefold()
    for n in (
        ".DS_Store",
        "Thumbs.db",
        "ehthumbs.db",
        "desktop.ini",
        ".localized",
        "__MACOSX",
        ".Spotlight-V100",
        ".Trashes",
        ".fseventsd",
        ".TemporaryItems",
        "$RECYCLE.BIN",
        "System Volume Information",
    )
)


def is_system_name(name: str) -> bool:
    return name.casefold() in SYSTEM_NAMES or name.startswith("._")


def validate_bag(
    path: str | os.PathLike[str],
    *,
    fast: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
) -> BagReport:
    """Validate the bag at ``path`` and return a report of every problem found.

    ``fast`` checks everything except the digests (structure, tag files, completeness, Payload-Oxum) without reading
    the payload. ``progress(files_done, files_total, bytes_done, bytes_total)`` is called from this thread as files
    are hashed. ``workers`` threads hash files (default: two per CPU).

    Raises FileNotFoundError or NotADirectoryError when ``path`` is not a folder: that is a usage error, not a
    property of a bag.
    """
    started = time.perf_counter()
    base = Path(path)
    if not base.exists():
        raise FileNotFoundError(errno.ENOENT, "没有这个文件夹 / no such folder", str(base))
    if not base.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "不是文件夹 / not a folder", str(base))
    report = BagReport(path=base, fast=fast)
    _Validation(base, report).run(progress=progress, workers=workers)
    report.seconds = time.perf_counter() - started
    return report


class _Validation:
    def __init__(self, base: Path, report: BagReport) -> None:
        self.base = base
        self.report = report
        self.codec = "utf-8"
        self.top = {entry.name: entry for entry in os.scandir(base)}
        self.payload: list[Manifest] = []
        self.tags: list[Manifest] = []
        self.disk: dict[str, int] = {}  # payload path → size
        self.data_present = False

    @property
    def strict(self) -> bool:
        return version_tuple(self.report.version) >= (1, 0)

    def run(self, *, progress: Progress | None, workers: int | None) -> None:
        self.read_bagit_txt()
        self.read_manifests()
        self.read_bag_info()
        self.read_fetch()
        self.walk_payload()
        self.check_collisions()
        resolved = self.match_payload()
        tag_expected = self.match_tags()
        self.check_oxum()
        if not self.report.fast:
            self.check_digests(resolved, tag_expected, progress, workers)

    # ------------------------------------------------------------------------------------------------ tag files

    def read_tag_bytes(self, name: str) -> bytes | None:
        """A top-level tag file's bytes; None when absent or not a regular file (links are never followed)."""
        entry = self.top.get(name)
        if entry is None:
            return None
        if not entry.is_file(follow_symlinks=False):
            self.special(name, entry)
            return None
        try:
            with open(entry.path, "rb") as f:
                return f.read()
        except OSError as exc:
            self.report.add("FILE_UNREADABLE", name, error=exc.strerror or str(exc))
            return None

    def special(self, path: str, entry: os.DirEntry[str] | None = None, mode: int | None = None) -> None:
        if entry is not None:
            mode = entry.stat(follow_symlinks=False).st_mode
        if mode is not None and stat.S_ISLNK(mode):
            self.report.add("SPECIAL_FILE", path, zh="符号链接", en="symbolic link")
        else:
            self.report.add("SPECIAL_FILE", path, zh="特殊文件（设备、管道或套接字）", en="special file")

    def read_tag_text(self, name: str) -> str | None:
        data = self.read_tag_bytes(name)
        return None if data is None else decode_tag_file(data, self.codec, name, self.report)

    def read_bagit_txt(self) -> None:
        data = self.read_tag_bytes("bagit.txt")
        if data is None:
            if "bagit.txt" not in self.top:
                self.report.add("BAGIT_TXT_MISSING", "bagit.txt")
            return
        self.report.version, self.codec = read_bagit_txt(data, self.report)

    def read_manifests(self) -> None:
        report = self.report
        for name in sorted(self.top):
            match = MANIFEST_NAME.match(name)
            if not match:
                continue
            algorithm = match.group(2).lower()
            if algorithm not in ALGORITHMS:
                report.add("MANIFEST_ALGORITHM_UNSUPPORTED", name, algorithm=algorithm)
                continue
            text = self.read_tag_text(name)
            if text is None:
                continue
            is_tag = bool(match.group(1))
            manifest = parse_manifest(name, algorithm, text, report, is_tag=is_tag)
            (self.tags if is_tag else self.payload).append(manifest)
        report.payload_algorithms = [m.algorithm for m in self.payload]
        report.tag_algorithms = [m.algorithm for m in self.tags]
        if not self.payload:
            report.add("MANIFEST_MISSING")
        elif self.strict and report.version and set(report.payload_algorithms) <= WEAK_ALGORITHMS:
            report.add("MANIFEST_WEAK_ALGORITHM", algorithm="、".join(report.payload_algorithms))

    def read_bag_info(self) -> None:
        text = self.read_tag_text("bag-info.txt")
        if text is None:
            return
        self.report.info = parse_bag_info(text, self.report)
        check_bag_info(self.report.info, self.report)

    def read_fetch(self) -> None:
        text = self.read_tag_text("fetch.txt")
        if text is not None:
            self.report.fetch = parse_fetch(text, self.report)

    # -------------------------------------------------------------------------------------------------- payload

    def walk_payload(self) -> None:
        report = self.report
        entry = self.top.get("data")
        if entry is None:
            report.add("PAYLOAD_DIR_MISSING", "data/")
            return
        if not entry.is_dir(follow_symlinks=False):
            self.special("data", entry)
            report.add("PAYLOAD_DIR_MISSING", "data/")
            return
        self.data_present = True
        stack = [(entry.path, "data/")]
        while stack:
            folder, prefix = stack.pop()
            empty = True
            try:
                entries = list(os.scandir(folder))
            except OSError as exc:
                report.add("FILE_UNREADABLE", prefix, error=exc.strerror or str(exc))
                continue
            for item in entries:
                empty = False
                rel = prefix + item.name
                try:
                    rel.encode("utf-8")
                except UnicodeEncodeError:
                    report.add("PATH_NOT_UTF8", os.fsencode(rel).decode("utf-8", "replace"))
                if item.is_dir(follow_symlinks=False):
                    stack.append((item.path, rel + "/"))
                    if is_system_name(item.name):
                        report.add("SYSTEM_FILE", rel + "/", name=item.name)
                    elif item.name.startswith("."):
                        report.add("HIDDEN_FILE", rel + "/")
                elif item.is_file(follow_symlinks=False):
                    self.disk[rel] = item.stat(follow_symlinks=False).st_size
                    if is_system_name(item.name):
                        report.add("SYSTEM_FILE", rel, name=item.name)
                    elif item.name.startswith("."):
                        report.add("HIDDEN_FILE", rel)
                else:
                    self.special(rel, item)
            if empty and prefix != "data/":
                report.add("EMPTY_DIRECTORY", prefix)
        report.payload_files = len(self.disk)
        report.payload_bytes = sum(self.disk.values())
        if not self.disk:
            report.add("EMPTY_PAYLOAD", "data/")

    def check_collisions(self) -> None:
        """Names on disk that one file system keeps apart and another merges."""
        for key, code in ((str.casefold, "CASE_COLLISION"), (_nfc, "NORMALIZATION_COLLISION")):
            groups: dict[str, list[str]] = defaultdict(list)
            for p in sorted(self.disk):
                groups[key(p)].append(p)
            for members in groups.values():
                for other in members[1:]:
                    self.report.add(code, other, other=members[0])

    def match_payload(self) -> dict[str, dict[str, str]]:
        """Match each manifest's entries to files on disk; returns path on disk → algorithm → expected digest."""
        report = self.report
        by_nfc: dict[str, list[str]] = defaultdict(list)
        by_case: dict[str, list[str]] = defaultdict(list)
        for p in self.disk:
            by_nfc[_nfc(p)].append(p)
            by_case[p.casefold()].append(p)
        fetch = {f.path: f for f in report.fetch}
        missing: dict[str, list[str]] = defaultdict(list)
        unlisted: dict[str, list[str]] = defaultdict(list)
        expected: dict[str, dict[str, str]] = defaultdict(dict)
        listed_anywhere: set[str] = set()
        noted: set[str] = set()
        for manifest in self.payload:
            seen: dict[str, str] = {}  # path on disk → digest, for this manifest
            case_groups: dict[str, list[str]] = defaultdict(list)
            for listed, digest in manifest.entries.items():
                listed_anywhere.add(listed)
                case_groups[listed.casefold()].append(listed)
                target = listed
                if listed not in self.disk:
                    literal = manifest.literal.get(listed)
                    candidates = by_nfc.get(_nfc(listed), [])
                    if literal in self.disk:
                        target, code = literal, "PATH_PERCENT_LITERAL"
                    elif len(candidates) == 1:
                        target, code = candidates[0], "PATH_NORMALIZATION"
                    else:
                        missing[listed].append(manifest.name)
                        continue
                    listed_anywhere.add(target)
                    if listed not in noted:
                        noted.add(listed)
                        report.add(code, listed, found=target)
                if target in seen:  # two spellings of one name
                    if seen[target] == digest:
                        severity = Severity.ERROR if self.strict else None
                        report.add("DUPLICATE_ENTRY", listed, severity, manifest=manifest.name)
                    else:
                        report.add("CONFLICTING_ENTRY", listed, manifest=manifest.name)
                    continue
                seen[target] = digest
                expected[target][manifest.algorithm] = digest
            for members in case_groups.values():
                for other in members[1:]:
                    if other not in noted:
                        noted.add(other)
                        report.add("CASE_COLLISION", other, other=members[0])
            for p in self.disk:
                if p not in seen:
                    unlisted[p].append(manifest.name)

        for listed in sorted(missing):
            names = "、".join(missing[listed])
            if listed in fetch:
                report.add("FETCH_INCOMPLETE", listed, url=fetch[listed].url)
                continue
            hint_zh = hint_en = ""
            same_case = [p for p in by_case.get(listed.casefold(), []) if p != listed]
            if same_case:
                hint_zh = f"（磁盘上有仅大小写不同的 {same_case[0]}）"
                hint_en = f" ({same_case[0]} on disk differs only by letter case)"
            elif is_system_name(listed.rsplit("/", 1)[-1]):
                hint_zh = "（操作系统生成的文件，复制时常被丢弃）"
                hint_en = " (an operating-system file, often dropped when copying)"
            report.add("FILE_MISSING", listed, manifests=names, hint_zh=hint_zh, hint_en=hint_en)
        if self.payload:
            for p in sorted(unlisted):
                report.add("FILE_NOT_IN_MANIFEST", p, manifests="、".join(unlisted[p]))
        for entry in report.fetch:
            if entry.path not in listed_anywhere and self.payload:
                report.add("FETCH_NOT_IN_MANIFEST", entry.path)
        return expected

    def match_tags(self) -> dict[str, dict[str, str]]:
        """Tag manifest entries on disk: path → algorithm → expected digest (missing ones reported)."""
        expected: dict[str, dict[str, str]] = defaultdict(dict)
        missing: dict[str, list[str]] = defaultdict(list)
        for manifest in self.tags:
            for listed, digest in manifest.entries.items():
                if listed == manifest.name:
                    self.report.add("TAG_MANIFEST_SELF", listed)
                    continue
                mode = self.lstat_inside(listed)
                if mode is None:
                    missing[listed].append(manifest.name)
                    continue
                if not stat.S_ISREG(mode):
                    if listed not in expected:
                        self.special(listed, mode=mode)
                    expected.setdefault(listed, {})
                    continue
                expected[listed][manifest.algorithm] = digest
        for listed in sorted(missing):
            self.report.add("TAG_FILE_MISSING", listed, manifests="、".join(missing[listed]))
        return {p: algs for p, algs in expected.items() if algs}

    def lstat_inside(self, rel: str) -> int | None:
        """The mode of a bag-relative path, never through a link: a linked folder on the way counts as the link."""
        current = self.base
        parts = rel.split("/")
        for i, part in enumerate(parts):
            current = current / part
            try:
                mode = os.lstat(current).st_mode
            except OSError:
                return None
            if i < len(parts) - 1 and not stat.S_ISDIR(mode):
                return None if not stat.S_ISLNK(mode) else mode
        return mode

    def check_oxum(self) -> None:
        report = self.report
        if report.declared_oxum is None or not self.data_present:
            return
        declared_bytes, declared_files = report.declared_oxum
        if (declared_bytes, declared_files) != (report.payload_bytes, report.payload_files):
            report.add(
                "OXUM_MISMATCH",
                "bag-info.txt",
                declared_files=declared_files,
                declared_bytes=declared_bytes,
                files=report.payload_files,
                bytes=report.payload_bytes,
            )

    # --------------------------------------------------------------------------------------------------- fixity

    def check_digests(
        self,
        payload: dict[str, dict[str, str]],
        tags: dict[str, dict[str, str]],
        progress: Progress | None,
        workers: int | None,
    ) -> None:
        report = self.report
        needed: dict[str, set[str]] = defaultdict(set)
        for expected in (payload, tags):
            for p, algs in expected.items():
                needed[p].update(algs)
        jobs = [HashJob(p, frozenset(algs), self.disk.get(p) or _size(self.base / p)) for p, algs in needed.items()]
        results = hash_files(self.base, jobs, workers=workers, progress=progress)
        unreadable: set[str] = set()
        for expected, code in ((payload, "DIGEST_MISMATCH"), (tags, "TAG_DIGEST_MISMATCH")):
            for p in sorted(expected):
                actual = results[p]
                if isinstance(actual, OSError):
                    if p not in unreadable:
                        unreadable.add(p)
                        report.add("FILE_UNREADABLE", p, error=actual.strerror or str(actual))
                    continue
                for algorithm, digest in expected[p].items():
                    if actual[algorithm] != digest:
                        report.add(code, p, algorithm=algorithm, expected=digest, actual=actual[algorithm])
        report.digests = {p: d for p, d in results.items() if p in payload and isinstance(d, dict)}


def _nfc(path: str) -> str:
    return unicodedata.normalize("NFC", path)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
