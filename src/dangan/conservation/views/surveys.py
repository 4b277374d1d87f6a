"""Pages of the surveys part (摸排) under /manage/conservation/surveys/: campaigns (list, add, a campaign's progress
and status), the fast survey form (one unit at a time, the grade computed on the server as the extents are typed,
htmx), survey sheets (export, import), the priorities (exportable) and the dashboard (ECharts). Reading needs
CONSERVATION_VIEW, surveying CONSERVATION_WORK, campaigns CONSERVATION_MANAGE; every unit through catalog.policy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import can_view_unit
from dangan.conservation import priorities
from dangan.conservation.actions import surveys as actions
from dangan.conservation.choices import DamageGrade, DamageType, Degree
from dangan.conservation.grading import DEGREE, MEASURES, PERCENT, GradingError, grade_damages
from dangan.conservation.models import Campaign, CampaignStatus, SurveyRecord
from dangan.core.actors import signed_in
from dangan.core.roles import ROLE_CAPABILITIES, Capability, has_capability
from dangan.utilities.views import capability_required, form_errors_from

VIEW, WORK, MANAGE = Capability.CONSERVATION_VIEW, Capability.CONSERVATION_WORK, Capability.CONSERVATION_MANAGE
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PAPER_TYPES = ("", "机制纸", "手工纸", "毛边纸", "宣纸", "油印纸", "其他")
INKS = ("", "墨汁", "油墨（印刷）", "油印", "蓝黑墨水", "圆珠笔", "铅笔", "复写", "其他")


# ---------------------------------------------------------------- forms


def _surveyors() -> Any:
    roles = [role for role, capabilities in ROLE_CAPABILITIES.items() if WORK in capabilities]
    return get_user_model().objects.filter(is_active=True, role__in=roles).order_by("username")


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=200)
    fonds = forms.ModelChoiceField(
        label=gettext_lazy("全宗"), queryset=Fonds.objects.order_by("code"), required=False, to_field_name="code"
    )
    location_prefix = forms.CharField(
        label=gettext_lazy("存放位置范围"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("位置完整代码，如 K1-A：含其下各级位置"),
    )
    reference_codes = forms.CharField(
        label=gettext_lazy("档号清单"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("每行一个档号；与全宗、位置同时填写时取交集"),
    )
    surveyors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("摸排人员"), queryset=get_user_model().objects.none(), required=False
    )
    starts = forms.DateField(label=gettext_lazy("开始日期"), required=False, widget=forms.DateInput({"type": "date"}))
    ends = forms.DateField(label=gettext_lazy("结束日期"), required=False, widget=forms.DateInput({"type": "date"}))
    priority = forms.BooleanField(label=gettext_lazy("重点（红色档案，修复优先）"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["surveyors"].queryset = _surveyors()  # type: ignore[attr-defined]


class SurveyForm(forms.Form):
    """The fast form: the unit (by 档号), material, each damage type's measure, notes, photographs. The damage
    fields come first after the unit, in grading.MEASURES order, so a surveyor tabs through them."""

    code = forms.CharField(label=gettext_lazy("档号"), max_length=80)
    carrier = forms.CharField(label=gettext_lazy("载体"), max_length=50, initial="纸质", required=False)
    paper_type = forms.ChoiceField(
        label=gettext_lazy("纸张类型"), choices=[(p, p or "—") for p in PAPER_TYPES], required=False
    )
    ink = forms.ChoiceField(label=gettext_lazy("字迹材料"), choices=[(p, p or "—") for p in INKS], required=False)
    has_photographs = forms.BooleanField(label=gettext_lazy("含照片"), required=False)
    notes = forms.CharField(label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, measure in MEASURES.items():
            label = DamageType(kind).label
            attrs = {"class": "damage", "data-measure": measure}
            if measure == DEGREE:
                self.fields[f"d_{kind}"] = forms.ChoiceField(
                    label=label,
                    choices=Degree.choices,
                    initial=Degree.NONE,
                    required=False,
                    widget=forms.Select(attrs=attrs),
                )
            else:
                step, top = ("1", "100") if measure == PERCENT else ("0.1", "14")
                self.fields[f"d_{kind}"] = forms.DecimalField(
                    label=f"{label}（{'%' if measure == PERCENT else 'pH'}）",
                    required=False,
                    min_value=0,
                    max_value=int(top),
                    widget=forms.NumberInput(
                        attrs={**attrs, "step": step, "min": "0", "max": top, "inputmode": "decimal"}
                    ),
                )

    def damages(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for kind in MEASURES:
            value = self.cleaned_data.get(f"d_{kind}")
            if value is None or value == "" or value == Degree.NONE:
                continue
            out[kind] = str(value) if not isinstance(value, str) else value
        return out

    def damage_fields(self) -> list[forms.BoundField]:
        return [self[f"d_{kind}"] for kind in MEASURES]

    def material_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("carrier", "paper_type", "ink", "has_photographs")]


class ImportForm(forms.Form):
    sheet = forms.FileField(label=gettext_lazy("摸排表（.xlsx）"))


# ---------------------------------------------------------------- campaigns


def _campaign(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


@require_safe
@capability_required(VIEW)
def campaign_list(request: HttpRequest) -> HttpResponse:
    rows = [{"campaign": c, "progress": actions.progress(request.user, c)} for c in Campaign.objects.all()]
    return render(
        request,
        "conservation/surveys/campaigns.html",
        {
            "rows": rows,
            "can_manage": has_capability(request.user, MANAGE),
            "can_work": has_capability(request.user, WORK),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(MANAGE)
def campaign_add(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = actions.do_create_campaign(
                signed_in(request),
                data["name"],
                fonds=data["fonds"],
                location_prefix=data["location_prefix"],
                reference_codes=data["reference_codes"].split(),
                surveyors=list(data["surveyors"]),
                starts=data["starts"],
                ends=data["ends"],
                priority=data["priority"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已创建摸排任务“%(name)s”。") % {"name": campaign.name})
            return redirect("conservation:campaign", campaign.pk)
    return render(request, "conservation/surveys/campaign_add.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(VIEW)
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    can_manage = has_capability(request.user, MANAGE)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        try:
            actions.do_set_campaign_status(signed_in(request), campaign, request.POST.get("status", ""))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("状态已改为“%(status)s”。") % {"status": campaign.get_status_display()})
        return redirect("conservation:campaign", campaign.pk)
    return render(
        request,
        "conservation/surveys/campaign.html",
        {
            "campaign": campaign,
            "progress": actions.progress(request.user, campaign),
            "can_manage": can_manage,
            "can_work": has_capability(request.user, WORK),
            "statuses": CampaignStatus.choices,
            "surveyors": campaign.surveyors.order_by("username"),
        },
    )


@require_safe
@capability_required(WORK)
def campaign_export(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    response = HttpResponse(actions.export_sheet(request.user, campaign), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="survey-{campaign.pk}.xlsx"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(WORK)
def campaign_import(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[actions.SheetError] = []
    if request.method == "POST" and form.is_valid():
        records, errors = actions.do_import_sheet(signed_in(request), campaign, form.cleaned_data["sheet"])
        if not errors:
            messages.success(request, _("已导入 %(n)s 条摸排记录。") % {"n": len(records)})
            return redirect("conservation:campaign", campaign.pk)
    return render(
        request,
        "conservation/surveys/import.html",
        {"campaign": campaign, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------- the survey form


def _unit_by_code(user: Any, code: str) -> ArchivalUnit | None:
    unit = ArchivalUnit.objects.filter(reference_code=code.strip()).first() if code.strip() else None
    return unit if unit is not None and can_view_unit(user, unit) else None


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(WORK)
def survey_entry(request: HttpRequest) -> HttpResponse:
    raw_campaign = request.GET.get("campaign") or request.POST.get("campaign") or ""
    campaign = _campaign(int(raw_campaign)) if raw_campaign.isdigit() else None
    unit: ArchivalUnit | None = None
    if request.method == "POST":
        form = SurveyForm(request.POST, request.FILES)
        if form.is_valid():
            unit = _unit_by_code(request.user, form.cleaned_data["code"])
            if unit is None:
                form.add_error("code", _("没有此档号的档案"))
            else:
                data = form.cleaned_data
                try:
                    record, _assessment = actions.do_record_survey(
                        signed_in(request),
                        unit,
                        form.damages(),
                        campaign=campaign,
                        carrier=data["carrier"],
                        paper_type=data["paper_type"],
                        ink=data["ink"],
                        has_photographs=data["has_photographs"],
                        notes=data["notes"],
                        photos=request.FILES.getlist("photos"),
                    )
                except ValidationError as exc:
                    form_errors_from(form, exc)
                else:
                    messages.success(
                        request,
                        _("已保存：%(code)s %(grade)s（%(reason)s）")
                        % {"code": unit.reference_code, "grade": record.get_grade_display(), "reason": record.reason},
                    )
                    target = reverse("conservation:survey_entry")
                    return redirect(f"{target}?campaign={campaign.pk}" if campaign else target)
    else:
        code = request.GET.get("code", "")
        if code:
            unit = _unit_by_code(request.user, code)
            if unit is None:
                messages.error(request, _("没有此档号的档案：%(code)s") % {"code": code})
        elif campaign is not None:
            unit = actions.next_unit(request.user, campaign)
        initial: dict[str, Any] = {"carrier": "纸质"}
        if unit is not None:
            initial["code"] = unit.reference_code
            last = SurveyRecord.objects.filter(surveyed_by=signed_in(request)).order_by("-surveyed_at").first()
            if last is not None:  # a campaign's units are mostly alike: start from the surveyor's last material
                initial.update(paper_type=last.paper_type, ink=last.ink, carrier=last.carrier or "纸质")
        form = SurveyForm(initial=initial)
    form.fields["d_mould" if unit is not None else "code"].widget.attrs["autofocus"] = "autofocus"
    history = SurveyRecord.objects.filter(unit=unit).select_related("surveyed_by")[:5] if unit is not None else []
    return render(
        request,
        "conservation/surveys/entry.html",
        {
            "form": form,
            "unit": unit,
            "campaign": campaign,
            "history": history,
            "progress": actions.progress(request.user, campaign) if campaign else None,
            "assessment": None,
        },
    )


@require_POST
@capability_required(WORK)
def survey_grade(request: HttpRequest) -> HttpResponse:
    """The grade the typed extents imply, with its reason (htmx: the form's damage fields posted as typed)."""
    damages: dict[str, object] = {}
    for kind in MEASURES:
        value = request.POST.get(f"d_{kind}", "").strip()
        if value and value != Degree.NONE:
            damages[kind] = value
    try:
        assessment, problem = grade_damages(damages), ""
    except GradingError as exc:
        assessment, problem = None, str(exc)
    label = DamageGrade(assessment.grade).label if assessment else ""
    return render(
        request, "conservation/surveys/_grade.html", {"assessment": assessment, "label": label, "problem": problem}
    )


# ---------------------------------------------------------------- priorities and the dashboard


def _work_order_url(user: Any) -> str:
    """Where a row of the priorities starts a restoration work order (part restoration, ``?unit=<uuid>``), for
    those who may record one; blank when that part is not installed."""
    if not has_capability(user, Capability.CONSERVATION_WORK):
        return ""
    try:
        return reverse("conservation:restoration_new")
    except NoReverseMatch:
        return ""


@require_safe
@capability_required(VIEW)
def priority_list(request: HttpRequest) -> HttpResponse:
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            priorities.priorities_sheet(priorities.priority_list(request.user, limit=None)), content_type=XLSX
        )
        response["Content-Disposition"] = 'attachment; filename="conservation-priorities.xlsx"'
        return response
    return render(
        request,
        "conservation/surveys/priorities.html",
        {
            "rows": priorities.priority_list(request.user, limit=200),
            "terms": "、".join(priorities.value_terms()),
            "order_url": _work_order_url(request.user),
        },
    )


@require_safe
@capability_required(VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    counts = priorities.dashboard_counts(request.user)
    chart = {
        "grades": [{"name": row["label"], "value": row["count"]} for row in counts["grades"]],
        "labels": [row["label"] for row in counts["grades"]],
        "fonds": [row["fonds"] for row in counts["by_fonds"]],
        "fonds_series": [[row["counts"][grade["grade"]] for row in counts["by_fonds"]] for grade in counts["grades"]],
    }
    return render(
        request,
        "conservation/surveys/dashboard.html",
        {
            "counts": counts,
            "chart": chart,
            "top": priorities.priority_list(request.user, limit=10),
            "order_url": _work_order_url(request.user),
        },
    )


manage_urls: list[URLPattern] = [
    path("surveys/", campaign_list, name="campaigns"),
    path("surveys/add/", campaign_add, name="campaign_add"),
    path("surveys/<int:campaign_id>/", campaign_detail, name="campaign"),
    path("surveys/<int:campaign_id>/sheet.xlsx", campaign_export, name="campaign_export"),
    path("surveys/<int:campaign_id>/import/", campaign_import, name="campaign_import"),
    path("surveys/entry/", survey_entry, name="survey_entry"),
    path("surveys/grade/", survey_grade, name="survey_grade"),
    path("surveys/priorities/", priority_list, name="survey_priorities"),
    path("surveys/dashboard/", dashboard, name="survey_dashboard"),
]
