"""Part volumes: a compilation (编研成果: 选编/汇编), its sections, its entries (one unit each, with the compilation's
own heading, date and source lines and transcription), the editorial notes (注释) anchored in a transcription, the
page images printed with an entry, and the export jobs.

Notes are anchored by a marker the editor types in the transcription: ``〔注1〕`` is note 1 of the entry. The marker
moves with the text when the text is edited, so the anchor survives any edit; ``actions.volumes.split_notes`` turns
the markers into (paragraph, offset) when the Book is assembled."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit
from dangan.utilities.models import StableIdentityModel, TimestampedModel


class CompilationStatus(models.TextChoices):
    DRAFT = "draft", _("编辑中")
    FINAL = "final", _("已定稿")


class TextSource(models.TextChoices):
    OCR = "ocr", _("识别文本校对")
    TYPED = "typed", _("人工录入")


class ExportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    EPUB = "epub", "EPUB 3"
    DOCX = "docx", "DOCX"


class ExportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导出中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Compilation(StableIdentityModel):
    title = models.CharField(_("书名"), max_length=300)
    subtitle = models.CharField(_("副书名"), max_length=300, blank=True)
    editor = models.CharField(_("编者"), max_length=300, blank=True)
    publisher = models.CharField(_("出版者"), max_length=300, blank=True)
    year = models.CharField(_("出版年"), max_length=20, blank=True)
    preface = models.TextField(_("前言"), blank=True)
    editorial_notes = models.TextField(_("编辑说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=CompilationStatus.choices, default=CompilationStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_name = models.CharField(_("创建人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("编研成果")
        verbose_name_plural = _("编研成果")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    compilation = models.ForeignKey(Compilation, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField(_("顺序"), default=0)
    title = models.CharField(_("标题"), max_length=300)

    class Meta:
        verbose_name = _("部分")
        verbose_name_plural = _("部分")
        ordering = ["compilation", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class Entry(TimestampedModel):
    """One document of the compilation: a unit, printed with the compilation's heading, date and source lines and
    the transcription kept here (the OCR text it may start from stays untouched in digitization)."""

    compilation = models.ForeignKey(Compilation, on_delete=models.CASCADE, related_name="entries")
    section = models.ForeignKey(Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries")
    order = models.PositiveIntegerField(_("顺序"), default=0)
    unit = models.ForeignKey(ArchivalUnit, on_delete=models.CASCADE, related_name="+", verbose_name=_("档案"))
    heading = models.CharField(_("标题"), max_length=1000)
    date_line = models.CharField(_("日期"), max_length=200, blank=True)
    source_line = models.CharField(_("出处"), max_length=500, blank=True)
    text = models.TextField(_("录文"), blank=True)
    text_source = models.CharField(_("录文来源"), max_length=8, choices=TextSource.choices, default=TextSource.TYPED)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("选文")
        verbose_name_plural = _("选文")
        ordering = ["compilation", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["compilation", "unit"], name="compilation_entry_unit_once")]

    def __str__(self) -> str:
        return self.heading


class Note(models.Model):
    """注释 ``number`` of an entry, printed where the editor typed ``〔注<number>〕`` in the transcription."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="notes")
    number = models.PositiveIntegerField(_("注释号"))
    text = models.TextField(_("注释"))

    class Meta:
        verbose_name = _("注释")
        verbose_name_plural = _("注释")
        ordering = ["entry", "number"]
        constraints = [models.UniqueConstraint(fields=["entry", "number"], name="compilation_note_number_once")]

    def __str__(self) -> str:
        return f"〔注{self.number}〕"


class EntryImage(models.Model):
    """A page image of the entry's unit printed with it: its page (1-based, the unit's masters in page order) and
    the IIIF image id of that master when chosen (the content it showed)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="images")
    order = models.PositiveIntegerField(_("顺序"), default=0)
    page = models.PositiveIntegerField(_("页码"))
    image_id = models.CharField(_("图像标识"), max_length=100, blank=True)
    caption = models.CharField(_("图注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("图片")
        verbose_name_plural = _("图片")
        ordering = ["entry", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.entry_id} p{self.page}"


class ExportJob(StableIdentityModel):
    """An export of a compilation by one person: what it contains is what that person may see when it runs."""

    compilation = models.ForeignKey(Compilation, on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(_("格式"), max_length=8, choices=ExportFormat.choices)
    vertical = models.BooleanField(_("竖排"), default=False)
    state = models.CharField(_("状态"), max_length=16, choices=ExportState.choices, default=ExportState.QUEUED)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总量"), default=0)
    file = models.CharField(_("文件"), max_length=500, blank=True)  # relative to COMPILATION_EXPORT_ROOT
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    error = models.TextField(_("错误"), blank=True)
    documents = models.PositiveIntegerField(_("收录文件数"), default=0)
    left_out = models.PositiveIntegerField(_("未收录（无权查看）"), default=0)
    # The units the file holds (pks): who may download it must see every one of them.
    units = models.JSONField(_("收录的档案"), default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_name = models.CharField(_("申请人"), max_length=150, blank=True)
    started = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.compilation_id} {self.format}"

    @property
    def is_active(self) -> bool:
        return self.state in (ExportState.QUEUED, ExportState.RUNNING)
