"""A reader's visit to the reading room (到馆): checked in at the desk, checked out when leaving.

A reading-room-only grant (阅览室内查阅) opens a unit's files to the reader only while a visit is open
(``access.grants``); the reading room part adds bookings and seats around it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangan.access.choices import Purpose


class Visit(models.Model):
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reading_room_visits",
        verbose_name=_("查档人"),
    )
    checked_in_at = models.DateTimeField(_("签到时间"), default=timezone.now, db_index=True)
    checked_out_at = models.DateTimeField(_("离馆时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签到经办人"),
    )
    purpose = models.CharField(_("利用目的"), max_length=16, choices=Purpose.choices, blank=True, default="")
    note = models.CharField(_("备注"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("到馆记录")
        verbose_name_plural = _("到馆记录")
        ordering = ["-checked_in_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.reader} {self.checked_in_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.checked_out_at is None
