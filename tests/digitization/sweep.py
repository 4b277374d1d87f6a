"""Sweep declarations of the digitization app, one module per part (see tests/sweep/__init__.py)."""

from tests.digitization.sweep_iiif import PAGES as IIIF_PAGES
from tests.digitization.sweep_ocr import PAGES as OCR_PAGES

PAGES = [*IIIF_PAGES, *OCR_PAGES]
ENDPOINTS: list = []
EXCLUDED: dict[str, str] = {}
