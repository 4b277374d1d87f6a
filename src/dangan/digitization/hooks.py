"""Registers digitization's audit action types, menu entry, search full-text provider and deletion holds."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from dangan.catalog.audit_describers import readable_unit_entries
from dangan.catalog.panels import UnitPanel, register_unit_panel
from dangan.core.audit import register_action
from dangan.core.auditlog.display import AuditDescriber, register_describer
from dangan.core.roles import Capability
from dangan.search.fulltext import register_fulltext_provider
from dangan.utilities.registry import MenuItem, register_menu_item

from .ocr_text import unit_full_text

register_action("digitization.batch.create", gettext_lazy("登记数字化批次"))
register_action("digitization.batch.add_units", gettext_lazy("批次添加档案"))
register_action("digitization.batch.import_request", gettext_lazy("请求导入扫描图像"))
register_action("digitization.batch.import_start", gettext_lazy("开始导入扫描图像"))
register_action("digitization.batch.import", gettext_lazy("导入扫描图像并质检"))
register_action("digitization.batch.recheck", gettext_lazy("返工后重新质检"))
register_action("digitization.page.replace", gettext_lazy("替换返工页面"))
register_action("digitization.inspection.start", gettext_lazy("开始人工抽检"))
register_action("digitization.inspection.verdict", gettext_lazy("抽检判定"))
register_action("digitization.batch.accept", gettext_lazy("批次验收合格"))
register_action("digitization.batch.return", gettext_lazy("批次退回返工"))
register_action("digitization.batch.preserve_request", gettext_lazy("请求批次入库"))
register_action("digitization.unit.preserve", gettext_lazy("数字化成果入库"))
register_action("digitization.batch.preserve", gettext_lazy("批次全部入库"))

register_menu_item(
    MenuItem(
        "digitization",
        gettext_lazy("数字化"),
        "digitization:batch_list",
        Capability.DIGITIZE,
        order=38,
        active_prefixes=("/manage/digitization",),
    )
)

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
