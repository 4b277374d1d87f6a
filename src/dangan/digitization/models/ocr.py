"""OCR text of a unit's preserved pages: the current text and ALTO of each page (``PageText``), its history of
recognitions and corrections (``PageTextRevision``), and the OCR jobs over units and batches (``OcrRun``).

These rows are the working copy; the preserved package holds the same ALTO and text under ``metadata/ocr/`` as a
new version after every OCR run and every correction, so the storage alone keeps what the archivists corrected."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit
from dangan.utilities.models import StableIdentityModel, TimestampedModel


class TextSource(models.TextChoices):
    OCR = "ocr", _("识别")
    CORRECTION = "correction", _("校对")


class OcrRunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("识别中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class PageText(TimestampedModel):
    """The text of one page (a master under ``masters/``) of a unit: current text in reading order and ALTO."""

    unit = models.ForeignKey(ArchivalUnit, on_delete=models.CASCADE, related_name="page_texts", verbose_name=_("档案"))
    page = models.PositiveIntegerField(_("页码"))
    master_path = models.CharField(_("原始图像"), max_length=1000)
    master_sha256 = models.CharField(_("原始图像 SHA-256"), max_length=64)
    text = models.TextField(_("文本"), blank=True)
    alto = models.TextField(_("ALTO"), blank=True)
    engine = models.CharField(_("识别引擎"), max_length=100, blank=True)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by_name = models.CharField(_("修改人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("页面文本")
        verbose_name_plural = _("页面文本")
        ordering = ["unit", "page"]
        constraints = [models.UniqueConstraint(fields=["unit", "page"], name="digitization_page_text_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} p{self.page}"


class PageTextRevision(models.Model):
    """One change of a page's text: a recognition (all lines) or a correction (the lines changed, from → to)."""

    page_text = models.ForeignKey(PageText, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField(_("修订号"))
    source = models.CharField(_("来源"), max_length=16, choices=TextSource.choices)
    # [{"id": line id, "old": text before, "new": text after}]; a recognition lists no lines (the whole page).
    changes = models.JSONField(_("修改的行"), default=list, blank=True)
    engine = models.CharField(_("识别引擎"), max_length=100, blank=True)
    package_version = models.CharField(_("保存包版本"), max_length=16, blank=True)
    created = models.DateTimeField(_("时间"), auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    user_name = models.CharField(_("操作人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("文本修订")
        verbose_name_plural = _("文本修订")
        ordering = ["page_text", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["page_text", "revision"], name="digitization_page_text_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.page_text} r{self.revision}"


class OcrRun(StableIdentityModel):
    """An OCR job over one unit or one digitization batch. Resumable: a rerun skips the pages already recognized
    from the same master (by sha256), so ``pages_done`` only grows."""

    unit = models.ForeignKey(
        ArchivalUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("档案")
    )
    batch_name = models.CharField(_("批次"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=OcrRunStatus.choices, default=OcrRunStatus.QUEUED)
    units_total = models.PositiveIntegerField(_("档案数"), default=0)
    units_done = models.PositiveIntegerField(_("已完成档案数"), default=0)
    pages_total = models.PositiveIntegerField(_("页数"), default=0)
    pages_done = models.PositiveIntegerField(_("已识别页数"), default=0)
    pages_skipped = models.PositiveIntegerField(_("跳过页数"), default=0)
    started = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_name = models.CharField(_("发起人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("文字识别任务")
        verbose_name_plural = _("文字识别任务")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"OCR {self.batch_name or self.unit_id} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in (OcrRunStatus.QUEUED, OcrRunStatus.RUNNING)
