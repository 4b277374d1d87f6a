"""PDF: the header version, and a PDF/A claim read from the XMP metadata (pdfaid:part / pdfaid:conformance)."""

from __future__ import annotations

import mmap
import re
import zlib

from .registry import LOCAL_PREFIX
from .sample import Hit, Sample

__all__ = ["check_pdf"]

_HEADER = re.compile(rb"%PDF-(\d)\.(\d)")
_PDF_PUIDS = {
    "1.0": "fmt/14",
    "1.1": "fmt/15",
    "1.2": "fmt/16",
    "1.3": "fmt/17",
    "1.4": "fmt/18",
    "1.5": "fmt/19",
    "1.6": "fmt/20",
    "1.7": "fmt/276",
    "2.0": "fmt/1129",
}
_PDFA_PUIDS = {
    "1a": "fmt/95",
    "1b": "fmt/354",
    "2a": "fmt/476",
    "2b": "fmt/477",
    "2u": "fmt/478",
    "3a": "fmt/479",
    "3b": "fmt/480",
    "3u": "fmt/481",
    "4": f"{LOCAL_PREFIX}pdfa-4",
    "4e": f"{LOCAL_PREFIX}pdfa-4e",
    "4f": f"{LOCAL_PREFIX}pdfa-4f",
}
PDFAID_NS = b"http://www.aiim.org/pdfa/ns/id/"
_PREFIX = re.compile(rb'xmlns:([A-Za-z_][\w.-]*)\s*=\s*["\']' + re.escape(PDFAID_NS))
_TYPE_BEFORE = re.compile(rb"/Type\s*$")
# Beyond this a PDF is not searched end to end for its XMP packet (its head and tail still are).
MAX_SCAN = 256 * 1024 * 1024


def _claim(xmp: bytes) -> tuple[str, str] | None:
    """(part, conformance) from an XMP packet that declares PDF/A, as attributes or as elements."""
    if PDFAID_NS not in xmp:
        return None
    prefixes = {m.group(1) for m in _PREFIX.finditer(xmp)} or {b"pdfaid"}
    for prefix in prefixes:
        p = re.escape(prefix)
        part = re.search(rb"\b" + p + rb":part\s*(?:=\s*[\"']|>)\s*(\d+)", xmp)
        if part:
            conformance = re.search(rb"\b" + p + rb":conformance\s*(?:=\s*[\"']|>)\s*([A-Za-z])", xmp)
            return part.group(1).decode(), conformance.group(1).decode().lower() if conformance else ""
    return None


def _inflated_metadata(data: bytes | mmap.mmap) -> bytes:
    """The compressed XMP streams of a PDF, inflated (a PDF/A-2+ may compress its metadata)."""
    found: list[bytes] = []
    position = 0
    for _ in range(64):
        at = data.find(b"/Metadata", position)
        if at < 0 or len(found) >= 8:
            break
        position = at + 9
        # The stream's own dictionary says /Type /Metadata; the catalog's /Metadata n 0 R is skipped.
        if not _TYPE_BEFORE.search(data[max(at - 16, 0) : at]):
            continue
        start = data.find(b"stream", position, position + 2048)
        if start < 0 or b"FlateDecode" not in data[max(at - 512, 0) : start]:
            continue
        start += 6
        start += 2 if data[start : start + 2] == b"\r\n" else 1
        end = data.find(b"endstream", start)
        if end < 0:
            continue
        try:
            found.append(zlib.decompressobj().decompress(data[start:end], 4 * 1024 * 1024))
        except zlib.error:
            continue
    return b"\n".join(found)


def _find_claim(sample: Sample) -> tuple[tuple[str, str] | None, str]:
    """The PDF/A claim and where it was found."""
    claim = _claim(sample.head) or _claim(sample.tail)
    if claim:
        return claim, "XMP"
    if sample.complete:
        return _claim(_inflated_metadata(sample.head)), "XMP（压缩流）"
    if sample.size > MAX_SCAN:
        return None, ""
    sample.f.seek(0)
    with mmap.mmap(sample.f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        at = data.find(PDFAID_NS)
        if at >= 0:
            return _claim(data[max(at - 65536, 0) : at + 65536]), "XMP"
        return _claim(_inflated_metadata(data)), "XMP（压缩流）"


def check_pdf(sample: Sample) -> Hit | None:
    offset = sample.head.find(b"%PDF-", 0, 1024)
    if offset < 0:
        return None
    header = _HEADER.match(sample.head, offset)
    warnings = []
    if offset:
        warnings.append(f"PDF 文件头前有 {offset} 字节的多余数据")
    if b"%%EOF" not in sample.tail:
        warnings.append("文件末尾没有 %%EOF 标记，文件可能不完整")
    if b"/Encrypt" in sample.tail:
        warnings.append("PDF 已加密")
    if header is None:
        return Hit(
            "",
            "文件头 %PDF- 后没有版本号",
            [*warnings, "无法确定 PDF 版本"],
            name="Portable Document Format",
            mime_type="application/pdf",
        )
    version = f"{header.group(1).decode()}.{header.group(2).decode()}"
    basis = f"文件头 %PDF-{version}"
    puid = _PDF_PUIDS.get(version, "")
    if not puid:
        warnings.append(f"未知的 PDF 版本 {version}")
    try:
        claim, where = _find_claim(sample)
    except (OSError, ValueError):  # a file object without fileno (in-memory): only head and tail were searched
        claim, where = None, ""
    if claim:
        part, conformance = claim
        level = part + conformance
        pdfa = _PDFA_PUIDS.get(level)
        if pdfa:
            return Hit(pdfa, f"{basis}；{where} 声明 PDF/A-{level}（声明，未做 PDF/A 符合性验证）", warnings)
        warnings.append(f"XMP 声明了无法识别的 PDF/A 级别：part={part} conformance={conformance or '（无）'}")
    if not puid:
        return Hit("", basis, warnings, name="Portable Document Format", version=version, mime_type="application/pdf")
    return Hit(puid, basis, warnings)
