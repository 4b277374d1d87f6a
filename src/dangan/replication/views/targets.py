"""Workspace pages of replication targets (备份目标), under /manage/replication/targets/: the list (with the bytes
each holds, asked of its store with short timeouts), add and edit forms, disable and enable. REPLICATION_VIEW reads,
REPLICATION_MANAGE changes; the actions (actions/targets.py) validate, ask an S3 bucket whether it answers, and log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangan.core.actors import signed_in
from dangan.core.roles import Capability, has_capability
from dangan.replication.actions.targets import (
    S3_OPTIONS,
    do_add_target,
    do_disable_target,
    do_enable_target,
    do_update_target,
)
from dangan.replication.choices import Cipher, Medium, TargetKind
from dangan.replication.models import Target
from dangan.replication.stores.base import StoreError, Usage
from dangan.utilities.views import capability_required, form_errors_from

VIEW, MANAGE = Capability.REPLICATION_VIEW, Capability.REPLICATION_MANAGE

_KINDS = [(k.value, k.label) for k in (TargetKind.S3, TargetKind.FOLDER, TargetKind.DISCS)]


class TargetForm(forms.Form):
    name = forms.SlugField(label=gettext_lazy("名称"), max_length=64, help_text=gettext_lazy("小写字母、数字、连字符"))
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=_KINDS)
    location = forms.CharField(
        label=gettext_lazy("位置"),
        max_length=1000,
        help_text=gettext_lazy("对象存储：s3://存储桶/前缀；文件夹与光盘：服务器上的绝对路径"),
    )
    medium = forms.ChoiceField(
        label=gettext_lazy("介质"), choices=[("", gettext_lazy("按类型默认")), *Medium.choices], required=False
    )
    site = forms.CharField(label=gettext_lazy("存放地点"), max_length=200, required=False)
    cipher = forms.ChoiceField(label=gettext_lazy("加密算法"), choices=Cipher.choices, initial=Cipher.SM4_GCM)
    endpoint = forms.CharField(label=gettext_lazy("对象存储服务地址"), max_length=500, required=False)
    region = forms.CharField(label=gettext_lazy("区域"), max_length=64, required=False)
    access_key_env = forms.CharField(
        label=gettext_lazy("访问密钥 ID 的环境变量名"),
        max_length=128,
        required=False,
        help_text=gettext_lazy("填写环境变量的名称，不要填写密钥本身；密钥不保存在数据库中"),
    )
    secret_key_env = forms.CharField(label=gettext_lazy("访问密钥的环境变量名"), max_length=128, required=False)

    def options(self) -> dict[str, Any]:
        if self.cleaned_data.get("kind", self.initial.get("kind")) != TargetKind.S3:
            return {}
        return {key: self.cleaned_data.get(key, "") for key in S3_OPTIONS}


class TargetEditForm(TargetForm):
    def __init__(self, *args: Any, target: Target, **kwargs: Any) -> None:
        initial = {
            "name": target.name,
            "kind": target.kind,
            "location": target.location,
            "medium": target.medium,
            "site": target.site,
            "cipher": target.cipher,
            **{k: v for k, v in (target.options or {}).items() if k in S3_OPTIONS},
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        del self.fields["name"]
        del self.fields["kind"]
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, initial=target.version)
        if target.kind != TargetKind.S3:
            for key in S3_OPTIONS:
                del self.fields[key]


def _usage(target: Target) -> tuple[Usage | None, str]:
    """What the target holds, asked of its store with short timeouts; (None, why) when it cannot say now."""
    if not target.enabled:
        return None, ""
    try:
        if target.kind == TargetKind.S3:
            from dangan.replication.stores.s3 import s3_store

            store: Any = s3_store(target, retries=0, connect_timeout=2.0, read_timeout=10.0)
        else:
            from dangan.replication.stores.registry import store_for

            store = store_for(target)
        try:
            return store.usage(), ""
        finally:
            close = getattr(store, "close", None)
            if close is not None:
                close()
    except (StoreError, OSError) as exc:
        return None, str(exc)


@capability_required(VIEW)
def target_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for target in Target.objects.select_related("partner").order_by("name"):
        usage, problem = _usage(target)
        rows.append({"target": target, "usage": usage, "problem": problem})
    context = {"rows": rows, "can_manage": has_capability(request.user, MANAGE)}
    return render(request, "replication/targets/list.html", context)


@capability_required(MANAGE)
def target_add(request: HttpRequest) -> HttpResponse:
    form = TargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = do_add_target(
                signed_in(request),
                data["name"],
                data["kind"],
                data["location"],
                medium=data["medium"],
                site=data["site"],
                cipher=data["cipher"],
                options=form.options(),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已新增备份目标“%(name)s”。") % {"name": target.name})
            return redirect("replication:targets")
    context = {"form": form, "title": _("新增备份目标")}
    return render(request, "replication/targets/form.html", context, status=400 if form.errors else 200)


@capability_required(MANAGE)
def target_edit(request: HttpRequest, target_name: str) -> HttpResponse:
    target = get_object_or_404(Target, name=target_name)
    if target.kind == TargetKind.PARTNER:
        messages.error(request, _("结对档案馆的备份目标随结对修改。"))
        return redirect("replication:targets")
    form = TargetEditForm(request.POST or None, target=target)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_update_target(
                signed_in(request),
                target,
                location=data["location"],
                medium=data["medium"] or target.medium,
                site=data["site"],
                cipher=data["cipher"],
                options={k: data.get(k, "") for k in S3_OPTIONS} if target.kind == TargetKind.S3 else {},
                version=data["version"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已保存备份目标“%(name)s”。") % {"name": target.name})
            return redirect("replication:targets")
    context = {"form": form, "target": target, "title": _("修改备份目标 %(name)s") % {"name": target.name}}
    return render(request, "replication/targets/form.html", context, status=400 if form.errors else 200)


@require_POST
@capability_required(MANAGE)
def target_disable(request: HttpRequest, target_name: str) -> HttpResponse:
    target = do_disable_target(signed_in(request), get_object_or_404(Target, name=target_name))
    messages.success(
        request, _("已停用备份目标“%(name)s”：不再向它复制，它已有的副本仍然保留。") % {"name": target.name}
    )
    return redirect("replication:targets")


@require_POST
@capability_required(MANAGE)
def target_enable(request: HttpRequest, target_name: str) -> HttpResponse:
    target = do_enable_target(signed_in(request), get_object_or_404(Target, name=target_name))
    messages.success(request, _("已启用备份目标“%(name)s”。") % {"name": target.name})
    return redirect("replication:targets")


manage_urls: list[URLPattern] = [
    path("targets/", target_list, name="targets"),
    path("targets/add/", target_add, name="target_add"),
    path("targets/<slug:target_name>/edit/", target_edit, name="target_edit"),
    path("targets/<slug:target_name>/disable/", target_disable, name="target_disable"),
    path("targets/<slug:target_name>/enable/", target_enable, name="target_enable"),
]
