"""Registers digitization's audit action types, menu entry, search full-text provider and deletion holds."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from dangan.catalog.audit_describers import readable_unit_entries
from dangan.catalog.panels import UnitPanel, register_unit_panel
from dangan.core.audit import register_action
from dangan.core.auditlog.display import AuditDescriber, register_describer
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


def _text_panel(request: Any, unit: Any) -> str:
    from .text_views import text_panel

    return text_panel(request, unit)


# The OCR text of the unit's pages, with links to correct them, below the viewer.
register_unit_panel(UnitPanel("digitization.text", _text_panel, order=45))
# An OCR entry is about one unit (its pages' text): shown to a reader who may see the unit (catalog.policy).
register_describer(
    AuditDescriber(
        "digitization.ocr.",
        readable_unit_entries,
        labels={
            "unit": gettext_lazy("档案"),
            "run": gettext_lazy("识别任务"),
            "batch": gettext_lazy("批次"),
            "pages": gettext_lazy("页数"),
            "recognized": gettext_lazy("识别的页"),
            "skipped": gettext_lazy("跳过的页"),
            "package_version": gettext_lazy("保存包版本"),
            "page": gettext_lazy("页码"),
            "revision": gettext_lazy("修订号"),
            "lines": gettext_lazy("修改的行"),
        },
    )
)
