"""Words of the archival dictionary that users add (地名、人名、部队番号、事件、机构 …), on top of the dictionary
file shipped in dangan/search/dictionary/."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DictionaryTerm(models.Model):
    class Kind(models.TextChoices):
        PLACE = "place", _("地名")
        PERSON = "person", _("人名")
        UNIT = "unit", _("部队番号")
        EVENT = "event", _("事件")
        INSTITUTION = "institution", _("机构")
        OTHER = "other", _("其他")

    term = models.CharField(_("词语"), max_length=50, unique=True)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    created = models.DateTimeField(_("添加时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("检索词典词语")
        verbose_name_plural = _("检索词典")
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term
