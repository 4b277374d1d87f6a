"""Container formats, told apart by what they hold: ZIP (OFD, OOXML, ODF, plain ZIP) and OLE2 (DOC, XLS, PPT)."""

from __future__ import annotations

import re
import struct
import zipfile

from .registry import LOCAL_PREFIX
from .sample import Hit, Sample

__all__ = ["CONTAINER_CHECKS"]

# --- ZIP ------------------------------------------------------------------------------------------

# The main part's content type in [Content_Types].xml → PUID.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "fmt/412",
    "application/vnd.ms-word.document.macroEnabled.main+xml": "fmt/523",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "fmt/597",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "fmt/214",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "fmt/445",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "fmt/598",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "fmt/215",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml": "fmt/487",
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml": "fmt/629",
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml": "fmt/631",
}
_OOXML_PARTS = {"word/document.xml": "fmt/412", "xl/workbook.xml": "fmt/214", "ppt/presentation.xml": "fmt/215"}
_CONTENT_TYPE = re.compile(r'ContentType\s*=\s*"([^"]+)"')
_ODF = {
    "application/vnd.oasis.opendocument.text": {"1.1": "fmt/290", "1.2": "fmt/291", "1.3": "fmt/1756"},
    "application/vnd.oasis.opendocument.spreadsheet": {"1.1": "fmt/294", "1.2": "fmt/295", "1.3": "fmt/1755"},
    "application/vnd.oasis.opendocument.presentation": {"1.1": "fmt/292", "1.2": "fmt/293", "1.3": "fmt/1754"},
}
_ODF_NAMES = {
    "application/vnd.oasis.opendocument.text": "OpenDocument Text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument Spreadsheet",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument Presentation",
}
_MANIFEST_VERSION = re.compile(rb'manifest:version\s*=\s*"([\d.]+)"')
_OFD_VERSION = re.compile(rb'\bVersion\s*=\s*"([^"]*)"')
_OFD_DOCTYPE = re.compile(rb'\bDocType\s*=\s*"([^"]*)"')
_MEMBER_LIMIT = 1024 * 1024


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    """The first MB of a member (enough for the small XML parts read here)."""
    with archive.open(name) as member:
        return member.read(_MEMBER_LIMIT)


def _ofd(archive: zipfile.ZipFile) -> Hit:
    document = _member(archive, "OFD.xml")
    version = _OFD_VERSION.search(document[:4096])
    doctype = _OFD_DOCTYPE.search(document[:4096])
    warnings = []
    if doctype is None or doctype.group(1) != b"OFD":
        warnings.append("OFD.xml 的 DocType 不是 OFD")
    text = version.group(1).decode("utf-8", "replace") if version else ""
    if not text:
        warnings.append("OFD.xml 没有 Version 属性")
    return Hit(f"{LOCAL_PREFIX}ofd", f"ZIP 容器，根目录有 OFD.xml（Version={text or '缺失'}）", warnings, version=text)


def _ooxml(archive: zipfile.ZipFile, names: set[str]) -> Hit:
    types = set(_CONTENT_TYPE.findall(_member(archive, "[Content_Types].xml").decode("utf-8", "replace")))
    for content_type, puid in _OOXML_MAIN.items():
        if content_type in types:
            return Hit(puid, f"OOXML 容器，主部件类型 {content_type.rsplit('.', 2)[-2]}")
    for part, puid in _OOXML_PARTS.items():
        if part in names:
            return Hit(puid, f"OOXML 容器，含 {part}")
    return Hit("x-fmt/263", "ZIP 容器，含 [Content_Types].xml，但不是已知的 Office 文档", ["未知的 OOXML 文档类型"])


def _odf(archive: zipfile.ZipFile, names: set[str]) -> Hit | None:
    mimetype = _member(archive, "mimetype")[:200].decode("ascii", "replace").strip()
    if mimetype not in _ODF:
        return None
    manifest = _member(archive, "META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
    found = _MANIFEST_VERSION.search(manifest)
    version = found.group(1).decode() if found else ""
    puid = _ODF[mimetype].get(version, "")
    if puid:
        return Hit(puid, f"ODF 容器，mimetype {mimetype}，manifest 版本 {version}")
    return Hit(
        "",
        f"ODF 容器，mimetype {mimetype}",
        ["ODF 1.0/1.1 文档：manifest 没有版本号，无法确定 PUID"],
        name=_ODF_NAMES[mimetype],
        version=version or "1.0/1.1",
        mime_type=mimetype,
    )


def check_zip(sample: Sample) -> Hit | None:
    if sample.head[:4] not in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return None
    try:
        sample.f.seek(0)
        with zipfile.ZipFile(sample.f) as archive:
            names = set(archive.namelist())
            if "OFD.xml" in names:
                return _ofd(archive)
            if "[Content_Types].xml" in names:
                return _ooxml(archive, names)
            if "mimetype" in names:
                hit = _odf(archive, names)
                if hit is not None:
                    return hit
            return Hit("x-fmt/263", f"ZIP 文件头，{len(names)} 个成员")
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        KeyError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        return Hit("x-fmt/263", "ZIP 文件头", [f"ZIP 目录无法读取，文件可能不完整或已损坏（{exc}）"])


# --- OLE2 compound files ----------------------------------------------------------------------------

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE


def _ole_entries(sample: Sample) -> list[tuple[str, int, int]]:
    """(name, start sector, size) of the directory entries, following the directory's sector chain."""
    header = sample.head[:512]
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        return []
    sector_size = 1 << shift
    first_directory = struct.unpack_from("<I", header, 0x30)[0]
    fat_sectors = [s for s in struct.unpack_from("<109I", header, 0x4C) if s < 0xFFFFFFFA]
    per_fat_sector = sector_size // 4
    cache: dict[int, bytes] = {}

    def next_sector(sector: int) -> int:
        index = sector // per_fat_sector
        if index >= len(fat_sectors):
            return _END_OF_CHAIN
        if index not in cache:
            cache[index] = sample.read_at((fat_sectors[index] + 1) * sector_size, sector_size)
        data = cache[index]
        at = (sector % per_fat_sector) * 4
        return struct.unpack_from("<I", data, at)[0] if at + 4 <= len(data) else _END_OF_CHAIN

    entries = []
    sector = first_directory
    for _ in range(64):  # enough for any Office document's directory
        if sector >= 0xFFFFFFFA:
            break
        data = sample.read_at((sector + 1) * sector_size, sector_size)
        for at in range(0, len(data) - 127, 128):
            length = struct.unpack_from("<H", data, at + 0x40)[0]
            if data[at + 0x42] in (1, 2, 5) and 2 <= length <= 64:
                name = data[at : at + length - 2].decode("utf-16-le", "replace")
                start, size = struct.unpack_from("<II", data, at + 0x74)
                entries.append((name, start, size))
        sector = next_sector(sector)
    return entries


def check_ole2(sample: Sample) -> Hit | None:
    if not sample.head.startswith(OLE2_SIGNATURE):
        return None
    if len(sample.head) < 512:
        return Hit("fmt/111", "OLE2 文件头", ["OLE2 文件不完整"])
    entries = {name: (start, size) for name, start, size in _ole_entries(sample)}
    if "EncryptedPackage" in entries:
        return Hit(
            "fmt/111", "OLE2 容器，含 EncryptedPackage 流", ["加密的 Office 文档（OOXML 加密封装），内容无法读取"]
        )
    if "WordDocument" in entries:
        start, size = entries["WordDocument"]
        sector_size = 1 << struct.unpack_from("<H", sample.head, 0x1E)[0]
        fib = sample.read_at((start + 1) * sector_size, 12) if size >= 4096 else b""
        if len(fib) == 12:
            n_fib = struct.unpack_from("<H", fib, 2)[0]
            encrypted = struct.unpack_from("<H", fib, 0x0A)[0] & 0x0100
            if encrypted:
                return Hit("fmt/754", "OLE2 容器，WordDocument 流，FIB 加密标记", ["Word 文档已加密"])
            if 0x0065 <= n_fib <= 0x0068:
                return Hit("fmt/39", f"OLE2 容器，WordDocument 流（nFib 0x{n_fib:04X}）")
            return Hit("fmt/40", f"OLE2 容器，WordDocument 流（nFib 0x{n_fib:04X}）")
        return Hit("fmt/40", "OLE2 容器，WordDocument 流")
    if "Workbook" in entries:
        return Hit("fmt/61", "OLE2 容器，Workbook 流（BIFF8）")
    if "Book" in entries:
        return Hit("fmt/59", "OLE2 容器，Book 流（BIFF5）")
    if "PowerPoint Document" in entries:
        return Hit("fmt/126", "OLE2 容器，PowerPoint Document 流")
    warnings = [] if entries else ["OLE2 目录无法读取"]
    return Hit("fmt/111", "OLE2 容器", warnings)


CONTAINER_CHECKS = (check_zip, check_ole2)
