"""Part stacks: every move of a unit in the stacks (placed, moved, taken off), with who, when and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit

from .locations import Location


class Move(models.Model):
    """One move of a unit: from a location (none when it was first placed) to another. The codes are kept as they
    were at the time (``from_code``/``to_code``), so the history reads the same after a location is renamed or
    removed."""

    unit = models.ForeignKey(
        ArchivalUnit, on_delete=models.CASCADE, related_name="conservation_moves", verbose_name=_("档案")
    )
    from_location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="moves_out", verbose_name=_("原位置")
    )
    to_location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="moves_in", verbose_name=_("新位置")
    )
    from_code = models.CharField(_("原位置代码"), max_length=200, blank=True)
    to_code = models.CharField(_("新位置代码"), max_length=200)
    moved_at = models.DateTimeField(_("时间"))
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("事由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("移库记录")
        verbose_name_plural = _("移库记录")
        ordering = ["-moved_at", "-id"]
        indexes = [models.Index(fields=["unit", "moved_at"], name="conservation_move_unit")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.from_code or '—'} → {self.to_code}"
