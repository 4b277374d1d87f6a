"""Authority records (规范档案): people, organizations, places and events, linked to units with a role."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.choices import AuthorityKind, AuthorityRole
from dangan.utilities.models import StableIdentityModel

from .units import ArchivalUnit


class Authority(StableIdentityModel):
    kind = models.CharField(_("类型"), max_length=16, choices=AuthorityKind.choices)
    name = models.CharField(_("规范名称"), max_length=300)
    variant_names = models.JSONField(_("其他名称"), default=list, blank=True)
    dates = models.CharField(_("生卒/存续/发生时间"), max_length=100, blank=True)
    description = models.TextField(_("简介"), blank=True)
    identifier = models.CharField(_("外部标识"), max_length=200, blank=True)
    is_sample = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        verbose_name = _("规范档案")
        verbose_name_plural = _("规范档案")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="catalog_authority_kind_name")]

    def __str__(self) -> str:
        return self.name


class UnitAuthority(models.Model):
    unit = models.ForeignKey(ArchivalUnit, on_delete=models.CASCADE, related_name="authority_links")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="unit_links")
    role = models.CharField(_("关系"), max_length=16, choices=AuthorityRole.choices)

    class Meta:
        verbose_name = _("档案与规范档案的关联")
        verbose_name_plural = _("档案与规范档案的关联")
        constraints = [
            models.UniqueConstraint(fields=["unit", "authority", "role"], name="catalog_unit_authority_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.get_role_display()} — {self.authority}"
