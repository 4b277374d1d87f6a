"""Pages drawn once per session: recognising is the slow part, so each page is read once and shared."""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image

from dangan.digitization.ocr import PageResult, recognize

from .pages import horizontal_page, vertical_page

HORIZONTAL_LINES = ["中华人民共和国档案法", "第一条为了加强档案管理，", "有效保护和利用档案。"]
VERTICAL_COLUMNS = ["中華蘇維埃共和國臨時中央政府", "佈告第一號", "工農紅軍萬歲"]


@pytest.fixture(scope="session")
def horizontal_image() -> Image.Image:
    return horizontal_page(HORIZONTAL_LINES)


@pytest.fixture(scope="session")
def vertical_image() -> Image.Image:
    return vertical_page(VERTICAL_COLUMNS)


@pytest.fixture(scope="session")
def horizontal_result(horizontal_image: Image.Image) -> PageResult:
    return recognize(horizontal_image)


@pytest.fixture(scope="session")
def vertical_result(vertical_image: Image.Image) -> PageResult:
    return recognize(vertical_image)


@pytest.fixture(autouse=True)
def chinese() -> Any:
    """OCR needs no database nor Django translation; the suite's language fixture is not needed here."""
    yield
