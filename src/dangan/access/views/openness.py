"""Pages of the openness review (开放审核): the rounds (/manage/access/openness/), a round's units with the reviewers'
aid and the first and second review, one unit's marks, a round's report (.xlsx), the watched words; and on the
portal the list of newly opened records (开放目录, /opened/, .xlsx).

Thin over ``access.actions.openness``: every list is a FilterSet that asks catalog.policy, every change an action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dangan.access.actions.openness import (
    DESCRIPTION_FIELDS,
    Decision,
    Outcome,
    age_years,
    do_add_due_units,
    do_add_term,
    do_close_review,
    do_confirm,
    do_create_review,
    do_first_review,
    do_remove_term,
    do_request_scan,
    do_send_back,
    marks_in,
    review_counts,
    unit_texts,
    visible_rows,
)
from dangan.access.filters.openness import DecisionFilter, OpenedFilter, ReviewFilter
from dangan.access.forms.openness import DecisionForm, ReturnForm, ReviewForm, TermForm
from dangan.access.models.openness import (
    DecisionStatus,
    OpennessDecision,
    OpennessReview,
    OpennessTerm,
    ReviewStatus,
    Verdict,
)
from dangan.access.openness_export import workbook_bytes
from dangan.access.sensitive import excerpts, highlight
from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import signed_in
from dangan.core.roles import Capability
from dangan.utilities.concurrency import EditConflict
from dangan.utilities.models import field_label
from dangan.utilities.views import capability_required, form_errors_from, paginate, paginate_light

REVIEW = Capability.OPENNESS_REVIEW
PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _errors(request: HttpRequest, exc: Exception) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


def _review(uuid: UUID) -> OpennessReview:
    return get_object_or_404(OpennessReview.objects.select_related("fonds", "category"), uuid=uuid)


# ---------------------------------------------------------------- rounds


@require_safe
@capability_required(REVIEW)
def review_list(request: HttpRequest) -> HttpResponse:
    filters = ReviewFilter.from_params(request.GET)
    context = {
        "page": paginate(request, filters.apply(request.user), 30),
        "filters": filters,
        "statuses": ReviewStatus.choices,
        "age": age_years(),
    }
    return render(request, "access/openness/review_list.html", context)


@capability_required(REVIEW)
def review_new(request: HttpRequest) -> HttpResponse:
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = do_create_review(signed_in(request), **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已创建开放审核批次。"))
            return redirect("access:openness_review", uuid=review.uuid)
    status = 400 if form.errors else 200
    return render(request, "access/openness/review_new.html", {"form": form, "age": age_years()}, status=status)


def _marked_rows(rows: Iterable[OpennessDecision]) -> list[dict[str, Any]]:
    """The page's rows with their marks: the title highlighted, a few excerpts of the other texts."""
    rows = list(rows)
    texts = unit_texts([r.unit for r in rows])
    marks = marks_in(texts)
    out = []
    for row in rows:
        found = marks.get(row.unit_id, [])
        pieces = []
        for field in (*DESCRIPTION_FIELDS[1:], "fulltext"):
            inside = [m for m in found if m.field == field]
            if inside:
                pieces.extend(excerpts(texts[row.unit_id][field], inside, limit=2))
        out.append(
            {
                "row": row,
                "unit": row.unit,
                "title": highlight(row.unit.title, [m for m in found if m.field == "title"]),
                "excerpts": pieces[:3],
                "count": len(found),
                "kinds": sorted({m.label for m in found}),
            }
        )
    return out


@require_safe
@capability_required(REVIEW)
def review_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    review = _review(uuid)
    person = signed_in(request)
    params = request.GET.copy()
    if "ordering" not in params:
        params["ordering"] = "marks"
    filters = DecisionFilter.from_params(params)
    page = paginate(request, filters.apply(person, review.decisions.all()), PAGE_SIZE)
    context = {
        "review": review,
        "filters": filters,
        "filter_params": filters.as_params(),
        "page": page,
        "rows": _marked_rows(page.object_list),
        "counts": review_counts(person, review),
        "statuses": DecisionStatus.choices,
        "verdicts": Verdict.choices,
        "decision_form": DecisionForm(initial={"next_review_year": review.year + 5}),
        "return_form": ReturnForm(prefix="back"),
        "as_of": timezone.now().isoformat(),
    }
    return render(request, "access/openness/review_detail.html", context)


def _picked(request: HttpRequest, review: OpennessReview) -> QuerySet[OpennessDecision] | None:
    """The rows a bulk form names: the ticked units, or (scope=filter) every unit of the filter it carries
    (hidden fields "f-<param>")."""
    person = signed_in(request)
    if request.POST.get("scope") == "filter":
        # The filter travels as hidden fields named "f-<param>", apart from the decision's own fields (verdict …).
        carried = {k[2:]: v for k, v in request.POST.items() if k.startswith("f-")}
        filters = DecisionFilter.from_params(carried)
        if filters.errors:
            raise ValidationError(list(filters.errors.values()))
        return filters.apply(person, review.decisions.all())
    ids = []
    for value in request.POST.getlist("unit"):
        try:
            ids.append(UUID(value))
        except ValueError:
            continue
    if not ids:
        raise ValidationError(_("请勾选档案，或选择“当前筛选的全部档案”。"))
    return visible_rows(person, review).filter(unit__uuid__in=ids)


def _report(request: HttpRequest, outcome: Outcome, done: str) -> None:
    messages.success(request, done % {"n": outcome.changed})
    for why, n in outcome.skipped.items():
        messages.warning(request, _("%(n)d 件未处理：%(why)s") % {"n": n, "why": why})


@require_POST
@capability_required(REVIEW)
def review_action(request: HttpRequest, uuid: UUID, action: str) -> HttpResponse:
    review = _review(uuid)
    person = signed_in(request)
    back = request.POST.get("next") or ""
    target = back if back.startswith("/manage/access/openness/") else reverse("access:openness_review", args=[uuid])
    try:
        if action == "first":
            form = DecisionForm(request.POST)
            if not form.is_valid():
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, str(error))
                return redirect(target)
            data = form.cleaned_data
            decision = Decision(data["verdict"], data["reason"], data["note"], data["next_review_year"])
            _report(
                request, do_first_review(person, review, decision, _picked(request, review)), _("已初审 %(n)d 件。")
            )
        elif action == "confirm":
            outcome = do_confirm(person, review, _picked(request, review), as_of=_as_of(request))
            _report(request, outcome, _("已复审确认 %(n)d 件，即时生效。"))
        elif action == "return":
            _report(
                request,
                do_send_back(
                    person, review, request.POST.get("back-note", ""), _picked(request, review), as_of=_as_of(request)
                ),
                _("已退回 %(n)d 件。"),
            )
        elif action == "add":
            added = do_add_due_units(person, review)
            messages.success(request, _("已补充 %(n)d 件到期档案。") % {"n": added})
        elif action == "scan":
            queued = do_request_scan(person, review)
            messages.success(request, _("已在后台重新计算审核提示。") if queued else _("已重新计算审核提示。"))
        elif action == "close":
            do_close_review(person, review, _version(request))
            messages.success(request, _("审核批次已结束。"))
        else:
            raise Http404
    except (ValidationError, PermissionDenied, EditConflict) as exc:
        _errors(request, exc)
    return redirect(target)


def _as_of(request: HttpRequest) -> dt.datetime | None:
    """When the page the form was on was made (hidden field ``as_of``): rows changed since are not decided."""
    try:
        value = dt.datetime.fromisoformat(request.POST.get("as_of", ""))
    except ValueError:
        return None
    return value if timezone.is_aware(value) else None


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@require_safe
@capability_required(REVIEW)
def review_unit(request: HttpRequest, uuid: UUID, unit: UUID) -> HttpResponse:
    """One unit of a round: every mark in its description and text, highlighted, and its decision."""
    review = _review(uuid)
    person = signed_in(request)
    row = visible_rows(person, review).select_related("unit", "unit__category").filter(unit__uuid=unit).first()
    if row is None:
        raise Http404(_("档案不存在"))
    texts = unit_texts([row.unit])[row.unit_id]
    found = marks_in({row.unit_id: texts})[row.unit_id]
    fulltext = texts.get("fulltext", "")
    fields = []
    for name in DESCRIPTION_FIELDS:
        text = str(getattr(row.unit, name) or "")
        if text:
            inside = [m for m in found if m.field == name]
            label = field_label(ArchivalUnit, name)
            fields.append({"label": label, "html": highlight(text, inside), "count": len(inside)})
    text_marks = [m for m in found if m.field == "fulltext"]
    context = {
        "review": review,
        "row": row,
        "unit": row.unit,
        "fields": fields,
        "text_excerpts": excerpts(fulltext, text_marks, context=60, limit=50),
        "text_count": len(text_marks),
        "has_text": bool(fulltext),
        "count": len(found),
        "decision_form": DecisionForm(
            initial={
                "verdict": row.verdict or None,
                "reason": row.reason,
                "note": row.note,
                "next_review_year": row.next_review_year or review.year + 5,
            }
        ),
        "return_form": ReturnForm(prefix="back"),
        "as_of": timezone.now().isoformat(),
    }
    return render(request, "access/openness/review_unit.html", context)


# ---------------------------------------------------------------- report


@require_safe
@capability_required(REVIEW)
def review_report(request: HttpRequest, uuid: UUID) -> HttpResponse:
    review = _review(uuid)
    person = signed_in(request)
    filters = DecisionFilter.from_params(request.GET)
    rows = filters.apply(person, review.decisions.all())
    context = {
        "review": review,
        "counts": review_counts(person, review),
        "page": paginate(request, rows, 100),
        "filters": filters,
        "statuses": DecisionStatus.choices,
        "verdicts": Verdict.choices,
    }
    return render(request, "access/openness/review_report.html", context)


REPORT_COLUMNS = ("档号", "题名", "年度", "门类", "密级", "开放状态", "审核意见", "控制理由", "说明", "下次审核年度",
                  "状态", "初审人", "初审时间", "复审人", "复审时间", "提示数")  # fmt: skip


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _decision_rows(rows: QuerySet[OpennessDecision]) -> Iterable[list[Any]]:
    for d in rows.iterator(chunk_size=2000):
        unit = d.unit
        yield [
            unit.reference_code or "",
            unit.title,
            d.unit_year,
            unit.category.code if unit.category else "",
            str(unit.get_classification_display()),
            str(unit.get_openness_display()),
            str(d.get_verdict_display()) if d.verdict else "",
            str(d.get_reason_display()) if d.reason else "",
            d.note,
            d.next_review_year,
            str(d.get_status_display()),
            d.first_by_name,
            _when(d.first_at),
            d.second_by_name,
            _when(d.second_at),
            d.marks,
        ]


def _attachment(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@require_safe
@capability_required(REVIEW)
def review_report_export(request: HttpRequest, uuid: UUID) -> HttpResponse:
    review = _review(uuid)
    person = signed_in(request)
    counts = review_counts(person, review)
    labels = [
        (_("档案总数"), counts["total"]),
        (_("待初审"), counts["pending"]),
        (_("待复审"), counts["proposed"]),
        (_("已退回"), counts["returned"]),
        (_("已开放"), counts["opened"]),
        (_("控制使用"), counts["controlled"]),
        (_("延期审核"), counts["deferred"]),
        (_("有审核提示"), counts["marked"]),
    ]
    summary: list[list[Any]] = [[review.title, ""], [_("全宗"), review.fonds.code], [_("审核年度"), review.year]]
    summary += [[str(label), value] for label, value in labels]
    by_year = [
        [y["unit_year"], y["total"], y["opened"], y["controlled"], y["deferred"], y["proposed"]]
        for y in counts["by_year"]
    ]
    rows = visible_rows(person, review).select_related("unit", "unit__category").order_by("unit__reference_code", "pk")
    content = workbook_bytes(
        [
            (_("汇总"), [_("项目"), _("数量")], summary),
            (_("按年度"), [_("年度"), _("总数"), _("开放"), _("控制"), _("延期"), _("待复审")], by_year),
            (_("档案清单"), [str(c) for c in REPORT_COLUMNS], _decision_rows(rows)),
        ]
    )
    return _attachment(content, f"{review.title}.xlsx")


# ---------------------------------------------------------------- watched words


@capability_required(REVIEW)
def term_list(request: HttpRequest) -> HttpResponse:
    form = TermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_add_term(signed_in(request), form.cleaned_data["term"], form.cleaned_data["note"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已添加关注词。"))
            return redirect("access:openness_terms")
    context = {"form": form, "terms": OpennessTerm.objects.all()}
    return render(request, "access/openness/terms.html", context, status=400 if form.errors else 200)


@require_POST
@capability_required(REVIEW)
def term_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(OpennessTerm, pk=pk)
    do_remove_term(signed_in(request), entry)
    messages.success(request, _("已删除关注词“%(term)s”。") % {"term": entry.term})
    return redirect("access:openness_terms")


# ---------------------------------------------------------------- the portal: newly opened records (开放目录)


@require_safe
def opened(request: HttpRequest) -> HttpResponse:
    filters = OpenedFilter.from_params(request.GET)
    rows = filters.apply(request.user) if not filters.errors else OpennessDecision.objects.none()
    page = paginate_light(request, rows, PAGE_SIZE)
    reviews = (
        OpennessReview.objects.filter(decisions__in=OpenedFilter().rows(request.user).values("pk"))
        .distinct()
        .order_by("-year", "-created")[:20]
    )
    export = reverse("portal:opened_export")
    if filters.as_params():
        export += "?" + urlencode(filters.as_params())
    context = {"filters": filters, "page": page, "reviews": reviews, "export_url": export}
    return render(request, "access/openness/opened.html", context, status=400 if filters.errors else 200)


OPENED_COLUMNS = ("档号", "题名", "全宗", "年度", "日期", "责任者", "开放时间", "审核批次")  # fmt: skip
EXPORT_LIMIT = 100_000


@require_safe
def opened_export(request: HttpRequest) -> HttpResponse:
    filters = OpenedFilter.from_params(request.GET)
    if filters.errors:
        return HttpResponse("；".join(filters.errors.values()), status=400, content_type="text/plain; charset=utf-8")
    rows = filters.apply(request.user)[:EXPORT_LIMIT]

    def lines() -> Iterable[list[Any]]:
        for d in rows.iterator(chunk_size=2000):
            unit = d.unit
            yield [
                unit.reference_code or "",
                unit.title,
                d.fonds.code,
                unit.year,
                unit.date_label,
                unit.responsible,
                _when(d.second_at),
                d.review.title,
            ]

    content = workbook_bytes([(_("开放目录"), [str(c) for c in OPENED_COLUMNS], lines())])
    return _attachment(content, _("开放目录") + ".xlsx")


public_urls: list[URLPattern] = [
    path("opened/", opened, name="opened"),
    path("opened/export.xlsx", opened_export, name="opened_export"),
]
account_urls: list[URLPattern] = []
manage_urls: list[URLPattern] = [
    path("openness/", review_list, name="openness"),
    path("openness/new/", review_new, name="openness_new"),
    path("openness/terms/", term_list, name="openness_terms"),
    path("openness/terms/<int:pk>/delete/", term_delete, name="openness_term_delete"),
    path("openness/<uuid:uuid>/", review_detail, name="openness_review"),
    path("openness/<uuid:uuid>/units/<uuid:unit>/", review_unit, name="openness_unit"),
    path("openness/<uuid:uuid>/report/", review_report, name="openness_report"),
    path("openness/<uuid:uuid>/report.xlsx", review_report_export, name="openness_report_export"),
    path("openness/<uuid:uuid>/<str:action>/", review_action, name="openness_action"),
]
