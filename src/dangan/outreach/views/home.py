"""The start page of 宣传与开发利用: the links the parts registered (navigation.py) that the user may follow."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from dangan.core.roles import Capability
from dangan.outreach.navigation import start_page
from dangan.utilities.views import capability_required


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/home.html", {"links": start_page.links(request.user)})


manage_urls: list[URLPattern] = [path("", home, name="home")]
