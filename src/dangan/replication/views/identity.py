"""``GET /replication/identity``: this node's identity document (replication.node), signed by itself — what a
partner fetches when pairing and pins after checking the fingerprint its operator was given."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from dangan.replication.node import NodeNotReady, identity_document


@require_safe
def identity(request: HttpRequest) -> JsonResponse:
    try:
        document = identity_document()
    except NodeNotReady as exc:
        return JsonResponse({"error": "node-not-ready", "message": str(exc)}, status=503)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


node_urls: list[URLPattern] = [path("identity", identity, name="identity")]
