"""Part oai: ``/oai``, the OAI-PMH 2.0 endpoint (GET, or POST as application/x-www-form-urlencoded). Anonymous
requests see what the public sees; a request with ``Authorization: Bearer <API token>`` (or a signed-in session)
sees what ``catalog.policy`` shows that account. A bearer token that is unknown or expired is refused (401), never
taken for the public."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from dangan.core.api import caller_before_body
from dangan.outreach.interchange.oai_pmh import answer, stream


@csrf_exempt  # read-only: nothing a forged request could change
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
    viewer = caller_before_body(request)
    if bearer and viewer is None:
        message = gettext("无效或已过期的令牌。")
        refused = HttpResponse(f"{message}\n", status=401, content_type="text/plain; charset=utf-8")
        refused["WWW-Authenticate"] = 'Bearer realm="oai"'
        return refused
    source = request.POST if request.method == "POST" else request.GET
    args = {name: source.getlist(name) for name in source}
    base_url = request.build_absolute_uri(request.path)
    root = request.build_absolute_uri("/").rstrip("/")
    reply = answer(args, viewer if viewer is not None else AnonymousUser(), base_url, root)
    response = StreamingHttpResponse(stream(reply, base_url), content_type="text/xml; charset=utf-8")
    response["Cache-Control"] = "private, no-store" if viewer is not None else "no-cache"
    response["Vary"] = "Authorization, Cookie"
    return response
