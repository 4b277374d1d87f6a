"""Catalog import jobs (目录导入): one per uploaded file, with progress and the row-by-row report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.utilities.models import StableIdentityModel

from .fonds import Fonds


class ImportBatch(StableIdentityModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("等待中")
        RUNNING = "running", _("进行中")
        INVALID = "invalid", _("校验未通过")
        CHECKED = "checked", _("校验通过（试导入）")
        DONE = "done", _("已导入")
        DUPLICATE = "duplicate", _("重复导入")
        FAILED = "failed", _("失败")

    fonds = models.ForeignKey(Fonds, on_delete=models.CASCADE, related_name="imports", verbose_name=_("全宗"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    file_name = models.CharField(_("文件名"), max_length=300)
    file_path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    dry_run = models.BooleanField(_("仅校验"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新建"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    finished = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The background task that runs it (django-tasks result id): a batch left pending or running by a task that
    # ended (a crashed worker's task marked failed) is known to be over, and does not block the same import.
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    # For an import started from a passed dry run ("正式导入"): that dry run, whose stored file it imports.
    dry_run_batch = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("试导入批次"),
    )

    class Meta:
        verbose_name = _("目录导入")
        verbose_name_plural = _("目录导入")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
