"""Restore drills (恢复演练, part drills): one row per drill — which target's copy was restored where, with which key
(the installed one or one combined from custodians' shares), and what it showed: recovery time, recovery point,
what was restored and every failure by name."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .targets import Target


class DrillState(models.TextChoices):
    RUNNING = "running", _("进行中")  # a drill left here was interrupted: its folder can be resumed
    PASSED = "passed", _("全部恢复并核验")
    FAILED = "failed", _("有失败")


class DrillKind(models.TextChoices):
    DRILL = "drill", _("恢复演练")  # into a scratch storage root
    RESTORE = "restore", _("灾难恢复")  # into this node's own storage root


class DrillRun(models.Model):
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="drills", verbose_name=_("备份目标"))
    kind = models.CharField(_("类型"), max_length=16, choices=DrillKind.choices, default=DrillKind.DRILL)
    fonds = models.CharField(_("全宗号"), max_length=16, blank=True)
    into = models.CharField(_("恢复到"), max_length=1000)
    from_shares = models.BooleanField(_("由托管份额组合密钥"), default=False)
    key_id = models.CharField(_("主密钥编号"), max_length=32, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=DrillState.choices, default=DrillState.RUNNING)
    started_by = models.CharField(_("发起人"), max_length=150, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    objects_restored = models.PositiveIntegerField(_("恢复对象数"), default=0)
    files_restored = models.PositiveIntegerField(_("恢复文件数"), default=0)
    bytes_restored = models.PositiveBigIntegerField(_("恢复字节数"), default=0)
    files_resumed = models.PositiveIntegerField(_("续做时保留的文件数"), default=0)
    recovery_time = models.FloatField(_("恢复时间（秒）"), null=True, blank=True)
    newest_version_at = models.DateTimeField(_("最新恢复版本的时间"), null=True, blank=True)
    recovery_point = models.FloatField(_("恢复点（秒）"), null=True, blank=True)
    failures = models.JSONField(_("失败"), default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("恢复演练")
        verbose_name_plural = _("恢复演练")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target.name} {self.started_at:%Y-%m-%d %H:%M}"
