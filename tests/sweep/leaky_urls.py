"""A URLconf for the sweep's own tests: the site, plus pages that break the rules the sweep enforces."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from dangan.catalog.models import ArchivalUnit


def every_title(request: HttpRequest) -> HttpResponse:
    """Shows every unit's title to anyone: what the sweep must catch."""
    return HttpResponse("、".join(ArchivalUnit.objects.values_list("title", flat=True)))


def every_id(request: HttpRequest) -> HttpResponse:
    """Names every unit by its UUID only: allowed where a route names objects by id as its duty (the audit log)."""
    return HttpResponse("、".join(str(uuid) for uuid in ArchivalUnit.objects.values_list("uuid", flat=True)))


def disposed_titles(request: HttpRequest) -> HttpResponse:
    """Shows the titles of disposed-of units to anyone: allowed only to whom the register of disposals shows them."""
    return HttpResponse("、".join(ArchivalUnit.objects.filter(disposed=True).values_list("title", flat=True)))


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [
    path("", include("dangan.urls")),
    path("leak/", every_title, name="leak"),
    path("ids/", every_id, name="ids"),
    path("disposed/", disposed_titles, name="disposed"),
    path("broken/", broken, name="broken"),
]
