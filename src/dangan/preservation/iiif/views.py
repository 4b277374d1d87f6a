"""The Image API routes. Every one asks catalog.policy (through the package's unit) first: an unknown image and
one the person may not see are the same 404. Responses are private to the person (Cache-Control: private), with
an ETag of the image and the request (304 on If-None-Match), and allow only this site's origin (the viewer is
served from it)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import Field
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_safe

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit_files

from . import image_base_url
from .derivatives import TILE_SIZE
from .imageapi import FORMATS, QUALITIES, Limits, ParameterError, parse_request
from .rendering import ImageSource, image_record, image_source, render

CONTEXT = "http://iiif.io/api/image/3/context.json"
PROFILE = "http://iiif.io/api/image/3/level2.json"
EXTRA_FEATURES = [
    "mirroring",
    "regionByPct",
    "regionByPx",
    "regionSquare",
    "rotationArbitrary",
    "rotationBy90s",
    "sizeByConfinedWh",
    "sizeByH",
    "sizeByPct",
    "sizeByW",
    "sizeByWh",
    "sizeUpscaling",
]


def limits() -> Limits:
    return Limits(settings.IIIF_MAX_WIDTH, settings.IIIF_MAX_HEIGHT, settings.IIIF_MAX_AREA)


def _visible_image(request: HttpRequest, identifier: str) -> ImageSource:
    """The image's pixels, when the policy lets the person see its package's unit's files (can_view_unit_files: the
    unit's record, as can_view_package asks, and files at all — the public sees records, not files), asked afresh
    on every request; else the one 404 of an unknown image."""
    record = image_record(identifier)
    unit = _unit_for_policy(record.unit_id) if record is not None and record.unit_id is not None else None
    if record is None or unit is None or not can_view_unit_files(request.user, unit):
        raise Http404
    return image_source(identifier, record.sha256, record.master)


_POLICY_FIELDS = ("id", "classification", "openness", "disposed")


def _unit_for_policy(unit_id: int) -> ArchivalUnit | None:
    """The unit as the policy weighs it (its 密级, openness and disposal), read with one small query on every
    request; any other field the policy may come to read loads on first use (a deferred field)."""
    fields = [cast(Field[Any, Any], ArchivalUnit._meta.get_field(name)) for name in _POLICY_FIELDS]
    quote = connection.ops.quote_name
    names = [field.column or field.name for field in fields]
    columns = ", ".join(quote(name) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(ArchivalUnit._meta.db_table)} WHERE {quote(names[0])} = %s",
            [unit_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    values = [field.to_python(value) for field, value in zip(fields, row, strict=True)]
    return ArchivalUnit.from_db(connection.alias, list(_POLICY_FIELDS), values)


def _etag(*parts: str) -> str:
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


def _not_modified(request: HttpRequest, etag: str) -> bool:
    given = request.headers.get("If-None-Match", "")
    return any(tag.strip() in (etag, "W/" + etag, "*") for tag in given.split(",")) if given else False


def _headers(request: HttpRequest, response: HttpResponseBase, etag: str) -> HttpResponseBase:
    response["ETag"] = etag
    response["Cache-Control"] = f"private, max-age={settings.IIIF_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = f"{request.scheme}://{request.get_host()}"
    response["Vary"] = "Cookie, Origin"
    return response


def info_document(request: HttpRequest, source: ImageSource) -> dict[str, Any]:
    limit = limits()
    scale_factors = [2**k for k in range(len(source.levels))]
    if source.derivative is None:  # served from the master: the same tiling, computed
        side, k = max(source.width, source.height), 0
        while side > TILE_SIZE:
            side, k = side // 2, k + 1
            scale_factors.append(2**k)
    sizes = [
        {"width": w, "height": h}
        for w, h in sorted(_sizes(source), key=lambda s: s[0])
        if w <= limit.max_width and h <= limit.max_height and w * h <= limit.max_area
    ]
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": request.build_absolute_uri(image_base_url(source.image_id)),
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level2",
        "width": source.width,
        "height": source.height,
        "maxWidth": limit.max_width,
        "maxHeight": limit.max_height,
        "maxArea": limit.max_area,
        "sizes": sizes,
        "tiles": [{"width": TILE_SIZE, "height": TILE_SIZE, "scaleFactors": scale_factors}],
        "extraQualities": [q for q in QUALITIES if q != "default"],
        "extraFormats": [f for f in FORMATS if f != "jpg"],
        "extraFeatures": EXTRA_FEATURES,
    }
    return document


def _sizes(source: ImageSource) -> list[tuple[int, int]]:
    if source.derivative is not None:
        return list(source.levels[1:]) or [source.levels[0]]
    sizes, (w, h) = [], (source.width, source.height)
    while w > TILE_SIZE or h > TILE_SIZE:
        w, h = max(1, w // 2), max(1, h // 2)
        sizes.append((w, h))
    return sizes or [(source.width, source.height)]


@require_safe
def base(request: HttpRequest, identifier: str) -> HttpResponseBase:
    """``/iiif/3/<id>``: to its info.json (303, as the Image API asks), the same for every id."""
    response = HttpResponseRedirect(reverse("iiif:info", kwargs={"identifier": identifier}))
    response.status_code = 303
    return response


@require_safe
def info(request: HttpRequest, identifier: str) -> HttpResponseBase:
    source = _visible_image(request, identifier)
    etag = _etag(identifier, "info", source.kind, request.get_host())
    if _not_modified(request, etag):
        return _headers(request, HttpResponse(status=304), etag)
    accept = request.headers.get("Accept", "")
    content_type = f'application/ld+json;profile="{CONTEXT}"' if "application/ld+json" in accept else "application/json"
    body = json.dumps(info_document(request, source), ensure_ascii=False)
    return _headers(request, HttpResponse(body, content_type=content_type), etag)


@require_safe
def image(
    request: HttpRequest, identifier: str, region: str, size: str, rotation: str, quality_format: str
) -> HttpResponseBase:
    source = _visible_image(request, identifier)
    try:
        wanted = parse_request(region, size, rotation, quality_format, source.width, source.height, limits())
    except ParameterError as exc:
        return HttpResponse(f"400 Bad Request: {exc}\n", status=400, content_type="text/plain; charset=utf-8")
    etag = _etag(identifier, region, size, rotation, quality_format, source.kind)
    if _not_modified(request, etag):
        return _headers(request, HttpResponse(status=304), etag)
    response = HttpResponse(render(source, wanted), content_type=wanted.media_type)
    canonical = image_base_url(identifier) + (
        f"/{wanted.x},{wanted.y},{wanted.region_width},{wanted.region_height}/{wanted.width},{wanted.height}"
        f"/{'!' if wanted.mirror else ''}{wanted.rotation:g}/{wanted.quality}.{wanted.format}"
    )
    response["Link"] = f'<{request.build_absolute_uri(canonical)}>;rel="canonical", <{PROFILE}>;rel="profile"'
    return _headers(request, response, etag)
