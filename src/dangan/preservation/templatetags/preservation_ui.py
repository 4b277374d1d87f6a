"""Template helpers of the preservation pages: format names, PREMIS event and outcome labels, short digests."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from dangan.preservation.formats import display_name
from dangan.preservation.premis import EventType

register = template.Library()

# The labels of premis.EventType, here so that they are translated (premis.py is plain Python, without Django).
EVENT_LABELS = {
    EventType.ACCESSION: pgettext_lazy("PREMIS event type", "接收进馆"),
    EventType.CREATION: pgettext_lazy("PREMIS event type", "创建"),
    EventType.DELETION: pgettext_lazy("PREMIS event type", "删除"),
    EventType.FIXITY_CHECK: pgettext_lazy("PREMIS event type", "固定性检查"),
    EventType.FORMAT_IDENTIFICATION: pgettext_lazy("PREMIS event type", "格式识别"),
    EventType.INFORMATION_PACKAGE_CREATION: pgettext_lazy("PREMIS event type", "信息包生成"),
    EventType.INGESTION: pgettext_lazy("PREMIS event type", "入库"),
    EventType.MESSAGE_DIGEST_CALCULATION: pgettext_lazy("PREMIS event type", "摘要值计算"),
    EventType.METADATA_MODIFICATION: pgettext_lazy("PREMIS event type", "元数据修改"),
    EventType.MIGRATION: pgettext_lazy("PREMIS event type", "迁移"),
    EventType.NORMALIZATION: pgettext_lazy("PREMIS event type", "格式转换"),
    EventType.RECOVERY: pgettext_lazy("PREMIS event type", "恢复"),
    EventType.REPLICATION: pgettext_lazy("PREMIS event type", "复制"),
    EventType.TRANSFER: pgettext_lazy("PREMIS event type", "移交"),
    EventType.VALIDATION: pgettext_lazy("PREMIS event type", "验证"),
    EventType.VIRUS_CHECK: pgettext_lazy("PREMIS event type", "病毒检查"),
}


@register.filter
def event_label(value: str) -> str:
    """The label of a PREMIS event type (the value itself when it is not one of the vocabulary's)."""
    try:
        return str(EVENT_LABELS.get(EventType(value), value))
    except ValueError:
        return value


@register.filter
def outcome_label(value: str) -> str:
    return {"success": _("成功"), "warning": _("警告"), "fail": _("失败")}.get(value, value or "—")


@register.filter
def short_digest(value: str) -> str:
    """The first and last eight characters of a long digest, for tables (the whole one goes in a title attribute)."""
    return f"{value[:8]}…{value[-8:]}" if value and len(value) > 20 else value


@register.filter
def format_label(row: Any) -> str:
    """A file's format for people: the Chinese name where one exists (TIFF 图像), else PRONOM's name and version;
    the PUID is shown beside it by the templates."""
    return display_name(row.puid, row.format_name, row.format_version) or str(_("未识别"))
