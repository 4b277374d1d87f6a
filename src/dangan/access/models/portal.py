"""What the portal tells the public about consulting the archives (查档指南): opening hours, address, what to bring,
fees. One row (a singleton): the reading room staff edit it at /manage/access/portal/, the portal's home and guide
show it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.utilities.models import TimestampedModel

# The one row's primary key: there is never another.
SINGLETON_PK = 1


class ConsultingInfo(TimestampedModel):
    hours = models.TextField(
        _("开放时间"), blank=True, help_text=_("例如：周一至周五 9:00–12:00、13:30–17:00（法定节假日除外）")
    )
    address = models.CharField(_("查档地址"), max_length=300, blank=True, help_text=_("留空则使用本馆登记的地址"))
    transport = models.CharField(_("交通"), max_length=300, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=100, blank=True)
    email = models.CharField(_("电子邮箱"), max_length=200, blank=True)
    what_to_bring = models.TextField(
        _("携带材料"), blank=True, help_text=_("例如：本人有效身份证件；单位查档另需介绍信")
    )
    fees = models.TextField(_("收费标准"), blank=True, help_text=_("例如：查阅免费；复制按页收取工本费"))
    notes = models.TextField(_("查档须知"), blank=True, help_text=_("面向公众的其他说明，例如线上申请的流程"))
    # Raised by one on every save: an edit made from an older version is refused (utilities.concurrency).
    version = models.PositiveIntegerField(_("修订号"), default=1, editable=False)

    class Meta:
        verbose_name = _("查档指南")
        verbose_name_plural = _("查档指南")

    def __str__(self) -> str:
        return str(_("查档指南"))

    @classmethod
    def current(cls) -> ConsultingInfo:
        """The stored row, or (before anyone edited it) an unsaved empty one: reading it never writes."""
        found = cls.objects.filter(pk=SINGLETON_PK).first()
        return found if found is not None else cls(pk=SINGLETON_PK, version=0)

    @property
    def is_empty(self) -> bool:
        """Whether nothing has been filled in yet (the pages then say so instead of showing empty headings)."""
        return not any(getattr(self, name) for name in PUBLIC_FIELDS)


# The fields the public sees, in the order the guide shows them (the address falls back to the institution's).
PUBLIC_FIELDS = ("hours", "address", "transport", "phone", "email", "what_to_bring", "fees", "notes")
