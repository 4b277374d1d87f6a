"""The openness review's API under /api/access/openness/ (OPENNESS_REVIEW): rounds, their units with the reviewers'
aid's mark counts, the first review (初审), the second review (复审: confirm or send back), and the watched words.
The same actions and filters as the pages; a round's units are only those catalog.policy shows the caller."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from dangan.access.actions.openness import (
    Decision,
    Outcome,
    do_add_term,
    do_confirm,
    do_create_review,
    do_first_review,
    do_remove_term,
    do_send_back,
    review_counts,
    visible_rows,
)
from dangan.access.filters.openness import DecisionFilter, ReviewFilter
from dangan.access.models.openness import OpennessDecision, OpennessReview, OpennessTerm
from dangan.catalog.models import Fonds, RecordCategory
from dangan.core.actors import signed_in
from dangan.core.api import (
    ERROR_RESPONSES,
    ActionRouter,
    PageOut,
    PageQuery,
    filter_query,
    paged,
    read_filters,
    require_capability,
)
from dangan.core.roles import Capability

router = ActionRouter(tags=["开放审核 openness"])


def _need(request: HttpRequest) -> None:
    require_capability(request, Capability.OPENNESS_REVIEW)


def _review(uuid: UUID) -> OpennessReview:
    review = OpennessReview.objects.select_related("fonds", "category").filter(uuid=uuid).first()
    if review is None:
        raise Http404(_("审核批次不存在"))
    return review


# ---------------------------------------------------------------- schemas


class OpennessCountsOut(Schema):
    total: int
    pending: int
    proposed: int
    returned: int
    confirmed: int
    opened: int
    controlled: int
    deferred: int
    marked: int


class ReviewOut(Schema):
    uuid: UUID
    title: str
    year: int
    fonds: str
    category: str | None
    year_from: int | None
    year_to: int | None
    status: str
    created_by: str
    created: dt.datetime
    version: int
    counts: OpennessCountsOut | None = None


class ReviewPage(PageOut):
    items: list[ReviewOut]


class ReviewIn(Schema):
    year: int = Field(description="审核年度：列出年度 ≤ 审核年度 − 25 且尚未开放的档案")
    fonds: str = Field(description="全宗号")
    category: str | None = Field(None, description="门类代码；不填为全部门类")
    year_from: int | None = None
    year_to: int | None = None
    title: str = ""


class DecisionOut(Schema):
    unit: UUID
    reference_code: str | None
    title: str
    year: int | None
    classification: str
    openness: str
    verdict: str
    reason: str
    note: str
    next_review_year: int | None
    status: str
    first_by: str
    first_at: dt.datetime | None
    second_by: str
    second_at: dt.datetime | None
    return_note: str
    marks: int | None
    mark_kinds: list[str]


class DecisionPage(PageOut):
    items: list[DecisionOut]


class DecisionQuery(filter_query(DecisionFilter)):  # type: ignore[misc]
    """The query parameters of access.filters.openness.DecisionFilter."""


class ReviewQuery(filter_query(ReviewFilter)):  # type: ignore[misc]
    """The query parameters of access.filters.openness.ReviewFilter."""


class PickIn(Schema):
    units: list[UUID] | None = Field(None, description="要处理的档案（UUID）；不填则按 filters 选取")
    filters: dict[str, str] | None = Field(
        None, description="与 GET …/units 相同的筛选条件；units 与 filters 都不填为本批次全部可见档案"
    )
    as_of: dt.datetime | None = Field(
        None, description="读取档案列表的时间（ISO 8601）：此后被他人修改的档案不处理，在 skipped 中列出"
    )


class FirstIn(PickIn):
    verdict: str = Field(description="open（开放）、control（控制）、defer（延期）")
    reason: str = Field("", description="控制理由：national_security、privacy、commercial、other")
    note: str = ""
    next_review_year: int | None = Field(None, description="延期时必填")


class ReturnIn(PickIn):
    note: str = Field(description="退回意见")


class OutcomeOut(Schema):
    changed: int
    skipped: dict[str, int]


class TermOut(Schema):
    id: int
    term: str
    note: str
    added_by: str
    added: dt.datetime


class TermIn(Schema):
    term: str
    note: str = ""


def review_out(review: OpennessReview, counts: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "uuid": review.uuid,
        "title": review.title,
        "year": review.year,
        "fonds": review.fonds.code,
        "category": review.category.code if review.category else None,
        "year_from": review.year_from,
        "year_to": review.year_to,
        "status": review.status,
        "created_by": review.created_by_name,
        "created": review.created,
        "version": review.version,
        "counts": {k: v for k, v in counts.items() if k != "by_year"} if counts else None,
    }


def decision_out(row: OpennessDecision) -> dict[str, Any]:
    unit = row.unit
    return {
        "unit": unit.uuid,
        "reference_code": unit.reference_code,
        "title": unit.title,
        "year": row.unit_year,
        "classification": unit.classification,
        "openness": unit.openness,
        "verdict": row.verdict,
        "reason": row.reason,
        "note": row.note,
        "next_review_year": row.next_review_year,
        "status": row.status,
        "first_by": row.first_by_name,
        "first_at": row.first_at,
        "second_by": row.second_by_name,
        "second_at": row.second_at,
        "return_note": row.return_note,
        "marks": row.marks,
        "mark_kinds": [k for k in row.mark_kinds.split(",") if k],
    }


def _picked(request: HttpRequest, review: OpennessReview, body: PickIn) -> Any:
    person = signed_in(request)
    if body.units is not None:
        if not body.units:
            raise ValidationError({"units": _("请至少选择一件档案")})
        return visible_rows(person, review).filter(unit__uuid__in=body.units)
    if body.filters is not None:
        return read_filters(DecisionFilter, body.filters).apply(person, review.decisions.all())
    return None


def _outcome(outcome: Outcome) -> dict[str, Any]:
    return {"changed": outcome.changed, "skipped": {str(k): v for k, v in outcome.skipped.items()}}


# ---------------------------------------------------------------- endpoints


@router.get(
    "/openness/reviews",
    response={200: ReviewPage, **ERROR_RESPONSES},
    summary="开放审核批次 / openness review rounds",
    description="新的在前。",
)
def list_reviews(request: HttpRequest, filters: Query[ReviewQuery], paging: Query[PageQuery]) -> Any:
    _need(request)
    rows = read_filters(ReviewFilter, filters).apply(request.user)
    return paged(rows, paging, review_out)


@router.post(
    "/openness/reviews",
    response={201: ReviewOut, **ERROR_RESPONSES},
    summary="新建开放审核批次 / create a round",
)
def create_review(request: HttpRequest, body: ReviewIn) -> Any:
    _need(request)
    fonds = Fonds.objects.filter(code__iexact=body.fonds).first()
    if fonds is None:
        raise ValidationError({"fonds": _("全宗不存在：%(code)s") % {"code": body.fonds}})
    category = None
    if body.category:
        category = RecordCategory.objects.filter(code__iexact=body.category).first()
        if category is None:
            raise ValidationError({"category": _("门类不存在：%(code)s") % {"code": body.category}})
    person = signed_in(request)
    review = do_create_review(
        person,
        year=body.year,
        fonds=fonds,
        category=category,
        year_from=body.year_from,
        year_to=body.year_to,
        title=body.title,
    )
    return Status(201, review_out(review, review_counts(person, review)))


@router.get(
    "/openness/reviews/{uuid}",
    response={200: ReviewOut, **ERROR_RESPONSES},
    summary="开放审核批次及其统计 / a round and its figures",
)
def get_review(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    review = _review(uuid)
    return review_out(review, review_counts(signed_in(request), review))


@router.get(
    "/openness/reviews/{uuid}/units",
    response={200: DecisionPage, **ERROR_RESPONSES},
    summary="批次中的档案与审核意见 / the round's units",
    description="只列出调用者可以查看的档案；ordering=marks（默认）：审核辅助提示多的在前。",
)
def list_units(request: HttpRequest, uuid: UUID, filters: Query[DecisionQuery], paging: Query[PageQuery]) -> Any:
    _need(request)
    review = _review(uuid)
    values = {k: v for k, v in filters.dict().items() if v is not None}
    values.setdefault("ordering", "marks")
    rows = read_filters(DecisionFilter, values).apply(signed_in(request), review.decisions.all())
    return paged(rows, paging, decision_out)


@router.post(
    "/openness/reviews/{uuid}/first",
    response={200: OutcomeOut, **ERROR_RESPONSES},
    summary="初审 / first review",
)
def first_review(request: HttpRequest, uuid: UUID, body: FirstIn) -> Any:
    _need(request)
    review = _review(uuid)
    decision = Decision(body.verdict, body.reason, body.note, body.next_review_year)
    return _outcome(
        do_first_review(signed_in(request), review, decision, _picked(request, review, body), as_of=body.as_of)
    )


@router.post(
    "/openness/reviews/{uuid}/confirm",
    response={200: OutcomeOut, **ERROR_RESPONSES},
    summary="复审确认（即时生效） / confirm (takes effect)",
    description="须由初审人以外的另一位审核人进行；本人初审的档案跳过。",
)
def confirm(request: HttpRequest, uuid: UUID, body: PickIn) -> Any:
    _need(request)
    review = _review(uuid)
    return _outcome(do_confirm(signed_in(request), review, _picked(request, review, body), as_of=body.as_of))


@router.post(
    "/openness/reviews/{uuid}/return",
    response={200: OutcomeOut, **ERROR_RESPONSES},
    summary="复审退回 / send back to the first review",
)
def send_back(request: HttpRequest, uuid: UUID, body: ReturnIn) -> Any:
    _need(request)
    review = _review(uuid)
    return _outcome(
        do_send_back(signed_in(request), review, body.note, _picked(request, review, body), as_of=body.as_of)
    )


@router.get("/openness/terms", response={200: list[TermOut], **ERROR_RESPONSES}, summary="关注词 / watched words")
def list_terms(request: HttpRequest) -> Any:
    _need(request)
    return [term_out(t) for t in OpennessTerm.objects.all()]


def term_out(entry: OpennessTerm) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "term": entry.term,
        "note": entry.note,
        "added_by": entry.added_by_name,
        "added": entry.added,
    }


@router.post("/openness/terms", response={201: TermOut, **ERROR_RESPONSES}, summary="添加关注词")
def add_term(request: HttpRequest, body: TermIn) -> Any:
    _need(request)
    return Status(201, term_out(do_add_term(signed_in(request), body.term, body.note)))


@router.delete("/openness/terms/{term_id}", response={204: None, **ERROR_RESPONSES}, summary="删除关注词")
def remove_term(request: HttpRequest, term_id: int) -> Any:
    _need(request)
    entry = OpennessTerm.objects.filter(pk=term_id).first()
    if entry is None:
        raise Http404(_("关注词不存在"))
    do_remove_term(signed_in(request), entry)
    return Status(204, None)
