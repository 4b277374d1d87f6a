"""Resumable uploads of large packages: the client sends chunks at offsets until the declared size is reached."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.accession.choices import UploadStatus
from dangan.utilities.models import StableIdentityModel


class Upload(StableIdentityModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=300)
    size = models.PositiveBigIntegerField(_("大小"))
    received = models.PositiveBigIntegerField(_("已接收"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=UploadStatus.choices, default=UploadStatus.UPLOADING)
    path = models.CharField(max_length=1000)

    class Meta:
        verbose_name = _("上传")
        verbose_name_plural = _("上传")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.received}/{self.size}"
