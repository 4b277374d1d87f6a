"""The stacks as a tree (库房 → 区 → 列 → 节 → 层 → 盒/位) and where each unit is kept now."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import ArchivalUnit
from dangan.conservation.choices import LocationKind
from dangan.utilities.models import TimestampedModel


class Location(TimestampedModel):
    """A place in the stacks. A stack (库房) is a location without a parent; ``code`` is unique among its siblings,
    ``full_code`` is the stack's code and every level's code below it joined by "-" (K1-A-03-2-4-015), unique, kept
    by the actions when a code changes. ``capacity``: how many units (or boxes, for a shelf of boxes) it holds,
    blank when not counted."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级位置")
    )
    kind = models.CharField(_("层级"), max_length=16, choices=LocationKind.choices)
    code = models.CharField(_("代码"), max_length=32)
    full_code = models.CharField(_("完整代码"), max_length=200, unique=True)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("容量"), null=True, blank=True)
    depth = models.PositiveSmallIntegerField(_("深度"), default=0, editable=False)  # 0 for a stack
    notes = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(_("修订号"), default=1, editable=False)

    class Meta:
        verbose_name = _("库房位置")
        verbose_name_plural = _("库房位置")
        ordering = ["full_code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "code"], name="conservation_location_code_in_parent"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(parent__isnull=True), name="conservation_stack_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_code} {self.name}".strip()

    @property
    def is_stack(self) -> bool:
        return self.parent_id is None


class Placement(models.Model):
    """Where a unit (or the box it is in) is kept now: one row per placed unit. Its history is in the moves (part
    stacks); a unit checked out (出库) keeps its placement — its place waits for it."""

    unit = models.OneToOneField(
        ArchivalUnit, on_delete=models.CASCADE, related_name="placement", verbose_name=_("档案")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="placements", verbose_name=_("存放位置")
    )
    placed_at = models.DateTimeField(_("上架时间"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("存放位置")
        verbose_name_plural = _("存放位置")
        indexes = [models.Index(fields=["location"], name="conservation_placement_loc")]

    def __str__(self) -> str:
        return f"{self.unit_id}@{self.location_id}"
