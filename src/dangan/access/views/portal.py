"""The public portal (/): home, search, a page per unit and per fonds, how to consult, sitemap and robots rules; and
the staff page that edits the consulting information (/manage/access/portal/). See docs/development/access-portal.md.

Every page shows what ``catalog.policy`` lets ``request.user`` see — the public (公开 and 开放), a reader (also
their grants), staff (what the policy shows them in the workspace): a unit it hides answers 404 like a missing one.
Pages are revalidated on every request (``Cache-Control: no-cache``) against an ETag of what they show, so a unit
whose openness changes is gone at the next request, and an unchanged page costs a 304.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any
from xml.sax.saxutils import escape

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dangan.access.actions.portal import do_update_consulting_info
from dangan.access.actions.register import record_online_view
from dangan.access.forms.portal import ConsultingInfoForm, PortalSearchForm
from dangan.access.models import ConsultingInfo
from dangan.access.navigation import optional_url
from dangan.access.page_cache import cached_for_the_public, page_etag, show_units
from dangan.access.portal_sections import render_home_sections
from dangan.access.published import recently_opened
from dangan.catalog.actions.units import ChildrenPage, children_page
from dangan.catalog.choices import Openness
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import (
    can_copy_unit,
    can_view_unit,
    can_view_unit_files,
    sees_every_unit,
    visible_ancestors,
    visible_classifications,
    visible_units,
)
from dangan.catalog.views.common import get_visible_unit
from dangan.core.choices import SecurityClassification
from dangan.core.middleware import POLICY
from dangan.core.models import Institution
from dangan.core.roles import Capability, is_reader
from dangan.digitization.pages import master_files
from dangan.search.service import SearchRequest, SearchResult, search
from dangan.search.views import FacetGroup, facet_groups, result_page
from dangan.utilities.concurrency import EditConflict
from dangan.utilities.text import is_uuid
from dangan.utilities.views import capability_required, form_errors_from, page_number

CHILDREN_PAGE_SIZE = 50
HOME_FONDS = 12
HOME_OPENED = 10
# A sitemap file holds at most this many URLs (sitemaps.org); above it /sitemap.xml is an index of sections.
SITEMAP_LIMIT = 50_000

# ---------------------------------------------------------------- caching: ETag of what the page shows

# The portal's pages carry no inline script or style, so their policy needs no nonce: the workspace's policy
# without it, and with the hash of the empty text for the viewer's empty <style data-openseadragon-mobile-css>
# marker. A nonce would break revalidation: a 304 brings a new policy (browsers update the stored headers) for the
# cached page, whose nonce is the old one.
_EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
PORTAL_POLICY = POLICY.replace("script-src 'self' 'nonce-{nonce}'", "script-src 'self'").replace(
    "style-src 'self' 'nonce-{nonce}'", f"style-src 'self' {_EMPTY_STYLE}"
)


def _matches(request: HttpRequest, tag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    return any(t.removeprefix("W/") == wanted for t in parse_etags(header))


def revalidated(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A public page's caching: ``Cache-Control: no-cache`` for the public (``private, no-cache`` for a signed-in
    person), an ETag from the page's content (the nonce and CSRF token aside) and the visitor, and 304 when the
    client's copy is still what the page would show. Computed after rendering, so it can never claim a page is
    unchanged when what the policy lets the visitor see has changed. (If-Modified-Since alone never gets a 304:
    a page's Last-Modified is its record's, not every row it shows.)"""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        signed_in = bool(getattr(request.user, "is_authenticated", False))
        patch_cache_control(response, no_cache=True, **({"private": True} if signed_in else {"public": True}))
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        if "{nonce}" not in PORTAL_POLICY:
            response["Content-Security-Policy"] = PORTAL_POLICY
        if response.status_code != 200 or response.streaming or request.method not in ("GET", "HEAD"):
            return response
        # A page from the portal's cache comes with its tag (made as below when the page was).
        tag = response.get("ETag") or page_etag(
            getattr(request.user, "pk", None) or 0, get_language(), response.content
        )
        response["ETag"] = tag
        if _matches(request, tag):
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Last-Modified", "Cache-Control", "Vary", "Content-Security-Policy"):
                if header in response:
                    not_modified[header] = response[header]
            not_modified.cookies = response.cookies
            return not_modified
        return response

    return wrapped


def _last_modified(response: HttpResponse, *moments: datetime | None) -> HttpResponse:
    known = [m for m in moments if m is not None]
    if known:
        response["Last-Modified"] = http_date(max(known).timestamp())
    return response


# ---------------------------------------------------------------- what the visitor may see


@dataclass
class FondsRow:
    fonds: Fonds
    count: int


def visible_fonds(user: Any) -> list[FondsRow]:
    """The fonds holding at least one unit ``user`` may see, with how many: a fonds whose every unit is hidden is
    not shown at all (its name would tell of them). Stored counters only when the rule hides nothing."""
    if sees_every_unit(user):
        return [FondsRow(f, f.unit_count) for f in Fonds.objects.filter(unit_count__gt=0).order_by("code")]
    counts = dict(visible_units(user).order_by().values_list("fonds_id").annotate(n=Count("id")))
    fonds = Fonds.objects.filter(pk__in=list(counts)).order_by("code")
    return [FondsRow(f, counts[f.pk]) for f in fonds]


def _visible_fonds_or_404(user: Any, code: str) -> Fonds:
    fonds = get_object_or_404(Fonds, code__iexact=code)
    if not visible_units(user, ArchivalUnit.objects.filter(fonds=fonds)).exists():
        raise Http404
    return fonds


# ---------------------------------------------------------------- pages


@require_safe
@revalidated
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    fonds = visible_fonds(user)
    context = {
        "fonds_rows": fonds[:HOME_FONDS],
        "fonds_more": len(fonds) > HOME_FONDS,
        "unit_total": sum(row.count for row in fonds),
        "opened": recently_opened(user, HOME_OPENED),
        "sections": render_home_sections(request),
        "info": ConsultingInfo.current(),
        "form": PortalSearchForm(),
        "opened_url": optional_url("portal:opened"),
    }
    return render(request, "access/portal/home.html", context)


@require_safe
@revalidated
def fonds_list(request: HttpRequest) -> HttpResponse:
    return render(request, "access/portal/fonds_list.html", {"fonds_rows": visible_fonds(request.user)})


# The facets the public is offered: 密级 only to those who may see more than one level, 开放状态 only when the
# hits hold more than one (the public's are all 开放; a reader's grants add others).
PUBLIC_FACETS = ("fonds", "category", "year", "level", "retention", "openness")


def _facets(request: HttpRequest, req: SearchRequest, result: SearchResult) -> list[FacetGroup]:
    groups = facet_groups(request.GET, req, result)
    several_levels = len(visible_classifications(request.user)) > 1
    return [
        g
        for g in groups
        if (g.name in PUBLIC_FACETS and (g.name != "openness" or len(g.links) > 1))
        or (g.name == "classification" and several_levels)
    ]


@dataclass
class ActiveFilter:
    label: str
    value: str
    remove_url: str


_FILTER_LABELS = {
    "fonds": gettext_lazy("全宗"),
    "category": gettext_lazy("门类"),
    "retention": gettext_lazy("保管期限"),
    "classification": gettext_lazy("密级"),
    "openness": gettext_lazy("开放状态"),
    "level": gettext_lazy("层级"),
}


def _without(params: QueryDict, *names: str) -> str:
    kept = params.copy()
    for name in (*names, "page"):
        kept.pop(name, None)
    return "?" + kept.urlencode()


def _active_filters(params: QueryDict, req: SearchRequest, groups: list[FacetGroup]) -> list[ActiveFilter]:
    """The filters in force, each with a link that removes it (labels from the facets where they are shown)."""
    labels = {(g.name, link.value.lower()): link.label for g in groups for link in g.links}
    out = []
    for name, label in _FILTER_LABELS.items():
        value = getattr(req, name, "")
        if value and name not in req.errors:
            shown = labels.get((name, str(value).lower()), str(value))
            out.append(ActiveFilter(str(label), shown, _without(params, name)))
    if (req.year_from is not None or req.year_to is not None) and not {"year_from", "year_to"} & set(req.errors):
        years = str(req.year_from) if req.year_from == req.year_to else f"{req.year_from or ''}–{req.year_to or ''}"
        out.append(ActiveFilter(_("年度"), years, _without(params, "year_from", "year_to")))
    return out


_ASKING = ("q", "fonds", "category", "retention", "classification", "openness", "level", "year_from", "year_to")


@require_safe
@revalidated
@cached_for_the_public
def search_page(request: HttpRequest) -> HttpResponse:
    """Search over what the visitor may see (``search.service`` applies the policy to hits, totals, facets and the
    full text); facets as links, sort, paging, highlighted snippets and OCR text."""
    params = request.GET
    req = SearchRequest.from_params(params)
    form = PortalSearchForm(params or None)
    asked = any((params.get(name) or "").strip() for name in _ASKING)
    context: dict[str, Any] = {
        "form": form,
        "asked": asked,
        "request_errors": list(req.errors.values()),
        "kept": [(k, v) for k in _ASKING[1:] for v in params.getlist(k) if v],
    }
    if asked:
        result = search(request.user, req)
        if not result.error and result.total and not result.hits and req.page > 1:
            req.page = -(-result.total // (result.size or req.size))
            result = search(request.user, req)
        show_units(request, (hit.unit for hit in result.hits))
        groups = _facets(request, req, result)
        context.update(
            {
                "result": result,
                "page": result_page(req, result),
                "facet_groups": groups,
                "active_filters": _active_filters(params, req, groups),
                "clear_url": "?" + ("q=" + _quote(req.q) if req.q else ""),
                "highlight_query": req.q,
            }
        )
    return render(request, "access/portal/search.html", context)


def _quote(text: str) -> str:
    params = QueryDict(mutable=True)
    params["q"] = text
    return params.urlencode().removeprefix("q=")


def citation(request: HttpRequest, unit: ArchivalUnit, institution: Institution | None) -> str:
    """How to cite the unit (GB/T 7714 style for archives): the archives, the fonds, the 档号, the title, the date,
    and the stable link."""
    parts = [institution.name if institution else _("档案馆")]
    parts.append(f"{unit.fonds.code} {unit.fonds.name}")
    if unit.reference_code:
        parts.append(_("档号 %(code)s") % {"code": unit.reference_code})
    title = f"《{unit.title}》"
    if unit.date_label:
        title += f"（{unit.date_label}）"
    parts.append(title)
    parts.append(request.build_absolute_uri(reverse("portal:unit", args=[unit.uuid])))
    return "，".join(parts[:-1]) + "。" + parts[-1]


@require_safe
@revalidated
@cached_for_the_public
def unit_page(request: HttpRequest, uuid: Any) -> HttpResponse:
    """A visible unit's public description, its place in the fonds, its visible children, its page images (the
    IIIF viewer, loaded on demand), citation and stable link; 404 for a unit the policy hides."""
    user = request.user
    unit = get_visible_unit(request, uuid)
    if is_reader(user):
        record_online_view(user, unit)
    children: ChildrenPage | None = None
    if unit.child_count:
        children = children_page(user, unit.fonds, unit, page_number(request), CHILDREN_PAGE_SIZE)
    pages = len(master_files(unit)) if can_view_unit_files(user, unit) else 0
    institution = Institution.current()
    trail = visible_ancestors(user, unit)
    show_units(request, [unit, *trail, *(children.units if children else [])])
    context = {
        "unit": unit,
        "fonds": unit.fonds,
        "trail": trail,
        "children": children,
        "subjects": [s.term for s in unit.subjects.all()],
        "page_count": pages,
        "manifest_url": reverse("iiif_presentation:manifest", args=[unit.uuid]) if pages else "",
        "granted": is_reader(user) and unit.openness != Openness.OPEN,
        # Staff see here what the policy shows them: tell them when the public does not see this unit.
        "staff_only": getattr(user, "is_authenticated", False)
        and not is_reader(user)
        and not (unit.classification == SecurityClassification.PUBLIC and unit.openness == Openness.OPEN),
        "may_copy": can_copy_unit(user, unit),
        "stable_url": request.build_absolute_uri(reverse("portal:unit", args=[unit.uuid])),
        "citation": citation(request, unit, institution),
        "institution": institution,
    }
    response = render(request, "access/portal/unit.html", context)
    return _last_modified(response, unit.updated)


@require_safe
@revalidated
def fonds_page(request: HttpRequest, code: str) -> HttpResponse:
    """A fonds' history and a browsable tree of its visible units, one level at a time (``?parent=<uuid>``),
    paged; every count asks the policy (``children_page``, ``visible_child_counts``)."""
    user = request.user
    fonds = _visible_fonds_or_404(user, code)
    parent: ArchivalUnit | None = None
    trail: list[ArchivalUnit] = []
    if parent_ref := request.GET.get("parent"):
        found = ArchivalUnit.objects.filter(fonds=fonds, uuid=parent_ref).first() if is_uuid(parent_ref) else None
        if found is None or not can_view_unit(user, found):
            raise Http404
        parent = found
        trail = visible_ancestors(user, parent)
    tree = children_page(user, fonds, parent, page_number(request), CHILDREN_PAGE_SIZE)
    context = {
        "fonds": fonds,
        "parent": parent,
        "trail": trail,
        "tree": tree,
        "rows": [(u, tree.child_counts.get(u.pk, 0)) for u in tree.units],
    }
    response = render(request, "access/portal/fonds.html", context)
    return _last_modified(response, fonds.updated)


@require_safe
@revalidated
def guide(request: HttpRequest) -> HttpResponse:
    info = ConsultingInfo.current()
    context = {
        "info": info,
        "request_url": optional_url("account:request_new"),
        "register_url": optional_url("account:register"),
        "booking_url": optional_url("account:booking_new"),
    }
    response = render(request, "access/portal/guide.html", context)
    return _last_modified(response, info.updated)


# ---------------------------------------------------------------- sitemap and robots


def _public_units() -> Any:
    """What the anonymous public may see (the sitemap never lists a reader's grants or staff views)."""
    return visible_units(AnonymousUser()).order_by("id")


def _xml(body: str) -> HttpResponse:
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?>\n' + body, content_type="application/xml")


def _url_entry(request: HttpRequest, location: str, modified: datetime | None = None) -> str:
    lastmod = f"<lastmod>{modified.date().isoformat()}</lastmod>" if modified else ""
    return f"<url><loc>{escape(request.build_absolute_uri(location))}</loc>{lastmod}</url>"


def _fixed_entries(request: HttpRequest) -> list[str]:
    anonymous = AnonymousUser()
    entries = [_url_entry(request, reverse(name)) for name in ("portal:home", "portal:fonds_list", "portal:guide")]
    if opened := optional_url("portal:opened"):
        entries.append(_url_entry(request, opened))
    for row in visible_fonds(anonymous):
        entries.append(_url_entry(request, reverse("portal:fonds", args=[row.fonds.code]), row.fonds.updated))
    return entries


def _unit_entries(request: HttpRequest, offset: int, limit: int) -> list[str]:
    rows = _public_units().values_list("uuid", "updated")[offset : offset + limit]
    return [_url_entry(request, reverse("portal:unit", args=[uid]), updated) for uid, updated in rows]


_URLSET = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{}\n</urlset>\n'


@require_safe
@revalidated
def sitemap(request: HttpRequest) -> HttpResponse:
    """The home, the fonds and every unit the anonymous public may see; a sitemap index of sections (1: the fixed
    pages and fonds, 2…: the units, SITEMAP_LIMIT each) when they are more than one file may hold."""
    fixed = _fixed_entries(request)
    units = _public_units().count()
    if len(fixed) + units <= SITEMAP_LIMIT:
        return _xml(_URLSET.format("\n".join(fixed + _unit_entries(request, 0, units))))
    sections = 1 + -(-units // SITEMAP_LIMIT)
    locations = [
        f"<sitemap><loc>{escape(request.build_absolute_uri(reverse('portal:sitemap_section', args=[n])))}</loc></sitemap>"
        for n in range(1, sections + 1)
    ]
    body = '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{}\n</sitemapindex>\n'
    return _xml(body.format("\n".join(locations)))


@require_safe
@revalidated
def sitemap_section(request: HttpRequest, number: int) -> HttpResponse:
    if number == 1:
        return _xml(_URLSET.format("\n".join(_fixed_entries(request))))
    entries = _unit_entries(request, (number - 2) * SITEMAP_LIMIT, SITEMAP_LIMIT) if number > 1 else []
    if not entries:
        raise Http404
    return _xml(_URLSET.format("\n".join(entries)))


ROBOTS = """User-agent: *
Allow: /
Disallow: /manage/
Disallow: /account/
Disallow: /api/
Disallow: /i18n/
Sitemap: {sitemap}
"""


@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    body = ROBOTS.format(sitemap=request.build_absolute_uri(reverse("portal:sitemap")))
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=3600)
    return response


# ---------------------------------------------------------------- staff: the consulting information


@capability_required(Capability.READING_ROOM)
def portal_settings(request: HttpRequest) -> HttpResponse:
    """Edit what the portal says about consulting the archives (hours, address, what to bring, fees)."""
    info = ConsultingInfo.current()
    form = ConsultingInfoForm.for_info(info, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                do_update_consulting_info(request.user, form.changes(), version=form.cleaned_data["version"])
            except EditConflict as exc:
                # Keep what was typed, against the version now stored: saving again is a deliberate overwrite.
                data = request.POST.copy()
                data["version"] = str(exc.current_version or 0)
                form = ConsultingInfoForm.for_info(ConsultingInfo.current(), data)
                form.is_valid()
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("已保存查档指南，门户网站即时显示。"))
                return redirect("access:portal_settings")
    elif request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    context = {"form": form, "info": info, "guide_url": reverse("portal:guide")}
    return render(request, "access/manage/portal_settings.html", context, status=status)


public_urls: list[URLPattern] = [
    path("", home, name="home"),
    path("search/", search_page, name="search"),
    path("units/<uuid:uuid>/", unit_page, name="unit"),
    path("fonds/", fonds_list, name="fonds_list"),
    path("fonds/<str:code>/", fonds_page, name="fonds"),
    path("guide/", guide, name="guide"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("sitemap-<int:number>.xml", sitemap_section, name="sitemap_section"),
    path("robots.txt", robots, name="robots"),
]
account_urls: list[URLPattern] = []
manage_urls: list[URLPattern] = [path("portal/", portal_settings, name="portal_settings")]
