"""The accession register: collected material (征集) and transfers (接收) with each step of their status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.accession.choices import OPEN_STATUSES, DonorKind, TransferKind, TransferStatus, TransferTask, Verdict
from dangan.catalog.models import ArchivalUnit, Fonds, ImportBatch
from dangan.core.choices import SecurityClassification
from dangan.utilities.models import StableIdentityModel, TimestampedModel

if TYPE_CHECKING:
    from .reports import CheckReport


class Acquisition(StableIdentityModel):
    """Collected material (征集): from whom, under which agreement, what arrived and in what condition."""

    fonds = models.ForeignKey(
        Fonds, on_delete=models.PROTECT, null=True, blank=True, related_name="acquisitions", verbose_name=_("全宗")
    )
    source = models.CharField(_("来源（机构或捐赠人）"), max_length=300)
    source_kind = models.CharField(_("来源类型"), max_length=16, choices=DonorKind.choices, default=DonorKind.PERSON)
    contact = models.CharField(_("联系方式"), max_length=300, blank=True)
    agreement = models.CharField(_("协议"), max_length=300, blank=True, help_text=_("征集协议或捐赠协议的编号与名称"))
    agreement_date = models.DateField(_("协议日期"), null=True, blank=True)
    received_date = models.DateField(_("接收日期"), null=True, blank=True)
    description = models.TextField(_("接收内容"), help_text=_("收到了什么：题名、数量、载体"))
    quantity = models.CharField(_("数量及单位"), max_length=200, blank=True)
    condition = models.TextField(_("到馆时状况"), blank=True)
    notes = models.TextField(_("备注"), blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    registered_by_name = models.CharField(_("登记人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("征集登记")
        verbose_name_plural = _("征集登记")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.source}：{self.description[:40]}"


class Transfer(StableIdentityModel):
    """One submission information package (a BagIt bag) from a transferring unit or a donor, and its fate."""

    kind = models.CharField(_("类型"), max_length=16, choices=TransferKind.choices, default=TransferKind.TRANSFER)
    fonds = models.ForeignKey(
        Fonds, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers", verbose_name=_("全宗")
    )
    acquisition = models.ForeignKey(
        Acquisition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transfers",
        verbose_name=_("征集登记"),
    )
    transferring_unit = models.CharField(_("移交单位"), max_length=300, blank=True)
    batch = models.CharField(_("移交批次"), max_length=100, blank=True)
    declared_items = models.PositiveIntegerField(_("声明件数"), null=True, blank=True)
    declared_bytes = models.PositiveBigIntegerField(_("声明字节数"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.RECEIVED, db_index=True
    )
    verdict = models.CharField(_("检测结论"), max_length=16, choices=Verdict.choices, default=Verdict.PENDING)
    # The highest 密级 among the catalog's rows, found by the latest check ("" until then). Only a person who may see
    # that level may act on the transfer or read the evidence of every row (see actions.access).
    classification = models.CharField(
        _("最高密级"), max_length=16, choices=SecurityClassification.choices, blank=True, default=""
    )
    # The background job queued or running for this transfer, and its id in the task queue (see actions.jobs).
    task = models.CharField(_("后台任务"), max_length=16, choices=TransferTask.choices, blank=True, default="")
    task_id = models.CharField(max_length=64, blank=True, default="")
    task_since = models.DateTimeField(null=True, blank=True)
    source_name = models.CharField(_("来源文件"), max_length=300, blank=True)
    bag_path = models.CharField(_("信息包位置"), max_length=1000)
    bag_owned = models.BooleanField(default=False, help_text="the bag folder was made by dangan and may be removed")
    # sha256 over the sorted lines of the bag's payload manifests: the same content, bagged the same way, is the
    # same bag (duplicate detection), whatever the folder is called or where it lies.
    bag_digest = models.CharField(_("信息包摘要"), max_length=64, db_index=True, blank=True)
    payload_files = models.PositiveIntegerField(_("文件数"), default=0)
    payload_bytes = models.PositiveBigIntegerField(_("字节数"), default=0)
    item_count = models.PositiveIntegerField(_("件数"), default=0)
    virus_override = models.TextField(_("未查毒接收理由"), blank=True)
    import_batch = models.OneToOneField(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="transfer", editable=False
    )
    preserved_items = models.PositiveIntegerField(_("已保存件数"), default=0)
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(default=0)
    progress_label = models.CharField(max_length=100, blank=True)
    message = models.TextField(_("说明"), blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_by_name = models.CharField(_("登记人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("移交")
        verbose_name_plural = _("移交")
        ordering = ["-created"]

    def __str__(self) -> str:
        name = self.batch or self.source_name or str(self.uuid)[:8]
        return f"{self.transferring_unit} {name}".strip()

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def latest_report(self) -> CheckReport | None:
        return self.reports.order_by("-created", "-id").first()


class TransferStep(models.Model):
    """A change of a transfer's status: who and when (the audit log has the same with its hash chain)."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(_("状态"), max_length=16, choices=TransferStatus.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    username = models.CharField(_("操作人"), max_length=150)
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("移交环节")
        verbose_name_plural = _("移交环节")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.username} {self.at:%Y-%m-%d %H:%M}"


class TransferItem(TimestampedModel):
    """One described unit of an accepted transfer and its files: the ledger of the acceptance, written with the
    catalog rows in one transaction, then marked as each unit's package is stored (so an acceptance resumes)."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="items")
    row = models.PositiveIntegerField(_("行号"))
    reference_code = models.CharField(_("档号"), max_length=80)
    title = models.CharField(_("题名"), max_length=1000)
    files = models.JSONField(_("电子文件"), default=list)
    unit = models.ForeignKey(
        ArchivalUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("档案")
    )
    preserved = models.BooleanField(_("已保存"), default=False)

    class Meta:
        verbose_name = _("移交条目")
        verbose_name_plural = _("移交条目")
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["transfer", "preserved"], name="accession_item_pending")]

    def __str__(self) -> str:
        return f"{self.reference_code} {self.title}"
