"""The DOCX of a compilation, raw WordprocessingML written with zipfile (no LibreOffice, no python-docx): styles with
the East Asian fonts set (``w:eastAsia``: 宋体 for the text, 黑体 for headings; Latin in Times New Roman), the
sections and documents as Word heading styles (标题 1, 标题 2) so that the TOC field at the front lists them (Word
fills it in on opening: ``w:updateFields``), the notes as real footnotes (``w:footnote``), images inline with their
captions, page numbers in the footer, the index of people and places. 16开 pages, margins mirrored for binding;
``book.vertical`` sets the text direction top to bottom, right to left (``w:textDirection tbRl``)."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape as _escape

from PIL import Image as PILImage

from dangan.compilation.export import ExportError
from dangan.compilation.export.book import Book, Document
from dangan.compilation.export.common import (
    Out,
    Progress,
    Ticker,
    check_images,
    destination,
    document_numbers,
    index_groups,
    numbered_notes,
    pieces,
)

SERIF_EA, SANS_EA, LATIN = "宋体", "黑体", "Times New Roman"
MM_TWIPS, MM_EMU = 1440 / 25.4, 36000
PAGE_W_MM, PAGE_H_MM, INNER_MM, OUTER_MM, TOP_MM, BOTTOM_MM = 185, 260, 24, 18, 26, 24
TEXT_W_MM = PAGE_W_MM - INNER_MM - OUTER_MM
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
NAMESPACES = (
    f"{W} {R} "
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"'
)


def esc(text: str) -> str:
    return _escape(text, {'"': "&quot;"})


def _fonts(east_asia: str) -> str:
    return f'<w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{east_asia}" w:cs="{LATIN}" w:hint="eastAsia"/>'


def _style(
    style_id: str,
    name: str,
    *,
    font: str = SERIF_EA,
    size: int = 21,
    bold: bool = False,
    align: str = "",
    indent: bool = False,
    outline: int | None = None,
    before: int = 0,
    after: int = 0,
    page_break: bool = False,
    kind: str = "paragraph",
) -> str:
    ppr = []  # in the schema's order: keepNext, pageBreakBefore, spacing, ind, jc, outlineLvl
    if outline is not None:
        ppr.append("<w:keepNext/>")
    if page_break:
        ppr.append("<w:pageBreakBefore/>")
    ppr.append(f'<w:spacing w:before="{before}" w:after="{after}" w:line="360" w:lineRule="auto"/>')
    ppr.append(f'<w:ind w:firstLineChars="{200 if indent else 0}" w:firstLine="{420 if indent else 0}"/>')
    if align:
        ppr.append(f'<w:jc w:val="{align}"/>')
    if outline is not None:
        ppr.append(f'<w:outlineLvl w:val="{outline}"/>')
    rpr = _fonts(font) + ("<w:b/><w:bCs/>" if bold else "") + f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    ppr_xml = f"<w:pPr>{''.join(ppr)}</w:pPr>" if kind == "paragraph" else ""
    return (
        f'<w:style w:type="{kind}" w:customStyle="{0 if style_id.startswith("Heading") else 1}" '
        f'w:styleId="{style_id}"><w:name w:val="{name}"/><w:basedOn w:val="Normal"/>'
        f"<w:qFormat/>{ppr_xml}<w:rPr>{rpr}</w:rPr></w:style>"
    )


STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles {W}>'
    f"<w:docDefaults><w:rPrDefault><w:rPr>{_fonts(SERIF_EA)}"
    '<w:sz w:val="21"/><w:szCs w:val="21"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>'
    '<w:pPrDefault><w:pPr><w:kinsoku/><w:overflowPunct/><w:spacing w:after="0" w:line="360" w:lineRule="auto"/>'
    '<w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>'
    f'<w:pPr><w:ind w:firstLineChars="200" w:firstLine="420"/></w:pPr><w:rPr>{_fonts(SERIF_EA)}</w:rPr></w:style>'
    + _style("Title", "Title", font=SANS_EA, size=52, bold=True, align="center", before=2400, after=600)
    + _style("Subtitle", "Subtitle", font=SANS_EA, size=30, align="center", after=1200)
    + _style(
        "Heading1",
        "heading 1",
        font=SANS_EA,
        size=32,
        align="center",
        outline=0,
        before=480,
        after=480,
        page_break=True,
    )
    + _style("Heading2", "heading 2", font=SANS_EA, size=24, align="center", outline=1, before=360, after=120)
    + _style("Plain", "正文无缩进")
    + _style("Credit", "署名", size=24, align="center")
    + _style("DateLine", "日期", size=19, align="center", after=120)
    + _style("SourceLine", "出处", size=18, align="right", before=120)
    + _style("Caption", "caption", size=18, align="center", after=120)
    + _style("Figure", "图", align="center", before=120)
    + _style("IndexHeading", "索引标题", font=SANS_EA, size=24, before=240, after=120)
    + _style("IndexEntry", "索引项", size=20)
    + _style("TOCHeading", "TOC Heading", font=SANS_EA, size=32, align="center", after=360)
    + _style("FootnoteText", "footnote text", size=18)
    + '<w:style w:type="character" w:styleId="FootnoteReference"><w:name w:val="footnote reference"/>'
    '<w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>'
    "</w:styles>"
)


def _p(text: str, style: str = "") -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{esc(text)}</w:t></w:r></w:p>'


class _Parts:
    """What the document refers to: footnotes and images (relationships)."""

    def __init__(self) -> None:
        self.footnotes: list[str] = []
        self.images: list[tuple[str, Path]] = []  # (target, source)
        self.drawing = 0

    def footnote(self, text: str) -> int:
        number = len(self.footnotes) + 1
        self.footnotes.append(
            f'<w:footnote w:id="{number}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
            '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {esc(text)}</w:t></w:r></w:p></w:footnote>'
        )
        return number

    def image(self, path: Path, width_px: int, height_px: int) -> str:
        with open(path, "rb") as handle:
            head = handle.read(2)
        suffix = {b"\xff\xd8": ".jpeg", b"\x89P": ".png"}.get(head)
        if suffix is None:
            raise ExportError(f"图片须为 JPEG 或 PNG：{path}")
        if not (width_px and height_px):
            try:
                with PILImage.open(path) as img:
                    width_px, height_px = img.size
            except OSError as exc:
                raise ExportError(f"图片无法读取：{path}") from exc
        self.images.append((f"media/image{len(self.images) + 1}{suffix}", path))
        rid = f"rIdImg{len(self.images)}"
        self.drawing += 1
        scale = min(TEXT_W_MM / width_px, 140 / height_px) * MM_EMU
        cx, cy = int(width_px * scale), int(height_px * scale)
        n = self.drawing
        return (
            f'<w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
            f'<wp:docPr id="{n}" name="图{n}"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/>'
            "</wp:cNvGraphicFramePr><a:graphic><a:graphicData "
            'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr>'
            f'<pic:cNvPr id="{n}" name="image{n}"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill>'
            f'<a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr>'
            f'<a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect">'
            "<a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing>"
        )


def _document(document: Document, parts: _Parts) -> list[str]:
    number = f"{document.number}　" if document.number else ""
    body = [_p(number + document.heading, "Heading2")]
    if document.date_line:
        body.append(_p(document.date_line, "DateLine"))
    notes = dict(numbered_notes(document))
    for runs in pieces(document):
        xml = []
        for piece in runs:
            if piece.note:
                fid = parts.footnote(notes[piece.note].text)
                xml.append(
                    f'<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="{fid}"/>'
                    "</w:r>"
                )
            else:
                xml.append(f'<w:r><w:t xml:space="preserve">{esc(piece.text)}</w:t></w:r>')
        body.append(f"<w:p>{''.join(xml)}</w:p>")
    for image in document.images:
        drawing = parts.image(Path(image.path), image.width_px, image.height_px)
        body.append(f'<w:p><w:pPr><w:pStyle w:val="Figure"/></w:pPr><w:r>{drawing}</w:r></w:p>')
        if image.caption:
            body.append(_p(image.caption, "Caption"))
    if document.source_line:
        body.append(_p(document.source_line, "SourceLine"))
    return body


TOC_FIELD = (
    '<w:p><w:pPr><w:pStyle w:val="Plain"/></w:pPr><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
    '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    "<w:r><w:t>（打开文档时更新目录；如未更新，请在此处右键选择“更新域”。）</w:t></w:r>"
    '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
)


def _body(book: Book, parts: _Parts, ticker: Ticker) -> str:
    body = [_p(book.title, "Title")]
    if book.subtitle:
        body.append(_p(book.subtitle, "Subtitle"))
    body.extend(_p(line, "Credit") for line in (book.editor, book.publisher, book.year) if line)
    body.append(
        '<w:p><w:pPr><w:pStyle w:val="TOCHeading"/><w:pageBreakBefore/></w:pPr><w:r><w:t>目录</w:t></w:r></w:p>'
    )
    body.append(TOC_FIELD)
    for title, paragraphs in (("前言", book.preface), ("编辑说明", book.editorial_notes)):
        if paragraphs:
            body.append(_p(title, "Heading1"))
            body.extend(_p(text) for text in paragraphs)
    for section in book.sections:
        body.append(_p(section.title or book.title, "Heading1"))
        for document in section.documents:
            body.extend(_document(document, parts))
            ticker.tick()
    groups = index_groups(book)
    if groups:
        body.append(_p("人名地名索引", "Heading1"))
        for label, entries in groups:
            body.append(_p(label, "IndexHeading"))
            body.extend(_p(f"{entry.name}　{document_numbers(entry)}", "IndexEntry") for entry in entries)
    direction = '<w:textDirection w:val="tbRl"/>' if book.vertical else ""
    sect = (
        '<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter"/>'
        f'<w:pgSz w:w="{round(PAGE_W_MM * MM_TWIPS)}" w:h="{round(PAGE_H_MM * MM_TWIPS)}"/>'
        f'<w:pgMar w:top="{round(TOP_MM * MM_TWIPS)}" w:right="{round(OUTER_MM * MM_TWIPS)}" '
        f'w:bottom="{round(BOTTOM_MM * MM_TWIPS)}" w:left="{round(INNER_MM * MM_TWIPS)}" w:header="850" '
        f'w:footer="850" w:gutter="0"/>{direction}<w:docGrid w:type="lines" w:linePitch="312"/></w:sectPr>'
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {NAMESPACES}><w:body>'
        + "".join(body)
        + sect
        + "</w:body></w:document>"
    )


def write_docx(book: Book, out: Out, *, progress: Progress = None) -> None:
    """Writes ``book`` as DOCX to ``out`` (a path or a binary file object); ``progress(done, total)`` is called
    after each document. Raises ExportError."""
    check_images(book)
    ticker = Ticker(progress, len(book.documents()) + 2)
    parts = _Parts()
    document_xml = _body(book, parts, ticker)
    footnotes = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {W}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        "</w:footnote>" + "".join(parts.footnotes) + "</w:footnotes>"
    )
    rels = [
        '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'styles" Target="styles.xml"/>',
        '<Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'settings" Target="settings.xml"/>',
        '<Relationship Id="rIdFootnotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'footnotes" Target="footnotes.xml"/>',
        '<Relationship Id="rIdFooter" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'footer" Target="footer1.xml"/>',
    ]
    rels.extend(
        f'<Relationship Id="rIdImg{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'image" Target="{target}"/>'
        for n, (target, _path) in enumerate(parts.images, start=1)
    )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{esc(book.title)}</dc:title><dc:creator>{esc(book.editor)}</dc:creator>"
        f"<dc:language>{esc(book.language)}</dc:language>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>'
    )
    ticker.tick()
    with destination(out) as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("docProps/core.xml", core)
        archive.writestr("word/document.xml", document_xml)
        archive.writestr("word/styles.xml", STYLES)
        archive.writestr("word/settings.xml", SETTINGS)
        archive.writestr("word/footnotes.xml", footnotes)
        archive.writestr("word/footer1.xml", FOOTER)
        archive.writestr(
            "word/_rels/document.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(rels)
            + "</Relationships>",
        )
        for target, path in parts.images:
            archive.write(path, f"word/{target}", compress_type=zipfile.ZIP_STORED)
    ticker.finish()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="jpeg" ContentType="image/jpeg"/><Default Extension="png" ContentType="image/png"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/settings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/word/footnotes.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>'
    '<Override PartName="/word/footer1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/></Relationships>'
)
SETTINGS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings {W}>'
    '<w:mirrorMargins/><w:defaultTabStop w:val="420"/><w:characterSpacingControl w:val="compressPunctuation"/>'
    '<w:updateFields w:val="true"/>'
    '<w:footnotePr><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'
    '<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" '
    'w:val="15"/></w:compat></w:settings>'
)
FOOTER = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr {W}><w:p><w:pPr><w:ind w:firstLine="0"/>'
    '<w:jc w:val="center"/></w:pPr>'
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/>'
    "</w:r></w:p></w:ftr>"
)
