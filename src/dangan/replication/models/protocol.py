"""The node protocol's replay guard: the nonces of signed requests already accepted, kept only for as long as the
request could still pass as fresh (crypto.messages refuses older ones as stale anyway)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SeenNonce(models.Model):
    """One accepted request's nonce from one sender (a partner's node id); deleted after ``expires``."""

    sender = models.UUIDField(_("发送方节点"))
    nonce = models.CharField(_("随机数"), max_length=64)
    expires = models.DateTimeField(_("过期时间"), db_index=True)

    class Meta:
        verbose_name = _("已用随机数")
        verbose_name_plural = _("已用随机数")
        constraints = [models.UniqueConstraint(fields=["sender", "nonce"], name="replication_one_nonce")]

    def __str__(self) -> str:
        return f"{self.sender}:{self.nonce}"
