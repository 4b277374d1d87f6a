"""The utilization register (利用登记): one row per use — a visit, a request, a unit consulted, a copy made.

Rows outlive the reader's personal data: erasing a reader (on request) keeps the row for the statistics with the
reader left out (``reader`` null) and the category kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangan.access.choices import Channel, Purpose, UseKind


class UseRecord(models.Model):
    kind = models.CharField(_("利用方式"), max_length=16, choices=UseKind.choices)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, default=Channel.READING_ROOM)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("查档人"),
    )
    unit = models.ForeignKey(
        "catalog.ArchivalUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("档案"),
    )
    # The unit's fonds, kept beside it so that the statistics per fonds need no join (and survive a unit's removal).
    fonds = models.ForeignKey(
        "catalog.Fonds", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("全宗")
    )
    purpose = models.CharField(_("利用目的"), max_length=16, choices=Purpose.choices, blank=True, default="")
    pages = models.PositiveIntegerField(_("页数"), default=0)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    # Where the use came from ("request:<uuid>", "visit:<id>", "copy:<uuid>"), for the register's links.
    source = models.CharField(_("来源"), max_length=64, blank=True, default="")
    note = models.CharField(_("备注"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("利用登记")
        verbose_name_plural = _("利用登记")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["kind", "at"]), models.Index(fields=["fonds", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"
