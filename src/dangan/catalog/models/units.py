"""Archival units (fonds → series → file/案卷 → item/件, any depth) and subject terms (主题词)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.choices import DatePrecision, Openness, RetentionPeriod, SecurityClassification, UnitLevel
from dangan.catalog.dates import date_label
from dangan.utilities.models import StableIdentityModel

from .fonds import Fonds, RecordCategory


class Subject(models.Model):
    term = models.CharField(_("主题词"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("主题词")
        verbose_name_plural = _("主题词")
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class ArchivalUnit(StableIdentityModel):
    """One node of the arrangement: a series, a file (案卷) or an item (件), described with the DA/T 22 fields."""

    # The composite indexes below lead with fonds and parent, so the single-column FK indexes would be waste.
    fonds = models.ForeignKey(
        Fonds, on_delete=models.PROTECT, related_name="units", verbose_name=_("全宗"), db_index=False
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
        db_index=False,
    )
    level = models.CharField(_("层级"), max_length=8, choices=UnitLevel.choices, default=UnitLevel.ITEM)
    position = models.PositiveIntegerField(_("排列顺序"), default=0)
    child_count = models.PositiveIntegerField(_("下级数量"), default=0, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    # Classification (分类) and reference code (档号)
    category = models.ForeignKey(
        RecordCategory, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("门类")
    )
    year = models.SmallIntegerField(_("年度"), null=True, blank=True)
    retention = models.CharField(_("保管期限"), max_length=4, choices=RetentionPeriod.choices, blank=True)
    organization = models.CharField(_("机构(问题)"), max_length=32, blank=True)
    item_number = models.PositiveIntegerField(_("件号"), null=True, blank=True)
    reference_code = models.CharField(_("档号"), max_length=80, null=True, blank=True, unique=True)
    former_reference_codes = models.JSONField(_("曾用档号"), default=list, blank=True)

    # Description (著录)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    responsible = models.CharField(_("责任者"), max_length=300, blank=True)
    title = models.CharField(_("题名"), max_length=1000)
    date = models.DateField(_("日期"), null=True, blank=True)
    date_precision = models.CharField(_("日期精度"), max_length=5, choices=DatePrecision.choices, blank=True)
    page_count = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    classification = models.CharField(
        _("密级"), max_length=16, choices=SecurityClassification.choices, default=SecurityClassification.PUBLIC
    )
    openness = models.CharField(_("开放状态"), max_length=12, choices=Openness.choices, default=Openness.PENDING)
    remarks = models.TextField(_("备注"), blank=True)
    extent = models.CharField(_("数量及单位"), max_length=200, blank=True)
    physical_location = models.CharField(_("存放位置"), max_length=200, blank=True)
    notes = models.TextField(_("附注"), blank=True)
    subjects = models.ManyToManyField(Subject, blank=True, related_name="units", verbose_name=_("主题词"))

    import_batch = models.ForeignKey(
        "catalog.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="units", editable=False
    )
    is_sample = models.BooleanField(_("示例数据"), default=False)

    # Raised by one on every write of the row (catalog.actions.units): an edit made from an older version is refused
    # (optimistic check: the form's hidden field, the API's If-Match / version) instead of overwriting.
    version = models.PositiveIntegerField(_("修订号"), default=1, editable=False)
    # Disposed of (鉴定销毁, catalog.actions.disposals): the row stays, out of every list, count and search; the
    # register of disposals shows it to those catalog.policy allows.
    disposed = models.BooleanField(_("已处置"), default=False, editable=False)

    class Meta:
        verbose_name = _("档案")
        verbose_name_plural = _("档案")
        ordering = ["position", "id"]
        indexes = [
            # Children of a unit, or the top level of a fonds, in order: the hierarchy browser's only query.
            # With id and (on PostgreSQL) the visibility columns in the index, the page's ids come from an
            # index-only scan, however deep the page; ``disposed`` (always = False there) keeps it one range.
            models.Index(
                fields=["fonds", "parent", "disposed", "position", "id"],
                include=["classification", "openness"],
                name="catalog_unit_children",
            ),
            models.Index(fields=["parent", "position"], name="catalog_unit_parent_pos"),
            # The next 件号 within a classification group.
            models.Index(
                fields=["fonds", "category", "year", "retention", "organization", "item_number"],
                name="catalog_unit_classification",
            ),
            # The classification browser (catalog.classification): the items of a fonds grouped by 门类, 年度,
            # 保管期限 and 机构 and counted through the visibility policy, from the index alone.
            models.Index(
                fields=[
                    "fonds",
                    "level",
                    "category",
                    "year",
                    "retention",
                    "organization",
                    "item_number",
                    "classification",
                    "openness",
                ],
                name="catalog_unit_scheme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference_code} {self.title}" if self.reference_code else self.title

    @property
    def date_label(self) -> str:
        """The date as shown on the pages, no more precise than it is known: 1935年1月15日, 1935年1月, 1935年."""
        return date_label(self.date, self.date_precision)

    @property
    def date_display(self) -> str:
        """The date as the 归档文件目录 writes it (DA/T 22: 8 digits), with the precision it was known to."""
        if not self.date:
            return ""
        if self.date_precision == DatePrecision.YEAR:
            return f"{self.date.year:04d}"
        if self.date_precision == DatePrecision.MONTH:
            return f"{self.date.year:04d}{self.date.month:02d}"
        return f"{self.date.year:04d}{self.date.month:02d}{self.date.day:02d}"
