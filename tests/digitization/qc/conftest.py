"""Rendered pages shared by the quality-control tests (rendering an A4 page at 300 dpi takes a tenth of a second)."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.digitization.qc.pages import render_page


@pytest.fixture(scope="session")
def printed_page() -> Image.Image:
    return render_page(seed=1)


@pytest.fixture(scope="session")
def vertical_page() -> Image.Image:
    return render_page(seed=2, vertical=True)
