"""Enumerations of the preservation app, with Chinese labels and stable English values."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FixityStatus(models.TextChoices):
    """What the latest fixity check of a package found."""

    UNCHECKED = "unchecked", _("未检查")
    OK = "ok", _("完好")
    FAILED = "failed", _("发现问题")
    MISSING = "missing", _("对象缺失")


class AuditKind(models.TextChoices):
    FULL = "full", _("全面检查")
    SAMPLE = "sample", _("抽样检查")


class AuditStatus(models.TextChoices):
    PENDING = "pending", _("等待中")
    RUNNING = "running", _("进行中")
    PASSED = "passed", _("全部通过")
    FAILED = "failed", _("发现问题")
    ERROR = "error", _("出错中止")


class FailureKind(models.TextChoices):
    """What an audit found wrong with a stored object (the first six are the OCFL fixity check's kinds)."""

    CHANGED = "changed", _("内容被改动")
    MISSING = "missing", _("文件缺失")
    EXTRA = "extra", _("多出文件")
    SIDECAR = "sidecar", _("清单摘要不符")
    INVENTORY = "inventory", _("清单损坏")
    UNREADABLE = "unreadable", _("无法读取")
    OBJECT_MISSING = "object_missing", _("对象缺失")
