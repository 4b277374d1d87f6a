"""Condition surveys (摸排): campaigns over a selection of units with assigned surveyors, and every survey record
(one assessment of one unit, kept), with its photographs. The unit's condition now is the shared UnitCondition."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.conservation.choices import DamageGrade
from dangan.utilities.models import TimestampedModel


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


class SurveyOrigin(models.TextChoices):
    FORM = "form", _("现场表单")
    SHEET = "sheet", _("Excel 表格导入")


class Campaign(TimestampedModel):
    """A survey campaign (摸排任务) over a selection: a fonds and/or a location prefix (``full_code`` of the stacks
    tree, "K1-A" takes K1-A and everything below) and/or a list of 档号; the selection is fixed into
    ``CampaignUnit`` rows when the campaign is created. ``priority``: its units count as high value (红色档案) in the
    priorities (docs/development/conservation.md, "Part surveys")."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    fonds = models.ForeignKey(
        Fonds, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("全宗")
    )
    location_prefix = models.CharField(_("存放位置范围"), max_length=200, blank=True)
    reference_codes = models.JSONField(_("档号清单"), default=list, blank=True)
    priority = models.BooleanField(_("重点（红色档案）"), default=False)
    surveyors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="survey_campaigns", verbose_name=_("摸排人员")
    )
    starts = models.DateField(_("开始日期"), null=True, blank=True)
    ends = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(_("修订号"), default=1, editable=False)

    class Meta:
        verbose_name = _("摸排任务")
        verbose_name_plural = _("摸排任务")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.name


class CampaignUnit(models.Model):
    """One unit of a campaign's selection, assigned to a surveyor (round robin when created), and when it was
    surveyed last in this campaign (blank: still to do)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(ArchivalUnit, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    surveyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="conservation_campaign_unit_once"),
        ]
        indexes = [models.Index(fields=["campaign", "assigned_to", "surveyed_at"], name="conservation_cu_todo")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.unit_id}"


class SurveyRecord(models.Model):
    """One assessment of one unit (every one kept): carrier and material, ``damages`` (DamageType value → measure,
    grading.MEASURES), the grade and reason grading.grade_damages gave, notes, who and when."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="records", verbose_name=_("摸排任务")
    )
    unit = models.ForeignKey(
        ArchivalUnit, on_delete=models.CASCADE, related_name="survey_records", verbose_name=_("档案")
    )
    carrier = models.CharField(_("载体"), max_length=50, blank=True)
    paper_type = models.CharField(_("纸张类型"), max_length=50, blank=True)
    ink = models.CharField(_("字迹材料"), max_length=50, blank=True)
    has_photographs = models.BooleanField(_("含照片"), default=False)
    damages = models.JSONField(_("破损情况"), default=dict, blank=True)
    grade = models.CharField(_("破损等级"), max_length=16, choices=DamageGrade.choices)
    reason = models.TextField(_("定级依据"), blank=True)
    notes = models.TextField(_("备注"), blank=True)
    origin = models.CharField(_("录入方式"), max_length=8, choices=SurveyOrigin.choices, default=SurveyOrigin.FORM)
    surveyed_at = models.DateTimeField(_("摸排时间"))
    surveyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("摸排记录")
        verbose_name_plural = _("摸排记录")
        ordering = ["-surveyed_at"]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.grade}"


class SurveyPhoto(models.Model):
    """A photograph taken during a survey, kept in the media storage (MEDIA_ROOT/conservation/surveys/…): a first
    cut; the restoration part preserves its before/after photographs as versions instead."""

    record = models.ForeignKey(SurveyRecord, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to="conservation/surveys/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name or str(self.image.name)
