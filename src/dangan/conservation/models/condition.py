"""A unit's condition now (保存状况): its damage grade with the reason, from the last survey or restoration."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit
from dangan.conservation.choices import ConditionSource, DamageGrade


class UnitCondition(models.Model):
    """The latest assessment of a unit: ``damages`` as surveyed (DamageType value → measure, grading.MEASURES), the
    ``grade`` grading.grade_damages gave with its ``reason``, and where it came from. The surveys and work orders
    keep every assessment; this row is the one pages, priorities and dashboards read."""

    unit = models.OneToOneField(
        ArchivalUnit, on_delete=models.CASCADE, related_name="condition", verbose_name=_("档案")
    )
    grade = models.CharField(_("破损等级"), max_length=16, choices=DamageGrade.choices)
    reason = models.TextField(_("定级依据"), blank=True)
    damages = models.JSONField(_("破损情况"), default=dict, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=ConditionSource.choices)
    assessed_at = models.DateTimeField(_("评估时间"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("保存状况")
        verbose_name_plural = _("保存状况")
        indexes = [models.Index(fields=["grade"], name="conservation_condition_grade")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.grade}"
