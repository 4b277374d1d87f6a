"""A URLconf for the sweep's own tests: the site, plus pages that break the rules the sweep enforces."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from dangan.catalog.models import ArchivalUnit


def every_title(request: HttpRequest) -> HttpResponse:
    """Shows every unit's title to anyone: what the sweep must catch."""
    return HttpResponse("、".join(ArchivalUnit.objects.values_list("title", flat=True)))


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [
    path("", include("dangan.urls")),
    path("leak/", every_title, name="leak"),
    path("broken/", broken, name="broken"),
]
