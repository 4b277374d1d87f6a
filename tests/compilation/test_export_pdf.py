"""The PDF writer on books built by hand: every element, the Chinese line breaking read back from the PDF's text
lines, fonts embedded, page numbers and running heads, the vertical edition's columns, progress and errors."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from dangan.compilation.export import ExportError
from dangan.compilation.export.book import Book, Document, Image, Note, Section
from dangan.compilation.export.linebreak import NO_END, NO_START, atoms, break_lines
from dangan.compilation.export.pdf import write_pdf
from tests.compilation.export_books import SECTIONS, TITLE, full_book

pytestmark = pytest.mark.django_db


def runs(page: Any) -> list[tuple[str, float, float, float]]:
    """Each text showing operation of ``page``: (text, x, y, size), the text without the NULs and spaces pypdf
    leaves beside two-byte codes. The writer draws one line per operation (one character in the vertical edition)."""
    found: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        clean = text.replace("\x00", "").replace(" ", "").replace("\u3000", "").strip()
        if clean:
            found.append((clean, cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3], size))

    page.extract_text(visitor_text=visit)
    return found


def render(book: Book, tmp_path: Path, name: str = "book.pdf") -> PdfReader:
    out = tmp_path / name
    write_pdf(book, out)
    return PdfReader(out)


@pytest.fixture(scope="module")
def horizontal(tmp_path_factory: Any, django_db_blocker: Any) -> PdfReader:
    tmp = tmp_path_factory.mktemp("pdf")
    with django_db_blocker.unblock():
        return render(full_book(tmp, documents=9), tmp)


def test_every_element_is_printed(horizontal: PdfReader) -> None:
    text = "".join(t for page in horizontal.pages for t, *_ in runs(page))
    for expected in (
        TITLE,
        "目录",
        "前言",
        "编辑说明",
        *SECTIONS,
        "1　中央军委关于红军渡过乌江的命令（第1号）".replace("　", ""),
        "一九三五年一月二日",
        "贵州省档案馆藏，档号：J001-001-0001",
        "注释",
        "①遵义会议",
        "②乌江",
        "图一电报原件",
        "人名地名索引",
        "人名",
        "地名",
        "RedArmy",
        "1935年1月15日",
    ):
        assert expected in text, expected
    # The index in pinyin order within each kind, with document numbers.
    index = "".join(t for t, *_ in runs(horizontal.pages[-1]))
    assert (
        index.index("毛泽东") < index.index("朱德") < index.rindex("地名") < index.index("乌江") < index.index("遵义")
    )
    assert "遵义2，3，5" in index
    # The notes' markers are in the text where anchored: ① after the 10th character of the first paragraph.
    assert "中国工农红军第一方面①军" in text


def test_fonts_are_embedded(horizontal: PdfReader) -> None:
    fonts = [ref for page in horizontal.pages for ref in page["/Resources"].get("/Font", {}).values()]
    assert fonts
    for ref in fonts:
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        assert "+" in str(descriptor["/FontName"])  # a subset (XXXXXX+Name)
    names = {str(ref.get_object()["/BaseFont"]) for ref in fonts}
    assert any("Serif" in n for n in names) and any("Sans" in n for n in names)


def test_no_line_begins_with_closing_nor_ends_with_opening_punctuation(horizontal: PdfReader) -> None:
    lines = [t for page in horizontal.pages for t, *_ in runs(page)]
    assert len(lines) > 300
    # The book is full of marks where lines end: the check has something to catch.
    assert sum(1 for line in lines if line[-1] in "，。」）》…—！；") > 40
    bad = [line for line in lines if line[0] in NO_START or line[-1] in NO_END]
    assert not bad, bad[:5]


def test_page_numbers_running_heads_and_table_of_contents(horizontal: PdfReader) -> None:
    pages = [runs(p) for p in horizontal.pages]
    assert len(pages) > 20
    height = float(horizontal.pages[0].mediabox.height)

    def head(n: int) -> str:  # the text at the top of page n (1-based), above the text block
        return "".join(t for t, _x, y, _s in pages[n - 1] if y > height - 26 / 25.4 * 72)

    def foot(n: int) -> str:
        return "".join(t for t, _x, y, _s in pages[n - 1] if y < 24 / 25.4 * 72)

    assert head(1) == "" and foot(1) == ""  # the title page
    toc = "".join(t for t, *_ in pages[2])
    assert "目录" in toc
    body = [n for n in range(1, len(pages) + 1) if foot(n) == str(n)]
    assert len(body) > len(pages) // 2
    for n in body:
        if n % 2 == 0:
            assert head(n) == TITLE
        else:
            assert head(n) in (*SECTIONS, "目录", "前言", "编辑说明", "人名地名索引")
    # A part-opening page has neither head nor number; the table of contents points at it.
    part = next(n for n in range(1, len(pages) + 1) if "".join(t for t, *_ in pages[n - 1]) == SECTIONS[1])
    assert foot(part) == ""
    line = next(t for t, *_ in pages[2] if t.startswith(SECTIONS[1]))
    assert line.endswith(str(part)) and "…" in line
    doc4 = next(t for page in pages[2:4] for t, *_ in page if t.startswith("4　中央") or t.startswith("4中央"))
    number = int(doc4.rstrip("…").split("…")[-1])
    assert "中央军委关于红军渡过乌江的命令（第4号）" in "".join(t for t, *_ in pages[number - 1])


def test_images_are_embedded_as_jpeg(horizontal: PdfReader) -> None:
    filters = {
        str(x.get_object().get("/Filter"))
        for page in horizontal.pages
        for x in page["/Resources"].get("/XObject", {}).values()
    }
    assert "/DCTDecode" in filters


def test_the_line_breaker_pushes_back_or_squeezes() -> None:
    def width(text: str) -> float:
        return 10.0 * len(text)

    for k in range(1, 12):
        text = "字" * k + "。」" + "字" * 3 + "（「字" + "字" * 20
        lines = break_lines(atoms(text, width), 100.0, em=10.0)
        assert "".join(line.text for line in lines) == text
        for line in lines:
            assert line.text[0] not in NO_START and line.text[-1] not in NO_END
            assert line.width <= 105.0  # at most half an em squeezed in


def test_vertical_edition_places_characters_in_columns(tmp_path: Path) -> None:
    reader = render(full_book(tmp_path, vertical=True, documents=4), tmp_path)
    assert str(reader.trailer["/Root"]["/ViewerPreferences"]["/Direction"]) == "/R2L"
    pages = [runs(p) for p in reader.pages]
    text = "".join(t for page in pages for t, *_ in page)
    assert "︐" in text and "︒" in text and "︵" in text  # the vertical forms of ，。（
    page = max(pages[6:], key=lambda p: sum(1 for t, *_ in p if len(t) == 1))
    chars = [(t, round(x, 1), y) for t, x, y, size in page if len(t) == 1 and size > 10]
    columns: dict[float, list[tuple[float, str]]] = {}
    for t, x, y in chars:
        columns.setdefault(x, []).append((y, t))
    full = {x: col for x, col in columns.items() if len(col) >= 20}
    assert len(full) >= 10  # many columns of characters, one above another
    spans = []
    for col in full.values():
        ys = sorted((y for y, _ in col), reverse=True)
        spans.append(ys[0] - ys[-1])
        first = max(col)[1]  # the topmost character begins the column
        assert first not in NO_START
    assert sorted(spans)[len(spans) // 2] > 400  # columns run down most of the page
    # Columns read right to left: the first document's heading opens its page, right of all its text.
    page = next(p for p in pages if any(t == "央" and size > 11 for t, _x, _y, size in p))
    heading = next(x for t, x, _y, size in page if t == "央" and size > 11)
    body = [x for t, x, _y, size in page if size == 10.5]
    assert body and max(body) < heading


def test_progress_file_objects_and_errors(tmp_path: Path) -> None:
    book = full_book(tmp_path, documents=3, punctuation=False)
    seen: list[tuple[int, int]] = []
    buffer = io.BytesIO()
    write_pdf(book, buffer, progress=lambda done, total: seen.append((done, total)))
    assert PdfReader(io.BytesIO(buffer.getvalue())).pages
    assert seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)
    missing = replace(
        book, sections=(Section("一", (Document(1, "甲", paragraphs=("文",), images=(Image(tmp_path / "no.jpg"),)),)),)
    )
    out = tmp_path / "missing.pdf"
    with pytest.raises(ExportError, match="图片不存在"):
        write_pdf(missing, out)
    assert not out.exists() and not list(tmp_path.glob("*.part"))


def test_a_book_with_nothing_in_it_and_a_document_with_many_notes(tmp_path: Path) -> None:
    from dangan.compilation.export.docx import write_docx
    from dangan.compilation.export.epub import write_epub

    empty = Book("空书")
    for writer, name in ((write_pdf, "e.pdf"), (write_epub, "e.epub"), (write_docx, "e.docx")):
        writer(empty, tmp_path / name)
        assert (tmp_path / name).stat().st_size > 0
    notes = tuple(Note(0, i, f"注{i}") for i in range(55))  # anchored past the text's end too
    book = Book("一书", sections=(Section("", (Document(1, "甲", paragraphs=("文" * 30,), notes=notes),)),))
    text = "".join(t for page in render(book, tmp_path).pages for t, *_ in runs(page))
    assert "⑳" in text and "㉑" in text and "㊿" in text and "[51]" in text and "[55]注54" in text
