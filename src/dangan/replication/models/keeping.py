"""What this node keeps for its partners: their envelopes, in an area of their own outside the storage root
(``REPLICATION_KEEPING_ROOT/<partner node id>/``), counted against the quota each agreement set, and readable by
nobody here (they are encrypted with keys that never left their owner)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .partners import Partner


class KeptEnvelope(models.Model):
    """One envelope a partner sent. ``size`` and ``sha256`` are of the bytes as received and confirmed in the
    signed receipt; ``complete`` is false while a resumable upload is still under way."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="kept", verbose_name=_("结对档案馆"))
    name = models.CharField(_("名称"), max_length=200)
    size = models.PositiveBigIntegerField(_("字节数"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    complete = models.BooleanField(_("已完成"), default=False)
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    challenged_at = models.DateTimeField(_("最近被验证"), null=True, blank=True)

    class Meta:
        verbose_name = _("代存密文对象")
        verbose_name_plural = _("代存密文对象")
        constraints = [models.UniqueConstraint(fields=["partner", "name"], name="replication_one_kept_envelope")]

    def __str__(self) -> str:
        return self.name
