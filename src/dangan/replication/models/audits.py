"""Audits without download (part audits): one AuditRun per target per run — when, full or sampled, how much of
the copy was sampled and covered, the traffic, the outcome and each failure found (structured). The coverage
cycle of a target is read from its runs: the newest sampled run's number in the cycle and when that cycle began."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .targets import Target


class AuditOutcome(models.TextChoices):
    RUNNING = "running", _("进行中")
    PROVEN = "proven", _("验证通过")
    FAILED = "failed", _("发现问题")  # a copy did not prove (damaged, missing, stale or forged answer)
    UNREACHABLE = "unreachable", _("无法连接")  # the target could not be asked; nothing is known of the copy


class AuditRun(models.Model):
    """One audit of every copy at one target. ``failures`` is a list of objects: ``package`` (UUID),
    ``reference_code`` (档号), ``envelope``, ``path`` (in the OCFL object), ``chunk`` (index or null), ``what``
    (a stable code: damaged, missing, chunks-missing, unreadable, stale-answer, forged-answer, unverifiable,
    target-removed …) and ``detail`` (in words)."""

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="audit_runs", verbose_name=_("备份目标"))
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    full = models.BooleanField(_("全量验证"), default=False)
    cycle_audit = models.PositiveIntegerField(_("本周期第几次"), default=0)  # the coverage slice proven whole
    audits_per_cycle = models.PositiveIntegerField(_("每周期验证次数"), default=1)
    cycle_started_at = models.DateTimeField(_("周期开始"), null=True, blank=True)
    envelopes = models.PositiveIntegerField(_("密文对象数"), default=0)
    chunks = models.PositiveBigIntegerField(_("总块数"), default=0)
    chunks_sampled = models.PositiveIntegerField(_("抽查块数"), default=0)
    chunks_covered = models.PositiveBigIntegerField(_("覆盖块数"), default=0)
    request_bytes = models.PositiveBigIntegerField(_("请求字节数"), default=0)
    answer_bytes = models.PositiveBigIntegerField(_("应答字节数"), default=0)
    outcome = models.CharField(_("结果"), max_length=16, choices=AuditOutcome.choices, default=AuditOutcome.RUNNING)
    failures = models.JSONField(_("问题"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("验证记录")
        verbose_name_plural = _("验证记录")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["target", "-started_at"], name="replication_audit_target")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.started_at:%Y-%m-%d %H:%M}"
