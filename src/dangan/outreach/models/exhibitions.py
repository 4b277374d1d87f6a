"""Part exhibitions (专题展览): an exhibition of sections, each of pages, each of blocks (rich text, an image or a
detail of one, a unit card, a gallery, a timeline, a quote from a transcription). Drafted and previewed by staff,
published with a schedule; shown on the portal, on a phone, on a hall screen (kiosk mode) and in the mini program.

A block's ``data`` is JSON validated per kind by ``outreach.exhibits.blocks`` on every write; a block naming a unit
(or an image of one) is shown only to those ``catalog.policy`` lets see it, at every request."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangan.utilities.models import StableIdentityModel, TimestampedModel

KIOSK_IDLE_DEFAULT = 120
KIOSK_ADVANCE_DEFAULT = 20


class ExhibitionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class BlockKind(models.TextChoices):
    TEXT = "text", _("图文")
    IMAGE = "image", _("图像")
    UNIT = "unit", _("档案卡片")
    GALLERY = "gallery", _("图集")
    TIMELINE = "timeline", _("时间线")
    QUOTE = "quote", _("原文摘录")


class Exhibition(StableIdentityModel):
    slug = models.SlugField(_("网址名"), max_length=100, unique=True, allow_unicode=False)
    title = models.CharField(_("标题"), max_length=200)
    subtitle = models.CharField(_("副标题"), max_length=200, blank=True)
    # Plain text (paragraphs by blank lines); rich text lives in the blocks.
    introduction = models.TextField(_("展览介绍"), blank=True)
    # A IIIF image id (preservation.iiif); shown only while its unit's files are visible to the viewer.
    cover_image = models.CharField(_("封面图"), max_length=120, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ExhibitionStatus.choices, default=ExhibitionStatus.DRAFT
    )
    publish_at = models.DateTimeField(_("上线时间"), null=True, blank=True)
    unpublish_at = models.DateTimeField(_("下线时间"), null=True, blank=True)
    kiosk_idle_seconds = models.PositiveIntegerField(_("展厅模式无操作复位（秒）"), default=KIOSK_IDLE_DEFAULT)
    kiosk_advance_seconds = models.PositiveIntegerField(_("展厅模式自动翻页（秒）"), default=KIOSK_ADVANCE_DEFAULT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("创建人")
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("专题展览")
        verbose_name_plural = _("专题展览")
        ordering = ["-publish_at", "-created"]
        indexes = [models.Index(fields=["status", "publish_at"], name="outreach_exhibition_public")]

    def __str__(self) -> str:
        return self.title

    def is_public(self, now: datetime | None = None) -> bool:
        """Published, and ``now`` within [publish_at, unpublish_at) (an open end where blank): computed at request
        time, so no job flips it."""
        moment = now or timezone.now()
        if self.status != ExhibitionStatus.PUBLISHED:
            return False
        if self.publish_at is not None and moment < self.publish_at:
            return False
        return self.unpublish_at is None or moment < self.unpublish_at

    def state(self, now: datetime | None = None) -> str:
        """What the workspace shows: draft, scheduled (published, not yet on), online, ended (past unpublish_at)."""
        moment = now or timezone.now()
        if self.status != ExhibitionStatus.PUBLISHED:
            return "draft"
        if self.publish_at is not None and moment < self.publish_at:
            return "scheduled"
        if self.unpublish_at is not None and moment >= self.unpublish_at:
            return "ended"
        return "online"


def public_exhibitions(now: datetime | None = None) -> models.QuerySet[Exhibition]:
    """The exhibitions the public may see at ``now`` (the same rule as ``Exhibition.is_public``, in SQL)."""
    moment = now or timezone.now()
    return (
        Exhibition.objects.filter(status=ExhibitionStatus.PUBLISHED)
        .filter(models.Q(publish_at__isnull=True) | models.Q(publish_at__lte=moment))
        .filter(models.Q(unpublish_at__isnull=True) | models.Q(unpublish_at__gt=moment))
    )


class ExhibitionSection(TimestampedModel):
    exhibition = models.ForeignKey(
        Exhibition, on_delete=models.CASCADE, related_name="sections", verbose_name=_("专题展览")
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)
    title = models.CharField(_("标题"), max_length=200)

    class Meta:
        verbose_name = _("展览单元")
        verbose_name_plural = _("展览单元")
        ordering = ["exhibition", "order", "id"]

    def __str__(self) -> str:
        return self.title


class ExhibitionPage(TimestampedModel):
    section = models.ForeignKey(
        ExhibitionSection, on_delete=models.CASCADE, related_name="pages", verbose_name=_("展览单元")
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)
    title = models.CharField(_("标题"), max_length=200)

    class Meta:
        verbose_name = _("展页")
        verbose_name_plural = _("展页")
        ordering = ["section", "order", "id"]

    def __str__(self) -> str:
        return self.title


class ExhibitionBlock(TimestampedModel):
    page = models.ForeignKey(ExhibitionPage, on_delete=models.CASCADE, related_name="blocks", verbose_name=_("展页"))
    order = models.PositiveIntegerField(_("顺序"), default=0)
    kind = models.CharField(_("类型"), max_length=16, choices=BlockKind.choices)
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("展页内容块")
        verbose_name_plural = _("展页内容块")
        ordering = ["page", "order", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
