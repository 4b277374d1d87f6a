"""Content readability (DA/T 70 3-4): each image decodes, each PDF and OFD opens and its pages are counted, each
text decodes and each XML parses; audio and video are read as far as their headers and stream layout (the format
identifier parses them). One function per family, chosen by the identified MIME type.

TIFF, the format archives scan to, is decoded by tifffile with imagecodecs, strip by strip and tile by tile on every
page: it reads what scanners and archives really write (16-bit grayscale, an alpha sample, LZW or Deflate with a
predictor, tiles, BigTIFF), where Pillow stops at the modes it knows. Pillow is the second opinion for the rare
compression tifffile lacks (old-style JPEG), and the decoder of the other image formats.

A person reads every message: each is Chinese and names the kind of fault. A library's own (English) message and
any file-system path stay in the server log.
"""

from __future__ import annotations

import codecs
import logging
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dangan.preservation.formats import FormatIdentification

logger = logging.getLogger(__name__)

_IMAGE_PREFIX = "image/"
_TIFF_TYPES = ("image/tiff", "image/tiff-fx")
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
        if mime in _TIFF_TYPES:
            return _tiff(path)
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
    except OSError as exc:
        return Readability(False, read_error(exc))
    return Readability(None, "没有该格式的读取器，未判定可读性")


def read_error(exc: OSError) -> str:
    """Why a file could not be read, in Chinese, without its path."""
    import errno

    reasons = {
        errno.ENOENT: "文件不存在",
        errno.EACCES: "没有读取权限",
        errno.EPERM: "没有读取权限",
        errno.EIO: "读取时发生输入输出错误（载体可能损坏）",
        errno.EISDIR: "是文件夹而不是文件",
    }
    return "无法读取文件：" + reasons.get(exc.errno or 0, "读取出错")


def _unreadable(path: Path, reader: str, message: str, exc: BaseException) -> Readability:
    logger.info("%s: %s cannot read %s: %r", reader, message, path, exc)
    return Readability(False, message, reader=reader)


# ------------------------------------------------------------------------------------------------- images


def _tiff(path: Path) -> Readability:
    import tifffile

    logging.getLogger("tifffile").setLevel(logging.CRITICAL)  # its warnings name the path; the result says enough
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with tifffile.TiffFile(path) as tif:
                pages = len(tif.pages)
                if not pages:
                    return Readability(False, "TIFF 中没有图像页", 0, "tifffile")
                for page in tif.pages:
                    # Each strip or tile decoded in turn: a whole A0 scan is never held in memory at once.
                    for data, _index, _shape in page.segments(maxworkers=1):
                        if data is None:
                            return Readability(False, "TIFF 图像数据缺失（条带或图块为空）", pages, "tifffile")
    except (KeyError, ImportError, NotImplementedError) as exc:  # a compression or sample format without a codec
        fallback = _image(path)
        if fallback.readable:
            return fallback
        return _unreadable(path, "tifffile", "TIFF 使用了不支持的压缩或编码方式", exc)
    except tifffile.TiffFileError as exc:
        return _unreadable(path, "tifffile", _tiff_reason(str(exc)), exc)
    except (ValueError, RuntimeError, IndexError, EOFError) as exc:  # imagecodecs raises RuntimeError subclasses
        return _unreadable(path, "tifffile", "TIFF 图像数据损坏，无法解压", exc)
    return Readability(True, f"TIFF 解码正常（{pages} 页）" if pages > 1 else "TIFF 解码正常", pages, "tifffile")


def _tiff_reason(text: str) -> str:
    if "reshape" in text or "corrupt" in text:
        return "TIFF 图像数据不完整或已损坏（文件可能被截断）"
    if "not a TIFF" in text or "invalid" in text:
        return "不是有效的 TIFF 文件（文件头或目录结构损坏）"
    return "TIFF 文件结构损坏"


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
    except UnidentifiedImageError as exc:
        return _unreadable(path, "Pillow", "图像格式无法识别或文件头已损坏", exc)
    except (OSError, EOFError) as exc:
        truncated = "truncated" in str(exc).lower() or isinstance(exc, EOFError)
        message = "图像数据不完整（文件可能被截断）" if truncated else "图像数据损坏，无法解码"
        return _unreadable(path, "Pillow", message, exc)
    except (SyntaxError, ValueError) as exc:
        return _unreadable(path, "Pillow", "图像结构不合规范，无法解码", exc)
    return Readability(True, f"图像解码正常（{frames} 帧）" if frames > 1 else "图像解码正常", frames, "Pillow")


# ------------------------------------------------------------------------------------------- documents


def _pdf(path: Path) -> Readability:
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
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        return _unreadable(path, "pypdf", "PDF 结构损坏，无法打开", exc)
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
            doc_roots = [el.text.strip() for el in root.iter() if _local(el.tag) == "DocRoot" and el.text]  # type: ignore[attr-defined]
            if not doc_roots:
                return Readability(False, "OFD.xml 中没有 DocRoot", reader="ofd")
            pages = 0
            for doc_root in doc_roots:
                name = doc_root.lstrip("/")
                if name not in names:
                    return Readability(False, f"OFD 缺少文档 {doc_root}", reader="ofd")
                document = _xml_root(archive.read(name))
                base = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
                for page in (el for el in document.iter() if _local(el.tag) == "Page"):  # type: ignore[attr-defined]
                    location = (page.get("BaseLoc") or "").lstrip("/")
                    if location and base + location not in names and location not in names:
                        return Readability(False, f"OFD 缺少页面 {location}", reader="ofd")
                    pages += 1
    except zipfile.BadZipFile as exc:
        return _unreadable(path, "ofd", "OFD 容器（ZIP）已损坏，无法打开", exc)
    except etree.XMLSyntaxError as exc:
        return _unreadable(path, "ofd", f"OFD 的 XML 无法解析（第 {exc.lineno} 行）", exc)
    except (KeyError, ValueError, zipfile.LargeZipFile, NotImplementedError) as exc:
        return _unreadable(path, "ofd", "OFD 结构损坏，无法打开", exc)
    if not pages:
        return Readability(False, "OFD 没有页面", 0, "ofd")
    return Readability(True, f"OFD 可打开，共 {pages} 页", pages, "ofd")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xml(path: Path) -> Readability:
    from lxml import etree

    try:
        _xml_root(path.read_bytes())
    except etree.XMLSyntaxError as exc:
        return _unreadable(path, "lxml", f"XML 无法解析（第 {exc.lineno} 行）", exc)
    except ValueError as exc:
        return _unreadable(path, "lxml", "XML 无法解析", exc)
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
    return Readability(True, f"文本按 {encoding or 'UTF-8'} 解码正常", reader="text")
