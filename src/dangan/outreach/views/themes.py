"""Part themes' pages. Public (namespace ``outreach_public``, the portal's base template, revalidated on every request
like the portal's pages): ``/themes/``, ``/themes/<slug>/`` (introduction, cover, sections, facets, members, search
within), ``/themes/<slug>/timeline/``, ``/themes/<slug>/map/``; a draft theme is 404 to the public. Staff (namespace
``outreach``, under /manage/outreach/): the list, a new theme, the editing page (one form per operation, each calling
one action), publish/unpublish, the preview of a draft, and the places' counties. What a page shows of a theme is
``theme_content``'s, always for ``request.user``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dangan.access.views.portal import revalidated
from dangan.catalog.choices import AuthorityKind
from dangan.catalog.models import ArchivalUnit, Authority
from dangan.catalog.policy import can_view_unit
from dangan.core.roles import Capability, has_capability
from dangan.outreach import geo
from dangan.outreach.actions import themes as actions
from dangan.outreach.models import PlaceCounty, Theme, ThemeMilestone, ThemeQuery, ThemeSection, ThemeStatus, ThemeUnit
from dangan.outreach.theme_content import (
    QueryProblem,
    counts_by_theme,
    county_counts,
    cover_url,
    facets,
    filter_members,
    members,
    published_themes,
    timeline,
)
from dangan.utilities.concurrency import EditConflict
from dangan.utilities.text import is_uuid
from dangan.utilities.views import capability_required, paginate

PAGE_SIZE = 20
MAP_LIST_LIMIT = 200


# ---------------------------------------------------------------- what the pages share


def _published_or_404(slug: str) -> Theme:
    return get_object_or_404(published_themes(), slug=slug)


def _filters(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip()[:200] for name in ("q", "authority", "subject", "county")}


def theme_context(request: HttpRequest, theme: Theme, *, preview: bool = False) -> dict[str, Any]:
    """The theme page's context for ``request.user``: every unit and count through the policy."""
    viewer = request.user
    everything = members(viewer, theme)
    wanted = _filters(request)
    raw_section = request.GET.get("section", "").strip()
    section = theme.sections.filter(pk=int(raw_section)).first() if raw_section.isdigit() else None
    base = members(viewer, theme, section) if section is not None else everything
    error = ""
    try:
        shown = filter_members(viewer, base, **wanted)
    except QueryProblem as exc:
        error = _("检索式有误：%(message)s") % {"message": str(exc)}
        shown = everything.none()
    page = paginate(request, shown.select_related("fonds").order_by("date", "reference_code", "pk"), PAGE_SIZE)
    sections = [{"section": s, "count": members(viewer, theme, s).count()} for s in theme.sections.all()]
    authority_label = ""
    if wanted["authority"] and is_uuid(wanted["authority"]):
        found = Authority.objects.filter(uuid=wanted["authority"]).first()
        authority_label = found.name if found else ""
    return {
        "theme": theme,
        "preview": preview,
        "cover": cover_url(viewer, theme),
        "total": everything.count(),
        "sections": sections,
        "facets": facets(base),
        "section": section,
        "page": page,
        "filters": wanted,
        "filtered": any(wanted.values()) or section is not None,
        "authority_label": authority_label,
        "county_label": _county_name(wanted["county"]),
        "error": error,
        "urls": _urls(theme, preview),
    }


def _county_name(adcode: str) -> str:
    found = geo.county(adcode) if adcode else None
    return found.name if found is not None else ""


def _urls(theme: Theme, preview: bool) -> dict[str, str]:
    if preview:
        base = reverse("outreach:theme_preview", args=[theme.slug])
        return {"page": base, "timeline": base + "?view=timeline", "map": base + "?view=map"}
    return {
        "page": reverse("outreach_public:theme", args=[theme.slug]),
        "timeline": reverse("outreach_public:theme_timeline", args=[theme.slug]),
        "map": reverse("outreach_public:theme_map", args=[theme.slug]),
    }


def timeline_context(request: HttpRequest, theme: Theme, *, preview: bool = False) -> dict[str, Any]:
    years, undated = timeline(members(request.user, theme), theme)
    return {"theme": theme, "years": years, "undated": undated, "preview": preview, "urls": _urls(theme, preview)}


def map_context(request: HttpRequest, theme: Theme, *, preview: bool = False) -> dict[str, Any]:
    everything = members(request.user, theme)
    counts = county_counts(everything)
    rows: list[dict[str, Any]] = [{"county": c, "count": counts.get(c.adcode, 0)} for c in geo.counties()]
    chosen = request.GET.get("county", "").strip()
    county = geo.county(chosen) if chosen else None
    listed: list[ArchivalUnit] = []
    if county is not None:
        listed = list(
            filter_members(request.user, everything, county=county.adcode).order_by("date", "reference_code", "pk")[
                :MAP_LIST_LIMIT
            ]
        )
    return {
        "theme": theme,
        "rows": rows,
        "with_members": [r for r in rows if r["count"]],
        "map_data": {
            "counts": [{"name": r["county"].name, "adcode": r["county"].adcode, "value": r["count"]} for r in rows],
            "max": max(counts.values(), default=0),
        },
        "county": county,
        "listed": listed,
        "preview": preview,
        "urls": _urls(theme, preview),
    }


# ---------------------------------------------------------------- public pages


@require_safe
@revalidated
def theme_list(request: HttpRequest) -> HttpResponse:
    themes = list(published_themes())
    counts = counts_by_theme(request.user, themes)
    rows = [{"theme": t, "count": counts[t.pk], "cover": cover_url(request.user, t)} for t in themes]
    return render(request, "outreach/themes/list.html", {"rows": rows})


@require_safe
@revalidated
def theme_page(request: HttpRequest, slug: str) -> HttpResponse:
    theme = _published_or_404(slug)
    return render(request, "outreach/themes/theme.html", theme_context(request, theme))


@require_safe
@revalidated
def theme_timeline(request: HttpRequest, slug: str) -> HttpResponse:
    theme = _published_or_404(slug)
    return render(request, "outreach/themes/timeline.html", timeline_context(request, theme))


@require_safe
@revalidated
def theme_map(request: HttpRequest, slug: str) -> HttpResponse:
    theme = _published_or_404(slug)
    return render(request, "outreach/themes/map.html", map_context(request, theme))


# ---------------------------------------------------------------- staff pages


def _theme_or_404(slug: str) -> Theme:
    return get_object_or_404(Theme, slug=slug)


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def manage_list(request: HttpRequest) -> HttpResponse:
    themes = list(Theme.objects.all())
    counts = counts_by_theme(request.user, themes)
    rows = [{"theme": t, "count": counts[t.pk]} for t in themes]
    return render(request, "outreach/themes/manage_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.OUTREACH_EDIT)
def manage_add(request: HttpRequest) -> HttpResponse:
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            theme = actions.do_create_theme(request.user, values)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("专题“%(title)s”已创建（草稿）") % {"title": theme.title})
            return redirect("outreach:theme_edit", slug=theme.slug)
    return render(
        request, "outreach/themes/manage_add.html", {"values": values, "errors": errors}, status=400 if errors else 200
    )


def _unit_from(user: Any, raw: str) -> ArchivalUnit | None:
    raw = raw.strip()
    if not raw:
        return None
    unit = ArchivalUnit.objects.filter(uuid=raw).first() if is_uuid(raw) else None
    if unit is None:
        unit = ArchivalUnit.objects.filter(reference_code=raw).first()
    return unit if unit is not None and can_view_unit(user, unit) else None


def _section_of(theme: Theme, raw: str | None) -> ThemeSection | None:
    if not raw:
        return None
    try:
        return theme.sections.get(pk=int(raw))
    except (ValueError, ThemeSection.DoesNotExist) as exc:
        raise ValidationError({"section": _("栏目不存在")}) from exc


def _apply(request: HttpRequest, theme: Theme) -> str:
    """One editing operation (``op``) from the POSTed form, through one action; returns the success message."""
    user, data, op = request.user, request.POST, request.POST.get("op", "")
    if op == "update":
        version = data.get("version")
        actions.do_update_theme(
            user, theme, data.dict(), version=int(version) if version and version.isdigit() else None
        )
        return _("专题已保存")
    if op == "add_section":
        actions.do_add_section(user, theme, data.dict())
        return _("栏目已添加")
    if op == "remove_section":
        actions.do_remove_section(user, get_object_or_404(ThemeSection, theme=theme, pk=data.get("pk") or 0))
        return _("栏目已删除")
    if op == "add_query":
        actions.do_add_query(user, theme, data.dict(), section=_section_of(theme, data.get("section")))
        return _("检索式已添加")
    if op == "remove_query":
        actions.do_remove_query(user, get_object_or_404(ThemeQuery, theme=theme, pk=data.get("pk") or 0))
        return _("检索式已删除")
    if op in ("pick", "exclude"):
        unit = _unit_from(user, data.get("unit", ""))
        if unit is None:
            raise ValidationError({"unit": _("找不到该档案：%(value)s") % {"value": data.get("unit", "")}})
        actions.do_pick_unit(
            user, theme, unit, section=_section_of(theme, data.get("section")), excluded=op == "exclude"
        )
        return _("已排除该档案") if op == "exclude" else _("已选入该档案")
    if op == "unpick":
        actions.do_unpick_unit(user, get_object_or_404(ThemeUnit, theme=theme, pk=data.get("pk") or 0))
        return _("已移除")
    if op == "add_milestone":
        actions.do_add_milestone(user, theme, data.get("date", ""), data.get("text", ""))
        return _("大事记已添加")
    if op == "remove_milestone":
        actions.do_remove_milestone(user, get_object_or_404(ThemeMilestone, theme=theme, pk=data.get("pk") or 0))
        return _("大事记已删除")
    raise ValidationError({"op": _("未知的操作：%(value)s") % {"value": op}})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.OUTREACH_EDIT)
def manage_edit(request: HttpRequest, slug: str) -> HttpResponse:
    theme = _theme_or_404(slug)
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            done = _apply(request, theme)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            status = 400
        except EditConflict as exc:
            errors = {"__all__": [str(exc)]}
            status = 409
        else:
            messages.success(request, done)
            if request.POST.get("op") == "update":
                theme.refresh_from_db()
            return redirect("outreach:theme_edit", slug=theme.slug)
        theme.refresh_from_db()
    picks = [
        p
        for p in ThemeUnit.objects.filter(theme=theme).select_related("unit", "section")
        if can_view_unit(request.user, p.unit)
    ]
    context = {
        "theme": theme,
        "errors": errors,
        "op": request.POST.get("op", "") if request.method == "POST" else "",
        "sections": list(theme.sections.all()),
        "queries": list(ThemeQuery.objects.filter(theme=theme).select_related("section")),
        "picks": [p for p in picks if not p.excluded],
        "exclusions": [p for p in picks if p.excluded],
        "milestones": list(theme.milestones.all()),
        "count": members(request.user, theme).count(),
        "may_publish": has_capability(request.user, Capability.OUTREACH_PUBLISH),
        "published": theme.status == ThemeStatus.PUBLISHED,
    }
    return render(request, "outreach/themes/manage_edit.html", context, status=status)


@require_POST
@capability_required(Capability.OUTREACH_PUBLISH)
def manage_status(request: HttpRequest, slug: str) -> HttpResponse:
    theme = _theme_or_404(slug)
    try:
        actions.do_set_status(request.user, theme, request.POST.get("status", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            _("专题已发布") if request.POST.get("status") == ThemeStatus.PUBLISHED else _("专题已撤回为草稿"),
        )
    return redirect("outreach:theme_edit", slug=theme.slug)


@require_POST
@capability_required(Capability.OUTREACH_EDIT)
def manage_delete(request: HttpRequest, slug: str) -> HttpResponse:
    theme = _theme_or_404(slug)
    try:
        actions.do_delete_theme(request.user, theme)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("outreach:theme_edit", slug=theme.slug)
    messages.success(request, _("专题已删除"))
    return redirect("outreach:themes")


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def manage_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The theme as the public pages draw it, for the signed-in editor (what the policy shows them), draft or
    published: ``?view=timeline`` or ``?view=map`` for those pages."""
    theme = _theme_or_404(slug)
    view = request.GET.get("view", "")
    if view == "timeline":
        return render(request, "outreach/themes/timeline.html", timeline_context(request, theme, preview=True))
    if view == "map":
        return render(request, "outreach/themes/map.html", map_context(request, theme, preview=True))
    if view:
        raise Http404
    return render(request, "outreach/themes/theme.html", theme_context(request, theme, preview=True))


@require_http_methods(["GET", "POST"])
@capability_required(Capability.OUTREACH_EDIT)
def manage_places(request: HttpRequest) -> HttpResponse:
    """The place authorities and the county each is linked to (matched by name, or set by a person)."""
    status = 200
    if request.method == "POST":
        raw = request.POST.get("authority", "")
        authority = get_object_or_404(Authority, uuid=raw if is_uuid(raw) else "00000000-0000-0000-0000-000000000000")
        try:
            actions.do_set_place_county(request.user, authority, request.POST.get("adcode", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            status = 400
        else:
            messages.success(request, _("已保存“%(name)s”所在县") % {"name": authority.name})
            return redirect("outreach:theme_places")
    places = Authority.objects.filter(kind=AuthorityKind.PLACE).order_by("name")
    links = {p.authority_id: p for p in PlaceCounty.objects.filter(authority__in=places)}
    page = paginate(request, places, 50)
    rows = [
        {"authority": a, "link": links.get(a.pk), "county": geo.county(links[a.pk].adcode) if a.pk in links else None}
        for a in page.object_list
    ]
    return render(
        request,
        "outreach/themes/places.html",
        {"rows": rows, "page": page, "counties": geo.counties()},
        status=status,
    )


public_urls: list[URLPattern] = [
    path("themes/", theme_list, name="themes"),
    path("themes/<slug:slug>/", theme_page, name="theme"),
    path("themes/<slug:slug>/timeline/", theme_timeline, name="theme_timeline"),
    path("themes/<slug:slug>/map/", theme_map, name="theme_map"),
]

manage_urls: list[URLPattern] = [
    path("themes/", manage_list, name="themes"),
    path("themes/new/", manage_add, name="theme_add"),
    path("themes/places/", manage_places, name="theme_places"),
    path("themes/<slug:slug>/", manage_edit, name="theme_edit"),
    path("themes/<slug:slug>/status/", manage_status, name="theme_status"),
    path("themes/<slug:slug>/delete/", manage_delete, name="theme_delete"),
    path("themes/<slug:slug>/preview/", manage_preview, name="theme_preview"),
]
