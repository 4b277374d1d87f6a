"""The replication policy (which packages go to which targets, how many copies, on how many kinds of medium and at
how many sites) and the backup register (备份登记): one row for every replication, repair or restore of a package
version at a target."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import Fonds, RecordCategory
from dangan.preservation.models import PreservedPackage
from dangan.utilities.models import TimestampedModel

from .targets import Target


class ReplicationRule(TimestampedModel):
    """Packages whose unit matches every filter that is set (by fonds, record category, 密级, retention; no filter
    set: every package) go to ``targets`` (none: every enabled target), and must have at least ``copies`` current
    copies, on at least ``media`` kinds of medium, at at least ``sites`` sites. Where several rules match a package
    it goes to the union of their targets and must meet the strictest of their numbers. With no rule at all, every
    package goes to every enabled target."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    fonds = models.ManyToManyField(Fonds, blank=True, related_name="+", verbose_name=_("全宗"))
    categories = models.ManyToManyField(RecordCategory, blank=True, related_name="+", verbose_name=_("门类"))
    classifications = models.JSONField(_("密级"), default=list, blank=True)  # SecurityClassification values
    retentions = models.JSONField(_("保管期限"), default=list, blank=True)  # RetentionPeriod values
    targets = models.ManyToManyField(Target, blank=True, related_name="rules", verbose_name=_("备份目标"))
    copies = models.PositiveSmallIntegerField(_("副本数"), default=1)
    media = models.PositiveSmallIntegerField(_("介质种类"), default=1)
    sites = models.PositiveSmallIntegerField(_("存放地点数"), default=1)
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("备份策略")
        verbose_name_plural = _("备份策略")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RegisterKind(models.TextChoices):
    REPLICATION = "replication", _("复制")
    REPAIR = "repair", _("修复")
    RESTORE = "restore", _("恢复")


class BackupRecord(models.Model):
    """One entry of the backup register (备份登记): a package version written to (or restored from) a target —
    when, what, how many bytes, by whom, and the digest of the target's receipts. ``receipt_sha256`` is the
    SHA-256 of the receipts confirmed in this operation, one line each ``<name> <size> <sha256>\\n`` in name
    order, so the entry can be checked against the replica's envelopes. Names and labels are copied so the entry
    still reads after a target or package row is gone."""

    at = models.DateTimeField(_("时间"), db_index=True)
    kind = models.CharField(_("类型"), max_length=16, choices=RegisterKind.choices, default=RegisterKind.REPLICATION)
    package = models.ForeignKey(
        PreservedPackage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("保存包")
    )
    package_uuid = models.UUIDField(_("保存包标识"), db_index=True)
    target = models.ForeignKey(
        Target, on_delete=models.SET_NULL, null=True, blank=True, related_name="register", verbose_name=_("备份目标")
    )
    target_name = models.CharField(_("备份目标名称"), max_length=64)
    version_number = models.PositiveIntegerField(_("版本"))
    envelopes = models.PositiveIntegerField(_("密文对象数"), default=0)  # sent (or restored) in this operation
    bytes = models.PositiveBigIntegerField(_("字节数"), default=0)  # ciphertext bytes sent in this operation
    total_bytes = models.PositiveBigIntegerField(_("目标上的字节数"), default=0)  # of the whole copy afterwards
    manifest_name = models.CharField(_("版本清单"), max_length=200, blank=True)
    receipt_sha256 = models.CharField(_("回执摘要"), max_length=64, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("备份登记")
        verbose_name_plural = _("备份登记")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.package_uuid} v{self.version_number} @ {self.target_name}"
