"""The IIIF JSON documents: a unit's manifest, a fonds' collection, and Content Search inside a unit."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_safe

from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import visible_file_units
from dangan.digitization.pages import masters_filter, unit_pages
from dangan.preservation.iiif import image_base_url
from dangan.preservation.models import PackageFile

from .access import visible_unit
from .manifest import PRESENTATION_CONTEXT, ManifestLinks, build_collection, build_manifest, canvas_id, page_size
from .search import SEARCH_CONTEXT, UNSUPPORTED_PARAMETERS, annotation_page, search_unit
from .text import current_texts, is_vertical, stored_texts

PRESENTATION_TYPE = f'application/ld+json;profile="{PRESENTATION_CONTEXT}"'
SEARCH_TYPE = f'application/ld+json;profile="{SEARCH_CONTEXT}"'


def _json(data: dict[str, Any], content_type: str, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, content_type=content_type, json_dumps_params={"ensure_ascii": False})
    # Any viewer may read what this person may see; no credentials travel with a cross-site request.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def text_path(unit: ArchivalUnit, number: int, kind: str) -> str:
    """The page's ALTO (``kind`` "alto") or plain text ("text") as the OCR store serves them."""
    return reverse(f"ocrtext:{kind}", args=[unit.uuid, number])


def manifest_links(request: HttpRequest, unit: ArchivalUnit) -> ManifestLinks:
    absolute = request.build_absolute_uri
    return ManifestLinks(
        manifest=absolute(reverse("iiif_presentation:manifest", args=[unit.uuid])),
        search=absolute(reverse("iiif_presentation:search", args=[unit.uuid])),
        image_base=lambda image_id: absolute(image_base_url(image_id)),
        alto=lambda number: absolute(text_path(unit, number, "alto")),
        text=lambda number: absolute(text_path(unit, number, "text")),
    )


@require_safe
def manifest(request: HttpRequest, uuid: Any) -> JsonResponse:
    unit = visible_unit(request.user, uuid)
    pages = unit_pages(unit)
    if not pages:
        raise Http404
    texts = current_texts(stored_texts(unit), pages)
    document = build_manifest(
        unit,
        pages,
        texts,
        manifest_links(request, unit),
        request.build_absolute_uri,
        vertical=is_vertical(unit, texts),
    )
    return _json(document, PRESENTATION_TYPE)


def digitized_units(user: Any, fonds: Fonds) -> list[ArchivalUnit]:
    """The units of ``fonds`` among the holdings whose files ``user`` may see and whose package's head version holds
    masters, in catalog order."""
    masters = PackageFile.objects.filter(
        masters_filter(), package__unit=OuterRef("pk"), version__number=F("package__version_count")
    )
    units = visible_file_units(user, ArchivalUnit.objects.filter(fonds=fonds)).filter(Exists(masters))
    return list(units.order_by("reference_code", "position", "pk"))


@require_safe
def collection(request: HttpRequest, code: str) -> JsonResponse:
    fonds = get_object_or_404(Fonds, code=code)
    absolute = request.build_absolute_uri
    document = build_collection(
        fonds,
        absolute(request.path),
        digitized_units(request.user, fonds),
        lambda unit: absolute(reverse("iiif_presentation:manifest", args=[unit.uuid])),
        absolute,
    )
    return _json(document, PRESENTATION_TYPE)


@require_safe
def search(request: HttpRequest, uuid: Any) -> JsonResponse:
    """Content Search 2.0: ``q`` (blank: no hits); motivation, date and user are not supported and so named in
    ``ignored`` when given."""
    unit = visible_unit(request.user, uuid)
    pages = unit_pages(unit)
    if not pages:
        raise Http404
    query = request.GET.get("q", "").strip()
    ignored = [name for name in UNSUPPORTED_PARAMETERS if name in request.GET]
    manifest_id = request.build_absolute_uri(reverse("iiif_presentation:manifest", args=[unit.uuid]))
    hits = []
    if query:
        sizes = {page.number: page_size(page) for page in pages}
        hits = search_unit(unit, current_texts(stored_texts(unit, with_text=True), pages), query, sizes)
    document = annotation_page(
        request.build_absolute_uri(), hits, lambda number: canvas_id(manifest_id, number), ignored
    )
    return _json(document, SEARCH_TYPE)
