"""Blu-ray disc sets (part discs): the register of disc sets and of every disc written — its label, where it is
kept, when it was written and last read back, and whether it is intact, lost or damaged."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .targets import Target


class DiscSetState(models.TextChoices):
    STAGING = "staging", _("写入中")  # images being written; a set left here was interrupted
    WRITTEN = "written", _("已写入")  # every image written and recorded
    SEALED = "sealed", _("已封存")  # every disc read back intact and given a location


class DiscKind(models.TextChoices):
    DATA = "data", _("数据盘")
    PARITY = "parity", _("校验盘")


class DiscState(models.TextChoices):
    OK = "ok", _("完好")
    LOST = "lost", _("丢失")
    DAMAGED = "damaged", _("损坏")


class DiscSet(models.Model):
    """One set of discs written for a disc target: ``data_discs`` data discs and two parity discs (P, Q), any two
    of which can be rebuilt from the others. ``capacity`` is the disc size in bytes the set was packed for."""

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="disc_sets", verbose_name=_("备份目标"))
    number = models.PositiveIntegerField(_("套号"))
    label = models.CharField(_("标签"), max_length=100, unique=True)
    capacity = models.PositiveBigIntegerField(_("单盘容量（字节）"))
    data_discs = models.PositiveIntegerField(_("数据盘数"), default=0)
    state = models.CharField(_("状态"), max_length=16, choices=DiscSetState.choices, default=DiscSetState.STAGING)
    written_at = models.DateTimeField(_("写入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("光盘套")
        verbose_name_plural = _("光盘套")
        ordering = ["target", "number"]
        constraints = [models.UniqueConstraint(fields=["target", "number"], name="replication_one_disc_set_number")]

    def __str__(self) -> str:
        return self.label


class Disc(models.Model):
    """One disc of a set: ``number`` 1…n for the data discs, n + 1 and n + 2 for the parity discs P and Q."""

    disc_set = models.ForeignKey(DiscSet, on_delete=models.CASCADE, related_name="discs", verbose_name=_("光盘套"))
    number = models.PositiveIntegerField(_("盘号"))
    kind = models.CharField(_("类型"), max_length=16, choices=DiscKind.choices)
    label = models.CharField(_("标签"), max_length=100, unique=True)
    image_path = models.CharField(_("映像文件"), max_length=1000)
    image_size = models.PositiveBigIntegerField(_("映像字节数"))
    sha256 = models.CharField(_("映像SHA-256"), max_length=64)
    envelopes = models.PositiveIntegerField(_("密文对象数"), default=0)
    location = models.CharField(_("存放位置"), max_length=200, blank=True)  # e.g. 昆明 · 3号库房 · B柜2层
    written_at = models.DateTimeField(_("写入时间"))
    read_back_at = models.DateTimeField(_("最近回读"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=DiscState.choices, default=DiscState.OK)
    problem = models.TextField(_("问题"), blank=True)  # what the last read-back found

    class Meta:
        verbose_name = _("光盘")
        verbose_name_plural = _("光盘")
        ordering = ["disc_set", "number"]
        constraints = [models.UniqueConstraint(fields=["disc_set", "number"], name="replication_one_disc_number")]

    def __str__(self) -> str:
        return self.label
