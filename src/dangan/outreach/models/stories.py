"""A story (档案里的党史故事): written by an editor from units, approved by a second person, published on the portal,
in the feeds, the mini program's API, and pushed to the WeChat official account. Shared (migration 0001): the
stories part builds editing, approval and the public pages on it, the wechat part the push."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit
from dangan.utilities.models import StableIdentityModel


class StoryStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤下")


class Story(StableIdentityModel):
    title = models.CharField(_("标题"), max_length=200)
    slug = models.SlugField(_("网址名"), max_length=100, unique=True, allow_unicode=False)
    summary = models.TextField(_("摘要"), blank=True)
    # The text: a small, sanitized HTML subset (p, h2, h3, strong, em, blockquote, ul/ol/li, figure/img/figcaption,
    # a) that the stories part defines and cleans on every write; the wechat part turns it into WeChat's article HTML.
    body = models.TextField(_("正文"), blank=True)
    author_name = models.CharField(_("作者署名"), max_length=100, blank=True)
    # The cover: a IIIF image id (preservation.iiif) of a unit the public may see, or blank.
    cover_image = models.CharField(_("封面图"), max_length=120, blank=True)
    units = models.ManyToManyField(ArchivalUnit, blank=True, related_name="stories", verbose_name=_("引用档案"))
    status = models.CharField(_("状态"), max_length=16, choices=StoryStatus.choices, default=StoryStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("撰写人")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Part stories (migration 0004): who last changed the text (with ``created_by``, a writer: never its approver),
    # why a reviewer sent the story back (shown until it is submitted again), the body as last approved (the review
    # page's comparison).
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最后修改人"),
    )
    review_note = models.TextField(_("退回意见"), blank=True)
    approved_body = models.TextField(_("上次审核通过的正文"), blank=True)

    class Meta:
        verbose_name = _("档案故事")
        verbose_name_plural = _("档案故事")
        ordering = ["-published_at", "-created"]
        indexes = [models.Index(fields=["status", "-published_at"], name="outreach_story_published")]

    def __str__(self) -> str:
        return self.title
