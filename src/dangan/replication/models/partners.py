"""Partners (结对档案馆): other dangan nodes this one keeps copies at and for, each pinned by its public key, and
the agreement (结对协议) that says what each keeps for the other."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.replication.choices import PartnerStatus
from dangan.utilities.models import TimestampedModel


class Partner(TimestampedModel):
    """A paired node. ``name`` is the operator's short name for it (``dangan replication partner add NAME``), and
    also the name of the replication target that sends to it. Every request to it and every answer from it is
    signed and checked against ``public_key``; a removed partner's key is trusted for nothing."""

    name = models.SlugField(_("名称"), max_length=64, unique=True)
    title = models.CharField(_("档案馆名称"), max_length=200, blank=True)  # e.g. 云南省档案馆
    url = models.URLField(_("地址"), max_length=500)  # the base URL of its `dangan serve`
    node_id = models.UUIDField(_("节点标识"), null=True, blank=True)
    public_key = models.TextField(_("公钥"))  # crypto.identity.PublicKey text: the algorithm and the key
    fingerprint = models.CharField(_("公钥指纹"), max_length=200)
    tls_fingerprint = models.CharField(_("证书指纹"), max_length=200, blank=True)  # pinned SHA-256 of its certificate
    status = models.CharField(_("状态"), max_length=16, choices=PartnerStatus.choices, default=PartnerStatus.ACTIVE)
    # 结对协议: who agreed, what is kept (scope), for how long, whom to call; and how much this node keeps for it.
    parties = models.TextField(_("协议各方"), blank=True)
    scope = models.TextField(_("备份范围"), blank=True)
    starts = models.DateField(_("协议生效日期"), null=True, blank=True)
    ends = models.DateField(_("协议终止日期"), null=True, blank=True)
    contacts = models.TextField(_("联系人"), blank=True)
    quota_bytes = models.PositiveBigIntegerField(_("为其保存的容量上限（字节）"), default=0)
    suspended_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    removed_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("修订号"), default=1, editable=False)

    class Meta:
        verbose_name = _("结对档案馆")
        verbose_name_plural = _("结对档案馆")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.title or self.name

    @property
    def is_trusted(self) -> bool:
        """Whether its signed answers count (not removed); a suspended partner's still do."""
        return self.status != PartnerStatus.REMOVED
