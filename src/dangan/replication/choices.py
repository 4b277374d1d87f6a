"""The replication app's choices (glossary: docs/development/replication.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    SUSPENDED = "suspended", _("暂停")  # nothing is sent to it or accepted from it; what it holds is kept
    REMOVED = "removed", _("已解除")  # its key is no longer trusted; nothing it held counts as a copy


class TargetKind(models.TextChoices):
    PARTNER = "partner", _("结对档案馆")
    S3 = "s3", _("对象存储")
    FOLDER = "folder", _("文件夹")  # a NAS share, a disk, tape under LTFS
    DISCS = "discs", _("蓝光光盘")


class Medium(models.TextChoices):
    """The kind of medium a copy lies on (异质: copies on more than one kind)."""

    DISK = "disk", _("磁盘")
    OBJECT = "object", _("对象存储")
    OPTICAL = "optical", _("光盘")
    TAPE = "tape", _("磁带")


class Cipher(models.TextChoices):
    SM4_GCM = "sm4-gcm", "SM4-GCM"
    AES_256_GCM = "aes-256-gcm", "AES-256-GCM"


class ReplicaState(models.TextChoices):
    PENDING = "pending", _("待复制")  # nothing of it at the target yet
    BEHIND = "behind", _("待更新")  # an older version is there, complete
    CURRENT = "current", _("已同步")  # the package's head version is there, complete and confirmed
    DAMAGED = "damaged", _("已损坏")  # an audit found a chunk that does not prove
    MISSING = "missing", _("缺失")  # an envelope the owner sent is not there


class EnvelopeKind(models.TextChoices):
    CONTENT = "content", _("文件")  # one file of the OCFL object
    MANIFEST = "manifest", _("清单")  # a version's list of the object's files and their envelopes


class EnvelopeFault(models.TextChoices):
    """What the last audit (or a transfer's check) found wrong with one envelope at a target; repair clears it."""

    NONE = "", _("无")
    DAMAGED = "damaged", _("已损坏")  # a chunk's keyed digest did not prove, or its bytes are not what was sent
    MISSING = "missing", _("缺失")  # the target does not hold it (whole or part)
