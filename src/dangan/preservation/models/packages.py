"""Preserved packages: one per OCFL object, with its versions, the files of each version and its PREMIS events.

These rows are an index of the storage root: everything in them except the audit results (fixity status, the
fixity-check events not yet written into a METS document) can be rebuilt from the storage alone.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit
from dangan.preservation.choices import FixityStatus
from dangan.utilities.models import StableIdentityModel


class PreservedPackage(StableIdentityModel):
    """One OCFL object: ``uuid`` is its id (the object id is ``urn:uuid:<uuid>``)."""

    # SET_NULL: the package outlives a deleted catalog row; unit_uuid (the METS 电子文件号) still names the unit.
    unit = models.ForeignKey(
        ArchivalUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="preserved_packages",
        verbose_name=_("档案"),
    )
    unit_uuid = models.UUIDField(_("电子文件号"), db_index=True)
    label = models.CharField(_("题名"), max_length=1000, blank=True)
    reference_code = models.CharField(_("档号"), max_length=80, blank=True)
    object_path = models.CharField(_("对象路径"), max_length=300)
    head_version = models.CharField(_("当前版本"), max_length=16)
    version_count = models.PositiveIntegerField(_("版本数"), default=0)
    file_count = models.PositiveIntegerField(_("文件数"), default=0)  # in the head version, the METS included
    total_bytes = models.PositiveBigIntegerField(_("字节数"), default=0)  # of the head version
    stored_files = models.PositiveIntegerField(_("存储文件数"), default=0)  # distinct content files, all versions
    stored_bytes = models.PositiveBigIntegerField(_("存储字节数"), default=0)
    package_created = models.DateTimeField(_("首次保存时间"), null=True, blank=True)
    fixity_status = models.CharField(
        _("固定性状态"), max_length=16, choices=FixityStatus.choices, default=FixityStatus.UNCHECKED
    )
    last_audit = models.DateTimeField(_("最近检查"), null=True, blank=True)
    last_audit_run = models.ForeignKey(
        "preservation.AuditRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("保存包")
        verbose_name_plural = _("保存包")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.reference_code or self.label} ({self.object_id})"

    @property
    def object_id(self) -> str:
        return f"urn:uuid:{self.uuid}"


class PackageVersion(models.Model):
    package = models.ForeignKey(PreservedPackage, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    name = models.CharField(_("版本"), max_length=16)
    created = models.DateTimeField(_("时间"))
    message = models.TextField(_("说明"), blank=True)
    user_name = models.CharField(_("操作人"), max_length=300, blank=True)
    user_address = models.CharField(_("联系地址"), max_length=300, blank=True)
    file_count = models.PositiveIntegerField(_("文件数"), default=0)
    total_bytes = models.PositiveBigIntegerField(_("字节数"), default=0)

    class Meta:
        verbose_name = _("保存包版本")
        verbose_name_plural = _("保存包版本")
        ordering = ["package", "number"]
        constraints = [models.UniqueConstraint(fields=["package", "number"], name="preservation_version_unique")]

    def __str__(self) -> str:
        return self.name


class PackageFile(models.Model):
    """A file of one version's state: where its bytes are, its digests and its format."""

    package = models.ForeignKey(PreservedPackage, on_delete=models.CASCADE, related_name="files")
    version = models.ForeignKey(PackageVersion, on_delete=models.CASCADE, related_name="files")
    logical_path = models.CharField(_("路径"), max_length=1000)
    content_path = models.CharField(_("存储路径"), max_length=1100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha512 = models.CharField("SHA-512", max_length=128)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    sm3 = models.CharField("SM3", max_length=64, blank=True)
    puid = models.CharField("PUID", max_length=40, blank=True)
    mime_type = models.CharField(_("MIME 类型"), max_length=127, blank=True)
    format_name = models.CharField(_("格式"), max_length=200, blank=True)
    format_version = models.CharField(_("格式版本"), max_length=50, blank=True)
    format_note = models.TextField(_("格式说明"), blank=True)
    original_name = models.CharField(_("原文件名"), max_length=1000, blank=True)
    use = models.CharField(_("用途"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("保存文件")
        verbose_name_plural = _("保存文件")
        ordering = ["version", "logical_path"]

    def __str__(self) -> str:
        return self.logical_path

    @property
    def name(self) -> str:
        return self.logical_path.rsplit("/", 1)[-1]


class PackageEvent(models.Model):
    """A PREMIS event of a package, as recorded in its METS; ``version`` None: so far only in the database (a
    fixity check), to be written into the METS of the package's next version."""

    package = models.ForeignKey(PreservedPackage, on_delete=models.CASCADE, related_name="events")
    identifier = models.CharField(_("事件标识"), max_length=64)
    event_type = models.CharField(_("事件类型"), max_length=64)
    date_time = models.DateTimeField(_("时间"))
    detail = models.TextField(_("说明"), blank=True)
    outcome = models.CharField(_("结果"), max_length=16, blank=True)
    outcome_detail = models.TextField(_("结果说明"), blank=True)
    agents = models.JSONField(_("执行者"), default=list, blank=True)  # [{"type", "value", "role"}]
    linked_objects = models.JSONField(_("对象"), default=list, blank=True)
    file_path = models.CharField(_("文件"), max_length=1000, blank=True)  # the one file it concerns, if one
    version = models.ForeignKey(
        PackageVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="new_events"
    )
    audit_run = models.ForeignKey(
        "preservation.AuditRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )

    class Meta:
        verbose_name = _("保存事件")
        verbose_name_plural = _("保存事件")
        ordering = ["date_time", "id"]
        constraints = [
            models.UniqueConstraint(fields=["package", "identifier"], name="preservation_event_unique"),
        ]
        indexes = [models.Index(fields=["package", "date_time"], name="preservation_event_time")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.date_time:%Y-%m-%d %H:%M}"

    @property
    def stored(self) -> bool:
        return self.version_id is not None
