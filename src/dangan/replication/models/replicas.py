"""Replicas: what of each preserved package lies at each target, down to every envelope (one encrypted file of the
OCFL object, or a version's manifest), with when it was written, confirmed and last proven."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.preservation.models import PreservedPackage
from dangan.replication.choices import EnvelopeFault, EnvelopeKind, ReplicaState

from .targets import Target


class Replica(models.Model):
    """One package's copy at one target. ``version_number`` is the newest OCFL version whose every envelope the
    target confirmed (0: none yet); the copy is current when it is the package's head version."""

    package = models.ForeignKey(
        PreservedPackage, on_delete=models.PROTECT, related_name="replicas", verbose_name=_("保存包")
    )
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="replicas", verbose_name=_("备份目标"))
    state = models.CharField(_("状态"), max_length=16, choices=ReplicaState.choices, default=ReplicaState.PENDING)
    version_number = models.PositiveIntegerField(_("已复制版本"), default=0)
    bytes = models.PositiveBigIntegerField(_("密文字节数"), default=0)
    chunks = models.PositiveIntegerField(_("块数"), default=0)
    replicated_at = models.DateTimeField(_("最近复制"), null=True, blank=True)
    proven_at = models.DateTimeField(_("最近验证"), null=True, blank=True)
    problem = models.TextField(_("问题"), blank=True)  # what the last transfer or audit found, in words

    class Meta:
        verbose_name = _("副本")
        verbose_name_plural = _("副本")
        constraints = [models.UniqueConstraint(fields=["package", "target"], name="replication_one_replica")]
        indexes = [models.Index(fields=["target", "state"], name="replication_replica_state")]

    def __str__(self) -> str:
        return f"{self.package_id}@{self.target_id}"


class StoredEnvelope(models.Model):
    """One envelope at a target: ``name`` is its opaque name there (the content tag in hex: a keeper learns
    nothing from it), ``path`` the object's file it encrypts (for a manifest, the version it lists). The
    ``manifest`` is the owner's record of the envelope (crypto.envelope.EnvelopeManifest.to_dict: its header, the
    sizes and every sealed chunk's SHA-256), enough to check a receipt and rebuild any chunk to check a proof."""

    replica = models.ForeignKey(Replica, on_delete=models.CASCADE, related_name="envelopes")
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=EnvelopeKind.choices, default=EnvelopeKind.CONTENT)
    path = models.CharField(_("对象内路径"), max_length=1000)
    version_number = models.PositiveIntegerField(_("首见版本"))  # the OCFL version that first needed it
    content_sha256 = models.CharField(_("明文SHA-256"), max_length=64)
    plaintext_size = models.PositiveBigIntegerField(_("明文字节数"))
    ciphertext_size = models.PositiveBigIntegerField(_("密文字节数"))
    chunks = models.PositiveIntegerField(_("块数"))
    manifest = models.JSONField(_("密文清单"), default=dict)
    stored_at = models.DateTimeField(_("确认时间"), null=True, blank=True)  # null until the target confirmed it
    proven_at = models.DateTimeField(_("最近验证"), null=True, blank=True)
    # Set by audits (part audits) on the envelope that failed, cleared by repair (part repair) once rewritten and
    # confirmed; ``fault_detail`` says what was found (the chunks that failed, the size held), in words.
    fault = models.CharField(_("故障"), max_length=16, choices=EnvelopeFault.choices, default="", blank=True)
    fault_found_at = models.DateTimeField(_("发现故障时间"), null=True, blank=True)
    fault_detail = models.TextField(_("故障详情"), blank=True)

    class Meta:
        verbose_name = _("密文对象")
        verbose_name_plural = _("密文对象")
        constraints = [models.UniqueConstraint(fields=["replica", "name"], name="replication_one_envelope")]

    def __str__(self) -> str:
        return self.name
