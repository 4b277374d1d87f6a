"""Fixtures of the compilation app's tests: units as the IIIF tests make them (digitized ones with preserved pages
and OCR text too), a storage root and an export folder of the test's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.digitization.conftest import storage
from tests.digitization.iiif.conftest import digitized, make_unit

__all__ = ["digitized", "make_unit", "storage"]


@pytest.fixture(autouse=True)
def export_root(settings: Any, tmp_path: Path) -> Path:
    settings.COMPILATION_EXPORT_ROOT = tmp_path / "exports"
    settings.COMPILATION_WRITERS = {
        "pdf": "tests.compilation.writers:write_text",
        "epub": "tests.compilation.writers:write_text",
        "docx": "tests.compilation.writers:write_text",
    }
    return Path(settings.COMPILATION_EXPORT_ROOT)
