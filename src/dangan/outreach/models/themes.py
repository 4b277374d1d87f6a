"""Part themes: thematic databases (专题数据库). A theme is a curated set of units — whatever its saved queries find
for the viewer at request time, plus the units an editor picked by hand, less those an editor excluded — with its
own introduction, cover, sections (each with its own queries and picks), milestones for the timeline, and a map of
Guizhou's counties. Membership is always narrowed by ``catalog.policy`` for the viewer (outreach.theme_content).

A place authority is linked to a county by its code (``PlaceCounty``), matched by name on save, editable by staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.choices import DatePrecision
from dangan.catalog.dates import date_label
from dangan.catalog.models import ArchivalUnit, Authority
from dangan.utilities.models import StableIdentityModel


class ThemeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class Theme(StableIdentityModel):
    slug = models.SlugField(_("网址名"), max_length=100, unique=True, allow_unicode=False)
    title = models.CharField(_("标题"), max_length=200)
    summary = models.CharField(_("摘要"), max_length=500, blank=True)
    introduction = models.TextField(_("简介"), blank=True)
    # The cover: a IIIF image id (preservation.iiif), or the first image of ``cover_unit``; shown only when the
    # viewer may see that unit's files.
    cover_image = models.CharField(_("封面图"), max_length=120, blank=True)
    cover_unit = models.ForeignKey(
        ArchivalUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("封面档案"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=ThemeStatus.choices, default=ThemeStatus.DRAFT)
    order = models.IntegerField(_("排序"), default=0)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("创建人")
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("专题数据库")
        verbose_name_plural = _("专题数据库")
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ThemeStatus.PUBLISHED


class ThemeSection(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="sections", verbose_name=_("专题"))
    title = models.CharField(_("标题"), max_length=200)
    introduction = models.TextField(_("简介"), blank=True)
    order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("专题栏目")
        verbose_name_plural = _("专题栏目")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class ThemeQuery(models.Model):
    """A saved query in the search's query language (``dangan.search.query``), with optional filters (fonds code,
    category code, years): its members are whatever it finds for the viewer at request time."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="queries", verbose_name=_("专题"))
    section = models.ForeignKey(
        ThemeSection, on_delete=models.CASCADE, null=True, blank=True, related_name="queries", verbose_name=_("栏目")
    )
    query = models.CharField(_("检索式"), max_length=500, blank=True)
    fonds = models.CharField(_("全宗号"), max_length=32, blank=True)
    category = models.CharField(_("门类代码"), max_length=16, blank=True)
    year_from = models.SmallIntegerField(_("起始年度"), null=True, blank=True)
    year_to = models.SmallIntegerField(_("截止年度"), null=True, blank=True)

    class Meta:
        verbose_name = _("专题检索式")
        verbose_name_plural = _("专题检索式")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.query or self.fonds


class ThemeUnit(models.Model):
    """A unit an editor picked for the theme (or one of its sections), or excluded from it (``excluded``: a bad
    query hit, dropped from the theme and every section)."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="picks", verbose_name=_("专题"))
    section = models.ForeignKey(
        ThemeSection, on_delete=models.CASCADE, null=True, blank=True, related_name="picks", verbose_name=_("栏目")
    )
    unit = models.ForeignKey(ArchivalUnit, on_delete=models.CASCADE, related_name="+", verbose_name=_("档案"))
    excluded = models.BooleanField(_("排除"), default=False)

    class Meta:
        verbose_name = _("专题选入档案")
        verbose_name_plural = _("专题选入档案")
        constraints = [models.UniqueConstraint(fields=["theme", "section", "unit"], name="outreach_themeunit_unique")]

    def __str__(self) -> str:
        return f"{self.theme} — {self.unit_id}"


class ThemeMilestone(models.Model):
    """An editor-written event of the theme's timeline: a date (known to the day, month or year) and a text."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("专题"))
    date = models.DateField(_("日期"))
    date_precision = models.CharField(_("日期精度"), max_length=5, choices=DatePrecision.choices, blank=True)
    text = models.CharField(_("内容"), max_length=500)

    class Meta:
        verbose_name = _("大事记")
        verbose_name_plural = _("大事记")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def date_label(self) -> str:
        return date_label(self.date, self.date_precision)


class PlaceCounty(models.Model):
    """The county (县级, by its code: adcode) a place authority lies in; matched by name on save (outreach.geo),
    corrected by staff (``matched`` False once a person set it)."""

    authority = models.OneToOneField(
        Authority, on_delete=models.CASCADE, related_name="county", verbose_name=_("地点规范档案")
    )
    adcode = models.CharField(_("县级行政区划代码"), max_length=6, blank=True)
    matched = models.BooleanField(_("按名称自动匹配"), default=True)

    class Meta:
        verbose_name = _("地点所在县")
        verbose_name_plural = _("地点所在县")

    def __str__(self) -> str:
        return f"{self.authority} → {self.adcode or '—'}"
