"""Readers' accounts (查档人): the personal data beside a ``core.User`` with role READER.

The real name is also kept in ``user.first_name`` so that ``str(user)`` names the reader everywhere; the identity
document and the phone are personal data that only holders of ``Capability.READERS`` read in full
(``access.identity`` masks them elsewhere). Erasure on request (``do_erase_reader``) blanks them and keeps the row
(and ``erased_at``) so that the account stays deactivated and the utilization register keeps its counts.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangan.access.identity import DocumentType, mask_document, mask_phone


class ReaderStatus(models.TextChoices):
    PENDING = "pending", _("待核验")
    VERIFIED = "verified", _("已核验")
    DISABLED = "disabled", _("已停用")


class ReaderProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_profile", verbose_name=_("账号")
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    real_name = models.CharField(_("真实姓名"), max_length=100)
    document_type = models.CharField(
        _("证件类型"), max_length=32, choices=DocumentType.choices, default=DocumentType.RESIDENT_ID
    )
    document_number = models.CharField(_("证件号码"), max_length=32, blank=True, default="")
    phone = models.CharField(_("手机号码"), max_length=11, blank=True, default="")
    organisation = models.CharField(_("工作单位"), max_length=200, blank=True, default="")
    status = models.CharField(_("状态"), max_length=16, choices=ReaderStatus.choices, default=ReaderStatus.PENDING)
    registered_at = models.DateTimeField(_("注册时间"), default=timezone.now, db_index=True)
    # None: the reader registered themself online; else the staff member who registered them at the desk.
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    consented_at = models.DateTimeField(_("同意个人信息告知的时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核验人"),
    )
    erased_at = models.DateTimeField(_("个人信息删除时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("查档人")
        verbose_name_plural = _("查档人")
        ordering = ["-registered_at", "-pk"]
        constraints = [
            # One account per identity document (erased profiles hold no number).
            models.UniqueConstraint(
                fields=["document_type", "document_number"],
                condition=~models.Q(document_number=""),
                name="access_reader_unique_document",
            )
        ]

    def __str__(self) -> str:
        return self.real_name or str(_("（已删除）"))

    @property
    def masked_document(self) -> str:
        return mask_document(self.document_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def registered_by_staff(self) -> bool:
        return self.registered_by_id is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None
