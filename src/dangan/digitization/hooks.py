"""Registers digitization's audit action types, menu entry, search full-text provider and deletion holds."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from dangan.catalog.panels import UnitPanel, register_unit_panel
from dangan.core.audit import register_action
from dangan.search.fulltext import register_fulltext_provider

from .ocr_text import unit_full_text

# OCR text of preserved pages (actions/ocr.py, actions/ocr_runs.py).
register_action("digitization.ocr.start", gettext_lazy("发起文字识别"))
register_action("digitization.ocr.unit", gettext_lazy("文字识别"))
register_action("digitization.ocr.correct", gettext_lazy("校对识别文本"))
# The OCR text of a unit's pages is its full text in search (the field 全文).
register_fulltext_provider("ocr", unit_full_text)


def _pages_panel(request: Any, unit: Any) -> str:
    from .iiif.panel import unit_panel

    return unit_panel(request, unit)


# The unit's pages in the IIIF viewer, above its preserved package (preservation's panel has order 50).
register_unit_panel(UnitPanel("digitization.pages", _pages_panel, order=40))
