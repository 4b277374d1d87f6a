"""Four-property check reports (四性检测报告): one per check run, an item row per DA/T 70 item with its evidence."""

from __future__ import annotations

import builtins

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.accession.choices import CheckResult, Property, Verdict
from dangan.utilities.models import StableIdentityModel

from .transfers import Transfer


class CheckReport(StableIdentityModel):
    transfer = models.ForeignKey(
        Transfer, on_delete=models.CASCADE, null=True, blank=True, related_name="reports", verbose_name=_("移交")
    )
    bag_path = models.CharField(_("信息包位置"), max_length=1000)
    verdict = models.CharField(_("结论"), max_length=16, choices=Verdict.choices, default=Verdict.PENDING)
    facts = models.JSONField(_("信息包概况"), default=dict, blank=True)
    passed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    manual = models.PositiveIntegerField(default=0)
    not_applicable = models.PositiveIntegerField(default=0)
    not_performed = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(_("用时（秒）"), default=0)
    finished = models.DateTimeField(_("完成时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_by_name = models.CharField(_("检测人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("四性检测报告")
        verbose_name_plural = _("四性检测报告")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.created:%Y-%m-%d %H:%M}"


class CheckItem(models.Model):
    """One DA/T 70 item of a report. ``evidence`` holds up to EVIDENCE_LIMIT findings (file, field, value, message);
    ``evidence_count`` how many there were. Manual items are signed by a person (result and note)."""

    report = models.ForeignKey(CheckReport, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(_("编号"), max_length=16)
    name = models.CharField(_("检测项目"), max_length=100)
    property = models.CharField(_("属性"), max_length=16, choices=Property.choices)
    result = models.CharField(_("结果"), max_length=16, choices=CheckResult.choices)
    summary = models.TextField(_("说明"), blank=True)
    evidence = models.JSONField(_("依据"), default=list, blank=True)
    evidence_count = models.PositiveIntegerField(default=0)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    signed_by_name = models.CharField(_("签署人"), max_length=150, blank=True)
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    signed_result = models.CharField(_("签署结果"), max_length=16, choices=CheckResult.choices, blank=True)
    signed_note = models.TextField(_("签署说明"), blank=True)

    class Meta:
        verbose_name = _("检测项")
        verbose_name_plural = _("检测项")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "code"], name="accession_item_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}: {self.get_result_display()}"

    @builtins.property  # the "property" field shadows the builtin inside the class body
    def effective_result(self) -> str:
        """The result after a person's signature: a signed manual item counts as what the person found."""
        return self.signed_result or self.result
