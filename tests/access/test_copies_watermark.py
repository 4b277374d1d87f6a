"""The watermark itself (access.watermark): visible over the whole page, semi-transparent (what lies under it stays
readable), and named in the PDF as text."""

from __future__ import annotations

import io
from datetime import date

import numpy
from PIL import Image, ImageDraw
from pypdf import PdfReader

from dangan.access.watermark import CopyPage, apply_watermark, watermark_text, write_pdf


def _page() -> Image.Image:
    image = Image.new("RGB", (600, 840), (250, 250, 250))
    ImageDraw.Draw(image).rectangle((0, 400, 600, 440), fill=(0, 0, 0))  # a black line of "text"
    return image


def test_the_line_names_the_reader_the_day_and_the_archives() -> None:
    assert watermark_text("张三", date(2026, 12, 7), "贵州省档案馆") == "张三 2026-12-07 仅供查档使用 · 贵州省档案馆"
    assert watermark_text("张三", date(2026, 12, 7), "") == "张三 2026-12-07 仅供查档使用"


def test_the_watermark_covers_the_page_and_leaves_it_readable() -> None:
    page = _page()
    marked = numpy.asarray(apply_watermark(page, "张三 2026-12-07 仅供查档使用")).astype(int)
    plain = numpy.asarray(page).astype(int)
    changed = numpy.abs(marked - plain).max(axis=2) > 30
    # Tiled: every quarter of the page carries some of it.
    for rows in (slice(0, 420), slice(420, 840)):
        for cols in (slice(0, 300), slice(300, 600)):
            assert changed[rows, cols].mean() > 0.02
    # Semi-transparent and red: the page's white turns pink, never solid red; the black line stays dark.
    assert marked[:400, :, 0].min() > 150
    assert marked[:400, :, 1].min() > 120
    assert marked[405:435, :, :].max() < 110


def test_the_pdf_names_the_reader_in_text_and_metadata() -> None:
    text = "李四 2026-12-07 仅供查档使用 · 贵州省档案馆"
    out = io.BytesIO()
    assert write_pdf(out, [CopyPage(4, apply_watermark(_page(), text))], text, title="标题", author="贵州省档案馆") == 1
    pdf = PdfReader(io.BytesIO(out.getvalue()))
    words = "".join(pdf.pages[0].extract_text().replace("\x00", "").split())
    assert "李四2026-12-07仅供查档使用" in words and "第4页" in words
    assert pdf.metadata.subject == text and pdf.metadata.author == "贵州省档案馆"
    assert len(pdf.pages[0].images) == 1
