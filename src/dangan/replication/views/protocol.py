"""The keeper's endpoints of the node protocol under /replication/ (namespace ``replication_node``): the envelopes
a partner keeps here (list, HEAD/GET with ``Range``, resumable PUT, DELETE), proofs over them and the usage of its
quota. Every request is a partner's, signed and checked (protocol.server.signed_node_view); every answer is signed.
The work is in actions.protocol; these views only translate HTTP."""

from __future__ import annotations

import json
import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from dangan.replication.actions import protocol as keeping
from dangan.replication.crypto.errors import ProofError
from dangan.replication.crypto.proofs import CopyChallenge
from dangan.replication.models import Partner
from dangan.replication.protocol.server import error, signed_node_view

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _json(data: object, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _refused(exc: keeping.KeepingRefused) -> JsonResponse:
    return _json({"error": exc.code, "message": str(exc), **exc.extra}, status=exc.status)


def _not_allowed() -> JsonResponse:
    return error(405, "method-not-allowed", _("不支持的请求方法。"))


@signed_node_view
def envelopes(request: HttpRequest, partner: Partner) -> HttpResponse:
    """``GET /replication/envelopes?prefix=P``: a JSON list of ``name``, ``size``, ``complete``."""
    if request.method != "GET":
        return _not_allowed()
    return _json(keeping.kept_list(partner, request.GET.get("prefix", "")))


def _int(request: HttpRequest, name: str) -> int:
    value = request.GET.get(name, "")
    if not value.isdigit():
        raise keeping.KeepingRefused(400, "bad-request", _("缺少或无效的参数 %(name)s。") % {"name": name})
    return int(value)


@signed_node_view
def envelope(request: HttpRequest, partner: Partner, envelope_name: str) -> HttpResponse:
    name = envelope_name
    """HEAD / GET (``Range`` honoured) / PUT ``?offset=N&size=S`` / DELETE one envelope."""
    try:
        if request.method == "PUT":
            piece = keeping.do_receive_piece(
                partner, name, _int(request, "offset"), _int(request, "size"), request.body
            )
            data: dict[str, object] = {"name": piece.name, "size": piece.size, "complete": piece.complete}
            if piece.complete:
                data["sha256"] = piece.sha256
            return _json(data)
        if request.method == "DELETE":
            keeping.do_delete_kept(partner, name)
            return HttpResponse(status=204)
        if request.method == "HEAD":
            kept = keeping.kept_size(partner, name)
            if kept is None:
                return HttpResponse(status=404)
            response = HttpResponse(b"")
            response["X-Dangan-Size"] = str(kept.size)
            response["X-Dangan-Complete"] = "1" if kept.complete else "0"
            return response
        if request.method == "GET":
            return _read(request, partner, name)
    except keeping.KeepingRefused as exc:
        return _refused(exc)
    return _not_allowed()


def _read(request: HttpRequest, partner: Partner, name: str) -> HttpResponse:
    wanted = request.headers.get("Range", "")
    if not wanted:
        data, total = keeping.read_kept(partner, name)
        response = HttpResponse(data, content_type="application/octet-stream")
        response["Accept-Ranges"] = "bytes"
        return response
    match = _RANGE.match(wanted.strip())
    if match is None or not (match[1] or match[2]):
        return error(416, "bad-range", _("无法识别的 Range：%(range)s") % {"range": wanted})
    if match[1]:
        start, stop = int(match[1]), (int(match[2]) + 1 if match[2] else None)
        data, total = keeping.read_kept(partner, name, start, stop)
    else:  # the last N bytes
        _head, total = keeping.read_kept(partner, name, 0, 0)
        start = max(0, total - int(match[2]))
        data, total = keeping.read_kept(partner, name, start)
    if start >= total and total > 0:
        response = error(416, "bad-range", _("Range 超出对象大小 %(size)s 字节。") % {"size": total})
        response["Content-Range"] = f"bytes */{total}"
        return response
    response = HttpResponse(data, status=206, content_type="application/octet-stream")
    response["Content-Range"] = f"bytes {start}-{start + len(data) - 1}/{total}" if data else f"bytes */{total}"
    return response


@signed_node_view
def proofs(request: HttpRequest, partner: Partner) -> HttpResponse:
    """``POST /replication/proofs`` JSON ``challenge`` (crypto.proofs.CopyChallenge: nonce, algorithm, sampled
    chunks by envelope name, ranges by first/last name with the expected counts): the CopyAnswer."""
    if request.method != "POST":
        return _not_allowed()
    try:
        data = json.loads(request.body)
        challenge = CopyChallenge.from_dict(data["challenge"])
    except (ValueError, TypeError, KeyError) as exc:
        return error(400, "bad-proof", _("验证请求格式不对：%(error)s") % {"error": exc})
    except ProofError as exc:
        return error(400, exc.code, str(exc))
    try:
        answer = keeping.do_prove_kept(partner, challenge)
    except keeping.KeepingRefused as exc:
        return _refused(exc)
    return _json(answer.to_dict())


@signed_node_view
def usage(request: HttpRequest, partner: Partner) -> HttpResponse:
    """``GET /replication/usage``: JSON ``used`` and ``limit`` (the agreed quota)."""
    if request.method != "GET":
        return _not_allowed()
    used, limit = keeping.keeping_usage(partner)
    return _json({"used": used, "limit": limit})


node_urls: list[URLPattern] = [
    path("envelopes", envelopes, name="envelopes"),
    path("envelopes/<path:envelope_name>", envelope, name="envelope"),
    path("proofs", proofs, name="proofs"),
    path("usage", usage, name="usage"),
]
