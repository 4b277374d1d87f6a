"""Fixtures of the OCR-text tests: a storage root per test, and units whose pages are real images of Chinese text
(rendered with Pillow in a CJK font) preserved as masters, as an accepted digitization batch leaves them."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dangan.core.actors import CONSOLE

FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)
# Two pages of a 1935 notice; each line a distinct phrase so a test can find it by search.
PAGES = (
    ("遵义会议决议", "红军第三军团"),
    ("娄山关战斗详报", "土城渡口"),
)


def font_path() -> str:
    for path in FONTS:
        if Path(path).exists():
            return path
    pytest.skip("no CJK font installed (make system-deps)")


def render_page(lines: tuple[str, ...], path: Path) -> Path:
    """A white page with ``lines`` printed in black, horizontally, saved as a TIFF master."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_path(), 44)
    image = Image.new("RGB", (720, 110 + 90 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((60, 60 + 90 * i), line, font=font, fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "TIFF", compression="tiff_lzw", dpi=(300, 300))
    return path


# The real engine reads each distinct page image once per test session; later tests that preserve the same rendered
# page get the same (deterministic) result again, so each test stays fast. The key is the pixels and the layout.
_recognized: dict[tuple[str, str], Any] = {}


@pytest.fixture(autouse=True)
def recognize_each_page_once(monkeypatch: Any) -> None:
    import copy
    import hashlib

    from dangan.digitization import ocr

    real = ocr.recognize

    def recognize(image: Any, *, layout: str = "auto") -> Any:
        key = (hashlib.sha256(image.tobytes()).hexdigest(), layout) if hasattr(image, "tobytes") else None
        if key is None:
            return real(image, layout=layout)
        if key not in _recognized:
            _recognized[key] = real(image, layout=layout)
        return copy.deepcopy(_recognized[key])

    monkeypatch.setattr(ocr, "recognize", recognize)


@pytest.fixture
def make_unit(fonds: Any, categories: Any) -> Callable[..., Any]:
    from dangan.catalog.actions.units import do_create_unit

    counter = itertools.count(1)

    def make(title: str = "", **extra: Any) -> Any:
        n = next(counter)
        data = {
            "title": title or f"中央红军长征文件（{n}）",
            "category": categories["WS"],
            "year": 1935,
            "retention": "Y",
            "organization": "BGS",
            "responsible": "中国工农红军",
            "page_count": len(PAGES),
        }
        data.update(extra)
        return do_create_unit(CONSOLE, fonds, data)

    return make


@pytest.fixture
def digitize(storage: Any, tmp_path: Path) -> Callable[..., Any]:
    """digitize(unit, pages=PAGES): the pages rendered and preserved as content/masters/0001.tif …"""
    from dangan.preservation.actions.preserving import do_preserve

    counter = itertools.count(1)

    def make(unit: Any, pages: tuple[tuple[str, ...], ...] = PAGES) -> Any:
        base = tmp_path / f"scans-{next(counter)}"
        files = {
            f"content/masters/{number:04d}.tif": render_page(lines, base / f"{number:04d}.tif")
            for number, lines in enumerate(pages, start=1)
        }
        do_preserve(CONSOLE, unit, files, message="数字化成果")
        return unit

    return make


@pytest.fixture
def digitized_unit(make_unit: Callable[..., Any], digitize: Callable[..., Any]) -> Any:
    return digitize(make_unit())


@pytest.fixture
def ocred_unit(digitized_unit: Any, archivist: Any) -> Any:
    from dangan.digitization.actions.ocr import do_ocr_unit

    do_ocr_unit(archivist, digitized_unit)
    return digitized_unit
