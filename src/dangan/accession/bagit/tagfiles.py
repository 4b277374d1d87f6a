"""Reading a bag's tag files (bagit.txt, manifests, bag-info.txt, fetch.txt) and the rules for the paths they name.

Each reader records what it finds wrong in the report and returns what could be read, so that one run reports every
problem rather than the first.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .problems import BagReport, FetchEntry, Severity

LINE_BREAK = re.compile(r"\r\n|\r|\n")  # RFC 8493: LF, CR or CRLF; not str.splitlines(), which splits on more
SUPPORTED_VERSIONS = frozenset({"0.93", "0.94", "0.95", "0.96", "0.97", "1.0"})
BAGIT_LABELS = ("BagIt-Version", "Tag-File-Character-Encoding")


def _hashlib_algorithms() -> dict[str, str]:
    """Manifest algorithm names (as in manifest-NAME.txt) → hashlib names, for those this Python can compute."""
    names = {n: n for n in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sm3")}
    names.update({f"sha3-{n}": f"sha3_{n}" for n in (224, 256, 384, 512)})
    available = hashlib.algorithms_available
    return {bag: lib for bag, lib in names.items() if lib in available}


ALGORITHMS = _hashlib_algorithms()
DIGEST_LENGTHS = {bag: hashlib.new(lib).digest_size * 2 for bag, lib in ALGORITHMS.items()}
WEAK_ALGORITHMS = frozenset({"md5", "sha1"})

MANIFEST_NAME = re.compile(r"^(tag)?manifest-([A-Za-z0-9_-]+)\.txt$")
HEX = re.compile(r"^[0-9A-Fa-f]+$")
PERCENT_ESCAPE = re.compile(r"%(0[AaDd]|25)")
PERCENT_VALUES = {"0a": "\n", "0d": "\r", "25": "%"}
OXUM = re.compile(r"^(\d+)\.(\d+)$")
BAG_SIZE = re.compile(r"^([\d.,]+)\s*([KMGTPE]?i?B|bytes?|octets?)$", re.IGNORECASE)
SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50, "e": 1 << 60}


def version_tuple(version: str | None) -> tuple[int, int]:
    """The version's (major, minor); an unknown or unreadable version is held to the current rules (1.0)."""
    if version and version in SUPPORTED_VERSIONS:
        major, minor = version.split(".")
        return int(major), int(minor)
    return 1, 0


def lines_of(text: str) -> list[str]:
    lines = LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the final line break ends the last line; it does not start a new one
    return lines


# ---------------------------------------------------------------------------------------------------- bagit.txt


def read_bagit_txt(data: bytes, report: BagReport) -> tuple[str | None, str]:
    """Parse bagit.txt; returns (version, Python codec name for the other tag files)."""
    path = "bagit.txt"
    if data.startswith(codecs.BOM_UTF8):
        report.add("BAGIT_TXT_BOM", path)
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        report.add("BAGIT_TXT_NOT_UTF8", path)
        return None, "utf-8"
    values: dict[str, str] = {}
    order: list[str] = []
    for number, line in enumerate(lines_of(text), 1):
        label, colon, rest = line.partition(":")
        if not colon:
            if line.strip():
                report.add("BAGIT_TXT_MALFORMED", path, zh=f"第 {number} 行没有冒号", en=f"line {number} has no colon")
            continue
        if label != label.strip():
            report.add(
                "BAGIT_TXT_MALFORMED",
                path,
                zh=f"第 {number} 行标签 “{label}” 前后有空白",
                en=f"line {number}: whitespace around the label '{label}'",
            )
            label = label.strip()
        if label not in BAGIT_LABELS:
            report.add(
                "BAGIT_TXT_MALFORMED",
                path,
                zh=f"第 {number} 行有未知标签 “{label}”",
                en=f"line {number} has an unknown label '{label}'",
            )
            continue
        if label in values:
            report.add("BAGIT_TXT_MALFORMED", path, zh=f"标签 {label} 重复", en=f"the label {label} is repeated")
            continue
        value = rest.strip(" \t")
        if rest != " " + value:
            report.add("BAGIT_TXT_WHITESPACE", path, line=number)
        values[label] = value
        order.append(label)

    version = values.get("BagIt-Version")
    if version is None:
        report.add("VERSION_MISSING", path)
    elif not re.fullmatch(r"\d+\.\d+", version):
        report.add("VERSION_INVALID", path, value=version)
        version = None
    elif version not in SUPPORTED_VERSIONS:
        report.add("VERSION_UNSUPPORTED", path, value=version)
        version = None
    strict = version_tuple(version) >= (1, 0)
    if strict and order == list(reversed(BAGIT_LABELS)):
        report.add(
            "BAGIT_TXT_MALFORMED",
            path,
            zh="BagIt-Version 必须在第一行",
            en="BagIt-Version must be the first line",
        )

    encoding = values.get("Tag-File-Character-Encoding")
    if encoding is None:
        report.add("ENCODING_MISSING", path)
        return version, "utf-8"
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        report.add("ENCODING_UNKNOWN", path, value=encoding)
        return version, "utf-8"
    report.encoding = encoding
    return version, codec


def decode_tag_file(data: bytes, codec: str, path: str, report: BagReport) -> str | None:
    """A tag file's text in the bag's declared encoding; None (and an error) when it does not decode."""
    if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
        report.add("TAG_FILE_BOM", path)
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        report.add("TAG_FILE_DECODE", path, encoding=report.encoding or codec)
        return None
    return text.removeprefix("\ufeff")  # the UTF-16 codecs consume their BOM; others may leave one


# ----------------------------------------------------------------------------------------------------------- paths


def decode_path(raw: str) -> str:
    """Undo RFC 8493's percent-encoding of CR, LF and '%' in one pass (so '%250A' is the text '%0A')."""
    return PERCENT_ESCAPE.sub(lambda m: PERCENT_VALUES[m.group(1).lower()], raw)


def encode_path(path: str) -> str:
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def check_path(path: str, source: str, report: BagReport, *, line: int | None = None) -> str | None:
    """A manifest or fetch.txt path made relative to the bag, or None when it must not be used at all.

    Refused: absolute paths (``/x``, ``C:\\x``, ``\\\\server\\x``), ``..`` in either separator, a home shortcut
    (``~``, ``~user``), an environment variable (``%HomeDrive%``, ``$HOME``), empty or ``.`` segments, NUL. A
    leading ``./`` is read as relative (a warning).
    """
    where = f"{source}:{line}" if line else source
    segments_any = re.split(r"[\\/]", path)
    reason: tuple[str, str] | None = None
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        reason = ("绝对路径", "absolute path")
    elif path.startswith("~"):
        reason = ("以 ~ 开头，指向用户主目录", "starts with ~, a home directory")
    elif re.match(r"^(%[A-Za-z_][A-Za-z0-9_]*%|\$[A-Za-z_{])", path):
        reason = ("以环境变量开头", "starts with an environment variable")
    elif ".." in segments_any:
        reason = ("含 “..”，指向包外", "'..' leads outside the bag")
    elif "\x00" in path:
        reason = ("含 NUL 字符", "contains NUL")
    if reason:
        report.add("PATH_UNSAFE", f"{path} ({where})", zh=reason[0], en=reason[1])
        return None
    if path.startswith("./"):
        report.add("PATH_LEADING_DOT_SLASH", path)
        while path.startswith("./"):
            path = path[2:]
    segments = path.split("/")
    if "" in segments or "." in segments:
        report.add("PATH_MALFORMED", f"{path} ({where})", zh="含空段或 “.” 段", en="empty or '.' segment")
        return None
    if "\\" in path:
        report.add("PATH_BACKSLASH", path)
    return path


# ------------------------------------------------------------------------------------------------------- manifests


@dataclass
class Manifest:
    """One manifest file: its algorithm and its entries, path → digest (lower case), after the path rules."""

    name: str
    algorithm: str
    entries: dict[str, str]
    is_tag: bool
    # decoded path → the path as written, where percent-decoding changed it: bagit-python 1.x writes '%' unencoded
    literal: dict[str, str] = field(default_factory=dict)


def parse_manifest(name: str, algorithm: str, text: str, report: BagReport, *, is_tag: bool) -> Manifest:
    strict = version_tuple(report.version) >= (1, 0)
    entries: dict[str, str] = {}
    literal: dict[str, str] = {}
    length = DIGEST_LENGTHS[algorithm]
    nonblank = 0
    for number, line in enumerate(lines_of(text), 1):
        line = line.strip()
        if not line:
            continue
        nonblank += 1
        if line.startswith("#"):
            report.add("MANIFEST_COMMENT_LINE", name, line=number)
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            report.add("MANIFEST_LINE_MALFORMED", name, line=number)
            continue
        digest, raw = parts
        if raw.startswith("*"):
            report.add("MANIFEST_BINARY_MARKER", name, line=number)
            raw = raw[1:]
        if len(digest) != length or not HEX.match(digest):
            report.add("MANIFEST_DIGEST_MALFORMED", name, line=number, algorithm=algorithm, digest=digest[:140])
            continue
        decoded = decode_path(raw)
        path = check_path(decoded, name, report, line=number)
        if path is None:
            continue
        if decoded != raw:
            literal[path] = raw[len(decoded) - len(path) :] if decoded.endswith(path) else raw
        if not is_tag and not path.startswith("data/"):
            report.add("PATH_OUTSIDE_PAYLOAD", f"{path} ({name}:{number})")
            continue
        digest = digest.lower()
        if path in entries:
            if entries[path] == digest:
                # RFC 8493 (1.0) lists each file once; earlier versions said nothing, so only a warning there.
                report.add("DUPLICATE_ENTRY", path, Severity.ERROR if strict else None, manifest=name)
            else:
                report.add("CONFLICTING_ENTRY", path, manifest=name)
            continue
        entries[path] = digest
    if nonblank == 0:
        report.add("MANIFEST_EMPTY", name)
    return Manifest(name, algorithm, entries, is_tag, literal)


# ---------------------------------------------------------------------------------------------------- bag-info.txt


def parse_bag_info(text: str, report: BagReport) -> list[tuple[str, str]]:
    """Labels and values in order, repeated labels kept; continuation lines (leading space or tab) join with a
    space. Whitespace around a label is tolerated (0.97 bags have it), noted as a warning in a 1.0 bag."""
    strict = version_tuple(report.version) >= (1, 0)
    path = "bag-info.txt"
    tags: list[tuple[str, str]] = []
    for number, line in enumerate(lines_of(text), 1):
        if not line.strip():
            continue
        if line[0] in " \t":
            if not tags:
                report.add("BAGINFO_LINE_MALFORMED", path, line=number)
                continue
            label, value = tags[-1]
            tags[-1] = (label, f"{value} {line.strip()}".strip())
            continue
        label, colon, rest = line.partition(":")
        if not colon or not label.strip():
            report.add("BAGINFO_LINE_MALFORMED", path, line=number)
            continue
        value = rest.strip()
        if strict and (label != label.strip() or (value and not re.match(r"^[ \t]\S", rest))):
            report.add("BAGINFO_WHITESPACE", path, line=number)
        tags.append((label.strip(), value))
    return tags


def check_bag_info(tags: list[tuple[str, str]], report: BagReport) -> None:
    """Payload-Oxum (read here, compared with the payload later) and Bag-Size (approximate: recorded, not checked)."""
    oxums: set[tuple[int, int]] = set()
    for label, value in tags:
        folded = label.casefold()
        if folded == "payload-oxum":
            match = OXUM.match(value)
            if not match:
                report.add("OXUM_MALFORMED", "bag-info.txt", value=value)
                continue
            oxums.add((int(match.group(1)), int(match.group(2))))
        elif folded == "bag-size":
            report.declared_bag_size = value
            if parse_bag_size(value) is None:
                report.add("BAG_SIZE_MALFORMED", "bag-info.txt", value=value)
    if len(oxums) > 1:
        report.add("OXUM_CONFLICT", "bag-info.txt")
    elif oxums:
        report.declared_oxum = oxums.pop()


def parse_bag_size(value: str) -> int | None:
    """Approximate bytes of a Bag-Size such as '260 GB', '1.5 MiB', '42 bytes'; None when unreadable."""
    match = BAG_SIZE.match(value.strip())
    if not match:
        return None
    try:
        number = float(match.group(1).replace(",", ""))
    except ValueError:
        return None
    unit = match.group(2).lower()
    prefix = "" if unit.startswith(("b", "o")) else unit[0]
    return int(number * SIZE_UNITS[prefix])


# ------------------------------------------------------------------------------------------------------- fetch.txt


def parse_fetch(text: str, report: BagReport) -> list[FetchEntry]:
    entries: list[FetchEntry] = []
    for number, line in enumerate(lines_of(text), 1):
        if not line.strip():
            continue
        parts = line.strip().split(None, 2)
        if len(parts) != 3 or not (parts[1] == "-" or parts[1].isdigit()):
            report.add("FETCH_LINE_MALFORMED", "fetch.txt", line=number)
            continue
        url, length, raw = parts
        split = urlsplit(url)
        if not split.scheme or not (split.netloc or split.scheme == "file"):
            report.add("FETCH_URL_MALFORMED", "fetch.txt", line=number, url=url)
            continue
        path = check_path(decode_path(raw), "fetch.txt", report, line=number)
        if path is None:
            continue
        if not path.startswith("data/"):
            report.add("PATH_OUTSIDE_PAYLOAD", f"{path} (fetch.txt:{number})")
            continue
        entries.append(FetchEntry(url, None if length == "-" else int(length), path))
    return entries


def nfc(path: str) -> str:
    return unicodedata.normalize("NFC", path)
