"""Check-out and return of originals (出库/入库): who took a unit out, why, until when, and who brought it back."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit
from dangan.conservation.choices import CheckOutPurpose

from .locations import Location


class CheckOut(models.Model):
    """One time an original left the stacks. Open while ``returned_at`` is null; overdue when open past ``due``.
    ``handed_out_by`` is the stack keeper who released it, ``taken_by`` the person who signed for it (a name, as
    written on the 出库单: a reader, a scanner operator, a conservator); on return, ``received_by`` checked it in."""

    unit = models.ForeignKey(ArchivalUnit, on_delete=models.PROTECT, related_name="checkouts", verbose_name=_("档案"))
    purpose = models.CharField(_("出库事由"), max_length=16, choices=CheckOutPurpose.choices)
    reference = models.CharField(_("依据"), max_length=200, blank=True)  # a work order, a batch, a request
    taken_from = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("原位置")
    )
    checked_out_at = models.DateTimeField(_("出库时间"))
    due = models.DateField(_("应还日期"))
    handed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    taken_by = models.CharField(_("领取人"), max_length=100)
    returned_at = models.DateTimeField(_("入库时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    returned_by = models.CharField(_("归还人"), max_length=100, blank=True)
    return_note = models.TextField(_("归还记录"), blank=True)  # the state it came back in, pages counted

    class Meta:
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=models.Q(returned_at__isnull=True), name="conservation_one_open_checkout"
            )
        ]
        indexes = [models.Index(fields=["returned_at", "due"], name="conservation_checkout_due")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.purpose} {self.checked_out_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None
