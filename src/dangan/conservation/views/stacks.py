"""Pages of part stacks (docs/development/conservation.md, "Part stacks"), under /manage/conservation/: the stacks
tree (children loaded by htmx), a location's page (its units as the reader may see them, capacity, moves; a phone
opens it from a label's QR code), placing and moving units, free capacity, check-out and return (出库/入库) with the
出库单, and the PDFs (labels, shelf list, 备考表). Reading needs ``CONSERVATION_VIEW``, placing, moving and
check-out ``CONSERVATION_WORK``, the tree ``CONSERVATION_MANAGE``. Every change is an action."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.conservation import labels
from dangan.conservation.actions import custody
from dangan.conservation.actions import stacks as actions
from dangan.conservation.choices import CheckOutPurpose, LocationKind
from dangan.conservation.models import CheckOut, Location, Move, Placement
from dangan.core.actors import signed_in
from dangan.core.roles import Capability, has_capability
from dangan.utilities.fonts import FontMissing
from dangan.utilities.views import capability_required, form_errors_from

VIEW, WORK, MANAGE = Capability.CONSERVATION_VIEW, Capability.CONSERVATION_WORK, Capability.CONSERVATION_MANAGE
HISTORY_SHOWN = 50
PDF_KINDS = {
    "box-labels": "box_labels",
    "spine-labels": "spine_labels",
    "shelf-list": "shelf_list",
    "note-sheet": "note_sheet",
}


# ---------------------------------------------------------------- forms


def _kind_choices(parent: Location | None) -> list[tuple[str, Any]]:
    floor = LocationKind.depth_of(parent.kind) if parent else -1
    return [(v, label) for v, label in LocationKind.choices if LocationKind.depth_of(v) > floor]


class StackForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("代码"), max_length=32, help_text=gettext_lazy("字母和数字，如 K1"))
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100, required=False)
    capacity = forms.IntegerField(label=gettext_lazy("容量"), min_value=0, required=False)


class ChildForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("层级"))
    code = forms.CharField(
        label=gettext_lazy("代码（或起始编号）"),
        max_length=32,
        help_text=gettext_lazy("批量添加时填起始编号，如 1；代码按位数补零（01、02 …）"),
    )
    count = forms.IntegerField(label=gettext_lazy("数量"), min_value=1, max_value=actions.MAX_RANGE, initial=1)
    width = forms.IntegerField(label=gettext_lazy("编号位数"), min_value=1, max_value=6, initial=2, required=False)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100, required=False)
    capacity = forms.IntegerField(label=gettext_lazy("容量"), min_value=0, required=False)

    def __init__(self, parent: Location, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _kind_choices(parent)
        self.fields["kind"].choices = choices  # type: ignore[attr-defined]
        if choices:
            self.fields["kind"].initial = choices[0][0]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("count") or 1) > 1 and not str(data.get("code", "")).isdigit():
            self.add_error("code", _("批量添加时起始编号必须是数字"))
        return data


class EditForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("代码"), max_length=32)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100, required=False)
    capacity = forms.IntegerField(label=gettext_lazy("容量"), min_value=0, required=False)
    parent = forms.CharField(
        label=gettext_lazy("移到上级位置（完整代码）"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("留空则不移动；如 K1-A-03"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PlaceForm(forms.Form):
    units = forms.CharField(
        label=gettext_lazy("档号"),
        widget=forms.Textarea(attrs={"rows": 4, "autofocus": True}),
        help_text=gettext_lazy("每行一个档号；可用扫码枪逐个录入"),
    )
    reason = forms.CharField(label=gettext_lazy("事由"), max_length=200, required=False)


class MoveForm(PlaceForm):
    to = forms.CharField(label=gettext_lazy("目标位置（完整代码）"), max_length=200)

    def __init__(self, *args: Any, ticked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].required = not ticked


class CheckOutForm(forms.Form):
    unit = forms.CharField(label=gettext_lazy("档号"), max_length=80)
    purpose = forms.ChoiceField(label=gettext_lazy("出库事由"), choices=CheckOutPurpose.choices)
    reference = forms.CharField(label=gettext_lazy("依据"), max_length=200, required=False)
    due = forms.DateField(label=gettext_lazy("应还日期"), widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"))
    taken_by = forms.CharField(label=gettext_lazy("领取人"), max_length=100)


class ReturnForm(forms.Form):
    returned_by = forms.CharField(label=gettext_lazy("归还人"), max_length=100)
    note = forms.CharField(
        label=gettext_lazy("归还记录"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("归还时的状况、页数核对等"),
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=gettext_lazy("确认删除该位置及其下级空位置"), required=True)


# ---------------------------------------------------------------- helpers


def _location(full_code: str) -> Location:
    return get_object_or_404(Location.objects.select_related("parent"), full_code=full_code)


def _ancestors(location: Location) -> list[Location]:
    parts = location.full_code.split("-")
    codes = ["-".join(parts[: n + 1]) for n in range(len(parts) - 1)]
    return list(Location.objects.filter(full_code__in=codes).order_by("depth"))


def _checkout(request: HttpRequest, pk: int) -> CheckOut:
    checkout = get_object_or_404(CheckOut.objects.select_related("unit", "taken_from", "handed_out_by"), pk=pk)
    if not can_view_unit(request.user, checkout.unit):
        raise Http404
    return checkout


def _ticked_units(request: HttpRequest, ticked: list[str]) -> list[ArchivalUnit]:
    """The units ticked in a location's list (their UUIDs), those the user may see; ValidationError otherwise."""
    try:
        wanted = {str(UUID(value)) for value in ticked}
    except ValueError:
        raise ValidationError({"units": _("所选档案无法识别")}) from None
    units = list(visible_units(request.user, ArchivalUnit.objects.filter(uuid__in=wanted)))
    if len(units) != len(wanted):
        raise ValidationError({"units": _("所选档案无法识别")})
    return units


def _errors(request: HttpRequest, exc: Exception) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# ---------------------------------------------------------------- the tree


@require_safe
@capability_required(VIEW)
def stacks(request: HttpRequest) -> HttpResponse:
    rows = actions.occupancy(request.user, Location.objects.filter(parent__isnull=True).order_by("code"))
    return render(
        request,
        "conservation/stacks/tree.html",
        {
            "rows": rows,
            "can_manage": has_capability(request.user, MANAGE),
            "can_work": has_capability(request.user, WORK),
            "overdue": custody.overdue_count(request.user),
        },
    )


@require_safe
@capability_required(VIEW)
def children(request: HttpRequest, full_code: str) -> HttpResponse:
    """The children of a location in the tree (htmx: loaded when the reader opens it)."""
    location = _location(full_code)
    rows = actions.occupancy(request.user, location.children.order_by("code"))
    return render(request, "conservation/stacks/_children.html", {"rows": rows})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(MANAGE)
def stack_add(request: HttpRequest) -> HttpResponse:
    form = StackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stack = actions.do_add_stack(signed_in(request), data["code"], data["name"], capacity=data["capacity"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已添加库房 %(code)s") % {"code": stack.full_code})
            return redirect("conservation:location", stack.full_code)
    return render(request, "conservation/stacks/form.html", {"form": form, "heading": _("添加库房")})


@require_safe
@capability_required(VIEW)
def location_detail(request: HttpRequest, full_code: str) -> HttpResponse:
    location = _location(full_code)
    user = request.user
    occupancy = actions.occupancy(user, [location])[0]
    kids = actions.occupancy(user, location.children.order_by("code"))
    visible = visible_units(user, ArchivalUnit.objects.all())
    placements = list(
        Placement.objects.filter(location=location, unit__in=visible)
        .select_related("unit")
        .order_by("unit__reference_code", "unit__pk")
    )
    open_ids = set(
        CheckOut.objects.filter(unit__in=[p.unit for p in placements], returned_at__isnull=True).values_list(
            "unit_id", flat=True
        )
    )
    moves = list(
        Move.objects.filter(Q(from_location=location) | Q(to_location=location), unit__in=visible)
        .select_related("unit", "moved_by")
        .order_by("-moved_at", "-id")[:HISTORY_SHOWN]
    )
    summary = labels.box_summary(user, location)
    return render(
        request,
        "conservation/stacks/location.html",
        {
            "location": location,
            "ancestors": _ancestors(location),
            "occupancy": occupancy,
            "kids": kids,
            "placements": placements,
            "checked_out": open_ids,
            "moves": moves,
            "summary": summary,
            "can_manage": has_capability(user, MANAGE),
            "can_work": has_capability(user, WORK),
            "place_form": PlaceForm(auto_id="place_%s") if has_capability(user, WORK) else None,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(MANAGE)
def location_add(request: HttpRequest, full_code: str) -> HttpResponse:
    parent = _location(full_code)
    form = ChildForm(parent, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["count"] > 1:
                codes = actions.range_codes(int(data["code"]), data["count"], data["width"] or 2)
                actions.do_add_locations(signed_in(request), parent, codes, data["kind"], capacity=data["capacity"])
            else:
                code = data["code"]
                if code.isdigit() and data["width"]:
                    code = code.zfill(data["width"])
                actions.do_add_location(
                    signed_in(request), parent, code, data["kind"], name=data["name"], capacity=data["capacity"]
                )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已添加下级位置"))
            return redirect("conservation:location", parent.full_code)
    return render(
        request,
        "conservation/stacks/form.html",
        {"form": form, "heading": _("在 %(code)s 下添加位置") % {"code": parent.full_code}, "location": parent},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(MANAGE)
def location_edit(request: HttpRequest, full_code: str) -> HttpResponse:
    location = _location(full_code)
    initial = {"code": location.code, "name": location.name, "capacity": location.capacity, "version": location.version}
    form = EditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            location = actions.do_update_location(
                signed_in(request),
                location,
                parent_code=data["parent"],
                code=data["code"],
                name=data["name"],
                capacity=data["capacity"],
                version=data["version"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("conservation:location", location.full_code)
    return render(
        request,
        "conservation/stacks/form.html",
        {"form": form, "heading": _("修改位置 %(code)s") % {"code": location.full_code}, "location": location},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(MANAGE)
def location_remove(request: HttpRequest, full_code: str) -> HttpResponse:
    location = _location(full_code)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_remove_location(signed_in(request), location)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已删除位置 %(code)s") % {"code": location.full_code})
            if location.parent is not None:
                return redirect("conservation:location", location.parent.full_code)
            return redirect("conservation:stacks")
    return render(
        request,
        "conservation/stacks/form.html",
        {
            "form": form,
            "heading": _("删除位置 %(code)s") % {"code": location.full_code},
            "location": location,
            "danger": True,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(WORK)
def location_place(request: HttpRequest, full_code: str) -> HttpResponse:
    """Place units on this location, or move them here, by their 档号 (one a line, a scanner's input)."""
    location = _location(full_code)
    form = PlaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            units = actions.resolve_units(request.user, data["units"].splitlines())
            moves = actions.do_move_units(signed_in(request), units, location, data["reason"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("已将 %(n)s 件档案放到 %(code)s") % {"n": len(moves), "code": location.full_code}
            )
            return redirect("conservation:location", location.full_code)
    return render(
        request,
        "conservation/stacks/form.html",
        {"form": form, "heading": _("上架/移入 %(code)s") % {"code": location.full_code}, "location": location},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(WORK)
def move_batch(request: HttpRequest) -> HttpResponse:
    """Move a batch of units (by 档号) to a location given by its full code."""
    ticked = request.POST.getlist("unit") if request.method == "POST" else []
    form = MoveForm(request.POST or None, ticked=bool(ticked))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            to = Location.objects.filter(full_code=data["to"].strip()).first()
            if to is None:
                raise ValidationError({"to": _("找不到位置 %(code)s") % {"code": data["to"]}})
            if ticked:
                units = _ticked_units(request, ticked)
            else:
                units = actions.resolve_units(request.user, data["units"].splitlines())
            moves = actions.do_move_units(signed_in(request), units, to, data["reason"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已将 %(n)s 件档案移到 %(code)s") % {"n": len(moves), "code": to.full_code})
            return redirect("conservation:location", to.full_code)
    return render(request, "conservation/stacks/form.html", {"form": form, "heading": _("批量移库")})


@require_safe
@capability_required(VIEW)
def location_pdf(request: HttpRequest, full_code: str, kind: str) -> HttpResponse:
    """The PDFs of a location: box labels and spine labels (of its boxes, or itself when it has none), the shelf
    list and the 备考表."""
    location = _location(full_code)
    if kind not in PDF_KINDS:
        raise Http404
    user = request.user
    boxes = list(actions.subtree(location).filter(kind=LocationKind.BOX).order_by("full_code")) or [location]

    def url_of(loc: Location) -> str:
        return labels.box_url(loc, request)

    try:
        if kind == "box-labels":
            data = labels.box_labels_pdf(user, boxes, url_of)
        elif kind == "spine-labels":
            data = labels.spine_labels_pdf(user, boxes, url_of)
        elif kind == "shelf-list":
            data = labels.shelf_list_pdf(user, location)
        else:
            data = labels.note_sheet_pdf(user, location)
    except FontMissing as exc:
        messages.error(request, str(exc))
        return redirect("conservation:location", location.full_code)
    return _pdf(data, f"{location.full_code}-{kind}.pdf")


@require_safe
@capability_required(VIEW)
def capacity(request: HttpRequest) -> HttpResponse:
    """Free capacity per stack and per level: every location with a capacity, the full ones first."""
    rows = actions.occupancy(request.user, Location.objects.filter(capacity__isnull=False).order_by("full_code"))
    kind = request.GET.get("kind", "")
    if kind in LocationKind.values:
        rows = [r for r in rows if r.location.kind == kind]
    stacks_total: dict[str, dict[str, int]] = {}
    for row in rows:
        stack = row.location.full_code.split("-")[0]
        total = stacks_total.setdefault(stack, {"capacity": 0, "used": 0, "full": 0})
        total["capacity"] += row.location.capacity or 0
        total["used"] += row.used
        total["full"] += int(row.full)
    rows.sort(key=lambda r: (not r.full, r.location.full_code))
    return render(
        request,
        "conservation/stacks/capacity.html",
        {"rows": rows, "stacks": sorted(stacks_total.items()), "kinds": LocationKind.choices, "kind": kind},
    )


# ---------------------------------------------------------------- check-out and return (出库/入库)


@require_safe
@capability_required(VIEW)
def checkouts(request: HttpRequest) -> HttpResponse:
    overdue = request.GET.get("overdue") == "1"
    rows = list(custody.open_checkouts(request.user, overdue=overdue)[:500])
    return render(
        request,
        "conservation/stacks/checkouts.html",
        {
            "rows": rows,
            "overdue_only": overdue,
            "overdue": custody.overdue_count(request.user),
            "today": timezone.localdate(),
            "can_work": has_capability(request.user, WORK),
        },
    )


@require_safe
@capability_required(VIEW)
def overdue_banner(request: HttpRequest) -> HttpResponse:
    """The overdue warning as a fragment, loaded by the start page (htmx); empty when nothing is overdue."""
    return render(request, "conservation/stacks/_overdue.html", {"overdue": custody.overdue_count(request.user)})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(WORK)
def checkout_add(request: HttpRequest) -> HttpResponse:
    initial = {"due": timezone.localdate() + timedelta(days=7), "unit": request.GET.get("unit", "")}
    form = CheckOutForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = actions.resolve_units(request.user, [data["unit"]])[0]
            checkout = custody.do_check_out(
                signed_in(request), unit, data["purpose"], data["due"], data["taken_by"], reference=data["reference"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "units" in exc.error_dict:
                exc = ValidationError({"unit": exc.error_dict["units"]})
            form_errors_from(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已出库，请打印出库单并签字"))
            return redirect("conservation:checkout", checkout.pk)
    return render(request, "conservation/stacks/form.html", {"form": form, "heading": _("档案出库")})


@require_safe
@capability_required(VIEW)
def checkout_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checkout = _checkout(request, pk)
    can_work = has_capability(request.user, WORK)
    return render(
        request,
        "conservation/stacks/checkout.html",
        {
            "checkout": checkout,
            "overdue": checkout.is_open and checkout.due < timezone.localdate(),
            "form": ReturnForm(initial={"returned_by": checkout.taken_by}) if can_work and checkout.is_open else None,
        },
    )


@require_safe
@capability_required(VIEW)
def checkout_slip(request: HttpRequest, pk: int) -> HttpResponse:
    checkout = _checkout(request, pk)
    try:
        data = labels.checkout_slip_pdf(checkout)
    except FontMissing as exc:
        messages.error(request, str(exc))
        return redirect("conservation:checkout", checkout.pk)
    return _pdf(data, f"checkout-{checkout.pk}.pdf")


@require_http_methods(["POST"])
@capability_required(WORK)
def checkout_return(request: HttpRequest, pk: int) -> HttpResponse:
    checkout = _checkout(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            custody.do_return(signed_in(request), checkout, form.cleaned_data["returned_by"], form.cleaned_data["note"])
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已入库"))
    else:
        messages.error(request, _("请填写归还人"))
    return redirect("conservation:checkout", checkout.pk)


# ---------------------------------------------------------------- the unit page's section


def unit_panel(request: HttpRequest, unit: Any) -> str:
    """库房位置 on a unit's page: where it is, whether it is out, its moves. Only for CONSERVATION_VIEW (the page
    has already asked catalog.policy about the unit)."""
    if not has_capability(request.user, VIEW) or not can_view_unit(request.user, unit):
        return ""
    placement = Placement.objects.filter(unit=unit).select_related("location").first()
    context = {
        "unit": unit,
        "placement": placement,
        "checkout": CheckOut.objects.filter(unit=unit, returned_at__isnull=True).first(),
        "moves": list(Move.objects.filter(unit=unit).select_related("moved_by")[:20]),
    }
    return render_to_string("conservation/stacks/_unit_panel.html", context, request=request)


manage_urls: list[URLPattern] = [
    path("stacks/", stacks, name="stacks"),
    path("stacks/add/", stack_add, name="stack_add"),
    path("stacks/capacity/", capacity, name="capacity"),
    path("stacks/move/", move_batch, name="move_batch"),
    path("locations/<str:full_code>/", location_detail, name="location"),
    path("locations/<str:full_code>/children/", children, name="location_children"),
    path("locations/<str:full_code>/add/", location_add, name="location_add"),
    path("locations/<str:full_code>/edit/", location_edit, name="location_edit"),
    path("locations/<str:full_code>/remove/", location_remove, name="location_remove"),
    path("locations/<str:full_code>/place/", location_place, name="location_place"),
    path("locations/<str:full_code>/pdf/<slug:kind>/", location_pdf, name="location_pdf"),
    path("checkouts/", checkouts, name="checkouts"),
    path("checkouts/new/", checkout_add, name="checkout_add"),
    path("checkouts/overdue/", overdue_banner, name="overdue_banner"),
    path("checkouts/<int:pk>/", checkout_detail, name="checkout"),
    path("checkouts/<int:pk>/slip.pdf", checkout_slip, name="checkout_slip"),
    path("checkouts/<int:pk>/return/", checkout_return, name="checkout_return"),
]
