"""The print-ready PDF of a compilation (fpdf2): 16开 pages with mirrored margins, the Noto Serif CJK SC body (宋体)
and Noto Sans CJK SC headings (黑体), embedded as subsets; title page, table of contents with page numbers, preface,
editorial notes, the sections (each opening on a recto of its own), each document with its number, heading, date
line, text (first lines indented two characters, justified, Chinese line breaking: ``linebreak``), images, source
line and notes (①② in the text, the notes after the document), the index of people and places; running heads (the
book's title on even pages, the section's on odd ones) and page numbers except on the title and part-opening pages.

``book.vertical`` gives the vertical (竖排) edition: columns top to bottom, right to left, bound on the right; the
punctuation in its vertical forms, Latin words and numbers set sideways. Layout: ``pdf_layout``."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.prefs import ViewerPreferences
from fpdf.syntax import Name
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
    marker,
    numbered_notes,
    pieces,
)
from dangan.compilation.export.pdf_layout import (
    BLOCK_H,
    BLOCK_W,
    BODY,
    CHAPTER,
    DATE,
    DOC_HEADING,
    EDITOR,
    HEAD,
    INDEX,
    INDEX_HEAD,
    INNER,
    MM_PER_PT,
    NOTE,
    NOTE_HEAD,
    OUTER,
    PAGE_H,
    PAGE_W,
    PART,
    SOURCE,
    SUBTITLE,
    TITLE,
    TOC_L0,
    TOC_L1,
    TOP,
    Flow,
    ImageOp,
    Page,
    Style,
    TextOp,
)

# The vertical forms of punctuation (Unicode's CJK Compatibility Forms and Vertical Forms), which Noto CJK draws.
VERTICAL_FORMS = str.maketrans(
    {
        "，": "︐",
        "、": "︑",
        "。": "︒",
        "：": "︓",
        "；": "︔",
        "！": "︕",
        "？": "︖",
        "…": "︙",
        "—": "︱",
        "（": "︵",
        "）": "︶",
        "《": "︽",
        "》": "︾",
        "「": "﹁",
        "」": "﹂",
        "『": "﹃",
        "』": "﹄",
        "【": "︻",
        "】": "︼",
        "〔": "︹",
        "〕": "︺",
        "〈": "︿",
        "〉": "﹀",
        "“": "﹁",
        "”": "﹂",
        "‘": "﹃",
        "’": "﹄",
        "～": "≀",
    }
)
SIDEWAYS_IN_VERTICAL = frozenset("-–")  # set sideways as the Latin is


def _fonts() -> dict[str, tuple[str, int]]:
    """The font files: Noto Serif CJK SC for the body, Noto Sans CJK SC (regular and bold) for headings, beside
    the font ``utilities.fonts`` finds (DANGAN_REPORT_FONT, when set, serves for all)."""
    from django.conf import settings

    from dangan.utilities.fonts import FontMissing, cjk_font

    try:
        found = cjk_font()
    except FontMissing as exc:
        raise ExportError(str(exc)) from exc
    serif = found.regular
    if not getattr(settings, "REPORT_FONT", ""):
        candidate = Path(found.regular).with_name(Path(found.regular).name.replace("Sans", "Serif"))
        if candidate.is_file():
            serif = str(candidate)
    return {
        "serif": (serif, found.collection_index),
        "sans": (found.regular, found.collection_index),
        "sansb": (found.bold, found.collection_index),
    }


def _document(flow: Flow, document: Document, key: str) -> None:
    heading = f"{document.number}　{document.heading}" if document.number else document.heading
    flow.heading(heading, DOC_HEADING, before=8 * (flow.cursor > 0), after=2, keep=BODY.advance * 2, key=key, level=1)
    if document.date_line:
        flow.paragraph(document.date_line, DATE)
        flow.space(2)
    for runs in pieces(document):
        if runs:
            flow.paragraph([(p.text, bool(p.note)) for p in runs], BODY)
    for image in document.images:
        width, height = image.width_px, image.height_px
        if not (width and height):
            try:
                with PILImage.open(image.path) as img:
                    width, height = img.size
            except OSError as exc:
                raise ExportError(f"第 {document.number} 件档案的图片无法读取：{image.path}") from exc
        flow.image(Path(image.path), width, height, image.caption)
    if document.source_line:
        flow.space(1)
        flow.paragraph(document.source_line, SOURCE, keep=1)
    notes = numbered_notes(document)
    if notes:
        flow.heading("注释", NOTE_HEAD, before=3, keep=NOTE.advance)
        for number, note in notes:
            flow.paragraph([(marker(number), False), (note.text, False)], NOTE, keep=1)


def _toc_entries(book: Book) -> list[tuple[str, str, int]]:
    """(key, title, level) of each table of contents entry, in order."""
    entries: list[tuple[str, str, int]] = []
    if book.preface:
        entries.append(("preface", "前言", 0))
    if book.editorial_notes:
        entries.append(("notes", "编辑说明", 0))
    position = 0
    for n, section in enumerate(book.sections):
        if section.title:
            entries.append((f"part{n}", section.title, 0))
        for document in section.documents:
            title = f"{document.number}　{document.heading}" if document.number else document.heading
            entries.append((f"doc{position}", title, 1))  # by position: numbers may repeat
            position += 1
    if book.index:
        entries.append(("index", "人名地名索引", 0))
    return entries


def layout(book: Book, widths: dict[str, dict[int, float]], ticker: Ticker | None = None) -> Flow:
    """The book poured into pages (no drawing), with the page of each table of contents entry (``flow.toc``): the
    renderer fills the numbers in."""
    flow = Flow(widths, vertical=book.vertical)
    position = 0
    # The title page and its blank verso.
    flow.new_page("title")
    flow.cursor = flow.extent * 0.22
    flow.paragraph(book.title, TITLE)
    if book.subtitle:
        flow.space(4)
        flow.paragraph(book.subtitle, SUBTITLE)
    flow.cursor = max(flow.cursor, flow.extent * 0.7)
    for line in (book.editor, book.publisher, book.year):
        if line:
            flow.paragraph(line, EDITOR)
    flow.new_page("blank")
    # The table of contents: laid out now, its page numbers filled in at the end.
    flow.head = "目录"
    flow.new_page("part", odd=True)
    flow.heading("目　录", CHAPTER, after=6)
    for key, title, level in _toc_entries(book):
        flow.toc_line(key, title, TOC_L0 if level == 0 else TOC_L1, 0.0 if level == 0 else 2 * TOC_L1.em)
    for key, title, paragraphs in (("preface", "前　言", book.preface), ("notes", "编辑说明", book.editorial_notes)):
        if paragraphs:
            flow.head = title.replace("　", "")
            flow.new_page("part", odd=True)
            flow.heading(title, CHAPTER, after=6, key=key)
            for text in paragraphs:
                flow.paragraph(text, BODY)
    for n, section in enumerate(book.sections):
        flow.head = section.title or book.title
        if section.title:
            flow.new_page("part", odd=True)
            flow.cursor = flow.extent * 0.3
            flow.heading(section.title, PART, key=f"part{n}")
            flow.new_page("blank")
            flow.new_page()
        elif n == 0:
            flow.new_page(odd=True)
        for document in section.documents:
            _document(flow, document, f"doc{position}")
            position += 1
            if ticker is not None:
                ticker.tick()
    groups = index_groups(book)
    if groups:
        flow.head = "人名地名索引"
        flow.new_page("part", odd=True)
        flow.heading("人名地名索引", CHAPTER, after=6, key="index")
        for label, entries in groups:
            flow.heading(label, INDEX_HEAD, before=3, keep=INDEX.advance * 2)
            for entry in entries:
                flow.paragraph(f"{entry.name}　{document_numbers(entry)}", INDEX, keep=1)
    return flow


class _RightToLeft(ViewerPreferences):
    """Viewer preferences of a book bound on the right: /Direction /R2L (fpdf2 2.8 writes its own text direction
    there, which is not a PDF name)."""

    @property  # type: ignore[override]
    def direction(self) -> Name:
        return Name("R2L")

    @direction.setter
    def direction(self, value: object) -> None:
        pass


class _Renderer:
    """Draws the laid-out pages with fpdf2."""

    def __init__(self, book: Book, fonts: dict[str, tuple[str, int]]) -> None:
        self.book = book
        self.vertical = book.vertical
        pdf = FPDF(unit="mm", format=(PAGE_W, PAGE_H))
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        pdf.c_margin = 0
        for key, (path, index) in fonts.items():
            try:
                pdf.add_font(key, "", path, collection_font_number=index)
            except (OSError, RuntimeError) as exc:
                raise ExportError(f"无法载入中文字体 {path}：{exc}") from exc
        pdf.set_title(book.title)
        pdf.set_author(book.editor)
        pdf.set_creator("dangan")
        pdf.set_lang(book.language)
        if self.vertical:
            pdf.viewer_preferences = _RightToLeft()
        self.pdf = pdf
        self.font = ""
        self.size = 0.0
        self.spacing = 0.0
        self.table: dict[str, dict[int, float]] = {}

    def widths(self) -> dict[str, dict[int, float]]:
        result: dict[str, dict[int, float]] = {}
        for key in ("serif", "sans", "sansb"):
            self.pdf.set_font(key, size=10)
            font = self.pdf.current_font
            assert font is not None
            result[key] = {int(code): float(width) for code, width in font.cw.items()}
        self.table = result
        return result

    def _measure(self, text: str, style: Style) -> float:
        table = self.table[style.font]
        return sum(table.get(ord(c), 1000.0) for c in text) * style.em / 1000

    def _set(self, font: str, size: float, spacing: float = 0.0) -> None:
        if (font, size) != (self.font, self.size):
            self.pdf.set_font(font, size=size)
            self.font, self.size = font, size
        points = round(spacing / MM_PER_PT, 2)
        if points != self.spacing:
            self.pdf.set_char_spacing(points)
            self.spacing = points

    def _block_origin(self, number: int) -> tuple[float, float]:
        """The text block's left edge on page ``number`` (1-based): the inner margin on the binding side."""
        odd = number % 2 == 1
        left_bound = not self.vertical
        inner_left = odd if left_bound else not odd
        return (INNER if inner_left else OUTER), TOP

    def page(self, number: int, page: Page, toc: dict[str, int]) -> None:
        pdf = self.pdf
        pdf.add_page()
        left, top = self._block_origin(number)
        for level, title in page.outline:
            pdf.set_y(top)
            pdf.start_section(title, level=level, strict=False)
        for op in page.ops:
            if isinstance(op, ImageOp):
                self._image(op, left, top)
            else:
                self._text(op, left, top, toc)
        if page.kind == "body":
            self._furniture(number, page, left)

    def _image(self, op: ImageOp, left: float, top: float) -> None:
        if self.vertical:
            x = left + BLOCK_W - op.block - op.across
            y = top + op.inline
            w, h = op.across, op.along
        else:
            x, y, w, h = left + op.inline, top + op.block, op.along, op.across
        try:
            self.pdf.image(str(op.path), x=x, y=y, w=w, h=h)
        except Exception as exc:  # fpdf2 raises many kinds on a broken file
            raise ExportError(f"图片无法放入 PDF：{op.path}（{exc}）") from exc

    def _text(self, op: TextOp, left: float, top: float, toc: dict[str, int]) -> None:
        style = op.style
        text, spacing = op.line.text, op.spacing
        if op.toc_key:
            text, spacing = self._toc_text(op, toc)
        if not self.vertical:
            baseline = top + op.block + (style.advance - style.em) / 2 + style.em * 0.86
            self._set(style.font, style.size, spacing)
            self.pdf.text(left + op.inline, baseline, text)
            return
        # Vertical: each character placed in its column, right to left; Latin words sideways.
        center = left + BLOCK_W - op.block - style.advance / 2
        self._set(style.font, style.size)
        y = top + op.inline
        atoms = op.line.atoms
        if op.toc_key:
            self._vertical_run(text, style, center, y, spacing)
            return
        for atom in atoms:
            if atom.space:
                y += atom.width + op.spacing
                continue
            if atom.upright:
                self._across(atom.text, style, center, y)
                y += atom.width + op.spacing
                continue
            if atom.latin:
                self._sideways(atom.text, style, center, y)
                y += atom.width + op.spacing
                continue
            self._upright(atom.text, style, center, y)
            y += atom.width + op.spacing

    def _upright(self, char: str, style: Style, center: float, y: float) -> None:
        glyph = char.translate(VERTICAL_FORMS)
        if glyph in SIDEWAYS_IN_VERTICAL:
            self._sideways(glyph, style, center, y)
            return
        self.pdf.text(center - style.em / 2, y + style.em * 0.88, glyph)

    def _across(self, digits: str, style: Style, center: float, y: float) -> None:
        """One or two digits across the column, narrowed to fit one em (纵中横)."""
        width = self._measure(digits, style)
        if width > style.em:
            self.pdf.set_stretching(style.em / width * 100)
            width = style.em
        self.pdf.text(center - width / 2, y + style.em * 0.88, digits)
        self.pdf.set_stretching(100)

    def _sideways(self, text: str, style: Style, center: float, y: float) -> None:
        with self.pdf.rotation(-90, center - style.em * 0.32, y):
            self.pdf.text(center - style.em * 0.32, y, text)

    def _vertical_run(self, text: str, style: Style, center: float, y: float, spacing: float) -> None:
        for char in text:
            advance = self._measure(char, style) + spacing
            if char == " ":
                pass
            elif char.isascii():
                self._sideways(char, style, center, y)
            else:
                self._upright(char, style, center, y)
            y += advance

    def _toc_text(self, op: TextOp, toc: dict[str, int]) -> tuple[str, float]:
        """A table of contents line with its leader and page number, and the spacing that sets its number flush
        with the end of the measure."""
        style = op.style
        number = str(toc.get(op.toc_key, ""))
        measure = (BLOCK_H if self.vertical else BLOCK_W) - op.inline
        dot = "…"
        text_width = op.line.width
        self._set(style.font, style.size)
        number_width = self._measure(number, style)
        dot_width = self._measure(dot, style)
        count = max(0, int((measure - text_width - number_width - style.em * 0.5) / dot_width))
        text = op.line.text + dot * count + number
        free = measure - text_width - number_width - dot_width * count
        return text, free / max(1, len(text) - 1)

    def _furniture(self, number: int, page: Page, left: float) -> None:
        """The running head (the book's title on even pages, the section's on odd ones) with its rule, and the page
        number at the foot."""
        pdf = self.pdf
        head = page.head if number % 2 == 1 else self.book.title
        self._set(HEAD.font, HEAD.size)
        width = self._measure(head, HEAD)
        pdf.text(left + (BLOCK_W - width) / 2, TOP - 6, head)
        pdf.set_line_width(0.2)
        pdf.line(left, TOP - 4.5, left + BLOCK_W, TOP - 4.5)
        label = str(number)
        width = self._measure(label, HEAD)
        outer_right = (number % 2 == 1) != self.vertical
        x = left + BLOCK_W - width if outer_right else left
        pdf.text(x, PAGE_H - 14, label)


def write_pdf(book: Book, out: Out, *, progress: Progress = None) -> None:
    """Writes ``book`` as a print-ready PDF to ``out`` (a path or a binary file object); ``progress(done, total)``
    is called after each document is laid out and as the pages are drawn. Raises ExportError."""
    check_images(book)
    documents = book.documents()
    ticker = Ticker(progress, len(documents) + 10)
    renderer = _Renderer(book, _fonts())
    flow = layout(book, renderer.widths(), ticker)
    pages = flow.pages
    step = max(1, len(pages) // 9)
    for number, page in enumerate(pages, start=1):
        renderer.page(number, page, flow.toc)
        if number % step == 0:
            ticker.tick()
    data = _output(renderer.pdf)
    with destination(out) as handle:
        handle.write(data)
    ticker.finish()


def _output(pdf: FPDF) -> bytearray:
    try:
        return pdf.output()
    except Exception as exc:  # fpdf2's subsetting or a broken image
        raise ExportError(f"PDF 生成失败：{exc}") from exc
