"""Content readability (DA/T 70 3-4): each image decodes, each PDF and OFD opens and its pages are counted, each
text decodes and each XML parses; audio and video are read as far as their headers and stream layout (the format
identifier parses them). One function per family, chosen by the identified MIME type."""

from __future__ import annotations

import codecs
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dangan.preservation.formats import FormatIdentification

# Formats whose content is paged: a page count can be compared with the catalog's 页数 (DA/T 70 1-10).
_IMAGE_PREFIX = "image/"
_TEXT_ENCODINGS = {"UTF-8": "utf-8-sig", "GB18030": "gb18030", "UTF-16LE": "utf-16", "UTF-16BE": "utf-16"}


@dataclass(frozen=True)
class Readability:
    """``readable`` None: no reader for this format (not judged); ``pages`` when the content is paged."""

    readable: bool | None
    message: str = ""
    pages: int | None = None
    reader: str = ""


def check_readable(path: Path, found: FormatIdentification) -> Readability:
    mime = found.mime_type or ""
    try:
        if mime == "application/pdf":
            return _pdf(path)
        if mime == "application/ofd" or found.puid.endswith("/ofd"):
            return _ofd(path)
        if mime.startswith(_IMAGE_PREFIX):
            return _image(path)
        if mime in ("application/xml", "text/xml") or found.puid in ("fmt/101", "fmt/1776"):
            return _xml(path)
        if mime.startswith("text/") or found.puid == "x-fmt/111":
            return _text(path, found.encoding)
        if mime.startswith(("audio/", "video/")):
            damaged = "结构异常" in (found.warning or "")
            if damaged:
                return Readability(False, found.warning, reader="header")
            return Readability(True, "已解析文件头与数据结构", reader="header")
    except MemoryError:
        return Readability(False, "文件过大，无法在内存中解码")
    return Readability(None, "没有该格式的读取器，未判定可读性")


def _image(path: Path) -> Readability:
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # large scans (A0 at 600 dpi) are legitimate archival images
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                frames = getattr(image, "n_frames", 1) or 1
                for frame in range(frames):
                    if frame:
                        image.seek(frame)
                    if image.format == "JPEG":
                        # Every entropy-coded segment is decoded; the inverse DCT at 1/8 scale is enough to find
                        # truncated or corrupt data, at a fraction of the cost of full-size pixels.
                        image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
                    image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        return Readability(False, f"图像无法解码：{exc}", reader="Pillow")
    return Readability(True, f"图像解码正常（{frames} 帧）" if frames > 1 else "图像解码正常", frames, "Pillow")


def _pdf(path: Path) -> Readability:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            return Readability(False, "PDF 已加密，无法打开", reader="pypdf")
        pages = len(reader.pages)
        if pages:
            reader.pages[0].get_contents()
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        return Readability(False, f"PDF 无法打开：{exc.__class__.__name__} {exc}".strip(), reader="pypdf")
    if not pages:
        return Readability(False, "PDF 没有页面", 0, "pypdf")
    return Readability(True, f"PDF 可打开，共 {pages} 页", pages, "pypdf")


def _xml_root(data: bytes) -> object:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(data, parser)


def _ofd(path: Path) -> Readability:
    """OFD (GB/T 33190): the zip container, OFD.xml, each document's Document.xml and its pages."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "OFD.xml" not in names:
                return Readability(False, "OFD 缺少 OFD.xml", reader="ofd")
            root = _xml_root(archive.read("OFD.xml"))
            doc_roots = [el.text.strip() for el in root.iter() if _local(el.tag) == "DocRoot" and el.text]
            if not doc_roots:
                return Readability(False, "OFD.xml 中没有 DocRoot", reader="ofd")
            pages = 0
            for doc_root in doc_roots:
                name = doc_root.lstrip("/")
                if name not in names:
                    return Readability(False, f"OFD 缺少文档 {doc_root}", reader="ofd")
                document = _xml_root(archive.read(name))
                base = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
                for page in (el for el in document.iter() if _local(el.tag) == "Page"):
                    location = (page.get("BaseLoc") or "").lstrip("/")
                    if location and base + location not in names and location not in names:
                        return Readability(False, f"OFD 缺少页面 {location}", reader="ofd")
                    pages += 1
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError, KeyError, ValueError) as exc:
        return Readability(False, f"OFD 无法打开：{exc}", reader="ofd")
    if not pages:
        return Readability(False, "OFD 没有页面", 0, "ofd")
    return Readability(True, f"OFD 可打开，共 {pages} 页", pages, "ofd")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xml(path: Path) -> Readability:
    from lxml import etree

    try:
        _xml_root(path.read_bytes())
    except (etree.XMLSyntaxError, OSError, ValueError) as exc:
        return Readability(False, f"XML 无法解析：{exc}", reader="lxml")
    return Readability(True, "XML 解析正常", reader="lxml")


def _text(path: Path, encoding: str) -> Readability:
    codec = _TEXT_ENCODINGS.get(encoding.upper(), "utf-8-sig") if encoding else "utf-8-sig"
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return Readability(False, f"文本无法按 {encoding or 'UTF-8'} 解码（第 {exc.start} 字节起）", reader="text")
    except OSError as exc:
        return Readability(False, f"无法读取：{exc}", reader="text")
    return Readability(True, f"文本按 {encoding or 'UTF-8'} 解码正常", reader="text")
