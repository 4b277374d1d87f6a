"""API of the surveys part (摸排) under /api/conservation/surveys/: the grade a set of damages implies, recording a
unit's survey (the same action as the form), the priorities and the dashboard's counts. Reading needs
CONSERVATION_VIEW, recording CONSERVATION_WORK; a unit the caller may not see is a 404 and is never counted."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from dangan.catalog.api.common import unit_or_404
from dangan.conservation import priorities
from dangan.conservation.actions.surveys import do_record_survey
from dangan.conservation.grading import grade_damages
from dangan.conservation.models import Campaign
from dangan.core.actors import signed_in
from dangan.core.api import ERROR_RESPONSES, require_capability, translate_errors
from dangan.core.roles import Capability

from . import router


class DamagesIn(Schema):
    damages: dict[str, str | float | int | None] = Field(
        description="破损类型 → 量值：面积百分比、pH 值或程度（none/light/moderate/severe）"
    )


class GradeOut(Schema):
    grade: str
    reason: str


class SurveyIn(DamagesIn):
    unit: UUID = Field(description="档案的标识符")
    campaign: int | None = Field(None, description="摸排任务编号")
    carrier: str = ""
    paper_type: str = ""
    ink: str = ""
    has_photographs: bool = False
    notes: str = ""


class SurveyOut(GradeOut):
    id: int
    unit: UUID
    campaign: int | None


class PriorityOut(Schema):
    rank: int
    uuid: UUID
    reference_code: str
    title: str
    fonds: str
    grade: str
    reason: str
    valued: bool = Field(description="重点（红色档案）")
    uses: int = Field(description="出库次数")
    location: str


class PriorityQuery(Schema):
    limit: int = Field(100, ge=1, le=10000)


@router.post(
    "/conservation/surveys/grade",
    response={200: GradeOut, **ERROR_RESPONSES},
    summary="破损定级（不保存）",
)
@translate_errors
def grade(request: HttpRequest, body: DamagesIn) -> Any:
    require_capability(request, Capability.CONSERVATION_WORK)
    from django.core.exceptions import ValidationError

    from dangan.conservation.grading import GradingError

    try:
        assessment = grade_damages(body.damages)
    except GradingError as exc:
        raise ValidationError(str(exc)) from None
    return {"grade": assessment.grade, "reason": assessment.reason}


@router.post(
    "/conservation/surveys/records",
    response={201: SurveyOut, **ERROR_RESPONSES},
    summary="录入一件档案的摸排结果",
)
@translate_errors
def record_survey(request: HttpRequest, body: SurveyIn) -> Any:
    require_capability(request, Capability.CONSERVATION_WORK)
    user = signed_in(request)
    unit = unit_or_404(user, body.unit)
    campaign = None
    if body.campaign is not None:
        campaign = Campaign.objects.filter(pk=body.campaign).first()
        if campaign is None:
            raise Http404(_("摸排任务不存在"))
    record, assessment = do_record_survey(
        user,
        unit,
        body.damages,
        campaign=campaign,
        carrier=body.carrier,
        paper_type=body.paper_type,
        ink=body.ink,
        has_photographs=body.has_photographs,
        notes=body.notes,
    )
    return Status(
        201,
        {
            "id": record.pk,
            "unit": unit.uuid,
            "campaign": campaign.pk if campaign else None,
            "grade": assessment.grade,
            "reason": assessment.reason,
        },
    )


@router.get(
    "/conservation/surveys/priorities",
    response={200: list[PriorityOut], **ERROR_RESPONSES},
    summary="修复优先级",
    description="破损等级（特残优先）→ 重点档案 → 出库次数 → 档号；只含调用者可见的档案。",
)
@translate_errors
def list_priorities(request: HttpRequest, query: Query[PriorityQuery]) -> Any:
    require_capability(request, Capability.CONSERVATION_VIEW)
    return priorities.priority_list(request.user, limit=query.limit)


@router.get("/conservation/surveys/dashboard", response={200: dict, **ERROR_RESPONSES}, summary="摸排统计")
@translate_errors
def dashboard(request: HttpRequest) -> Any:
    require_capability(request, Capability.CONSERVATION_VIEW)
    return priorities.dashboard_counts(request.user)
