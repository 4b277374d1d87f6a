"""A URLconf for the leak sweep's self-test: the site, plus public pages that break the policy in the ways the sweep
must catch (tests/access/test_leak_sweep.py)."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.views.decorators.http import etag

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit


def every_title(request: HttpRequest) -> HttpResponse:
    """A public list that forgets the policy: every unit's title."""
    return HttpResponse("<ul>" + "".join(f"<li>{t}</li>" for t in ArchivalUnit.objects.values_list("title", flat=True)))


def unit_page(request: HttpRequest, uuid: str) -> HttpResponse:
    """A unit page that asks the policy, but tells a hidden unit from a missing one (403 against 404)."""
    unit = ArchivalUnit.objects.filter(uuid=uuid).first()
    if unit is None:
        raise Http404
    if not can_view_unit(request.user, unit):
        return HttpResponse("无权查看", status=403)
    return HttpResponse(f"<h1>{unit.title}</h1>")


def counting_search(request: HttpRequest) -> JsonResponse:
    """A search that lists what the policy allows but counts every unit in its total."""
    from dangan.catalog.policy import visible_units

    items = [{"title": u.title} for u in visible_units(request.user)]
    return JsonResponse({"total": ArchivalUnit.objects.count(), "items": items, "facets": {}})


def counting_page(request: HttpRequest) -> HttpResponse:
    """A search page that says how many units hold the words, hidden ones included."""
    return HttpResponse(f"<p>共 {ArchivalUnit.objects.count()} 条结果</p>")


def highlighted(request: HttpRequest) -> HttpResponse:
    """A hidden title split by highlighting markup, and a hidden 档号 linked to by its UUID: still leaks."""
    unit = ArchivalUnit.objects.exclude(classification="public").order_by("pk").first()
    assert unit is not None
    title = f"{unit.title[:2]}<mark>{unit.title[2:4]}</mark>{unit.title[4:]}"
    return HttpResponse(f'<p>{title}</p><a href="/leaky/unit/{unit.uuid}/">更多</a>')


def sitemap(request: HttpRequest) -> HttpResponse:
    """A sitemap naming the site by its public address, pointing to a page no route list names (unnamed)."""
    unit = ArchivalUnit.objects.filter(classification="public", openness="open").order_by("pk").first()
    assert unit is not None
    loc = f"https://archives.example/leaky/deep/{unit.uuid}/"
    return HttpResponse(f"<urlset><url><loc>{loc}</loc></url></urlset>", content_type="application/xml")


def deep(request: HttpRequest, uuid: str) -> HttpResponse:
    """Reached only through the sitemap: every page's OCR text."""
    from dangan.digitization.models import PageText

    return HttpResponse("\n".join(PageText.objects.values_list("text", flat=True)), content_type="text/plain")


def to_hidden(request: HttpRequest) -> HttpResponse:
    """A redirect whose Location names a hidden unit."""
    unit = ArchivalUnit.objects.filter(classification="top_secret").order_by("pk").first()
    assert unit is not None
    return redirect(f"/units/{unit.uuid}/")


@etag(lambda request: '"v1"')
def stale(request: HttpRequest) -> HttpResponse:
    """A list of what the visitor may see, with an ETag that never changes: a withdrawn unit stays in the copies."""
    from dangan.catalog.policy import visible_units

    return HttpResponse("、".join(u.title for u in visible_units(request.user)))


urlpatterns = [
    path("leaky/stale/", stale, name="leaky_stale"),
    path("sitemap.xml", sitemap),
    path("leaky/deep/<uuid:uuid>/", deep),
    path("leaky/go/", to_hidden, name="leaky_go"),
    path("leaky/list/", every_title, name="leaky_list"),
    path("leaky/unit/<uuid:uuid>/", unit_page, name="leaky_unit"),
    path("leaky/search/", counting_search, name="leaky_search"),
    path("leaky/found/", counting_page, name="leaky_found"),
    path("leaky/highlighted/", highlighted, name="leaky_highlighted"),
    path("", include("dangan.urls")),
]
