"""The register of disposals (鉴定销毁 / 处置): who asked to dispose of a unit and why, and who approved it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangan.catalog.choices import DisposalStatus
from dangan.utilities.models import StableIdentityModel

from .units import ArchivalUnit


class UnitDisposal(StableIdentityModel):
    """One request to dispose of a unit and its outcome. Rows are never deleted: together they are the register.

    The people are kept by name as well as by account, so the register still names them after an account is gone.
    """

    unit = models.ForeignKey(ArchivalUnit, on_delete=models.PROTECT, related_name="disposals", verbose_name=_("档案"))
    status = models.CharField(
        _("状态"), max_length=12, choices=DisposalStatus.choices, default=DisposalStatus.REQUESTED
    )
    reason = models.TextField(_("处置理由"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_name = models.CharField(_("申请人"), max_length=150)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_name = models.CharField(_("审批人"), max_length=150, blank=True)
    decided = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    # What the unit held when the request was made, for the register: a preserved package, as the holds said.
    holds = models.JSONField(_("保存情况"), default=list, blank=True)

    class Meta:
        verbose_name = _("鉴定销毁记录")
        verbose_name_plural = _("鉴定销毁记录")
        ordering = ["-created"]
        constraints = [
            # At most one open request per unit.
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="requested"), name="catalog_disposal_one_open_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == DisposalStatus.REQUESTED
