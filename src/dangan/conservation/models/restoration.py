"""Restoration work (修复): work orders with their plan, approval, treatment steps, photographs and acceptance
(docs/development/conservation.md, "Part restoration")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit
from dangan.conservation.choices import DamageGrade
from dangan.utilities.models import TimestampedModel

from .custody import CheckOut


class WorkOrderStatus(models.TextChoices):
    """The steps of a work order, in order (草稿 → 待审批 → 已批准 / 退回 → 修复中 → 待验收 → 已验收 → 已归还)."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审批")
    SENT_BACK = "sent_back", _("退回")
    APPROVED = "approved", _("已批准")
    IN_TREATMENT = "in_treatment", _("修复中")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("待验收")
    ACCEPTED = "accepted", _("已验收")
    RETURNED = "returned", _("已归还")


class Treatment(models.TextChoices):
    """Treatments of paper archives (修复工艺)."""

    CLEANING = "cleaning", _("去污")
    DEACIDIFICATION = "deacidification", _("去酸")
    REPAIR = "repair", _("修补")
    LINING = "lining", _("托裱")
    CONSOLIDATION = "consolidation", _("加固")
    SEPARATION = "separation", _("揭粘")
    INK_FIXING = "ink_fixing", _("字迹加固")
    FLATTENING = "flattening", _("压平")
    OTHER = "other", _("其他")


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("修复前")
    AFTER = "after", _("修复后")


class WorkOrder(TimestampedModel):
    """One restoration of one unit: its condition before (copied from UnitCondition when the order was made), the
    plan, who approved, the check-out, who treated, who accepted with the condition after, and the return."""

    number = models.CharField(_("修复单号"), max_length=20, unique=True)
    unit = models.ForeignKey(ArchivalUnit, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("档案"))
    status = models.CharField(_("状态"), max_length=24, choices=WorkOrderStatus.choices, default=WorkOrderStatus.DRAFT)
    # The condition before, as recorded when the order was made.
    grade_before = models.CharField(_("修复前破损等级"), max_length=16, choices=DamageGrade.choices)
    reason_before = models.TextField(_("修复前定级依据"), blank=True)
    damages_before = models.JSONField(_("修复前破损情况"), default=dict, blank=True)
    # The plan.
    treatments = models.JSONField(_("修复工艺"), default=list)  # Treatment values, in the order planned
    materials = models.TextField(_("拟用材料"), blank=True)
    estimated_hours = models.DecimalField(_("预计工时"), max_digits=7, decimal_places=1, default=0)
    plan_notes = models.TextField(_("方案说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Approval.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    sent_back_reason = models.TextField(_("退回理由"), blank=True)
    # Treatment.
    checkout = models.ForeignKey(
        CheckOut, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("出库记录")
    )
    treated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("开始修复"), null=True, blank=True)
    finished_at = models.DateTimeField(_("修复完成"), null=True, blank=True)
    # Acceptance.
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    acceptance_note = models.TextField(_("验收意见"), blank=True)
    rejected_reason = models.TextField(_("验收不合格理由"), blank=True)
    grade_after = models.CharField(_("修复后破损等级"), max_length=16, choices=DamageGrade.choices, blank=True)
    reason_after = models.TextField(_("修复后定级依据"), blank=True)
    damages_after = models.JSONField(_("修复后破损情况"), default=dict, blank=True)
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("修订号"), default=1, editable=False)

    class Meta:
        verbose_name = _("修复单")
        verbose_name_plural = _("修复单")
        ordering = ["-created", "-id"]
        constraints = [
            # One work order at a time per unit: a new one once the last is returned.
            models.UniqueConstraint(
                fields=["unit"],
                condition=~models.Q(status="returned"),
                name="conservation_one_open_work_order",
            )
        ]
        indexes = [
            models.Index(fields=["status"], name="conservation_workorder_status"),
            models.Index(fields=["returned_at"], name="conservation_workorder_ret"),
        ]

    def __str__(self) -> str:
        return self.number

    def treatment_labels(self) -> list[str]:
        labels = dict(Treatment.choices)
        return [str(labels.get(value, value)) for value in self.treatments]


class WorkOrderEvent(models.Model):
    """One step of a work order's timeline: from which status to which, who, when, why."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=32)
    status_from = models.CharField(_("原状态"), max_length=24, choices=WorkOrderStatus.choices, blank=True)
    status_to = models.CharField(_("新状态"), max_length=24, choices=WorkOrderStatus.choices)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_name = models.CharField(_("操作人"), max_length=150, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("修复单流转")
        verbose_name_plural = _("修复单流转")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action} → {self.status_to}"


class TreatmentStep(models.Model):
    """One treatment done: which, the materials used (``materials``: [{"name", "quantity", "unit"}]), time spent,
    by whom, on which day."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="steps")
    treatment = models.CharField(_("修复工艺"), max_length=24, choices=Treatment.choices)
    materials = models.JSONField(_("所用材料"), default=list, blank=True)
    hours = models.DecimalField(_("工时"), max_digits=6, decimal_places=1)
    conservator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conservator_name = models.CharField(_("修复人员"), max_length=150)
    date = models.DateField(_("日期"))
    notes = models.TextField(_("备注"), blank=True)
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("修复步骤")
        verbose_name_plural = _("修复步骤")
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.treatment} {self.date}"


class WorkOrderPhotograph(models.Model):
    """A before/after photograph, preserved in the unit's package (``logical_path`` in ``package_version``)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="photographs")
    stage = models.CharField(_("阶段"), max_length=8, choices=PhotoStage.choices)
    number = models.PositiveSmallIntegerField(_("序号"))
    logical_path = models.CharField(_("保存路径"), max_length=500)
    package_version = models.CharField(_("保存包版本"), max_length=16)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField(_("大小"))
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(_("保存时间"))

    class Meta:
        verbose_name = _("修复照片")
        verbose_name_plural = _("修复照片")
        ordering = ["-stage", "number"]  # before, then after
        constraints = [
            models.UniqueConstraint(fields=["order", "stage", "number"], name="conservation_photo_number"),
        ]

    def __str__(self) -> str:
        return self.logical_path
