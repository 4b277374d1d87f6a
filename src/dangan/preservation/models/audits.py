"""Fixity audits: one run over every object or a sample, resumable from its checkpoint, and what it found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangan.preservation.choices import AuditKind, AuditStatus, FailureKind
from dangan.utilities.models import StableIdentityModel

from .packages import PreservedPackage


class AuditRun(StableIdentityModel):
    kind = models.CharField(_("类型"), max_length=8, choices=AuditKind.choices, default=AuditKind.FULL)
    sample_percent = models.FloatField(_("抽样比例（%）"), null=True, blank=True)
    all_digests = models.BooleanField(_("核验全部摘要"), default=False)  # SHA-256 and SM3 too, not only SHA-512
    scheduled = models.BooleanField(_("定期任务"), default=False)
    status = models.CharField(_("状态"), max_length=8, choices=AuditStatus.choices, default=AuditStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_name = models.CharField(_("发起人"), max_length=150, blank=True)
    started = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The process running it (host:pid:thread); a run whose owner has died is resumed from its checkpoint.
    owner = models.CharField(max_length=200, blank=True)
    resumed = models.PositiveIntegerField(_("恢复次数"), default=0)
    planned = models.BooleanField(default=False)
    plan = models.JSONField(default=list, blank=True)  # object ids, in the order they are checked
    checkpoint = models.PositiveIntegerField(default=0)  # how many objects of the plan are done
    total_objects = models.PositiveIntegerField(_("对象数"), default=0)
    total_bytes = models.PositiveBigIntegerField(_("字节数"), default=0)
    checked_objects = models.PositiveIntegerField(_("已检查对象"), default=0)
    checked_files = models.PositiveIntegerField(_("已检查文件"), default=0)
    checked_bytes = models.PositiveBigIntegerField(_("已检查字节"), default=0)
    failed_objects = models.PositiveIntegerField(_("有问题的对象"), default=0)
    failure_count = models.PositiveIntegerField(_("问题数"), default=0)
    indexed_objects = models.PositiveIntegerField(_("补登记的对象"), default=0)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("固定性检查")
        verbose_name_plural = _("固定性检查")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created:%Y-%m-%d %H:%M}"

    @property
    def active(self) -> bool:
        return self.status in (AuditStatus.PENDING, AuditStatus.RUNNING)

    @property
    def progress_percent(self) -> int:
        if self.total_bytes:
            return min(100, round(100 * self.checked_bytes / self.total_bytes))
        if self.total_objects:
            return min(100, round(100 * self.checkpoint / self.total_objects))
        return 100 if not self.active else 0


class AuditFailure(models.Model):
    run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="failures")
    package = models.ForeignKey(
        PreservedPackage, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_failures"
    )
    object_id = models.CharField(_("对象标识"), max_length=100)
    kind = models.CharField(_("问题"), max_length=16, choices=FailureKind.choices)
    content_path = models.CharField(_("存储路径"), max_length=1100, blank=True)  # relative to the object root
    logical_path = models.CharField(_("文件"), max_length=1000, blank=True)
    algorithm = models.CharField(_("算法"), max_length=16, blank=True)
    expected = models.CharField(_("应为"), max_length=200, blank=True)
    actual = models.CharField(_("实为"), max_length=200, blank=True)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("检查问题")
        verbose_name_plural = _("检查问题")
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.logical_path or self.content_path}"

    @property
    def description(self) -> str:
        """What was found, for people, in Chinese: from the kind, whatever language ``message`` was stored in
        (the OCFL checker's own messages are English, and older runs stored them)."""
        return failure_description(self.kind, self.algorithm)


def failure_description(kind: str, algorithm: str = "") -> str:
    """The Chinese sentence for a failure of ``kind`` (FailureKind)."""
    if kind == FailureKind.CHANGED:
        if algorithm:
            return gettext("文件内容已改变：%(algorithm)s 摘要值与清单记录不符") % {"algorithm": algorithm.upper()}
        return gettext("文件内容已改变：摘要值与清单记录不符")
    texts: dict[str, str] = {
        FailureKind.MISSING: gettext("清单中记录的文件在存储库中不存在"),
        FailureKind.EXTRA: gettext("存储库中有清单未记录的文件"),
        FailureKind.SIDECAR: gettext("清单文件与其摘要文件不符，或摘要文件缺失"),
        FailureKind.INVENTORY: gettext("保存包清单缺失、无法读取，或与当前版本中的副本不一致"),
        FailureKind.UNREADABLE: gettext("文件无法读取"),
        FailureKind.OBJECT_MISSING: gettext("存储库中没有这个对象"),
    }
    return texts.get(kind, gettext("未知问题"))
