"""Replication targets: where this node's copies go — a partner node, an S3-compatible store, a folder (NAS, tape
under LTFS) or a set of Blu-ray discs — each on a kind of medium at a site."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.replication.choices import Cipher, Medium, TargetKind
from dangan.utilities.models import TimestampedModel

from .partners import Partner


class Target(TimestampedModel):
    """One place copies go. ``location`` is the store's address for its kind: ``s3://bucket/prefix`` (the endpoint
    and the names of the environment variables holding credentials in ``options``; never a secret in the
    database), a folder's path, the folder where disc images are written; empty for a partner. Everything written
    to a target is encrypted by this node first (``cipher``)."""

    name = models.SlugField(_("名称"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=TargetKind.choices)
    medium = models.CharField(_("介质"), max_length=16, choices=Medium.choices)
    site = models.CharField(_("存放地点"), max_length=200, blank=True)  # e.g. 云南省昆明市
    partner = models.OneToOneField(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="target", verbose_name=_("结对档案馆")
    )
    location = models.CharField(_("位置"), max_length=1000, blank=True)
    options = models.JSONField(_("选项"), default=dict, blank=True)
    cipher = models.CharField(_("加密算法"), max_length=16, choices=Cipher.choices, default=Cipher.SM4_GCM)
    enabled = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("修订号"), default=1, editable=False)

    class Meta:
        verbose_name = _("备份目标")
        verbose_name_plural = _("备份目标")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
