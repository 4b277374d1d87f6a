"""Copies (复制): a reader's request for copies of a unit's pages, made from the preserved masters with a visible
watermark naming the reader and the date (``access.watermark``), checked and delivered by the reading room staff.

The copy is a file under ``DANGAN_HOME/copies/`` (``COPIES_ROOT``), never a preservation copy: it is made again
from the masters whenever needed. Its SHA-256 is kept so that a delivered file can be recognised later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.access.choices import Channel, Purpose
from dangan.utilities.models import StableIdentityModel


class CopyStatus(models.TextChoices):
    """pending → made → delivered; refused from pending or made."""

    PENDING = "pending", _("待处理")
    MADE = "made", _("已制作")
    DELIVERED = "delivered", _("已交付")
    REFUSED = "refused", _("不予复制")


class CopyFormat(models.TextChoices):
    PDF = "pdf", _("PDF 文件")
    JPEG = "jpeg", _("JPEG 图像（zip 压缩包）")


class Delivery(models.TextChoices):
    DOWNLOAD = "download", _("网上下载")
    IN_PERSON = "in_person", _("阅览室当面交付")


class CopyRequest(StableIdentityModel):
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="copy_requests", verbose_name=_("查档人")
    )
    unit = models.ForeignKey(
        "catalog.ArchivalUnit", on_delete=models.CASCADE, related_name="copy_requests", verbose_name=_("档案")
    )
    # The pages as the reader wrote them ("1-3,5"); empty: every page.
    pages = models.CharField(_("页码"), max_length=200, blank=True, default="")
    page_count = models.PositiveIntegerField(_("页数"), default=0)
    format = models.CharField(_("格式"), max_length=8, choices=CopyFormat.choices, default=CopyFormat.PDF)
    purpose = models.CharField(_("利用目的"), max_length=16, choices=Purpose.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True, default="")
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(
        _("状态"), max_length=16, choices=CopyStatus.choices, default=CopyStatus.PENDING, db_index=True
    )
    reason = models.CharField(_("不予复制的理由"), max_length=500, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("制作人"),
    )
    made_at = models.DateTimeField(_("制作时间"), null=True, blank=True)
    # Set while the background task is queued or running (cleared when it ends, however it ends).
    making_since = models.DateTimeField(_("开始制作"), null=True, blank=True)
    error = models.CharField(_("制作失败的原因"), max_length=500, blank=True, default="")
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("交付人"),
    )
    delivered_at = models.DateTimeField(_("交付时间"), null=True, blank=True)
    delivery = models.CharField(_("交付方式"), max_length=16, choices=Delivery.choices, blank=True, default="")
    # Relative to COPIES_ROOT (DANGAN_HOME/copies).
    file_path = models.CharField(_("文件"), max_length=200, blank=True, default="")
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    downloads = models.PositiveIntegerField(_("下载次数"), default=0)
    version = models.PositiveIntegerField(_("修订号"), default=1, editable=False)

    class Meta:
        verbose_name = _("复制申请")
        verbose_name_plural = _("复制申请")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["reader", "created"]), models.Index(fields=["status", "created"])]

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        """Still to be made or delivered."""
        return self.status in (CopyStatus.PENDING, CopyStatus.MADE)

    @property
    def file_name(self) -> str:
        """The name a downloaded copy gets: the 档号 (or the uuid) and the format's suffix."""
        code = (self.unit.reference_code or str(self.uuid)).replace("/", "-")
        return f"复制件-{code}.{'pdf' if self.format == CopyFormat.PDF else 'zip'}"
