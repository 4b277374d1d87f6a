"""Fonds (全宗), record categories (门类) and reference-code rules (档号规则)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.choices import ArrangementOrder
from dangan.core.models import Institution
from dangan.utilities.models import StableIdentityModel, TimestampedModel

fonds_code_validator = RegexValidator(
    r"^[A-Za-z0-9]{1,16}$", _("全宗号只能由字母和数字组成（最多 16 位），例如 Z109、X013。")
)
category_code_validator = RegexValidator(
    r"^[A-Za-z0-9]{1,8}$", _("门类代码只能由字母和数字组成（最多 8 位），例如 WS。")
)


class Fonds(StableIdentityModel):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="fonds")
    code = models.CharField(_("全宗号"), max_length=16, unique=True, validators=[fonds_code_validator])
    name = models.CharField(_("全宗名称"), max_length=300)
    creator = models.CharField(_("立档单位"), max_length=300, blank=True)
    start_year = models.SmallIntegerField(_("起始年度"), null=True, blank=True)
    end_year = models.SmallIntegerField(_("终止年度"), null=True, blank=True)
    history = models.TextField(_("全宗介绍"), blank=True, help_text=_("立档单位沿革与全宗历史"))
    arrangement = models.CharField(
        _("分类方案"), max_length=32, choices=ArrangementOrder.choices, default=ArrangementOrder.YEAR_ORG_RETENTION
    )
    scheme_notes = models.TextField(_("分类说明"), blank=True, help_text=_("机构(问题)代码表及其他分类约定"))
    unit_count = models.PositiveIntegerField(_("档案数量"), default=0, editable=False)
    top_level_count = models.PositiveIntegerField(default=0, editable=False)
    is_sample = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        verbose_name = _("全宗")
        verbose_name_plural = _("全宗")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def date_range(self) -> str:
        if self.start_year and self.end_year:
            return f"{self.start_year}—{self.end_year}"
        return str(self.start_year or self.end_year or "")


class RecordCategory(TimestampedModel):
    """档案门类: 文书 WS, 照片 ZP, 录音 LY, 录像 LX, 实物 SW, 科技 KJ, 会计 KU … (configurable)."""

    code = models.CharField(_("门类代码"), max_length=8, unique=True, validators=[category_code_validator])
    name = models.CharField(_("门类名称"), max_length=100)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("档案门类")
        verbose_name_plural = _("档案门类")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ReferenceCodeRule(TimestampedModel):
    """The 档号 pattern for a fonds and/or category; the most specific rule wins (see catalog.refcodes)."""

    fonds = models.ForeignKey(Fonds, on_delete=models.CASCADE, null=True, blank=True, related_name="code_rules")
    category = models.ForeignKey(
        RecordCategory, on_delete=models.CASCADE, null=True, blank=True, related_name="code_rules"
    )
    pattern = models.CharField(_("档号格式"), max_length=200)

    class Meta:
        verbose_name = _("档号规则")
        verbose_name_plural = _("档号规则")
        constraints = [
            # NULL scopes are kept unique by catalog.actions.configuration, as SQLite treats NULLs as distinct.
            models.UniqueConstraint(fields=["fonds", "category"], name="catalog_code_rule_scope_unique"),
        ]

    def __str__(self) -> str:
        return self.pattern
