"""Pages of the restoration part (修复), under /manage/conservation/restoration/: the work-order list (filters:
status, conservator, year), a new order by 档号, an order's page with its plan, steps, photographs, timeline and a
form for each transition the user may make, a unit's orders, the statistics with their Excel and CSV exports, and
the section on the catalog's unit page. Reading needs CONSERVATION_VIEW and the unit (catalog.policy; an order of a
unit the user may not see is a 404); every change is an action of ``conservation.actions.restoration``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.conservation.actions import restoration as actions
from dangan.conservation.choices import DamageType, Degree
from dangan.conservation.grading import MEASURES
from dangan.conservation.models import WorkOrder
from dangan.conservation.models.restoration import PhotoStage, Treatment, WorkOrderStatus
from dangan.core.actors import signed_in
from dangan.core.roles import Capability, has_capability
from dangan.utilities.concurrency import EditConflict
from dangan.utilities.views import capability_required, form_errors_from, paginate

VIEW, WORK = Capability.CONSERVATION_VIEW, Capability.CONSERVATION_WORK
DATE_INPUT = forms.DateInput({"type": "date"}, format="%Y-%m-%d")
MAX_PHOTOS = 20
PAGE_SIZE = 50


# ---------------------------------------------------------------- forms


class PlanForm(forms.Form):
    treatments = forms.MultipleChoiceField(
        label=gettext_lazy("修复工艺"), choices=Treatment.choices, widget=forms.CheckboxSelectMultiple
    )
    materials = forms.CharField(
        label=gettext_lazy("拟用材料"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    estimated_hours = forms.DecimalField(
        label=gettext_lazy("预计工时（小时）"), min_value=0, max_value=9999, decimal_places=1, initial=0
    )
    notes = forms.CharField(
        label=gettext_lazy("方案说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class NewOrderForm(PlanForm):
    reference_code = forms.CharField(label=gettext_lazy("档号"), max_length=80)

    field_order = ["reference_code", "treatments", "materials", "estimated_hours", "notes"]


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class NoteForm(VersionForm):
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=1000)


class ReasonForm(VersionForm):
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class StartForm(VersionForm):
    due = forms.DateField(label=gettext_lazy("应还日期"), widget=DATE_INPUT)
    taken_by = forms.CharField(
        label=gettext_lazy("领取人"), max_length=100, required=False, help_text=gettext_lazy("空：本人")
    )


class StepForm(forms.Form):
    treatment = forms.ChoiceField(label=gettext_lazy("修复工艺"), choices=Treatment.choices)
    hours = forms.DecimalField(label=gettext_lazy("工时（小时）"), min_value=0, max_value=9999, decimal_places=1)
    date = forms.DateField(label=gettext_lazy("日期"), widget=DATE_INPUT, required=False)
    materials = forms.CharField(
        label=gettext_lazy("所用材料"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("每行一种：名称，用量，单位（如：楮皮纸，2，张）"),
    )
    notes = forms.CharField(label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def material_rows(self) -> list[dict[str, str]]:
        rows = []
        for line in (self.cleaned_data.get("materials") or "").splitlines():
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if not any(parts):
                continue
            parts += [""] * (3 - len(parts))
            rows.append({"name": parts[0], "quantity": parts[1], "unit": ",".join(parts[2:]).strip(",")})
        return rows


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(label=gettext_lazy("阶段"), choices=PhotoStage.choices)


class AcceptForm(VersionForm):
    note = forms.CharField(label=gettext_lazy("验收意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        degrees = [("", "—"), *Degree.choices]
        for kind, label in DamageType.choices:
            measure = MEASURES[kind]
            if measure == "degree":
                self.fields[f"damage_{kind}"] = forms.ChoiceField(label=label, choices=degrees, required=False)
            else:
                suffix = "pH" if measure == "ph" else "%"
                self.fields[f"damage_{kind}"] = forms.CharField(
                    label=f"{label}（{suffix}）", required=False, max_length=10
                )

    def damages(self) -> dict[str, str]:
        return {
            kind: self.cleaned_data.get(f"damage_{kind}") or ""
            for kind in DamageType.values
            if self.cleaned_data.get(f"damage_{kind}")
        }


class ReturnForm(VersionForm):
    returned_by = forms.CharField(label=gettext_lazy("归还人"), max_length=100, required=False)
    note = forms.CharField(label=gettext_lazy("归还记录"), required=False, max_length=1000)


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), choices=[("", gettext_lazy("全部")), *WorkOrderStatus.choices], required=False
    )
    conservator = forms.ChoiceField(label=gettext_lazy("修复人员"), required=False)
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False, min_value=1900, max_value=2999)

    def __init__(self, *args: Any, orders: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = (
            orders.exclude(treated_by=None)
            .values_list("treated_by__username", "treated_by__first_name", "treated_by__last_name")
            .distinct()
            .order_by("treated_by__username")
            if orders is not None
            else []
        )
        choice = forms.ChoiceField(label=self.fields["conservator"].label, required=False)
        choice.choices = [("", _("全部"))] + [
            (username, f"{last}{first}".strip() or username) for username, first, last in people
        ]
        self.fields["conservator"] = choice


# ---------------------------------------------------------------- helpers


def _order(request: HttpRequest, number: str) -> WorkOrder:
    order = WorkOrder.objects.select_related("unit", "unit__fonds").filter(number=number).first()
    if order is None or not can_view_unit(request.user, order.unit):
        raise Http404
    return order


def _errors(request: HttpRequest, exc: Exception) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


def _forms(order: WorkOrder, allowed: list[str]) -> dict[str, forms.Form]:
    version = {"version": order.version}
    due = actions.default_due()
    made: dict[str, forms.Form] = {}
    for name in allowed:
        if name == "edit":
            continue
        if name in ("send_back", "reject"):
            made[name] = ReasonForm(initial=version, prefix=name)
        elif name == "start":
            made[name] = StartForm(initial={**version, "due": due}, prefix=name)
        elif name == "step":
            made[name] = StepForm(initial={"date": timezone.localdate()}, prefix=name)
        elif name == "photos":
            made[name] = PhotoForm(prefix=name)
        elif name == "accept":
            made[name] = AcceptForm(initial=version, prefix=name)
        elif name == "return":
            made[name] = ReturnForm(initial=version, prefix=name)
        else:
            made[name] = NoteForm(initial=version, prefix=name)
    return made


# ---------------------------------------------------------------- pages


@require_safe
@capability_required(VIEW)
def order_list(request: HttpRequest) -> HttpResponse:
    rows = actions.visible_work_orders(request.user).select_related("unit", "treated_by")
    form = FilterForm(request.GET or None, orders=rows)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            rows = rows.filter(status=data["status"])
        if data["conservator"]:
            rows = rows.filter(treated_by__username=data["conservator"])
        if data["year"]:
            rows = rows.filter(created__year=data["year"])
    page = paginate(request, rows, PAGE_SIZE)
    return render(
        request,
        "conservation/restoration/list.html",
        {"form": form, "page": page, "orders": page.object_list, "can_work": has_capability(request.user, WORK)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(WORK)
def order_new(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    given = request.GET.get("unit", "")
    if given:
        unit = ArchivalUnit.objects.filter(uuid=given).first() if _is_uuid(given) else None
        if unit is not None and can_view_unit(request.user, unit):
            initial["reference_code"] = unit.reference_code or ""
    form = NewOrderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = visible_units(request.user).filter(reference_code=data["reference_code"].strip()).first()
        if unit is None:
            form.add_error("reference_code", _("没有这个档号的档案（或您无权查看）"))
        else:
            try:
                order = actions.do_create_work_order(
                    signed_in(request),
                    unit,
                    data["treatments"],
                    materials=data["materials"],
                    estimated_hours=data["estimated_hours"],
                    notes=data["notes"],
                )
            except ValidationError as exc:
                form_errors_from(form, exc, fields=["treatments", "estimated_hours"])
                if hasattr(exc, "error_dict") and "unit" in exc.error_dict:
                    form.add_error("reference_code", exc.error_dict["unit"][0].messages)
            else:
                messages.success(request, _("已编制修复单 %(n)s（草稿）") % {"n": order.number})
                return redirect("conservation:restoration_detail", order.number)
    status = 400 if request.method == "POST" else 200
    return render(request, "conservation/restoration/new.html", {"form": form}, status=status)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@require_safe
@capability_required(VIEW)
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(request, number)
    allowed = actions.allowed_transitions(request.user, order)
    return render(
        request,
        "conservation/restoration/detail.html",
        {
            "order": order,
            "unit": order.unit,
            "steps": list(order.steps.all()),
            "photos": list(order.photographs.all()),
            "events": list(order.events.all()),
            "forms": _forms(order, allowed),
            "can_edit": "edit" in allowed,
            "labels": actions.LABELS,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(WORK)
def order_edit(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(request, number)
    if "edit" not in actions.allowed_transitions(request.user, order):
        raise PermissionDenied
    initial = {
        "treatments": order.treatments,
        "materials": order.materials,
        "estimated_hours": order.estimated_hours,
        "notes": order.plan_notes,
    }
    form = PlanForm(request.POST or None, initial=initial)
    version = VersionForm(request.POST or None, initial={"version": order.version})
    if request.method == "POST" and form.is_valid() and version.is_valid():
        data = form.cleaned_data
        try:
            actions.do_update_plan(
                signed_in(request),
                order,
                version.cleaned_data["version"],
                data["treatments"],
                materials=data["materials"],
                estimated_hours=data["estimated_hours"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        except EditConflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("方案已保存"))
            return redirect("conservation:restoration_detail", order.number)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "conservation/restoration/edit.html", {"form": form, "version": version, "order": order}, status=status
    )


@require_POST
@capability_required(VIEW)
def order_transition(request: HttpRequest, number: str, transition: str) -> HttpResponse:
    """One transition of an order (the forms on its page post here); back to the page with what happened."""
    order = _order(request, number)
    if transition not in actions.TRANSITIONS or transition == "edit":
        raise Http404
    why = actions.refusal(request.user, order, transition, status=False)  # who: 403; the status: a message
    if why is not None:
        raise PermissionDenied(why)
    actor = signed_in(request)
    try:
        done = _apply(request, actor, order, transition)
    except (ValidationError, EditConflict) as exc:
        _errors(request, exc)
    else:
        if done:
            messages.success(request, done)
    return redirect("conservation:restoration_detail", order.number)


def _apply(request: HttpRequest, actor: Any, order: WorkOrder, name: str) -> str:
    """Run transition ``name`` with the posted form; the message for the user ("" when the form was invalid)."""
    if name == "photos":
        return _photos(request, actor, order)
    form: forms.Form
    if name == "step":
        form = StepForm(request.POST, prefix=name)
        if not form.is_valid():
            raise ValidationError(_form_messages(form))
        data = form.cleaned_data
        actions.do_record_step(
            actor,
            order,
            data["treatment"],
            data["hours"],
            materials=form.material_rows(),
            day=data["date"],
            notes=data["notes"],
        )
        return _("已记录修复步骤")
    form_class: type[forms.Form] = {
        "send_back": ReasonForm,
        "reject": ReasonForm,
        "start": StartForm,
        "accept": AcceptForm,
        "return": ReturnForm,
    }.get(name, NoteForm)
    form = form_class(request.POST, prefix=name)
    if not form.is_valid():
        raise ValidationError(_form_messages(form))
    data = form.cleaned_data
    version = data["version"]
    if name == "submit":
        actions.do_submit(actor, order, version)
    elif name == "approve":
        actions.do_approve(actor, order, version, data.get("note", ""))
    elif name == "send_back":
        actions.do_send_back(actor, order, version, data["reason"])
    elif name == "start":
        actions.do_start_treatment(actor, order, version, data["due"], data["taken_by"])
    elif name == "finish":
        actions.do_finish_treatment(actor, order, version)
    elif name == "accept":
        assert isinstance(form, AcceptForm)
        actions.do_accept(actor, order, version, form.damages(), data["note"])
    elif name == "reject":
        actions.do_reject(actor, order, version, data["reason"])
    elif name == "return":
        actions.do_return_original(actor, order, version, data["returned_by"], data["note"])
    return _("已%(action)s") % {"action": actions.LABELS[name]}


def _form_messages(form: forms.Form) -> list[str]:
    found: list[str] = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        found.extend(f"{label}：{error}" if label else str(error) for error in errors)
    return found


def _photos(request: HttpRequest, actor: Any, order: WorkOrder) -> str:
    form = PhotoForm(request.POST, prefix="photos")
    uploads = request.FILES.getlist("photos-files")
    if not form.is_valid():
        raise ValidationError(_form_messages(form))
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(_("一次最多保存 %(n)d 张照片") % {"n": MAX_PHOTOS})
    with tempfile.TemporaryDirectory(prefix="dangan-photos-") as folder:
        photos = []
        for index, upload in enumerate(uploads, start=1):
            name = Path(upload.name or "").name
            target = Path(folder) / f"{index:02d}{Path(name).suffix.lower()[:6]}"
            with target.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            photos.append(actions.Photo(name, target))
        kept = actions.do_add_photographs(actor, order, form.cleaned_data["stage"], photos)
    return _("已保存 %(n)d 张照片（保存包版本 %(v)s）") % {"n": len(kept), "v": kept[0].package_version if kept else ""}


PHOTO_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".tif": "image/tiff"}


@require_safe
@capability_required(VIEW)
def photo(request: HttpRequest, number: str, pk: int) -> HttpResponseBase:
    """One preserved photograph of an order, read from the unit's package (the version it was stored in)."""
    order = _order(request, number)
    kept = order.photographs.filter(pk=pk).first()
    if kept is None:
        raise Http404
    handle = actions.do_open_photograph(signed_in(request), kept)
    suffix = Path(kept.logical_path).suffix.lower()
    response = FileResponse(handle, content_type=PHOTO_TYPES.get(suffix, "application/octet-stream"))
    response["Content-Disposition"] = f'inline; filename="{Path(kept.logical_path).name}"'
    return response


@require_safe
@capability_required(VIEW)
def unit_orders(request: HttpRequest, uuid: Any) -> HttpResponse:
    unit = ArchivalUnit.objects.filter(uuid=uuid).first()
    if unit is None or not can_view_unit(request.user, unit):
        raise Http404
    return render(
        request,
        "conservation/restoration/unit.html",
        {
            "unit": unit,
            "orders": list(unit.work_orders.all()),
            "can_work": has_capability(request.user, WORK),
        },
    )


def unit_panel(request: HttpRequest, unit: ArchivalUnit) -> str:
    """The section on the catalog's unit page (the page asked catalog.policy already): the unit's work orders."""
    if not has_capability(request.user, VIEW) or not can_view_unit(request.user, unit):
        return ""
    orders = list(unit.work_orders.all())
    if not orders and not has_capability(request.user, WORK):
        return ""
    return render_to_string(
        "conservation/restoration/_unit_panel.html",
        {"unit": unit, "orders": orders, "can_work": has_capability(request.user, WORK)},
        request=request,
    )


# ---------------------------------------------------------------- statistics


def _year(request: HttpRequest) -> int | None:
    value = request.GET.get("year", "").strip()
    return int(value) if value.isdigit() and 1900 <= int(value) <= 2999 else None


@require_safe
@capability_required(VIEW)
def stats(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    figures = actions.restoration_stats(request.user, year)
    return render(
        request,
        "conservation/restoration/stats.html",
        {"stats": figures, "tables": actions.stats_rows(figures), "year": year or ""},
    )


@require_safe
@capability_required(VIEW)
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    content = actions.stats_workbook(actions.restoration_stats(request.user, year))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="restoration-{year or "all"}.xlsx"'
    return response


@require_safe
@capability_required(VIEW)
def stats_csv(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    content = "\ufeff" + actions.stats_csv(actions.restoration_stats(request.user, year))
    response = HttpResponse(content.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="restoration-{year or "all"}.csv"'
    return response


manage_urls: list[URLPattern] = [
    path("restoration/", order_list, name="restoration_list"),
    path("restoration/new/", order_new, name="restoration_new"),
    path("restoration/stats/", stats, name="restoration_stats"),
    path("restoration/stats.xlsx", stats_xlsx, name="restoration_stats_xlsx"),
    path("restoration/stats.csv", stats_csv, name="restoration_stats_csv"),
    path("restoration/unit/<uuid:uuid>/", unit_orders, name="restoration_unit"),
    path("restoration/<str:number>/", order_detail, name="restoration_detail"),
    path("restoration/<str:number>/edit/", order_edit, name="restoration_edit"),
    path("restoration/<str:number>/photos/<int:pk>/", photo, name="restoration_photo"),
    path("restoration/<str:number>/<slug:transition>/", order_transition, name="restoration_transition"),
]
