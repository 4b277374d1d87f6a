"""Enumerations of accession, with Chinese labels and stable English values."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TransferKind(models.TextChoices):
    TRANSFER = "transfer", _("接收")
    COLLECTION = "collection", _("征集")


class TransferStatus(models.TextChoices):
    """received → checking → accepted / rejected / returned; ``accepting`` while the content is being written."""

    RECEIVED = "received", _("已登记")
    CHECKING = "checking", _("检测中")
    ACCEPTING = "accepting", _("入库中")
    ACCEPTED = "accepted", _("已接收")
    REJECTED = "rejected", _("已拒收")
    RETURNED = "returned", _("退回整改")


OPEN_STATUSES = (TransferStatus.RECEIVED, TransferStatus.CHECKING)
FINAL_STATUSES = (TransferStatus.ACCEPTED, TransferStatus.REJECTED, TransferStatus.RETURNED)
# A package that is registered, being checked, being written or accepted: the same bag again is a duplicate.
ACTIVE_STATUSES = (TransferStatus.RECEIVED, TransferStatus.CHECKING, TransferStatus.ACCEPTING, TransferStatus.ACCEPTED)


class TransferTask(models.TextChoices):
    """The background job a transfer has queued or running (at most one at a time)."""

    CHECK = "check", _("四性检测")
    ACCEPT = "accept", _("接收入库")


class Property(models.TextChoices):
    """The four properties of DA/T 70-2018 (四性)."""

    AUTHENTICITY = "authenticity", _("真实性")
    INTEGRITY = "integrity", _("完整性")
    USABILITY = "usability", _("可用性")
    SECURITY = "security", _("安全性")


class CheckResult(models.TextChoices):
    PASS = "pass", _("通过")
    FAIL = "fail", _("不通过")
    NOT_APPLICABLE = "not_applicable", _("不适用")
    MANUAL = "manual", _("人工检测")
    NOT_PERFORMED = "not_performed", _("未检测")


class Verdict(models.TextChoices):
    PENDING = "pending", _("未完成")
    PASS = "pass", _("通过")
    FAIL = "fail", _("不通过")


class DonorKind(models.TextChoices):
    INSTITUTION = "institution", _("机构")
    PERSON = "person", _("个人")


class UploadStatus(models.TextChoices):
    UPLOADING = "uploading", _("上传中")
    COMPLETE = "complete", _("已完成")
    USED = "used", _("已登记")
