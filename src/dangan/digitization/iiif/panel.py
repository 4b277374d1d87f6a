"""The 数字化页面 section of the staff unit page: the IIIF viewer over the unit's manifest, shown only when the unit
has pages and the person may see them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from dangan.digitization.pages import master_files

from .access import can_view_pages


def unit_panel(request: HttpRequest, unit: Any) -> str:
    if not can_view_pages(request.user, unit):
        return ""
    page_count = len(master_files(unit))
    if not page_count:
        return ""
    context = {"manifest_url": reverse("iiif_presentation:manifest", args=[unit.uuid]), "page_count": page_count}
    return render_to_string("digitization/iiif/_unit_panel.html", context, request=request)
