"""The institution that runs this system (one per installation)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.utilities.models import TimestampedModel


class Institution(TimestampedModel):
    code = models.CharField(_("机构代码"), max_length=32, unique=True)
    name = models.CharField(_("机构名称"), max_length=200)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    is_sample = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Institution | None:
        return cls.objects.order_by("pk").first()
