"""What a BagIt check can find: stable codes, each with a severity and a Chinese and an English sentence, and the
report that collects them with the totals later checks need (declared against actual)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


E, W = Severity.ERROR, Severity.WARNING

# code: (default severity, Chinese template, English template). Templates use str.format fields given by the caller.
# The codes are stable: tests, the API and operators' scripts match on them; never rename one, add a new one.
CODES: dict[str, tuple[Severity, str, str]] = {
    # bagit.txt
    "BAGIT_TXT_MISSING": (E, "缺少 bagit.txt，不是 BagIt 包", "bagit.txt is missing: not a bag"),
    "BAGIT_TXT_BOM": (E, "bagit.txt 不得以字节顺序标记（BOM）开头", "bagit.txt must not start with a byte-order mark"),
    "BAGIT_TXT_NOT_UTF8": (E, "bagit.txt 不是 UTF-8 编码", "bagit.txt is not UTF-8"),
    "BAGIT_TXT_MALFORMED": (E, "bagit.txt 格式错误：{zh}", "bagit.txt is malformed: {en}"),
    "BAGIT_TXT_WHITESPACE": (W, "bagit.txt 第 {line} 行有多余空白", "bagit.txt line {line} has stray whitespace"),
    "VERSION_MISSING": (E, "bagit.txt 缺少 BagIt-Version", "bagit.txt has no BagIt-Version"),
    "VERSION_INVALID": (E, "BagIt 版本号 “{value}” 无效（应为 M.N）", "BagIt version '{value}' is invalid (M.N)"),
    "VERSION_UNSUPPORTED": (E, "不支持 BagIt 版本 {value}", "BagIt version {value} is not supported"),
    "ENCODING_MISSING": (
        E,
        "bagit.txt 缺少 Tag-File-Character-Encoding",
        "bagit.txt has no Tag-File-Character-Encoding",
    ),
    "ENCODING_UNKNOWN": (E, "未知的标签文件编码 “{value}”", "unknown tag file encoding '{value}'"),
    # tag files in general
    "TAG_FILE_DECODE": (E, "无法按 {encoding} 解码", "cannot be decoded as {encoding}"),
    "TAG_FILE_BOM": (W, "UTF-8 标签文件含有多余的字节顺序标记（BOM）", "UTF-8 tag file has a needless byte-order mark"),
    "SPECIAL_FILE": (E, "是{zh}，包内只能有普通文件和目录", "is a {en}; a bag holds only regular files and folders"),
    # payload and manifests
    "PAYLOAD_DIR_MISSING": (E, "缺少载荷目录 data/", "the payload directory data/ is missing"),
    "MANIFEST_MISSING": (E, "没有可用的载荷清单（manifest-算法.txt）", "no usable payload manifest (manifest-ALG.txt)"),
    "MANIFEST_ALGORITHM_UNSUPPORTED": (
        W,
        "不支持的摘要算法 {algorithm}，此清单未核对",
        "unsupported digest algorithm {algorithm}; this manifest was not checked",
    ),
    "MANIFEST_WEAK_ALGORITHM": (
        W,
        "只有 {algorithm} 清单；BagIt 1.0 建议使用 SHA-256 或 SHA-512",
        "only {algorithm} manifests; BagIt 1.0 recommends SHA-256 or SHA-512",
    ),
    "MANIFEST_EMPTY": (W, "清单为空", "the manifest lists no files"),
    "MANIFEST_LINE_MALFORMED": (
        E,
        "第 {line} 行格式错误（应为“摘要 路径”）",
        "line {line} is malformed (expected 'DIGEST PATH')",
    ),
    "MANIFEST_COMMENT_LINE": (W, "第 {line} 行是注释，已忽略", "line {line} is a comment and was ignored"),
    "MANIFEST_DIGEST_MALFORMED": (
        E,
        "第 {line} 行的 {algorithm} 摘要 “{digest}” 格式错误",
        "line {line}: '{digest}' is not a {algorithm} digest",
    ),
    "MANIFEST_BINARY_MARKER": (
        W,
        "第 {line} 行路径前有 md5sum 的二进制标记 “*”，已去除",
        "line {line}: md5sum's binary marker '*' before the path was removed",
    ),
    "DUPLICATE_ENTRY": (
        W,
        "在 {manifest} 中列出了不止一次（摘要相同）",
        "is listed more than once in {manifest} (same digest)",
    ),
    "CONFLICTING_ENTRY": (
        E,
        "在 {manifest} 中列出了不止一次，摘要不同",
        "is listed more than once in {manifest} with different digests",
    ),
    # paths
    "PATH_UNSAFE": (E, "路径不安全（{zh}），已拒绝", "unsafe path ({en}), refused"),
    "PATH_OUTSIDE_PAYLOAD": (E, "载荷清单中的路径不在 data/ 之下", "payload manifest path is not under data/"),
    "PATH_MALFORMED": (E, "路径格式错误（{zh}）", "malformed path ({en})"),
    "PATH_LEADING_DOT_SLASH": (
        W,
        "路径以 “./” 开头，已按相对包目录处理",
        "path starts with './'; read as relative to the bag",
    ),
    "PATH_BACKSLASH": (
        W,
        "路径含反斜杠“\\”，在 Windows 上是分隔符，不可移植",
        "path contains a backslash, a separator on Windows: not portable",
    ),
    "PATH_NOT_UTF8": (E, "文件名不是有效的 UTF-8，无法与清单对应", "file name is not valid UTF-8 and cannot match"),
    "PATH_NORMALIZATION": (
        W,
        "清单中的名称与磁盘上的 {found} 仅 Unicode 规范化形式不同，按同一文件核对",
        "differs from {found} on disk only by Unicode normalization; checked as that file",
    ),
    "PATH_PERCENT_LITERAL": (
        W,
        "清单中的 “%” 序列按字面理解才与磁盘上的 {found} 对应（bagit-python 1.x 不编码 “%”，不合 RFC 8493）",
        "matches {found} on disk only with its '%' sequences taken literally (bagit-python 1.x leaves '%' unencoded, "
        "against RFC 8493)",
    ),
    "NORMALIZATION_COLLISION": (
        W,
        "与 {other} 仅 Unicode 规范化形式不同，在部分文件系统上会冲突",
        "differs from {other} only by Unicode normalization; they collide on some file systems",
    ),
    "CASE_COLLISION": (
        W,
        "与 {other} 仅大小写不同，在 Windows、macOS 上会冲突",
        "differs from {other} only by letter case; they collide on Windows and macOS",
    ),
    # completeness
    "FILE_MISSING": (E, "清单 {manifests} 列出的文件不存在{hint_zh}", "listed in {manifests} but missing{hint_en}"),
    "FILE_NOT_IN_MANIFEST": (E, "载荷文件未列入清单 {manifests}", "payload file not listed in {manifests}"),
    "TAG_FILE_MISSING": (E, "标签清单 {manifests} 列出的文件不存在", "listed in {manifests} but missing"),
    "TAG_MANIFEST_SELF": (W, "标签清单列出了自身，无法核对，已忽略", "a tag manifest lists itself; ignored"),
    "EMPTY_PAYLOAD": (W, "载荷为空（data/ 下没有文件）", "the payload is empty (no files under data/)"),
    "EMPTY_DIRECTORY": (W, "空目录，清单无法记录，接收后会丢失", "empty folder: manifests cannot record it"),
    "HIDDEN_FILE": (W, "隐藏文件", "hidden file"),
    "SYSTEM_FILE": (
        W,
        "操作系统生成的文件（{name}），通常不应归档",
        "operating-system file ({name}), rarely meant to be archived",
    ),
    # fixity
    "DIGEST_MISMATCH": (
        E,
        "{algorithm} 摘要不符：清单 {expected}，实际 {actual}",
        "{algorithm} digest mismatch: manifest {expected}, actual {actual}",
    ),
    "TAG_DIGEST_MISMATCH": (
        E,
        "标签文件 {algorithm} 摘要不符：清单 {expected}，实际 {actual}",
        "tag file {algorithm} digest mismatch: manifest {expected}, actual {actual}",
    ),
    "FILE_UNREADABLE": (E, "无法读取：{error}", "cannot be read: {error}"),
    # bag-info.txt
    "BAGINFO_LINE_MALFORMED": (
        E,
        "bag-info.txt 第 {line} 行格式错误（应为“标签: 值”或续行）",
        "bag-info.txt line {line} is malformed (expected 'Label: value' or a continuation)",
    ),
    "BAGINFO_WHITESPACE": (
        W,
        "bag-info.txt 第 {line} 行的标签或冒号后的空白不合规范",
        "bag-info.txt line {line}: whitespace around the label or after the colon",
    ),
    "OXUM_MALFORMED": (
        E,
        "Payload-Oxum “{value}” 格式错误（应为 字节数.文件数）",
        "Payload-Oxum '{value}' is malformed (OCTETS.FILES)",
    ),
    "OXUM_CONFLICT": (E, "bag-info.txt 有多个不同的 Payload-Oxum", "bag-info.txt has conflicting Payload-Oxum values"),
    "OXUM_MISMATCH": (
        E,
        "Payload-Oxum 声明 {declared_files} 个文件 {declared_bytes} 字节，实际 {files} 个文件 {bytes} 字节",
        "Payload-Oxum declares {declared_files} files and {declared_bytes} bytes; found {files} files, {bytes} bytes",
    ),
    "BAG_SIZE_MALFORMED": (W, "无法读懂 Bag-Size “{value}”", "Bag-Size '{value}' cannot be read"),
    # fetch.txt
    "FETCH_LINE_MALFORMED": (
        E,
        "fetch.txt 第 {line} 行格式错误（应为“网址 长度 路径”）",
        "fetch.txt line {line} is malformed (expected 'URL LENGTH PATH')",
    ),
    "FETCH_URL_MALFORMED": (E, "fetch.txt 第 {line} 行网址无效：{url}", "fetch.txt line {line}: invalid URL {url}"),
    "FETCH_NOT_IN_MANIFEST": (
        E,
        "fetch.txt 列出的文件未列入载荷清单",
        "listed in fetch.txt but in no payload manifest",
    ),
    "FETCH_INCOMPLETE": (
        E,
        "包不完整：此文件应从 {url} 获取，本系统不下载远程文件，请放入后重新校验",
        "incomplete bag: this file is to be fetched from {url}; dangan does not fetch, place it and validate again",
    ),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: a stable code, its severity, the bag-relative path involved (if any), and two sentences."""

    code: str
    severity: Severity
    message_zh: str
    message_en: str
    path: str | None = None

    def __str__(self) -> str:
        where = f" {self.path}:" if self.path else ""
        return f"[{self.code}]{where} {self.message_zh} / {self.message_en}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "path": self.path,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def make_problem(code: str, path: str | None = None, severity: Severity | None = None, **fields: Any) -> Problem:
    default, zh, en = CODES[code]
    return Problem(code, severity or default, zh.format(**fields), en.format(**fields), path)


@dataclass(frozen=True, slots=True)
class FetchEntry:
    url: str
    length: int | None
    path: str


@dataclass
class BagReport:
    """The result of validating one bag: valid when no problem is an error.

    ``payload_files``/``payload_bytes`` count the regular files actually under ``data/``; ``declared_oxum`` is
    bag-info's Payload-Oxum as (bytes, files); ``digests`` maps each payload path that was hashed to the digests
    computed from its content (empty with ``fast``), so a caller need not read the files again.
    """

    path: Path
    version: str | None = None
    encoding: str | None = None
    fast: bool = False
    problems: list[Problem] = field(default_factory=list)
    payload_algorithms: list[str] = field(default_factory=list)
    tag_algorithms: list[str] = field(default_factory=list)
    payload_files: int = 0
    payload_bytes: int = 0
    declared_oxum: tuple[int, int] | None = None
    declared_bag_size: str | None = None
    info: list[tuple[str, str]] = field(default_factory=list)
    fetch: list[FetchEntry] = field(default_factory=list)
    digests: dict[str, dict[str, str]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def valid(self) -> bool:
        return not any(p.severity is Severity.ERROR for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def error_codes(self) -> set[str]:
        return {p.code for p in self.errors}

    @property
    def warning_codes(self) -> set[str]:
        return {p.code for p in self.warnings}

    def add(self, code: str, path: str | None = None, severity: Severity | None = None, **fields: Any) -> None:
        self.problems.append(make_problem(code, path, severity, **fields))

    def info_values(self, label: str) -> list[str]:
        """Every value of a bag-info label, in order; labels compare case-insensitively (RFC 8493 §2.2.2)."""
        folded = label.casefold()
        return [value for name, value in self.info if name.casefold() == folded]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "valid": self.valid,
            "version": self.version,
            "encoding": self.encoding,
            "fast": self.fast,
            "payload_algorithms": self.payload_algorithms,
            "tag_algorithms": self.tag_algorithms,
            "payload_files": self.payload_files,
            "payload_bytes": self.payload_bytes,
            "declared_oxum": (
                {"bytes": self.declared_oxum[0], "files": self.declared_oxum[1]} if self.declared_oxum else None
            ),
            "declared_bag_size": self.declared_bag_size,
            "info": [[name, value] for name, value in self.info],
            "fetch": [{"url": f.url, "length": f.length, "path": f.path} for f in self.fetch],
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "seconds": round(self.seconds, 3),
        }

    def __str__(self) -> str:
        head = f"{self.path}: {'有效 valid' if self.valid else '无效 INVALID'}"
        return "\n".join([head, *(f"  {p.severity}: {p}" for p in self.problems)])


class BagError(Exception):
    """A bag cannot be made or unpacked; the message is fit to show an operator (Chinese / English)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.message_zh = zh
        self.message_en = en
