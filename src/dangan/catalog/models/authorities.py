"""Authority records (规范档案): people, organizations, places and events, linked to units with a role."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.choices import AuthorityKind, AuthorityRole
from dangan.utilities.models import StableIdentityModel
from dangan.utilities.text import fold_width

from .units import ArchivalUnit


def name_key(name: str) -> str:
    """A name as the authority search compares it: half-width, lower-case, without spaces."""
    return "".join(fold_width(name).lower().split())


class Authority(StableIdentityModel):
    kind = models.CharField(_("类型"), max_length=16, choices=AuthorityKind.choices)
    name = models.CharField(_("规范名称"), max_length=300)
    variant_names = models.JSONField(_("其他名称"), default=list, blank=True)
    dates = models.CharField(_("生卒/存续/发生时间"), max_length=100, blank=True)
    description = models.TextField(_("简介"), blank=True)
    identifier = models.CharField(_("外部标识"), max_length=200, blank=True)
    is_sample = models.BooleanField(_("示例数据"), default=False)
    # Every name (preferred, then variants) as name_key gives it, one per line: what the picker searches.
    search_names = models.TextField(_("全部名称（检索用）"), blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("规范档案")
        verbose_name_plural = _("规范档案")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="catalog_authority_kind_name")]

    def __str__(self) -> str:
        return self.name

    def names(self) -> list[str]:
        """The preferred name, then the variants."""
        return [self.name, *(n for n in self.variant_names or [] if n and n != self.name)]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_names = "\n".join(name_key(n) for n in self.names())
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "variant_names"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_names"}
        super().save(*args, **kwargs)


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
