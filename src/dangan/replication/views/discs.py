"""The disc register (光盘登记册) under /manage/replication/discs/: every disc set and disc — label, kind, where it
is kept, when written and last read back, its state — with the operator's actions on one disc (record its
location, read it back, record it lost) and on a set (rebuild its lost or damaged discs). Replication staff only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dangan.core.actors import signed_in
from dangan.core.roles import Capability, has_capability
from dangan.replication.actions.discs import do_mark_lost, do_read_back, do_rebuild, do_record_location
from dangan.replication.models import Disc, DiscSet


def replication_staff(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Anonymous visitors go to the sign-in page; anyone without REPLICATION_VIEW gets a 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_capability(request.user, Capability.REPLICATION_VIEW):
            raise PermissionDenied(_("您没有查看备份的权限。"))
        return view(request, *args, **kwargs)

    return wrapped


def _require_manage(request: HttpRequest) -> None:
    if not has_capability(request.user, Capability.REPLICATION_MANAGE):
        raise PermissionDenied(_("您没有管理备份的权限。"))


@require_safe
@replication_staff
def disc_register(request: HttpRequest) -> HttpResponse:
    sets = DiscSet.objects.select_related("target").prefetch_related("discs").order_by("target__name", "number")
    context = {"sets": sets, "can_manage": has_capability(request.user, Capability.REPLICATION_MANAGE)}
    return render(request, "replication/discs/register.html", context)


def _act(request: HttpRequest, action: Callable[[], str]) -> HttpResponse:
    try:
        messages.success(request, action())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("replication:discs")


@require_POST
@replication_staff
def disc_action(request: HttpRequest, label: str) -> HttpResponse:
    _require_manage(request)
    disc = get_object_or_404(Disc.objects.select_related("disc_set__target"), label=label)
    actor = signed_in(request)
    operation = request.POST.get("operation", "")

    def act() -> str:
        if operation == "locate":
            do_record_location(actor, disc, request.POST.get("location", ""))
            return _("已登记光盘 %(label)s 的存放位置。") % {"label": disc.label}
        if operation == "verify":
            result = do_read_back(actor, disc)
            if result.ok:
                return _("光盘 %(label)s 回读完好。") % {"label": disc.label}
            raise ValidationError(
                _("光盘 %(label)s 已损坏：%(problems)s") % {"label": disc.label, "problems": "；".join(result.problems)}
            )
        if operation == "lost":
            do_mark_lost(actor, disc)
            return _("已登记光盘 %(label)s 丢失。") % {"label": disc.label}
        raise ValidationError(_("未知操作"))

    return _act(request, act)


@require_POST
@replication_staff
def set_rebuild(request: HttpRequest, label: str) -> HttpResponse:
    _require_manage(request)
    disc_set = get_object_or_404(DiscSet.objects.select_related("target"), label=label)
    actor = signed_in(request)

    def act() -> str:
        rebuilt = do_rebuild(actor, disc_set)
        return _("已重建光盘映像：%(labels)s。请刻录新盘并登记存放位置。") % {
            "labels": "、".join(d.label for d in rebuilt)
        }

    return _act(request, act)


manage_urls: list[URLPattern] = [
    path("discs/", disc_register, name="discs"),
    path("discs/<slug:label>/", disc_action, name="disc_action"),
    path("discs/sets/<slug:label>/rebuild", set_rebuild, name="disc_set_rebuild"),
]
