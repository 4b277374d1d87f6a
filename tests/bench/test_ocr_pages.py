"""The OCR bench's page generator (bench/ocr/make_pages.py) is deterministic and every page has its true text."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

OCR_BENCH = Path(__file__).resolve().parents[2] / "bench" / "ocr"


@pytest.fixture(scope="module")
def make_pages() -> ModuleType:
    sys.path.insert(0, str(OCR_BENCH))
    try:
        spec = importlib.util.spec_from_file_location("make_pages", OCR_BENCH / "make_pages.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["make_pages"] = module  # dataclasses look their module up while the class is made
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(OCR_BENCH))


def test_at_least_thirty_pages_of_every_kind_the_issue_names(make_pages: ModuleType) -> None:
    names = [p.name for p in make_pages.PAGES]
    assert len(names) >= 30 and len(set(names)) == len(names)
    categories = {p.category for p in make_pages.PAGES}
    assert categories >= {
        "vertical_traditional",
        "kaishu",
        "ming_song",
        "mimeograph",
        "seal",
        "skew_stains",
        "lowres_150dpi",
        "form",
        "red_header",
        "horizontal_simplified",
    }
    assert any(p.dpi == 150 for p in make_pages.PAGES)
    assert all(1 <= abs(p.skew) <= 4 for p in make_pages.PAGES if p.category == "skew_stains")


def test_every_page_has_its_committed_truth_as_the_generator_writes_it(make_pages: ModuleType) -> None:
    truth = OCR_BENCH / "truth"
    assert {f.stem for f in truth.glob("*.txt")} == {p.name for p in make_pages.PAGES}
    for page in make_pages.PAGES:
        committed = (truth / f"{page.name}.txt").read_text(encoding="utf-8")
        assert committed == make_pages.truth_text(page), page.name
        assert committed.strip() and "\n\n" not in committed
    index = json.loads((OCR_BENCH / "pages.json").read_text(encoding="utf-8"))
    assert index == make_pages.page_index()


def test_a_vertical_page_reads_right_to_left_and_its_truth_follows(make_pages: ModuleType) -> None:
    page = next(p for p in make_pages.PAGES if p.name == "vertical-01")
    layout = make_pages.layout_page(page)
    title, paragraphs, closing = make_pages.document(page)
    assert layout.lines[0] == title and layout.lines[-len(closing) :] == closing
    assert "".join(layout.lines[1 : -len(closing)]) == "".join(paragraphs)
    first_column = [g.x for g in layout.glyphs if g.char == title[0]]
    last_column = [g.x for g in layout.glyphs if g.char == closing[-1][-1]]
    assert min(first_column) > max(last_column)


def test_the_same_page_renders_to_the_same_pixels(make_pages: ModuleType) -> None:
    # a small page with every degradation on (the bench pages are the same code at A4 and 16开 size)
    base = next(p for p in make_pages.PAGES if p.text == "s12")
    small = dataclasses.replace(
        base,
        name="determinism",
        paper="a7",
        char_mm=2.6,
        dpi=150,
        mimeo=0.5,
        seal=True,
        skew=2.0,
        stains=1,
        foxing=5,
        show_through=True,
        fade=0.2,
    )
    first, _ = make_pages.render_page(small)
    second, _ = make_pages.render_page(small)
    assert first.mode == "RGB" and first.size == (437, 620)
    assert hashlib.sha256(first.tobytes()).digest() == hashlib.sha256(second.tobytes()).digest()
