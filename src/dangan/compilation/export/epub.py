"""The EPUB 3 of a compilation, written with zipfile (it passes epubcheck): the mimetype first and stored, the
package document (OPF 3.0: dc:identifier, dc:title, dc:language, dcterms:modified), the navigation document (table
of contents and landmarks), one XHTML content document per section (and the title page, preface, editorial notes
and index), a CSS with Chinese fonts by generic family (no font embedded), the images in the manifest, the notes as
EPUB footnotes (``epub:type="noteref"`` → ``footnote``, each with a link back), the index a page of links to the
documents. ``book.vertical`` sets the text vertical (``writing-mode: vertical-rl``) and the pages right to left."""

from __future__ import annotations

import uuid
import zipfile
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from dangan.compilation.export import ExportError
from dangan.compilation.export.book import Book, Document
from dangan.compilation.export.common import (
    Out,
    Progress,
    Ticker,
    check_images,
    destination,
    index_groups,
    marker,
    numbered_notes,
    pieces,
)

CSS = """@charset "UTF-8";
html { font-family: serif; line-height: 1.8; }
body { margin: 0 1em; }
h1, h2, h3, .title, .subtitle { font-family: sans-serif; font-weight: bold; text-align: center; }
h1 { font-size: 1.6em; margin: 1em 0; }
h2 { font-size: 1.2em; margin: 1.5em 0 0.5em; }
h3 { font-size: 1.05em; margin: 1em 0 0.3em; text-align: start; }
p { margin: 0; text-indent: 2em; text-align: justify; }
p.date { text-align: center; text-indent: 0; font-size: 0.9em; margin-bottom: 0.5em; }
p.source { text-align: end; text-indent: 0; font-size: 0.85em; margin-top: 0.5em; }
p.plain { text-indent: 0; }
.title { font-size: 2em; margin-top: 3em; }
.subtitle { font-size: 1.3em; }
.credit { text-align: center; text-indent: 0; margin-top: 1em; }
figure { margin: 1em 0; text-align: center; }
figure img { max-width: 100%; max-height: 80vh; }
figcaption { font-size: 0.85em; }
a.noteref { text-decoration: none; font-size: 0.8em; vertical-align: super; }
aside.footnote { font-size: 0.85em; }
aside.footnote p { text-indent: 0; }
section.document { margin-bottom: 2em; }
ul.index { list-style: none; padding: 0; }
"""
VERTICAL_CSS = "html { writing-mode: vertical-rl; -epub-writing-mode: vertical-rl; }\n"

IMAGE_TYPES = {b"\xff\xd8": ("image/jpeg", ".jpg"), b"\x89P": ("image/png", ".png")}


def _xhtml(book: Book, title: str, body: str) -> str:
    lang = escape(book.language)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="{lang}" '
        f'xml:lang="{lang}">\n<head>\n<meta charset="UTF-8"/>\n<title>{escape(title)}</title>\n'
        '<link rel="stylesheet" type="text/css" href="style.css"/>\n</head>\n'
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _paragraphs(paragraphs: tuple[str, ...], css: str = "") -> str:
    attr = f' class="{css}"' if css else ""
    return "\n".join(f"<p{attr}>{escape(p)}</p>" for p in paragraphs)


def _doc_id(document: Document) -> str:
    return f"doc{document.number}"


class _Images:
    """The images copied into the book, each once, named in order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, Path]] = []  # (href, media type, source)
        self.by_path: dict[str, str] = {}

    def add(self, path: Path) -> str:
        key = str(path)
        if key in self.by_path:
            return self.by_path[key]
        try:
            with open(path, "rb") as handle:
                head = handle.read(2)
        except OSError as exc:
            raise ExportError(f"图片无法读取：{path}") from exc
        if head not in IMAGE_TYPES:
            raise ExportError(f"图片须为 JPEG 或 PNG：{path}")
        media, suffix = IMAGE_TYPES[head]
        href = f"images/img{len(self.items) + 1}{suffix}"
        self.items.append((href, media, path))
        self.by_path[key] = href
        return href


def _document(document: Document, images: _Images) -> str:
    did = _doc_id(document)
    parts = [f'<section class="document" id="{did}" aria-labelledby="{did}-h">']
    number = f"{document.number}　" if document.number else ""
    parts.append(f'<h2 id="{did}-h">{escape(number + document.heading)}</h2>')
    if document.date_line:
        parts.append(f'<p class="date">{escape(document.date_line)}</p>')
    for runs in pieces(document):
        html = []
        for piece in runs:
            if piece.note:
                html.append(
                    f'<a class="noteref" epub:type="noteref" id="{did}-r{piece.note}" '
                    f'href="#{did}-n{piece.note}" role="doc-noteref">{piece.text}</a>'
                )
            else:
                html.append(escape(piece.text))
        parts.append(f"<p>{''.join(html)}</p>")
    for image in document.images:
        href = images.add(Path(image.path))
        caption = escape(image.caption)
        figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
        parts.append(f'<figure><img src="{href}" alt="{caption or escape(document.heading)}"/>{figcaption}</figure>')
    if document.source_line:
        parts.append(f'<p class="source">{escape(document.source_line)}</p>')
    for n, note in numbered_notes(document):
        parts.append(
            f'<aside class="footnote" epub:type="footnote" id="{did}-n{n}" role="doc-footnote">'
            f'<p><a href="#{did}-r{n}" role="doc-backlink">{marker(n)}</a> {escape(note.text)}</p></aside>'
        )
    parts.append("</section>")
    return "\n".join(parts)


def write_epub(book: Book, out: Out, *, progress: Progress = None) -> None:
    """Writes ``book`` as EPUB 3 to ``out`` (a path or a binary file object); ``progress(done, total)`` is called
    after each document. Raises ExportError."""
    check_images(book)
    documents = book.documents()
    ticker = Ticker(progress, len(documents) + 2)
    images = _Images()
    files: list[tuple[str, str, str]] = []  # (href, title, xhtml)
    toc: list[tuple[str, str, list[tuple[str, str]]]] = []  # (href, title, children)

    cover = images.add(Path(book.cover)) if book.cover else ""
    if cover:
        files.append(("cover.xhtml", "封面", f'<section epub:type="cover"><img src="{cover}" alt="封面"/></section>'))
    credits = "".join(
        f'<p class="credit">{escape(line)}</p>' for line in (book.editor, book.publisher, book.year) if line
    )
    subtitle = f'<p class="subtitle">{escape(book.subtitle)}</p>' if book.subtitle else ""
    files.append(
        (
            "title.xhtml",
            book.title,
            f'<section epub:type="titlepage"><p class="title">{escape(book.title)}</p>{subtitle}{credits}</section>',
        )
    )
    for href, title, paragraphs, kind in (
        ("preface.xhtml", "前言", book.preface, "preface"),
        ("editorial.xhtml", "编辑说明", book.editorial_notes, "foreword"),
    ):
        if paragraphs:
            front = f'<section epub:type="{kind}"><h1>{title}</h1>\n{_paragraphs(paragraphs)}</section>'
            files.append((href, title, front))
            toc.append((href, title, []))
    first_section = ""
    for n, section in enumerate(book.sections, start=1):
        href = f"section{n}.xhtml"
        first_section = first_section or href
        title = section.title or book.title
        body: list[str] = [f'<section epub:type="chapter" aria-labelledby="s{n}"><h1 id="s{n}">{escape(title)}</h1>']
        children = []
        for document in section.documents:
            body.append(_document(document, images))
            number = f"{document.number}　" if document.number else ""
            children.append((f"{href}#{_doc_id(document)}", number + document.heading))
            ticker.tick()
        body.append("</section>")
        files.append((href, title, "\n".join(body)))
        toc.append((href, title, children))
    groups = index_groups(book)
    if groups:
        where = {
            d.number: f"section{n}.xhtml#{_doc_id(d)}" for n, s in enumerate(book.sections, 1) for d in s.documents
        }
        body = ['<section epub:type="index"><h1>人名地名索引</h1>']
        for label, entries in groups:
            body.append(f'<h3>{label}</h3>\n<ul class="index">')
            for entry in entries:
                links = "，".join(
                    f'<a href="{where[d]}">{d}</a>' if d in where else str(d) for d in sorted(set(entry.documents))
                )
                body.append(f"<li>{escape(entry.name)}　{links}</li>")
            body.append("</ul>")
        body.append("</section>")
        files.append(("index.xhtml", "人名地名索引", "\n".join(body)))
        toc.append(("index.xhtml", "人名地名索引", []))

    if not toc and files:
        toc.append((files[0][0], files[0][1], []))
    nav_items = []
    for href, title, children in toc:
        inner = ""
        if children:
            inner = "<ol>" + "".join(f'<li><a href="{h}">{escape(t)}</a></li>' for h, t in children) + "</ol>"
        nav_items.append(f'<li><a href="{href}">{escape(title)}</a>{inner}</li>')
    landmarks = ['<li><a epub:type="toc" href="nav.xhtml#toc">目录</a></li>']
    if first_section:
        landmarks.append(f'<li><a epub:type="bodymatter" href="{first_section}">正文</a></li>')
    nav = _xhtml(
        book,
        "目录",
        f'<nav epub:type="toc" id="toc"><h1>目录</h1><ol>{"".join(nav_items)}</ol></nav>\n'
        f'<nav epub:type="landmarks" hidden="hidden"><h2>导览</h2><ol>{"".join(landmarks)}</ol></nav>',
    )
    opf = _package(book, files, images, cover)
    ticker.tick()
    with destination(out) as handle, zipfile.ZipFile(handle, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        deflate = zipfile.ZIP_DEFLATED
        archive.writestr("META-INF/container.xml", CONTAINER, compress_type=deflate)
        archive.writestr("OEBPS/content.opf", opf, compress_type=deflate)
        archive.writestr("OEBPS/nav.xhtml", nav, compress_type=deflate)
        archive.writestr("OEBPS/style.css", CSS + (VERTICAL_CSS if book.vertical else ""), compress_type=deflate)
        for href, title, content in files:
            archive.writestr(f"OEBPS/{href}", _xhtml(book, title, content), compress_type=deflate)
        for href, _media, path in images.items:
            archive.write(path, f"OEBPS/{href}", compress_type=zipfile.ZIP_STORED)
    ticker.finish()


CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""


def _package(book: Book, files: list[tuple[str, str, str]], images: _Images, cover: str) -> str:
    identifier = book.identifier or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'dangan:' + book.title)}"
    modified = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = [
        f'<dc:identifier id="bookid">{escape(identifier)}</dc:identifier>',
        f"<dc:title>{escape(book.title)}</dc:title>",
        f"<dc:language>{escape(book.language)}</dc:language>",
        f'<meta property="dcterms:modified">{modified}</meta>',
    ]
    if book.editor:
        meta.append(f"<dc:creator>{escape(book.editor)}</dc:creator>")
    if book.publisher:
        meta.append(f"<dc:publisher>{escape(book.publisher)}</dc:publisher>")
    if book.year:
        meta.append(f"<dc:date>{escape(book.year)}</dc:date>")
    manifest = [
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>',
        '<item id="css" href="style.css" media-type="text/css"/>',
    ]
    spine = []
    for n, (href, _title, _body) in enumerate(files, start=1):
        manifest.append(f'<item id="x{n}" href="{href}" media-type="application/xhtml+xml"/>')
        spine.append(f'<itemref idref="x{n}"/>')
        if href == "title.xhtml":  # the table of contents follows the title page
            spine.append('<itemref idref="nav"/>')
    for n, (href, media, _path) in enumerate(images.items, start=1):
        properties = ' properties="cover-image"' if href == cover else ""
        manifest.append(f'<item id="i{n}" href="{href}" media-type="{media}"{properties}/>')
    direction = ' page-progression-direction="rtl"' if book.vertical else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="bookid" '
        f'xml:lang="{escape(book.language)}">\n'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n' + "\n".join(meta) + "\n</metadata>\n"
        "<manifest>\n" + "\n".join(manifest) + "\n</manifest>\n"
        f"<spine{direction}>\n" + "\n".join(spine) + "\n</spine>\n</package>\n"
    )
