"""Digitization batches (数字化批次, DA/T 31-2017): what is scanned to which specification, by whom, the page
images with their automatic quality checks, and the manual sample inspection that accepts or returns them.

Staged page images live under ``DIGITIZATION_ROOT/<batch uuid>/`` (``PageScan.path`` is relative to it) until the
accepted masters are preserved in each unit's package as ``content/masters/0001.tif`` …
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.digitization.choices import (
    BatchStatus,
    BatchTask,
    ColourMode,
    MasterFormat,
    PageStatus,
    UnitStatus,
    Verdict,
)
from dangan.utilities.models import StableIdentityModel, TimestampedModel


def default_sample_percent() -> float:
    return float(getattr(settings, "DIGITIZATION_SAMPLE_PERCENT", 5))


def default_accept_percent() -> float:
    return float(getattr(settings, "DIGITIZATION_ACCEPT_PERCENT", 95))


class Batch(StableIdentityModel):
    """A digitization batch (批次): the units to scan, the scanning specification, who scans, dates, status."""

    name = models.CharField(_("批次名称"), max_length=200, unique=True)
    fonds = models.ForeignKey(
        Fonds, on_delete=models.PROTECT, related_name="digitization_batches", verbose_name=_("全宗")
    )
    # The scanning specification (扫描参数)
    dpi = models.PositiveIntegerField(_("分辨率（dpi）"), default=300)
    colour_mode = models.CharField(_("色彩模式"), max_length=8, choices=ColourMode.choices, default=ColourMode.COLOUR)
    master_format = models.CharField(
        _("存储格式"), max_length=8, choices=MasterFormat.choices, default=MasterFormat.TIFF
    )
    max_skew_degrees = models.FloatField(_("最大倾斜角（度）"), default=3.0)
    # Who scans (扫描人员与单位): in house or an outside contractor
    operator = models.CharField(_("扫描人员"), max_length=150, blank=True)
    organisation = models.CharField(_("扫描单位"), max_length=300, blank=True)
    planned_start = models.DateField(_("计划开始日期"), null=True, blank=True)
    planned_end = models.DateField(_("计划完成日期"), null=True, blank=True)
    started = models.DateField(_("实际开始日期"), null=True, blank=True)
    finished = models.DateField(_("实际完成日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.PLANNED, db_index=True
    )
    sample_percent = models.FloatField(_("抽检比例（%）"), default=default_sample_percent)
    accept_percent = models.FloatField(_("验收合格率（%）"), default=default_accept_percent)
    notes = models.TextField(_("备注"), blank=True)
    # The background job queued or running (import + QC, preservation) and its progress for the page.
    task = models.CharField(_("后台任务"), max_length=16, choices=BatchTask.choices, blank=True, default="")
    task_id = models.CharField(max_length=64, blank=True, default="")
    task_since = models.DateTimeField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_label = models.CharField(max_length=100, blank=True)
    message = models.TextField(_("说明"), blank=True)
    # Problems of the last import that belong to no unit of the batch (a folder whose 档号 is unknown).
    problems = models.JSONField(_("导入问题"), default=list, blank=True)
    version = models.PositiveIntegerField(_("修订号"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_name = models.CharField(_("登记人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("数字化批次")
        verbose_name_plural = _("数字化批次")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def folder(self) -> Path:
        """Where this batch's staged page images lie (DIGITIZATION_ROOT/<uuid>)."""
        return Path(settings.DIGITIZATION_ROOT) / str(self.uuid)

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class BatchUnit(TimestampedModel):
    """One unit of the catalog to digitize in a batch; ``expected_pages`` is its 页数 when it was added."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="units", verbose_name=_("批次"))
    unit = models.ForeignKey(ArchivalUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("档案"))
    reference_code = models.CharField(_("档号"), max_length=80)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    expected_pages = models.PositiveIntegerField(_("应有页数"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=UnitStatus.choices, default=UnitStatus.PENDING)
    preserved_version = models.CharField(_("保存版本"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("批次档案")
        verbose_name_plural = _("批次档案")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "unit"], name="digitization_batch_unit_unique")]

    def __str__(self) -> str:
        return self.reference_code


class PageScan(TimestampedModel):
    """One page image of a unit: the staged file, what the automatic checks measured, and its status."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="pages", verbose_name=_("批次"))
    batch_unit = models.ForeignKey(BatchUnit, on_delete=models.CASCADE, related_name="pages", verbose_name=_("档案"))
    number = models.PositiveIntegerField(_("页号"))
    original_name = models.CharField(_("原文件名"), max_length=300)
    path = models.CharField(max_length=500, help_text="relative to the batch's folder")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    width = models.PositiveIntegerField(_("宽"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高"), null=True, blank=True)
    dpi = models.FloatField(_("分辨率"), null=True, blank=True)
    colour_mode = models.CharField(_("色彩模式"), max_length=16, blank=True)
    format = models.CharField(_("格式"), max_length=16, blank=True)
    phash = models.CharField(_("感知哈希"), max_length=16, blank=True)  # 64-bit, hex
    skew_degrees = models.FloatField(_("倾斜角"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=PageStatus.choices, default=PageStatus.PENDING)
    revision = models.PositiveIntegerField(_("返工次数"), default=0)

    class Meta:
        verbose_name = _("页面图像")
        verbose_name_plural = _("页面图像")
        ordering = ["batch_unit__position", "batch_unit_id", "number"]
        constraints = [models.UniqueConstraint(fields=["batch_unit", "number"], name="digitization_page_unique")]
        indexes = [models.Index(fields=["batch", "status"], name="digitization_page_status")]

    def __str__(self) -> str:
        return f"{self.batch_unit.reference_code} {self.number:04d}"

    @property
    def file(self) -> Path:
        return self.batch.folder / self.path


class QcResult(models.Model):
    """One automatic check's result, of a page or (``page`` empty) of a unit as a whole."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="qc_results")
    batch_unit = models.ForeignKey(BatchUnit, on_delete=models.CASCADE, related_name="qc_results")
    page = models.ForeignKey(PageScan, on_delete=models.CASCADE, null=True, blank=True, related_name="qc_results")
    page_number = models.PositiveIntegerField(_("页号"), null=True, blank=True)
    code = models.CharField(_("检查项"), max_length=32)
    passed = models.BooleanField(_("通过"))
    measured = models.CharField(_("测量值"), max_length=200, blank=True)
    limit = models.CharField(_("要求"), max_length=200, blank=True)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("质检结果")
        verbose_name_plural = _("质检结果")
        ordering = ["batch_unit_id", "page_number", "id"]
        indexes = [models.Index(fields=["batch", "passed"], name="digitization_qc_passed")]

    def __str__(self) -> str:
        return f"{self.code}: {self.measured} / {self.limit}"


class Inspection(StableIdentityModel):
    """A manual sample inspection (人工抽检) of a batch: the pages drawn (seeded per batch), a verdict for each."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("批次"))
    round = models.PositiveIntegerField(_("轮次"), default=1)
    seed = models.CharField(max_length=64)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    inspector_name = models.CharField(_("抽检人"), max_length=150, blank=True)
    finished = models.DateTimeField(_("完成时间"), null=True, blank=True)
    outcome = models.CharField(_("结论"), max_length=16, choices=Verdict.choices, blank=True, default="")
    pass_percent = models.FloatField(_("合格率（%）"), null=True, blank=True)

    class Meta:
        verbose_name = _("人工抽检")
        verbose_name_plural = _("人工抽检")
        ordering = ["-round", "-id"]
        constraints = [models.UniqueConstraint(fields=["batch", "round"], name="digitization_inspection_round")]

    def __str__(self) -> str:
        return f"{self.batch} #{self.round}"


class InspectionItem(models.Model):
    """One sampled page of an inspection and the inspector's verdict on it."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    page = models.ForeignKey(PageScan, on_delete=models.CASCADE, related_name="inspection_items")
    position = models.PositiveIntegerField(default=0)
    verdict = models.CharField(_("判定"), max_length=8, choices=Verdict.choices, blank=True, default="")
    note = models.TextField(_("说明"), blank=True)
    decided_at = models.DateTimeField(_("判定时间"), null=True, blank=True)
    decided_by_name = models.CharField(_("判定人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("抽检页")
        verbose_name_plural = _("抽检页")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "page"], name="digitization_inspection_page")]

    def __str__(self) -> str:
        return f"{self.page}: {self.verdict or '-'}"


class BatchUpload(StableIdentityModel):
    """A resumable upload of a batch folder as a .zip (the same protocol as accession's uploads)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="uploads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=300)
    size = models.PositiveBigIntegerField(_("大小"))
    received = models.PositiveBigIntegerField(_("已接收"), default=0)
    complete = models.BooleanField(_("已完成"), default=False)
    used = models.BooleanField(_("已导入"), default=False)
    path = models.CharField(max_length=1000)

    class Meta:
        verbose_name = _("批次上传")
        verbose_name_plural = _("批次上传")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.received}/{self.size}"
