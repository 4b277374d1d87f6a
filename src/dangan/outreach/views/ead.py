"""Part ead in the workspace (/manage/outreach/ead/): the fonds a staff member may see, each with its EAD3, and the
EAC-CPF records — downloads streamed as they are written, limited to what that staff member may see."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.views.decorators.http import require_safe
from lxml import etree

from dangan.catalog.models import Fonds
from dangan.catalog.policy import visible_units
from dangan.core.roles import Capability
from dangan.outreach.actions.ead import do_record_export, viewer_label
from dangan.outreach.interchange.eac import KINDS, write_authorities
from dangan.outreach.interchange.ead3 import FondsNotFound, fonds_for, write_fonds_steps
from dangan.utilities.views import capability_required


class _Sink:
    """What the incremental writer wrote since it was last taken."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.chunks.append(bytes(data))

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _stream_ead(fonds: Fonds, viewer: Any, base_url: str) -> Iterator[bytes]:
    sink = _Sink()
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        steps = write_fonds_steps(xf, fonds, viewer, base_url=base_url)
        try:
            for _ in steps:
                xf.flush()
                yield sink.take()
        finally:
            steps.close()
    yield sink.take()


def _stream_eac(viewer: Any, kinds: list[str]) -> Iterator[bytes]:
    sink = _Sink()
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        write_authorities(xf, viewer, kinds)
    yield sink.take()


def _xml_response(chunks: Iterator[bytes], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def ead_list(request: HttpRequest) -> HttpResponse:
    counts = dict(visible_units(request.user).order_by().values_list("fonds_id").annotate(n=Count("id")))
    rows = [(f, counts[f.pk]) for f in Fonds.objects.filter(pk__in=list(counts)).order_by("code")]
    kinds = [("person", gettext("人物")), ("organization", gettext("机构"))]
    return render(request, "outreach/ead/list.html", {"rows": rows, "kinds": kinds})


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def ead_download(request: HttpRequest, code: str) -> StreamingHttpResponse:
    try:
        fonds = fonds_for(code, request.user)
    except FondsNotFound:
        raise Http404 from None
    data = {"format": "ead3", "file": f"{fonds.code}.xml", "as": viewer_label(request.user), "via": "workspace"}
    do_record_export(request.user, fonds, data)
    base_url = request.build_absolute_uri("/").rstrip("/")
    return _xml_response(_stream_ead(fonds, request.user, base_url), f"{fonds.code}-ead3.xml")


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def eac_download(request: HttpRequest) -> StreamingHttpResponse:
    kinds = [k for k in request.GET.getlist("kind") if k in KINDS] or ["person", "organization"]
    data = {"format": "eac-cpf", "kinds": kinds, "as": viewer_label(request.user), "via": "workspace"}
    do_record_export(request.user, None, data)
    return _xml_response(_stream_eac(request.user, kinds), "eac-cpf.xml")


manage_urls: list[URLPattern] = [
    path("ead/", ead_list, name="ead_list"),
    path("ead/<str:code>.xml", ead_download, name="ead_download"),
    path("eac.xml", eac_download, name="eac_download"),
]
