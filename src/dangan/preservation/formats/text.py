"""Text formats: decide the encoding (UTF-8, UTF-16 with a BOM, GB18030), then XML, HTML, JSON, CSV or plain text."""

from __future__ import annotations

import json
import re

from .sample import Hit, Sample

__all__ = ["check_text", "decode_text"]

# C0 controls other than tab, line feed, form feed, carriage return and escape do not occur in text.
_BINARY = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_XML_DECLARATION = re.compile(r"<\?xml\s+version\s*=\s*[\"'](1\.[01])[\"']")
_LEADING_MARKUP = re.compile(r"(?:\s|<!--.*?-->|<\?(?!xml\s).*?\?>)*", re.S)
_ELEMENT = re.compile(r"<([A-Za-z_][\w.\-]*)(?::[\w.\-]+)?[\s>/]")
_DOCTYPE_HTML = re.compile(r"<!DOCTYPE\s+html\b([^>]*)>", re.I)
_HTML_START = re.compile(r"<(html|head|body)\b", re.I)
_HTML_VERSIONS = (
    ("XHTML 1.1", "fmt/103"),
    ("XHTML 1.0", "fmt/102"),
    ("HTML 4.01", "fmt/100"),
    ("HTML 4.0", "fmt/99"),
    ("HTML 3.2", "fmt/98"),
    ("HTML 2.0", "fmt/97"),
)


def decode_text(data: bytes, truncated: bool) -> tuple[str, str] | None:
    """(text, encoding) if the bytes are text; ``truncated``: the bytes stop inside the file (a split character)."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8", "UTF-8（BOM）")]
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be"
        candidates = [(codec, codec.upper().replace("-LE", "LE").replace("-BE", "BE"))]
        data = data[2:]
        if truncated and len(data) % 2:
            data = data[:-1]
    else:
        candidates = [("utf-8", "UTF-8"), ("gb18030", "GB18030")]
    for codec, label in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            # A character cut by the end of the sample is not an error.
            if not truncated or exc.start < len(data) - 4:
                continue
            try:
                text = data[: exc.start].decode(codec)
            except UnicodeDecodeError:
                continue
        text = text.rstrip("\x1a")  # a DOS end-of-file mark
        if _BINARY.search(text):
            return None
        if label == "UTF-8" and text.isascii():
            label = "ASCII"
        return text, label
    return None


def _xml_or_html(text: str, extension: str) -> Hit | None:
    body = text.lstrip("\ufeff")
    declaration = _XML_DECLARATION.match(body.lstrip())
    rest = body.lstrip()
    if declaration:
        rest = rest[rest.find("?>") + 2 :]
    rest = rest[_LEADING_MARKUP.match(rest).end() :]  # type: ignore[union-attr]
    doctype = _DOCTYPE_HTML.match(rest)
    if doctype:
        public = doctype.group(1)
        for marker, puid in _HTML_VERSIONS:
            if marker.lower() in public.lower():
                return Hit(puid, f"文档类型声明 {marker}")
        if not public.strip():
            return Hit("fmt/471", "文档类型声明 <!DOCTYPE html>（HTML5）")
        return Hit("fmt/96", "HTML 文档类型声明（版本不明）")
    if _HTML_START.match(rest):
        if declaration:
            return Hit("fmt/102", "XML 声明 + <html> 根元素（XHTML，版本不明）", ["XHTML 版本不明，按 1.0 记录"])
        return Hit("fmt/96", "<html> 开头，没有文档类型声明")
    if declaration:
        version = declaration.group(1)
        return Hit("fmt/1776" if version == "1.1" else "fmt/101", f"XML 声明（version {version}）")
    if rest.startswith("<!DOCTYPE") or _ELEMENT.match(rest):
        if extension in (".html", ".htm"):
            return None
        return Hit("fmt/101", "以 XML 元素开头，没有 XML 声明")
    return None


def _csv(text: str, complete: bool) -> bool:
    """Whether the lines have the same number of commas (outside quotes), at least one, over at least two lines."""
    lines = text.splitlines()
    if not complete:
        lines = lines[:-1]
    lines = [line for line in lines[:50] if line.strip()]
    if len(lines) < 2:
        return False
    counts = {len(re.sub(r'"[^"]*"', "", line).split(",")) - 1 for line in lines}
    return len(counts) == 1 and counts.pop() >= 1


def check_text(sample: Sample) -> Hit | None:
    decoded = decode_text(sample.head, truncated=not sample.complete)
    if decoded is None:
        return None
    text, encoding = decoded
    extension = sample.name[sample.name.rfind(".") :].lower() if "." in sample.name else ""
    hit = _xml_or_html(text, extension)
    stripped = text.lstrip("\ufeff \t\r\n")
    if hit is None and stripped.startswith("{\\rtf"):
        hit = Hit("", "{\\rtf 开头", ["RTF 版本未确定"], name="Rich Text Format", mime_type="application/rtf")
    if hit is None and stripped[:1] in ("{", "["):
        if sample.complete:
            try:
                json.loads(stripped)
                hit = Hit("fmt/817", "完整解析为 JSON")
            except ValueError:
                pass
        elif re.match(r'[\[{]\s*("|\{|\[|\d|-|true|false|null)', stripped):
            hit = Hit("fmt/817", "开头符合 JSON 语法（文件较大，未完整解析）")
    if hit is None and (_csv(text, sample.complete) or extension == ".csv"):
        hit = Hit("x-fmt/18", "文本，各行逗号数相同" if extension != ".csv" else "文本，扩展名 .csv")
    if hit is None:
        hit = Hit("x-fmt/111", "文本（无二进制控制字符）")
    hit.encoding = encoding
    hit.basis += f"；编码 {encoding}"
    return hit
