"""The formats the identifier can name: PRONOM PUIDs (names, versions and MIME types as PRONOM gives them, checked
against PRONOM signature release v109) plus a few project-local ids (``dangan-fmt/…``) for formats PRONOM lacks."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMATS", "LOCAL_PREFIX", "FormatInfo", "display_name", "extension_formats", "format_info"]

LOCAL_PREFIX = "dangan-fmt/"


@dataclass(frozen=True)
class FormatInfo:
    puid: str
    name: str  # PRONOM's format name
    version: str
    mime_type: str
    name_zh: str
    extensions: tuple[str, ...]


# id | PRONOM name | version ("-": none) | MIME type | 中文名称 | extensions
_TABLE = """
# PDF; PDF/A-4 (ISO 19005-4:2020) has no PUID in the PRONOM release checked, hence project-local ids
fmt/14 | Acrobat PDF 1.0 - Portable Document Format | 1.0 | application/pdf | PDF 1.0 文档 | .pdf
fmt/15 | Acrobat PDF 1.1 - Portable Document Format | 1.1 | application/pdf | PDF 1.1 文档 | .pdf
fmt/16 | Acrobat PDF 1.2 - Portable Document Format | 1.2 | application/pdf | PDF 1.2 文档 | .pdf
fmt/17 | Acrobat PDF 1.3 - Portable Document Format | 1.3 | application/pdf | PDF 1.3 文档 | .pdf
fmt/18 | Acrobat PDF 1.4 - Portable Document Format | 1.4 | application/pdf | PDF 1.4 文档 | .pdf
fmt/19 | Acrobat PDF 1.5 - Portable Document Format | 1.5 | application/pdf | PDF 1.5 文档 | .pdf
fmt/20 | Acrobat PDF 1.6 - Portable Document Format | 1.6 | application/pdf | PDF 1.6 文档 | .pdf
fmt/276 | Acrobat PDF 1.7 - Portable Document Format | 1.7 | application/pdf | PDF 1.7 文档 | .pdf
fmt/1129 | PDF 2.0 - Portable Document Format | 2.0 | application/pdf | PDF 2.0 文档 | .pdf
fmt/95 | Acrobat PDF/A - Portable Document Format | 1a | application/pdf | PDF/A-1a 长期保存版式文档 | .pdf
fmt/354 | Acrobat PDF/A - Portable Document Format | 1b | application/pdf | PDF/A-1b 长期保存版式文档 | .pdf
fmt/476 | Acrobat PDF/A - Portable Document Format | 2a | application/pdf | PDF/A-2a 长期保存版式文档 | .pdf
fmt/477 | Acrobat PDF/A - Portable Document Format | 2b | application/pdf | PDF/A-2b 长期保存版式文档 | .pdf
fmt/478 | Acrobat PDF/A - Portable Document Format | 2u | application/pdf | PDF/A-2u 长期保存版式文档 | .pdf
fmt/479 | Acrobat PDF/A - Portable Document Format | 3a | application/pdf | PDF/A-3a 长期保存版式文档 | .pdf
fmt/480 | Acrobat PDF/A - Portable Document Format | 3b | application/pdf | PDF/A-3b 长期保存版式文档 | .pdf
fmt/481 | Acrobat PDF/A - Portable Document Format | 3u | application/pdf | PDF/A-3u 长期保存版式文档 | .pdf
dangan-fmt/pdfa-4 | Acrobat PDF/A - Portable Document Format | 4 | application/pdf | PDF/A-4 长期保存版式文档 | .pdf
dangan-fmt/pdfa-4e | Acrobat PDF/A - Portable Document Format | 4e | application/pdf | PDF/A-4e 长期保存版式文档 | .pdf
dangan-fmt/pdfa-4f | Acrobat PDF/A - Portable Document Format | 4f | application/pdf | PDF/A-4f 长期保存版式文档 | .pdf
# OFD (GB/T 33190-2016): no PUID; the version comes from OFD.xml
dangan-fmt/ofd | Open Fixed-layout Document (OFD) | - | application/ofd | OFD 版式文档 | .ofd
# Images
fmt/353 | Tagged Image File Format | - | image/tiff | TIFF 图像 | .tif .tiff
fmt/41 | Raw JPEG Stream | - | image/jpeg | JPEG 图像 | .jpg .jpeg .jpe .jfif
fmt/42 | JPEG File Interchange Format | 1.00 | image/jpeg | JPEG 图像（JFIF 1.00） | .jpg .jpeg .jpe .jfif
fmt/43 | JPEG File Interchange Format | 1.01 | image/jpeg | JPEG 图像（JFIF 1.01） | .jpg .jpeg .jpe .jfif
fmt/44 | JPEG File Interchange Format | 1.02 | image/jpeg | JPEG 图像（JFIF 1.02） | .jpg .jpeg .jpe .jfif
x-fmt/398 | Exchangeable Image File Format (Compressed) | 2.0 | image/jpeg | JPEG 图像（Exif 2.0） | .jpg .jpeg .jpe
x-fmt/390 | Exchangeable Image File Format (Compressed) | 2.1 | image/jpeg | JPEG 图像（Exif 2.1） | .jpg .jpeg .jpe
x-fmt/391 | Exchangeable Image File Format (Compressed) | 2.2 | image/jpeg | JPEG 图像（Exif 2.2） | .jpg .jpeg .jpe
fmt/645 | Exchangeable Image File Format (Compressed) | 2.2.1 | image/jpeg | JPEG 图像（Exif 2.2.1） | .jpg .jpeg .jpe
fmt/1507 | Exchangeable Image File Format (Compressed) | 2.3.x | image/jpeg | JPEG 图像（Exif 2.3.x） | .jpg .jpeg .jpe
x-fmt/392 | JP2 (JPEG 2000 part 1) | - | image/jp2 | JPEG 2000 图像 | .jp2
fmt/151 | JPX (JPEG 2000 part 2) | - | image/jpx | JPEG 2000 扩展图像（JPX） | .jpf .jpx
fmt/463 | JPM (JPEG 2000 part 6) | - | image/jpm | JPEG 2000 复合图像（JPM） | .jpm
fmt/337 | MJ2 (Motion JPEG 2000) | - | video/mj2 | Motion JPEG 2000 视频 | .mj2
fmt/11 | Portable Network Graphics | 1.0 | image/png | PNG 图像 1.0 | .png
fmt/12 | Portable Network Graphics | 1.1 | image/png | PNG 图像 1.1 | .png
fmt/13 | Portable Network Graphics | 1.2 | image/png | PNG 图像 1.2 | .png
fmt/935 | Animated Portable Network Graphics | - | image/vnd.mozilla.apng | APNG 动画 | .png .apng
fmt/3 | Graphics Interchange Format | 87a | image/gif | GIF 图像 87a | .gif
fmt/4 | Graphics Interchange Format | 89a | image/gif | GIF 图像 89a | .gif
fmt/115 | Windows Bitmap | 2.0 | image/bmp | BMP 图像 2.0 | .bmp .dib
fmt/116 | Windows Bitmap | 3.0 | image/bmp | BMP 图像 3.0 | .bmp .dib
fmt/117 | Windows Bitmap | 3.0 NT | image/bmp | BMP 图像 3.0 NT | .bmp .dib
fmt/118 | Windows Bitmap | 4.0 | image/bmp | BMP 图像 4.0 | .bmp .dib
fmt/119 | Windows Bitmap | 5.0 | image/bmp | BMP 图像 5.0 | .bmp .dib
x-fmt/270 | OS/2 Bitmap | 2.0 | image/bmp | OS/2 BMP 图像 2.0 | .bmp
fmt/566 | WebP | Lossy | image/webp | WebP 图像（有损） | .webp
fmt/567 | WebP | Lossless | image/webp | WebP 图像（无损） | .webp
fmt/568 | WebP | Extended | image/webp | WebP 图像（扩展） | .webp
# Audio and video
fmt/6 | Waveform Audio | - | audio/x-wav | WAV 音频 | .wav .wave
fmt/141 | Waveform Audio (PCMWAVEFORMAT) | - | audio/x-wav | WAV 音频（PCM） | .wav .wave
fmt/142 | Waveform Audio (WAVEFORMATEX) | - | audio/x-wav | WAV 音频（WAVEFORMATEX） | .wav .wave
fmt/143 | Waveform Audio (WAVEFORMATEXTENSIBLE) | - | audio/x-wav | WAV 音频（WAVEFORMATEXTENSIBLE） | .wav .wave
fmt/1 | Broadcast WAVE | 0 Generic | audio/x-wav | 广播级 WAV 音频（BWF 0） | .wav .bwf
fmt/2 | Broadcast WAVE | 1 Generic | audio/x-wav | 广播级 WAV 音频（BWF 1） | .wav .bwf
fmt/527 | Broadcast WAVE | 2 Generic | audio/x-wav | 广播级 WAV 音频（BWF 2） | .wav .bwf
fmt/703 | Broadcast WAVE | 0 PCM Encoding | audio/x-wav | 广播级 WAV 音频（BWF 0，PCM） | .wav .bwf
fmt/706 | Broadcast WAVE | 0 MPEG Encoding | audio/x-wav | 广播级 WAV 音频（BWF 0，MPEG） | .wav .bwf
fmt/709 | Broadcast WAVE | 0 WAVEFORMATEXTENSIBLE Encoding | audio/x-wav | 广播级 WAV 音频（BWF 0，WAVEFORMATEXTENSIBLE） | .wav .bwf
fmt/704 | Broadcast WAVE | 1 PCM Encoding | audio/x-wav | 广播级 WAV 音频（BWF 1，PCM） | .wav .bwf
fmt/707 | Broadcast WAVE | 1 MPEG Encoding | audio/x-wav | 广播级 WAV 音频（BWF 1，MPEG） | .wav .bwf
fmt/710 | Broadcast WAVE | 1 WAVEFORMATEXTENSIBLE Encoding | audio/x-wav | 广播级 WAV 音频（BWF 1，WAVEFORMATEXTENSIBLE） | .wav .bwf
fmt/705 | Broadcast WAVE | 2 PCM Encoding | audio/x-wav | 广播级 WAV 音频（BWF 2，PCM） | .wav .bwf
fmt/708 | Broadcast WAVE | 2 MPEG Encoding | audio/x-wav | 广播级 WAV 音频（BWF 2，MPEG） | .wav .bwf
fmt/711 | Broadcast WAVE | 2 WAVEFORMATEXTENSIBLE Encoding | audio/x-wav | 广播级 WAV 音频（BWF 2，WAVEFORMATEXTENSIBLE） | .wav .bwf
fmt/134 | MPEG 1/2 Audio Layer 3 | - | audio/mpeg | MP3 音频 | .mp3
fmt/199 | MPEG-4 Media File | - | video/mp4 | MP4 音视频 | .mp4 .m4a .m4v .m4b .f4v
x-fmt/384 | Quicktime | - | video/quicktime | QuickTime 视频 | .mov .qt
fmt/357 | 3GPP Audio/Video File | - | video/3gpp | 3GPP 音视频 | .3gp .3g2
fmt/5 | Audio/Video Interleaved Format | - | video/x-msvideo | AVI 视频 | .avi
# Text
x-fmt/111 | Plain Text File | - | text/plain | 纯文本 | .txt .text .log .md .markdown .ini .cfg .conf .tsv .tab .asc .nfo
x-fmt/18 | Comma Separated Values | - | text/csv | CSV 表格文本 | .csv
fmt/101 | Extensible Markup Language | 1.0 | application/xml | XML 1.0 | .xml .xsd .xsl .svg .rdf
fmt/1776 | Extensible Markup Language | 1.1 | application/xml | XML 1.1 | .xml
fmt/817 | JSON Data Interchange Format | - | application/json | JSON 数据 | .json
fmt/96 | Hypertext Markup Language | - | text/html | HTML 网页 | .html .htm
fmt/97 | Hypertext Markup Language | 2.0 | text/html | HTML 2.0 网页 | .html .htm
fmt/98 | Hypertext Markup Language | 3.2 | text/html | HTML 3.2 网页 | .html .htm
fmt/99 | Hypertext Markup Language | 4.0 | text/html | HTML 4.0 网页 | .html .htm
fmt/100 | Hypertext Markup Language | 4.01 | text/html | HTML 4.01 网页 | .html .htm
fmt/471 | Hypertext Markup Language | 5 | text/html | HTML 5 网页 | .html .htm
fmt/102 | Extensible Hypertext Markup Language | 1.0 | application/xhtml+xml | XHTML 1.0 网页 | .xhtml .html .htm
fmt/103 | Extensible Hypertext Markup Language | 1.1 | application/xhtml+xml | XHTML 1.1 网页 | .xhtml .html .htm
# Office documents
fmt/111 | OLE2 Compound Document Format | - | application/x-ole-storage | OLE2 复合文档 | .doc .xls .ppt .msg .wps .et .dps
fmt/39 | Microsoft Word Document | 6.0/95 | application/msword | Word 6.0/95 文档 | .doc
fmt/40 | Microsoft Word Document | 97-2003 | application/msword | Word 97-2003 文档 | .doc .wps .dot
fmt/754 | Microsoft Word Document (Password Protected) | 97-2003 | application/msword | Word 97-2003 文档（加密） | .doc
fmt/59 | Microsoft Excel 5.0/95 Workbook (xls) | 5/95 | application/vnd.ms-excel | Excel 5.0/95 工作簿 | .xls
fmt/61 | Microsoft Excel 97 Workbook (xls) | 8 | application/vnd.ms-excel | Excel 97-2003 工作簿 | .xls .et .xlt
fmt/126 | Microsoft Powerpoint Presentation | 97-2003 | application/vnd.ms-powerpoint | PowerPoint 97-2003 演示文稿 | .ppt .dps .pps
fmt/412 | Microsoft Word for Windows | 2007 onwards | application/vnd.openxmlformats-officedocument.wordprocessingml.document | Word 文档（DOCX） | .docx
fmt/523 | Macro enabled Microsoft Word Document OOXML | 2007 Onwards | application/vnd.ms-word.document.macroEnabled.12 | Word 启用宏的文档（DOCM） | .docm
fmt/597 | Microsoft Word Template | 2007 onwards | application/vnd.openxmlformats-officedocument.wordprocessingml.template | Word 模板（DOTX） | .dotx
fmt/214 | Microsoft Excel for Windows | 2007 onwards | application/vnd.openxmlformats-officedocument.spreadsheetml.sheet | Excel 工作簿（XLSX） | .xlsx
fmt/445 | Microsoft Excel Macro-Enabled | 2007 | application/vnd.ms-excel.sheet.macroEnabled.12 | Excel 启用宏的工作簿（XLSM） | .xlsm
fmt/598 | Microsoft Excel Template | 2007 onwards | application/vnd.openxmlformats-officedocument.spreadsheetml.template | Excel 模板（XLTX） | .xltx
fmt/215 | Microsoft Powerpoint for Windows | 2007 onwards | application/vnd.openxmlformats-officedocument.presentationml.presentation | PowerPoint 演示文稿（PPTX） | .pptx
fmt/487 | Macro Enabled Microsoft Powerpoint | 2007 Onwards | application/vnd.ms-powerpoint.presentation.macroEnabled.12 | PowerPoint 启用宏的演示文稿（PPTM） | .pptm
fmt/629 | Microsoft PowerPoint Show | 2007 | application/vnd.openxmlformats-officedocument.presentationml.slideshow | PowerPoint 放映文件（PPSX） | .ppsx
fmt/631 | Microsoft PowerPoint Template | 2007 | application/vnd.openxmlformats-officedocument.presentationml.template | PowerPoint 模板（POTX） | .potx
fmt/290 | OpenDocument Text | 1.1 | application/vnd.oasis.opendocument.text | ODF 文本文档 1.1 | .odt
fmt/291 | OpenDocument Text | 1.2 | application/vnd.oasis.opendocument.text | ODF 文本文档 1.2 | .odt
fmt/1756 | OpenDocument Text | 1.3 | application/vnd.oasis.opendocument.text | ODF 文本文档 1.3 | .odt
fmt/294 | OpenDocument Spreadsheet | 1.1 | application/vnd.oasis.opendocument.spreadsheet | ODF 电子表格 1.1 | .ods
fmt/295 | OpenDocument Spreadsheet | 1.2 | application/vnd.oasis.opendocument.spreadsheet | ODF 电子表格 1.2 | .ods
fmt/1755 | OpenDocument Spreadsheet | 1.3 | application/vnd.oasis.opendocument.spreadsheet | ODF 电子表格 1.3 | .ods
fmt/292 | OpenDocument Presentation | 1.1 | application/vnd.oasis.opendocument.presentation | ODF 演示文稿 1.1 | .odp
fmt/293 | OpenDocument Presentation | 1.2 | application/vnd.oasis.opendocument.presentation | ODF 演示文稿 1.2 | .odp
fmt/1754 | OpenDocument Presentation | 1.3 | application/vnd.oasis.opendocument.presentation | ODF 演示文稿 1.3 | .odp
# Archives
x-fmt/263 | ZIP Format | - | application/zip | ZIP 压缩包 | .zip
x-fmt/266 | GZIP Format | - | application/gzip | GZIP 压缩文件 | .gz .tgz
fmt/484 | 7Zip format | - | application/x-7z-compressed | 7z 压缩包 | .7z
"""


def _parse(table: str) -> dict[str, FormatInfo]:
    formats = {}
    for line in table.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        puid, name, version, mime, name_zh, extensions = (cell.strip() for cell in line.split("|"))
        formats[puid] = FormatInfo(
            puid, name, "" if version == "-" else version, mime, name_zh, tuple(extensions.split())
        )
    return formats


FORMATS: dict[str, FormatInfo] = _parse(_TABLE)


def format_info(puid: str) -> FormatInfo | None:
    """What the registry knows about a PUID or project-local id."""
    return FORMATS.get(puid)


def display_name(puid: str, name: str = "", version: str = "") -> str:
    """The format's name for people: the Chinese name where the registry has one ("TIFF 图像" for fmt/353; the
    version is part of it), else the name and version as recorded (PRONOM's English), else ""."""
    info = FORMATS.get(puid) if puid else None
    if info is not None:
        if version and version != info.version and version not in info.name_zh:
            return f"{info.name_zh} {version}"  # a version read from the file itself (OFD.xml …)
        return info.name_zh
    return " ".join(part for part in (name, version) if part)


def extension_formats() -> dict[str, frozenset[str]]:
    """For each known extension, the ids of the formats that use it."""
    table: dict[str, set[str]] = {}
    for info in FORMATS.values():
        for extension in info.extensions:
            table.setdefault(extension, set()).add(info.puid)
    return {extension: frozenset(ids) for extension, ids in table.items()}
