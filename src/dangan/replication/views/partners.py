"""Pages of the partners part (docs/development/replication.md, "Part partners"), under /manage/replication/:
the start page of 异地备份 (this node's name and fingerprint, a link per part), the list of partners, the pairing
form, a partner's page with its agreement (结对协议), and suspend / resume / remove with a confirmation. Reading
needs ``REPLICATION_VIEW``, changing ``REPLICATION_MANAGE``. Thin: every change is an action of
``replication.actions.partners``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from dangan.core.actors import signed_in
from dangan.core.roles import Capability, has_capability
from dangan.replication.actions import partners as actions
from dangan.replication.choices import Medium, PartnerStatus
from dangan.replication.models import Partner, Replica
from dangan.replication.navigation import home_links
from dangan.replication.node import NodeNotReady, identity_document
from dangan.utilities.concurrency import EditConflict
from dangan.utilities.views import capability_required, form_errors_from

VIEW, MANAGE = Capability.REPLICATION_VIEW, Capability.REPLICATION_MANAGE
GB = 1_000_000_000


# ---------------------------------------------------------------- forms


def decimal_size(size: int) -> str:
    """A size in the decimal units the forms and the CLI take (1 GB = 10⁹ bytes), e.g. ``1.5 GB``."""
    value = Decimal(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            text = f"{value:.2f}".rstrip("0").rstrip(".") if unit != "B" else str(size)
            return f"{text} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def _gb(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * GB)


class _AgreementFields(forms.Form):
    parties = forms.CharField(label=gettext_lazy("协议各方"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    scope = forms.CharField(label=gettext_lazy("备份范围"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    starts = forms.DateField(
        label=gettext_lazy("协议生效日期"), required=False, widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d")
    )
    ends = forms.DateField(
        label=gettext_lazy("协议终止日期"), required=False, widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d")
    )
    contacts = forms.CharField(label=gettext_lazy("联系人"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    quota_gb = forms.DecimalField(
        label=gettext_lazy("为其保存的容量上限（GB）"),
        required=False,
        min_value=Decimal(0),
        decimal_places=3,
        help_text=gettext_lazy("对方存放在本节点的密文总量上限；0 表示不为其保存。"),
    )

    def agreement(self) -> dict[str, Any]:
        return _agreement(self.cleaned_data)


def _agreement(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "parties": data["parties"],
        "scope": data["scope"],
        "starts": data["starts"],
        "ends": data["ends"],
        "contacts": data["contacts"],
        "quota_bytes": _gb(data["quota_gb"]),
    }


class AddPartnerForm(forms.Form):
    name = forms.SlugField(
        label=gettext_lazy("简称"),
        max_length=64,
        help_text=gettext_lazy("字母、数字、连字符或下划线，如 yunnan；也是其备份目标的名称。"),
    )
    url = forms.CharField(
        label=gettext_lazy("地址"),
        max_length=500,
        help_text=gettext_lazy("对方 dangan 的网址，如 https://dangan.example.cn"),
    )
    fingerprint = forms.CharField(
        label=gettext_lazy("公钥指纹"),
        max_length=200,
        help_text=gettext_lazy("由对方管理员当面或电话告知（dangan replication identity），不要从网页上复制。"),
    )
    title = forms.CharField(label=gettext_lazy("档案馆名称"), max_length=200, required=False)
    site = forms.CharField(label=gettext_lazy("存放地点"), max_length=200, required=False)
    medium = forms.ChoiceField(label=gettext_lazy("介质"), choices=Medium.choices, initial=Medium.DISK)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_AgreementFields().fields)

    def agreement(self) -> dict[str, Any]:
        return _agreement(self.cleaned_data)


class AgreementForm(_AgreementFields):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ConfirmForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=500, required=False)


class RemoveForm(ConfirmForm):
    confirm = forms.BooleanField(
        label=gettext_lazy("我已知晓：解除后对方的公钥不再受信任，其保存的副本不再计为副本，且不能撤销。"),
        required=True,
    )


# ---------------------------------------------------------------- pages


def _partner(name: str) -> Partner:
    partner = Partner.objects.select_related("target").filter(name=name).first()
    if partner is None:
        raise Http404
    return partner


def _errors(request: HttpRequest, exc: Exception) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


@require_safe
@capability_required(VIEW)
def home(request: HttpRequest) -> HttpResponse:
    try:
        document: dict[str, Any] | None = identity_document()
        problem = ""
    except NodeNotReady as exc:
        document, problem = None, str(exc)
    return render(
        request,
        "replication/home.html",
        {"document": document, "problem": problem, "links": home_links(request.user)},
    )


@require_safe
@capability_required(VIEW)
def partner_list(request: HttpRequest) -> HttpResponse:
    partners = list(Partner.objects.select_related("target").order_by("name"))
    rows = [
        {
            "partner": p,
            "target": getattr(p, "target", None),
            "kept": decimal_size(actions.kept_bytes(p)),
            "quota": decimal_size(p.quota_bytes) if p.quota_bytes else "",
        }
        for p in partners
    ]
    return render(
        request,
        "replication/partners/list.html",
        {"rows": rows, "can_manage": has_capability(request.user, MANAGE)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(MANAGE)
def partner_add(request: HttpRequest) -> HttpResponse:
    form = AddPartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partner = actions.do_add_partner(
                signed_in(request),
                data["name"],
                data["url"],
                data["fingerprint"],
                title=data["title"],
                site=data["site"],
                medium=data["medium"],
                **form.agreement(),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已与“%(name)s”结对。") % {"name": partner})
            return redirect("replication:partner", partner.name)
    return render(request, "replication/partners/add.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(VIEW)
def partner_detail(request: HttpRequest, partner_name: str) -> HttpResponse:
    partner = _partner(partner_name)
    can_manage = has_capability(request.user, MANAGE)
    initial = {
        "version": partner.version,
        "parties": partner.parties,
        "scope": partner.scope,
        "starts": partner.starts,
        "ends": partner.ends,
        "contacts": partner.contacts,
        "quota_gb": Decimal(partner.quota_bytes) / GB,
    }
    form = AgreementForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                actions.do_update_agreement(
                    signed_in(request), partner, version=form.cleaned_data["version"], **form.agreement()
                )
            except EditConflict as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("结对协议已保存。"))
                return redirect("replication:partner", partner.name)
    context = {
        "partner": partner,
        "target": getattr(partner, "target", None),
        "kept": decimal_size(actions.kept_bytes(partner)),
        "quota": decimal_size(partner.quota_bytes) if partner.quota_bytes else "",
        "replicas": Replica.objects.filter(target__partner=partner).count(),
        "form": form,
        "can_manage": can_manage and partner.status != PartnerStatus.REMOVED,
    }
    return render(request, "replication/partners/detail.html", context)


_CHANGES: dict[str, tuple[Callable[..., Partner], Any, type[forms.Form] | None]] = {
    "suspend": (actions.do_suspend_partner, gettext_lazy("暂停结对"), ConfirmForm),
    "resume": (actions.do_resume_partner, gettext_lazy("恢复结对"), None),
    "remove": (actions.do_remove_partner, gettext_lazy("解除结对"), RemoveForm),
}


def _change(request: HttpRequest, name: str, change: str) -> HttpResponse:
    partner = _partner(name)
    do, title, form_class = _CHANGES[change]
    form = form_class(request.POST or None) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        reason = form.cleaned_data.get("reason", "") if form else ""
        try:
            partner = do(signed_in(request), partner, reason) if form else do(signed_in(request), partner)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(
                request, _("%(name)s：%(status)s。") % {"name": partner, "status": partner.get_status_display()}
            )
        return redirect("replication:partner", partner.name)
    return render(
        request,
        "replication/partners/confirm.html",
        {"partner": partner, "change": change, "title": title, "form": form},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(MANAGE)
def partner_suspend(request: HttpRequest, partner_name: str) -> HttpResponse:
    return _change(request, partner_name, "suspend")


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(MANAGE)
def partner_resume(request: HttpRequest, partner_name: str) -> HttpResponse:
    return _change(request, partner_name, "resume")


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(MANAGE)
def partner_remove(request: HttpRequest, partner_name: str) -> HttpResponse:
    return _change(request, partner_name, "remove")


manage_urls: list[URLPattern] = [
    path("", home, name="home"),
    path("partners/", partner_list, name="partners"),
    path("partners/add/", partner_add, name="partner_add"),
    path("partners/<slug:partner_name>/", partner_detail, name="partner"),
    path("partners/<slug:partner_name>/suspend/", partner_suspend, name="partner_suspend"),
    path("partners/<slug:partner_name>/resume/", partner_resume, name="partner_resume"),
    path("partners/<slug:partner_name>/remove/", partner_remove, name="partner_remove"),
]
