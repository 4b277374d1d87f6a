"""Compilation export benchmark (issue #18, part export): a compilation of about 300 PDF pages with 200 scanned
images (1600 × 2200 JPEG, ~300 dpi for the 16开 text block, a textured page with writing on it, each one
different) exported to PDF — target under 60 s here — with the EPUB and DOCX times beside it; medians of 3 runs.
The floors, measured in the same run: the images alone embedded in a PDF of as many pages (fpdf2's JPEG
pass-through, no text), and the fonts alone (the three CJK faces loaded and subset to the characters the book uses).

    flock /work/bench.lock .venv/bin/python bench/compilation_export_bench.py
    flock /work/bench.lock .venv/bin/python bench/compilation_export_bench.py --quick   # 60 images, ~90 pages
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, setup_django, table

TARGET_S = 60.0
TEXT = (
    "中国工农红军第一方面军于一九三五年一月攻占遵义，召开了中共中央政治局扩大会议（遵义会议）。会议集中解决了当时具有"
    "决定意义的军事问题和组织问题，确立了毛泽东同志在红军和党中央的领导地位：这是“生死攸关的转折点”！电报第3号称："
    "各军团于1935年1月15日前到达指定地点，【急】「转各军团」《通知》……各部须于十时前到达——不得延误？"
)


def make_images(folder: Path, count: int, seed: int = 18) -> list[Path]:
    """``count`` different scans: a paper texture (noise, made once) with lines of dark strokes drawn on it."""
    from PIL import Image, ImageDraw, ImageFilter

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paper = Image.effect_noise((1600, 2200), 24).convert("RGB").filter(ImageFilter.GaussianBlur(1))
    tint = Image.new("RGB", paper.size, (222, 208, 178))
    paper = Image.blend(paper, tint, 0.7)
    paths = []
    for n in range(count):
        path = folder / f"scan{n:03d}.jpg"
        paths.append(path)
        if path.exists():
            continue
        image = paper.copy()
        draw = ImageDraw.Draw(image)
        for column in range(14):
            x = 1450 - column * 100
            y = 150 + rng.randrange(0, 60)
            while y < 2000:
                h = rng.randrange(30, 70)
                draw.rectangle((x, y, x + rng.randrange(40, 70), y + h), fill=(40 + n % 30, 35, 30))
                y += h + rng.randrange(10, 40)
        image.save(path, "JPEG", quality=85)
    return paths


def build_book(images: list[Path], documents: int) -> object:
    from dangan.compilation.export.book import Book, Document, Image, IndexEntry, Note, Section

    docs = []
    per_doc = len(images) // documents
    for n in range(1, documents + 1):
        paragraphs = tuple(TEXT * (1 + (n + k) % 3) for k in range(4))
        docs.append(
            Document(
                number=n,
                heading=f"中央军委关于红军渡过乌江的命令（第{n}号）",
                date_line="一九三五年一月二日",
                source_line=f"贵州省档案馆藏，档号：J001-001-{n:04d}",
                paragraphs=paragraphs,
                notes=(Note(0, 12, "遵义会议：1935年1月15日至17日召开。"), Note(2, 30, "乌江，长江上游南岸最大支流。")),
                images=tuple(
                    Image(p, f"图{k + 1}　电报原件", 1600, 2200)
                    for k, p in enumerate(images[(n - 1) * per_doc : n * per_doc])
                ),
            )
        )
    sections = tuple(
        Section(f"{'一二三四五'[i]}、第{i + 1}部分", tuple(docs[i * documents // 5 : (i + 1) * documents // 5]))
        for i in range(5)
    )
    index = tuple(IndexEntry(f"人名{i}", "person", (i % documents + 1,), f"renming{i:03d}") for i in range(60))
    return Book(
        title="红军长征转战贵州重要档案选编",
        editor="贵州省档案馆　编",
        preface=(TEXT * 3,) * 3,
        editorial_notes=(TEXT,) * 4,
        sections=sections,
        index=index,
    )


def median_of(runs: int, fn: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def images_floor(images: list[Path], out: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(185, 260))
    for path in images:
        pdf.add_page()
        pdf.image(str(path), x=20, y=20, w=100, h=137.5)
    out.write_bytes(bytes(pdf.output()))


def fonts_floor(book: object, out: Path) -> None:
    from fpdf import FPDF

    from dangan.compilation.export.pdf import _fonts

    text = "".join(sorted(set(TEXT + "".join(str(v) for v in vars(book).values()))))
    pdf = FPDF(unit="mm", format=(185, 260))
    pdf.add_page()
    for key, (path, index) in _fonts().items():
        pdf.add_font(key, "", path, collection_font_number=index)
        pdf.set_font(key, size=10)
        for i in range(0, len(text), 30):
            pdf.text(10, 10 + i / 3, text[i : i + 30])
    out.write_bytes(bytes(pdf.output()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from pypdf import PdfReader

    from dangan.compilation.export.docx import write_docx
    from dangan.compilation.export.epub import write_epub
    from dangan.compilation.export.pdf import write_pdf

    count, documents = (60, 30) if args.quick else (200, 100)
    cache = Path(tempfile.gettempdir()) / "dangan-compilation-bench-images"
    progress(f"images: {count} scans 1600×2200 in {cache}")
    images = make_images(cache, count)
    book = build_book(images, documents)
    work = Path(tempfile.mkdtemp(prefix="dangan-export-bench-"))
    outs = {name: work / f"book.{name}" for name in ("pdf", "epub", "docx", "images.pdf", "fonts.pdf")}
    rows = []
    progress(f"load before: {os.getloadavg()}")
    writers: list[tuple[str, Callable[[], None]]] = [
        ("PDF (write_pdf)", lambda: write_pdf(book, outs["pdf"])),  # type: ignore[arg-type]
        ("EPUB (write_epub)", lambda: write_epub(book, outs["epub"])),  # type: ignore[arg-type]
        ("DOCX (write_docx)", lambda: write_docx(book, outs["docx"])),  # type: ignore[arg-type]
        ("floor: the images alone in a PDF", lambda: images_floor(images, outs["images.pdf"])),
        ("floor: the fonts alone, subset", lambda: fonts_floor(book, outs["fonts.pdf"])),
    ]
    results: dict[str, float] = {}
    for label, fn in writers:
        progress(f"{label} × {args.runs}")
        results[label] = median_of(args.runs, fn)
    pages = len(PdfReader(outs["pdf"]).pages)
    for (label, _fn), key in zip(writers, ("pdf", "epub", "docx", "images.pdf", "fonts.pdf"), strict=True):
        rows.append([label, round(results[label], 2), outs[key].stat().st_size // 1024])
    print(f"{documents} documents, {count} images 1600×2200 JPEG, {pages} PDF pages; medians of {args.runs} runs")
    print(table(["what", "median s", "size KiB"], rows))
    pdf_s = results["PDF (write_pdf)"]
    floor = results["floor: the images alone in a PDF"] + results["floor: the fonts alone, subset"]
    print(
        f"\nPDF: {pdf_s:.2f} s for {pages} pages, target < {TARGET_S:.0f} s: {'met' if pdf_s < TARGET_S else 'MISSED'}"
    )
    print(f"PDF / (images floor + fonts floor) = {pdf_s / floor:.2f}")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
