"""Part oai: what OAI-PMH harvesters were told (docs/development/outreach.md, "Part oai").

One row per unit and per fonds that the catalog has described since the table exists: when its OAI face last
changed (``datestamp``) and whether the public ever saw it (``ever_public``). A row whose unit or fonds a viewer may
no longer see, and that the public once saw, is reported as a deleted record, so that harvesters drop their copy;
the row outlives the unit (no foreign-key constraint), so that a unit deleted from the catalog is reported too."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit, Fonds


class OaiRecord(models.Model):
    class Kind(models.TextChoices):
        UNIT = "u", _("档案")
        FONDS = "f", _("全宗")

    kind = models.CharField(_("类型"), max_length=1, choices=Kind.choices)
    # The unit of a unit's row (None for a fonds); kept when the unit is deleted, hence no database constraint.
    unit = models.OneToOneField(
        ArchivalUnit, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    # The fonds of a unit's row (its set ``fonds:<code>``), or the fonds a fonds row stands for.
    fonds = models.ForeignKey(
        Fonds, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    # The identifier's last part: the unit's UUID, or the fonds' code (kept, for a deleted record's identifier).
    local_id = models.CharField(_("标识"), max_length=36)
    datestamp = models.DateTimeField(_("时间戳"))
    ever_public = models.BooleanField(_("曾公开"), default=False)

    class Meta:
        verbose_name = _("OAI-PMH 记录")
        verbose_name_plural = _("OAI-PMH 记录")
        constraints = [models.UniqueConstraint(fields=["kind", "local_id"], name="outreach_oai_kind_key")]
        indexes = [
            # The harvest (keyset pagination on datestamp then id) and its from/until range.
            models.Index(fields=["datestamp", "id"], name="outreach_oai_datestamp"),
            # The records of one kind (a format for fonds only: ead3).
            models.Index(fields=["kind", "datestamp", "id"], name="outreach_oai_kind"),
            # A fonds' set (fonds:<code>), with from/until.
            models.Index(fields=["fonds", "datestamp", "id"], name="outreach_oai_fonds"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.local_id}@{self.datestamp:%Y-%m-%dT%H:%M:%SZ}"

    @property
    def live(self) -> bool:
        """Whether the viewer of the query may see the record now (``is_live``, which the provider's queries
        annotate: interchange/oai_pmh.records); False for a deleted record."""
        return bool(getattr(self, "is_live", False))
