"""Enumerations of digitization's batches, with Chinese labels and stable English values."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    """planned → scanning → checking → inspecting → accepted → preserved; rework when QC or the sample failed."""

    PLANNED = "planned", _("登记")
    SCANNING = "scanning", _("扫描中")
    CHECKING = "checking", _("质检中")
    INSPECTING = "inspecting", _("抽检中")
    ACCEPTED = "accepted", _("已验收")
    PRESERVED = "preserved", _("已入库")
    REWORK = "rework", _("返工")


class ColourMode(models.TextChoices):
    COLOUR = "colour", _("彩色")
    GREY = "grey", _("灰度")
    BITONAL = "bitonal", _("黑白")


class MasterFormat(models.TextChoices):
    TIFF = "tiff", "TIFF"
    JPEG = "jpeg", "JPEG"
    JP2 = "jp2", "JPEG 2000"


# The extension a preserved master gets by its format (content/masters/0001.tif …).
MASTER_EXTENSIONS: dict[str, str] = {
    MasterFormat.TIFF.value: ".tif",
    MasterFormat.JPEG.value: ".jpg",
    MasterFormat.JP2.value: ".jp2",
}


class PageStatus(models.TextChoices):
    PENDING = "pending", _("待检")
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")
    REWORK = "rework", _("返工")
    ACCEPTED = "accepted", _("已验收")


class UnitStatus(models.TextChoices):
    PENDING = "pending", _("待扫描")
    PASSED = "passed", _("质检合格")
    FAILED = "failed", _("质检不合格")
    PRESERVED = "preserved", _("已入库")


class Verdict(models.TextChoices):
    PENDING = "", _("未判定")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class BatchTask(models.TextChoices):
    """The background job a batch has queued or running (at most one at a time)."""

    IMPORT = "import", _("导入与质检")
    PRESERVE = "preserve", _("入库保存")
