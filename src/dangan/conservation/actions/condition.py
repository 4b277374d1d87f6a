"""A unit's condition now (UnitCondition): recorded by a survey (part surveys) or a restoration's acceptance (part
restoration), graded by ``grading.grade_damages``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit
from dangan.conservation.choices import ConditionSource
from dangan.conservation.grading import Assessment, GradingError, grade_damages
from dangan.conservation.models import UnitCondition
from dangan.core.actors import account_of
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability

__all__ = ["do_record_condition"]


def do_record_condition(
    actor: Any, unit: ArchivalUnit, damages: Mapping[str, object], source: str
) -> tuple[UnitCondition, Assessment]:
    """Grade ``damages`` and make them ``unit``'s condition now; ValidationError (Chinese) for a value that cannot
    be graded, PermissionDenied for an actor who may not record or may not see the unit. Callers that keep their own
    record (a survey sheet, a work order) call this inside their transaction."""
    if not has_capability(actor, Capability.CONSERVATION_WORK):
        raise PermissionDenied(_("没有记录保存状况的权限"))
    if not can_view_unit(actor, unit):
        raise PermissionDenied(_("无权查看该档案"))
    if source not in ConditionSource.values:
        raise ValidationError(_("来源无法识别"))
    try:
        assessment = grade_damages(damages)
    except GradingError as exc:
        raise ValidationError(str(exc)) from None
    kept = {key: value for key, value in damages.items() if value not in (None, "")}
    with transaction.atomic():
        before = UnitCondition.objects.filter(unit=unit).values_list("grade", flat=True).first()
        condition, _created = UnitCondition.objects.update_or_create(
            unit=unit,
            defaults={
                "grade": assessment.grade,
                "reason": assessment.reason,
                "damages": kept,
                "source": source,
                "assessed_at": timezone.now(),
                "assessed_by": account_of(actor),
            },
        )
        log(
            condition,
            "conservation.condition",
            actor,
            {"unit": str(unit.uuid), "before": before, "after": assessment.grade, "source": source},
        )
    return condition, assessment
