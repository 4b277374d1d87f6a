"""Pages of the environment part (温湿度), under /manage/conservation/environment/: the stacks with their latest
reading and the open alerts, a stack's page (chart of a day, a month or a year with its limits, excursions, a
reading by hand, a logger's CSV upload), the chart's JSON, limits and sensors (CONSERVATION_MANAGE), acknowledging
an alert. Reading needs CONSERVATION_VIEW, readings and acknowledging CONSERVATION_WORK. Thin: every change is an
action of ``conservation.actions.environment``."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dangan.conservation.actions import environment as actions
from dangan.conservation.choices import LocationKind
from dangan.conservation.models import Excursion, Location, Reading, Sensor
from dangan.conservation.navigation import Link, register_link
from dangan.core.actors import signed_in
from dangan.core.roles import Capability, has_capability
from dangan.utilities.views import capability_required, form_errors_from

VIEW, WORK, MANAGE = Capability.CONSERVATION_VIEW, Capability.CONSERVATION_WORK, Capability.CONSERVATION_MANAGE


def _alerts_description() -> str:
    count = Excursion.objects.filter(acknowledged_at__isnull=True).count()
    if count:
        return _("库房温湿度读数、限值与图表；未确认的超限告警 %(n)d 条。") % {"n": count}
    return _("库房温湿度读数、限值与图表；暂无未确认的超限告警。")


def register_links() -> None:
    register_link(
        Link(
            "conservation:environment",
            gettext_lazy("库房温湿度"),
            order=30,
            description=lazy(_alerts_description, str)(),
        )
    )


# ---------------------------------------------------------------- forms


class ReadingForm(forms.Form):
    taken_at = forms.DateTimeField(
        label=gettext_lazy("时间"), widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    temperature = forms.FloatField(label=gettext_lazy("温度（°C）"))
    humidity = forms.FloatField(label=gettext_lazy("相对湿度（%）"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("记录仪 CSV 文件"),
        help_text=gettext_lazy(
            "列：时间/time、温度/temperature（°C）、湿度/humidity（% RH）；有任何问题则全部不导入。"
        ),
    )


class LimitsForm(forms.Form):
    temperature_min = forms.FloatField(label=gettext_lazy("温度下限（°C）"))
    temperature_max = forms.FloatField(label=gettext_lazy("温度上限（°C）"))
    humidity_min = forms.FloatField(label=gettext_lazy("相对湿度下限（%）"))
    humidity_max = forms.FloatField(label=gettext_lazy("相对湿度上限（%）"))
    temperature_swing = forms.FloatField(label=gettext_lazy("温度日较差上限（°C）"))
    humidity_swing = forms.FloatField(label=gettext_lazy("湿度日较差上限（%）"))


class SensorForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("传感器名称"), max_length=100)


# ---------------------------------------------------------------- pages


def _stack(code: str) -> Location:
    stack = actions.stack_by_code(code)
    if stack is None:
        raise Http404(_("没有这个库房"))
    return stack


@require_safe
@capability_required(VIEW)
def environment(request: HttpRequest) -> HttpResponse:
    stacks = list(Location.objects.filter(parent__isnull=True, kind=LocationKind.STACK).order_by("code"))
    rows = []
    for stack in stacks:
        latest = Reading.objects.filter(stack=stack).order_by("-taken_at").first()
        rows.append({"stack": stack, "latest": latest, "limits": actions.limits_of(stack)})
    alerts = actions.open_alerts()
    return render(
        request,
        "conservation/environment/home.html",
        {
            "rows": rows,
            "alerts": alerts[:100],
            "alert_count": alerts.count(),
            "can_work": has_capability(request.user, WORK),
        },
    )


def _period(request: HttpRequest) -> tuple[str, date]:
    period = request.GET.get("period", "month")
    if period not in ("day", "month", "year"):
        period = "month"
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    return period, day


@require_safe
@capability_required(VIEW)
def stack_page(request: HttpRequest, code: str) -> HttpResponse:
    stack = _stack(code)
    period, day = _period(request)
    return render(
        request,
        "conservation/environment/stack.html",
        {
            "stack": stack,
            "period": period,
            "day": day,
            "limits": actions.limits_of(stack),
            "excursions": Excursion.objects.filter(stack=stack).select_related("acknowledged_by")[:50],
            "readings": Reading.objects.filter(stack=stack).order_by("-taken_at")[:10],
            "reading_form": ReadingForm(initial={"taken_at": timezone.localtime().replace(second=0, microsecond=0)}),
            "import_form": ImportForm(),
            "can_work": has_capability(request.user, WORK),
            "can_manage": has_capability(request.user, MANAGE),
        },
    )


@require_safe
@capability_required(VIEW)
def chart_json(request: HttpRequest, code: str) -> JsonResponse:
    stack = _stack(code)
    period, day = _period(request)
    return JsonResponse(actions.chart_data(stack, period, day), json_dumps_params={"ensure_ascii": False})


@require_POST
@capability_required(WORK)
def reading_add(request: HttpRequest, code: str) -> HttpResponse:
    stack = _stack(code)
    form = ReadingForm(request.POST)
    if form.is_valid():
        try:
            raised = actions.do_record_reading(
                signed_in(request),
                stack,
                form.cleaned_data["taken_at"],
                form.cleaned_data["temperature"],
                form.cleaned_data["humidity"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已记录读数。"))
            if raised:
                messages.warning(request, _("该读数超出限值，已产生 %(n)d 条告警。") % {"n": raised})
            return redirect("conservation:environment_stack", code=stack.code)
    for error in form.errors.values():
        messages.error(request, " ".join(str(e) for e in error))
    return redirect("conservation:environment_stack", code=stack.code)


@require_http_methods(["GET", "POST"])
@capability_required(WORK)
def import_readings(request: HttpRequest, code: str) -> HttpResponse:
    stack = _stack(code)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[actions.Problem] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = actions.do_import_readings(signed_in(request), stack, form.cleaned_data["file"].read())
        except actions.ImportProblems as exc:
            problems = exc.problems
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已导入 %(n)d 条读数，新增超限 %(e)d 条。") % {"n": result.readings, "e": result.excursions},
            )
            return redirect("conservation:environment_stack", code=stack.code)
    return render(
        request,
        "conservation/environment/import.html",
        {"stack": stack, "form": form, "problems": problems[:500], "problem_count": len(problems)},
    )


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def limits(request: HttpRequest, code: str) -> HttpResponse:
    stack = _stack(code)
    form = LimitsForm(request.POST or None, initial=actions.limits_of(stack))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_limits(signed_in(request), stack, form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已保存限值。"))
            return redirect("conservation:environment_stack", code=stack.code)
    return render(request, "conservation/environment/limits.html", {"stack": stack, "form": form})


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def sensors(request: HttpRequest, code: str) -> HttpResponse:
    stack = _stack(code)
    form = SensorForm(request.POST or None)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        try:
            _sensor, new_key = actions.do_add_sensor(signed_in(request), stack, form.cleaned_data["name"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            form = SensorForm()
    return render(
        request,
        "conservation/environment/sensors.html",
        {
            "stack": stack,
            "form": form,
            "new_key": new_key,
            "sensors": Sensor.objects.filter(stack=stack).order_by("name"),
            "endpoint": request.build_absolute_uri("/api/conservation/sensors/readings"),
        },
    )


@require_POST
@capability_required(MANAGE)
def sensor_active(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    stack = _stack(code)
    sensor = get_object_or_404(Sensor, pk=pk, stack=stack)
    active = request.POST.get("active") == "1"
    actions.do_set_sensor_active(signed_in(request), sensor, active)
    messages.success(request, _("已启用传感器。") if active else _("已停用传感器，其令牌不再有效。"))
    return redirect("conservation:environment_sensors", stack.code)


@require_POST
@capability_required(WORK)
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    excursion = get_object_or_404(Excursion.objects.select_related("stack"), pk=pk)
    try:
        actions.do_acknowledge(signed_in(request), excursion)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已确认告警。"))
    return redirect("conservation:environment")


manage_urls: list[URLPattern] = [
    path("environment/", environment, name="environment"),
    path("environment/stacks/<str:code>/", stack_page, name="environment_stack"),
    path("environment/stacks/<str:code>/chart.json", chart_json, name="environment_chart"),
    path("environment/stacks/<str:code>/readings/", reading_add, name="environment_reading_add"),
    path("environment/stacks/<str:code>/import/", import_readings, name="environment_import"),
    path("environment/stacks/<str:code>/limits/", limits, name="environment_limits"),
    path("environment/stacks/<str:code>/sensors/", sensors, name="environment_sensors"),
    path("environment/stacks/<str:code>/sensors/<int:pk>/active/", sensor_active, name="environment_sensor_active"),
    path("environment/excursions/<int:pk>/acknowledge/", acknowledge, name="environment_acknowledge"),
]
