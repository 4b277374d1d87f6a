"""The audit log: one row per change, chained and sealed so that a removed, added or edited row is detectable.

How an entry is sealed (every column, an HMAC with a key kept outside the database) lives in ``core.auditlog``;
the model only holds the columns. See docs/audit-log.md.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditScheme(models.IntegerChoices):
    """How an entry's ``entry_hash`` was made."""

    # SHA-256 over some columns (not id or user_id), no key: entries written before the HMAC chain. They are pinned
    # by the seal entry written at the upgrade (core.auditlog.chain.seal_legacy_entries).
    LEGACY_SHA256 = 1, _("旧格式（SHA-256）")
    # HMAC-SHA256 with the audit key over every column.
    HMAC_SHA256 = 2, _("HMAC-SHA256")


class AuditEntry(models.Model):
    timestamp = models.DateTimeField(_("时间"), db_index=True)
    # The account's id stays as it was written even if the account is deleted later: it is part of what the entry's
    # seal covers, so the database must never change it (no constraint, nothing done on delete).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("账号"),
    )
    username = models.CharField(_("用户"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=300, blank=True)
    data = models.JSONField(_("内容"), default=dict, encoder=DjangoJSONEncoder)
    previous_hash = models.CharField(_("前一条的哈希"), max_length=64)
    entry_hash = models.CharField(_("哈希"), max_length=64, unique=True)
    scheme = models.PositiveSmallIntegerField(
        _("封存方式"), choices=AuditScheme.choices, default=AuditScheme.LEGACY_SHA256
    )
    # Which key sealed the entry (a digest of the key, never the key): tells a wrong or lost key from tampering.
    key_id = models.CharField(_("密钥标识"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_repr}"
