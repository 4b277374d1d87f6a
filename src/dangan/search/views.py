"""The staff search page: one query box with its syntax help, filters with facet counts, sorting and paging.

Thin by design: ``service.search`` parses the query, asks ``catalog.policy`` and ranks; this module only turns the
query string into a ``SearchRequest`` and the result into links (a facet value narrows, an active one widens again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from dangan.core.roles import Capability, has_capability
from dangan.utilities.views import capability_required, form_errors_from, paginate

from .actions.dictionary import do_add_terms, do_remove_term
from .filters import DictionaryTermFilter
from .forms import DictionaryTermsForm, SearchForm
from .models import DictionaryTerm
from .service import SearchRequest, SearchResult, search

FACET_LABELS = {
    "fonds": _("全宗"),
    "category": _("门类"),
    "year": _("年度"),
    "level": _("层级"),
    "retention": _("保管期限"),
    "classification": _("密级"),
    "openness": _("开放状态"),
}
ASKING = ("q", *SearchForm.FILTERS)


@dataclass
class FacetLink:
    value: str
    label: str
    count: int
    url: str
    active: bool


@dataclass
class FacetGroup:
    name: str
    label: str
    links: list[FacetLink]


@dataclass
class ActiveFilter:
    label: str
    value: str
    remove_url: str


def _url(params: QueryDict) -> str:
    return "?" + params.urlencode() if params else "?"


def _with(base: QueryDict, **changes: Any) -> str:
    """The page URL with ``changes`` applied (None removes a parameter); paging starts again at page 1."""
    params = base.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = str(value)
    return _url(params)


def year_bounds(value: str) -> tuple[str, str]:
    """A year facet's value as (year_from, year_to): ``1935`` or a decade ``1930-1939``."""
    first, _sep, last = value.partition("-")
    return first, last or first


def _is_active(req: SearchRequest, name: str, value: str) -> bool:
    if name == "year":
        first, last = year_bounds(value)
        return (str(req.year_from), str(req.year_to)) == (first, last)
    return str(getattr(req, name, "") or "").lower() == value.lower()


def facet_groups(params: QueryDict, req: SearchRequest, result: SearchResult) -> list[FacetGroup]:
    groups = []
    for name, label in FACET_LABELS.items():
        links = []
        for facet in result.facets.get(name) or []:
            value = str(facet.value)
            active = _is_active(req, name, value)
            if name == "year":
                first, last = year_bounds(value) if not active else (None, None)
                url = _with(params, year_from=first, year_to=last)
            else:
                url = _with(params, **{name: None if active else value})
            links.append(FacetLink(value, facet.label or value, facet.count, url, active))
        if links:
            groups.append(FacetGroup(name, str(label), links))
    return groups


def active_filters(params: QueryDict, req: SearchRequest, form: SearchForm) -> list[ActiveFilter]:
    """The filters in force, each with a link that removes it."""
    out = []
    for name in ("fonds", "category", "retention", "classification", "openness", "level"):
        value = getattr(req, name, "")
        if value and name not in req.errors:
            choices = dict(cast(list[tuple[str, Any]], cast(forms.ChoiceField, form.fields[name]).choices))
            out.append(
                ActiveFilter(
                    str(form.fields[name].label), str(choices.get(value, value)), _with(params, **{name: None})
                )
            )
    if (req.year_from is not None or req.year_to is not None) and not {"year_from", "year_to"} & set(req.errors):
        same = req.year_from == req.year_to
        years = str(req.year_from) if same else f"{req.year_from or ''}–{req.year_to or ''}"
        out.append(ActiveFilter(str(_("年度")), years, _with(params, year_from=None, year_to=None)))
    return out


def result_page(req: SearchRequest, result: SearchResult) -> Page:
    """A counted page for the pagination partial, over the result's total (nothing is fetched through it)."""
    paginator = Paginator(range(result.total), result.size or req.size)
    page = paginator.page(min(max(result.page, 1), paginator.num_pages))
    page.counted = True  # type: ignore[attr-defined]
    return page


@capability_required(Capability.CATALOG_VIEW)
def search_page(request: HttpRequest) -> HttpResponse:
    params = request.GET
    req = SearchRequest.from_params(params)
    form = SearchForm(params or None, user=request.user)
    asked = any((params.get(name) or "").strip() for name in ASKING)
    context: dict[str, Any] = {"form": form, "asked": asked, "request_errors": list(req.errors.values())}
    if asked:
        result = search(request.user, req)
        if not result.error and result.total and not result.hits and req.page > 1:
            # A page past the end (an old link, a narrower query): show the last page instead.
            req.page = -(-result.total // (result.size or req.size))
            result = search(request.user, req)
        context.update(
            {
                "result": result,
                "page": result_page(req, result),
                "facet_groups": facet_groups(params, req, result),
                "active_filters": active_filters(params, req, form),
                "clear_url": _with(QueryDict(mutable=True), q=req.q),
                # A hit inside a unit's full text links to its page with the query, which its viewer finds and
                # highlights on the page images (digitization's IIIF viewer reads ?hl=).
                "highlight_query": req.q,
            }
        )
    return render(request, "search/search.html", context)


@capability_required(Capability.CATALOG_VIEW)
def dictionary_page(request: HttpRequest) -> HttpResponse:
    """The users' dictionary words: the list, and for those who may change the catalog, adding and removing."""
    may_change = has_capability(request.user, Capability.CATALOG_CHANGE)
    form = DictionaryTermsForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                created = do_add_terms(request.user, form.cleaned_data["terms"], form.cleaned_data["kind"])
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request,
                    _("已添加 %(count)s 个词语；新编目与重建索引后的条目按新词切分。") % {"count": len(created)}
                    if created
                    else _("这些词语都已在词典中。"),
                )
                return redirect("search:dictionary")
        status = 400
    filters = DictionaryTermFilter.from_params(request.GET)
    terms = paginate(request, filters.apply(request.user), 100)
    return render(
        request,
        "search/dictionary.html",
        {"form": form, "terms": terms, "may_change": may_change, "filters": filters},
        status=status,
    )


@require_POST
@capability_required(Capability.CATALOG_CHANGE)
def dictionary_remove(request: HttpRequest, pk: int) -> HttpResponse:
    term = get_object_or_404(DictionaryTerm, pk=pk)
    do_remove_term(request.user, term)
    messages.success(request, _("已删除词语“%(term)s”。") % {"term": term.term})
    return redirect("search:dictionary")
