"""A URLconf for the leak sweep's self-test: the site, plus a small public side that honours ``catalog.policy`` the
way the portal is meant to — a home listing what the visitor may see, a unit page with its citation, its place in
the fonds and its IIIF manifest, a search page with highlighting and facets, and a sitemap. The sweep must pass on it
(no false alarm) and reach its pages by their links (tests/access/test_leak_sweep.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path, reverse
from django.utils.html import escape, format_html, format_html_join

from dangan.catalog.policy import visible_ancestors, visible_units
from dangan.search.service import SearchRequest, search


def home(request: HttpRequest) -> HttpResponse:
    items = format_html_join(
        "", '<li><a href="/honest/units/{}/">{}</a></li>', ((u.uuid, u.title) for u in visible_units(request.user))
    )
    return HttpResponse(format_html('<form action="/honest/search/"></form><ul>{}</ul>', items))


def unit(request: HttpRequest, uuid: str) -> HttpResponse:
    found = get_object_or_404(visible_units(request.user), uuid=uuid)
    crumbs = format_html_join(
        " / ", '<a href="/honest/units/{}/">{}</a>', ((a.uuid, a.title) for a in visible_ancestors(request.user, found))
    )
    manifest = reverse("iiif_presentation:manifest", kwargs={"uuid": found.uuid})
    return HttpResponse(
        format_html(
            '<nav>{}</nav><h1>{}</h1><p>{} 贵州省档案馆</p><a href="{}">IIIF</a>',
            crumbs,
            found.title,
            found.reference_code or "",
            manifest,
        )
    )


def search_page(request: HttpRequest) -> HttpResponse:
    result = search(request.user, SearchRequest(q=request.GET.get("q", "")))
    hits = format_html_join(
        "", '<li><a href="/honest/units/{}/">{}</a></li>', ((h.unit.uuid, h.title_html) for h in result.hits)
    )
    facets = "".join(
        f'<a href="/honest/search/?{escape(name)}={escape(f.value)}">{escape(f.label)} {f.count}</a>'
        for name, values in result.facets.items()
        for f in values
    )
    return HttpResponse(format_html("<p>共 {} 件</p><ul>{}</ul>", result.total, hits) + facets)


def sitemap(request: HttpRequest) -> HttpResponse:
    locs = "".join(
        f"<url><loc>https://archives.example/honest/units/{u.uuid}/</loc></url>" for u in visible_units(request.user)
    )
    return HttpResponse(f"<urlset>{locs}</urlset>", content_type="application/xml")


urlpatterns = [
    path("", home),
    path("sitemap.xml", sitemap),
    # Unnamed: reached only through the home's, the search's and the sitemap's links.
    path("honest/units/<uuid:uuid>/", unit),
    path("honest/search/", search_page, name="honest_search"),
    path("", include("dangan.urls")),
]
