"""The staff's start page of 利用 (/manage/access/): a card per part the person may use."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from dangan.access.navigation import STAFF_CAPABILITIES, staff_links
from dangan.core.roles import has_capability


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not any(has_capability(request.user, c) for c in STAFF_CAPABILITIES):
        raise PermissionDenied
    links = staff_links(request.user)
    return render(request, "access/manage/home.html", {"links": links})


manage_urls: list[URLPattern] = [path("", home, name="home")]
