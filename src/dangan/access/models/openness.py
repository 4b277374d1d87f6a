"""The openness review (开放审核, Archives Law 2020 art. 27): review rounds, the decision on each unit, and the
words that the reviewers' aid marks.

A round (``OpennessReview``) names a year and a scope (a fonds, optionally a 门类 and a range of years). When it is
made, every unit of the scope that reaches the age (year ≤ round year − 25) and is not open yet gets one row
(``OpennessDecision``, status 待初审), written in bulk: the round's list is then one table, paged, filtered and sorted
in the database (by the reviewers' aid's mark count too). A decision is proposed at the first review (初审) and takes
effect in the catalog only when a different reviewer confirms it (复审); the second reviewer may send it back.
Every list shows a person only the rows of units catalog.policy lets them see.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.utilities.models import StableIdentityModel, TimestampedModel


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Verdict(models.TextChoices):
    """What the reviewers decide for a unit."""

    OPEN = "open", _("开放")
    CONTROL = "control", _("控制")
    DEFER = "defer", _("延期")


class ControlReason(models.TextChoices):
    """Why a unit stays controlled (控制使用)."""

    NATIONAL_SECURITY = "national_security", _("涉及国家安全")
    PRIVACY = "privacy", _("涉及个人隐私")
    COMMERCIAL = "commercial", _("涉及商业秘密")
    OTHER = "other", _("其他")


class DecisionStatus(models.TextChoices):
    """Where a unit of a round stands: not reviewed yet; proposed at the first review (初审); confirmed at the
    second (复审, and so in effect) or sent back by it."""

    PENDING = "pending", _("待初审")
    PROPOSED = "proposed", _("待复审")
    CONFIRMED = "confirmed", _("已生效")
    RETURNED = "returned", _("已退回")


class OpennessReview(StableIdentityModel):
    """One review round: the units of a scope that reach the age of opening in ``year``."""

    year = models.PositiveSmallIntegerField(_("审核年度"))
    fonds = models.ForeignKey("catalog.Fonds", on_delete=models.PROTECT, related_name="+", verbose_name=_("全宗"))
    category = models.ForeignKey(
        "catalog.RecordCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("门类"),
    )
    year_from = models.SmallIntegerField(_("起始年度"), null=True, blank=True)
    year_to = models.SmallIntegerField(_("截止年度"), null=True, blank=True)
    title = models.CharField(_("名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_by_name = models.CharField(_("创建人"), max_length=150, blank=True)
    version = models.PositiveIntegerField(_("修订号"), default=1, editable=False)

    class Meta:
        verbose_name = _("开放审核")
        verbose_name_plural = _("开放审核")
        ordering = ["-year", "-created"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == ReviewStatus.OPEN


class OpennessDecision(TimestampedModel):
    """The reviewers' decision on one unit in one round."""

    review = models.ForeignKey(
        OpennessReview, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("开放审核")
    )
    unit = models.ForeignKey("catalog.ArchivalUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("档案"))
    # The unit's fonds and year, kept beside it so that the report counts without a join.
    fonds = models.ForeignKey("catalog.Fonds", on_delete=models.PROTECT, related_name="+", verbose_name=_("全宗"))
    unit_year = models.SmallIntegerField(_("年度"), null=True, blank=True)
    verdict = models.CharField(_("审核意见"), max_length=8, choices=Verdict.choices, blank=True, default="")
    reason = models.CharField(_("控制理由"), max_length=20, choices=ControlReason.choices, blank=True, default="")
    note = models.CharField(_("说明"), max_length=1000, blank=True, default="")
    next_review_year = models.PositiveSmallIntegerField(_("下次审核年度"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.PENDING)
    # The reviewers' aid (access.sensitive): how many marks the unit's description and text hold (None: not
    # scanned yet), and their kinds ("id_number,phone").
    marks = models.PositiveIntegerField(_("提示数"), null=True, blank=True)
    mark_kinds = models.CharField(_("提示类别"), max_length=200, blank=True, default="")
    first_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("初审人"),
    )
    first_by_name = models.CharField(_("初审人"), max_length=150, blank=True)
    first_at = models.DateTimeField(_("初审时间"), null=True, blank=True)
    second_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("复审人"),
    )
    second_by_name = models.CharField(_("复审人"), max_length=150, blank=True)
    second_at = models.DateTimeField(_("复审时间"), null=True, blank=True, db_index=True)
    return_note = models.CharField(_("退回意见"), max_length=1000, blank=True, default="")
    version = models.PositiveIntegerField(_("修订号"), default=1, editable=False)

    class Meta:
        verbose_name = _("开放审核意见")
        verbose_name_plural = _("开放审核意见")
        ordering = ["review", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["review", "unit"], name="access_openness_one_per_unit")]
        indexes = [
            models.Index(fields=["review", "status", "verdict"], name="access_openness_review_status"),
            models.Index(fields=["review", "marks"], name="access_openness_review_marks"),
            models.Index(fields=["verdict", "status", "second_at"], name="access_openness_published"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} · {self.get_status_display()}"


class OpennessTerm(models.Model):
    """A word the reviewers' aid marks in a unit's description and text (a place name of a closed matter, a
    project's code name …), kept by the openness reviewers."""

    term = models.CharField(_("词语"), max_length=50, unique=True)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    added_by_name = models.CharField(_("添加人"), max_length=150, blank=True)
    added = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("开放审核关注词")
        verbose_name_plural = _("开放审核关注词")
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term
