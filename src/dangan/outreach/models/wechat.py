"""Part wechat: the push of a story to the WeChat official account (微信公众号推送) and the account's access token.

A push goes through its steps, each recorded on its row before the next begins, so that a crash resumes where it
stopped: 排队 queued → 上传图片 uploading (each image's WeChat URL kept in ``images`` as it comes back; the cover's
``thumb_media_id``) → 已存草稿 drafted (``media_id`` of draft/add) → 发布中 publishing (``publish_id`` of
freepublish/submit) → 已发布 published (``article_id``, ``url``) or 失败 failed (``error``; a retry resumes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.utilities.models import StableIdentityModel, TimestampedModel

from .stories import Story


class PushState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    UPLOADING = "uploading", _("上传图片中")
    DRAFTED = "drafted", _("已存草稿")
    PUBLISHING = "publishing", _("发布中")
    PUBLISHED = "published", _("已发布")
    FAILED = "failed", _("失败")


class WechatPush(StableIdentityModel):
    """One story's push (one row per story: pushing again resumes it, never drafts the story twice)."""

    story = models.OneToOneField(Story, on_delete=models.PROTECT, related_name="wechat_push", verbose_name=_("故事"))
    state = models.CharField(_("状态"), max_length=16, choices=PushState.choices, default=PushState.QUEUED)
    # The step a failed push had reached (one of the states before it failed): where a retry resumes.
    failed_at = models.CharField(_("失败于"), max_length=16, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("推送人")
    )
    # IIIF image id → the URL WeChat gave it (media/uploadimg), kept as each upload returns.
    images = models.JSONField(_("已上传图片"), default=dict, blank=True)
    thumb_media_id = models.CharField(_("封面素材"), max_length=200, blank=True)
    media_id = models.CharField(_("草稿 media_id"), max_length=200, blank=True)
    publish_id = models.CharField(_("发布任务 publish_id"), max_length=200, blank=True)
    article_id = models.CharField(_("文章 article_id"), max_length=200, blank=True)
    url = models.URLField(_("文章网址"), max_length=1000, blank=True)
    error = models.TextField(_("错误"), blank=True)
    errcode = models.IntegerField(_("微信错误码"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    polls = models.PositiveIntegerField(_("查询次数"), default=0)
    last_polled = models.DateTimeField(_("上次查询"), null=True, blank=True)
    drafted_at = models.DateTimeField(_("存草稿时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交发布时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("微信推送")
        verbose_name_plural = _("微信推送")
        ordering = ["-updated"]

    def __str__(self) -> str:
        return f"{self.story.title}（{self.get_state_display()}）"

    @property
    def finished(self) -> bool:
        return self.state in (PushState.PUBLISHED, PushState.FAILED)


class WechatToken(TimestampedModel):
    """The access token of an official account (by app id), kept until shortly before it expires."""

    app_id = models.CharField(_("AppID"), max_length=64, unique=True)
    token = models.CharField(_("access_token"), max_length=600)
    expires_at = models.DateTimeField(_("过期时间"))

    class Meta:
        verbose_name = _("微信访问令牌")
        verbose_name_plural = _("微信访问令牌")

    def __str__(self) -> str:
        return self.app_id
