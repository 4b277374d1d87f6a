"""The receiving side of the node protocol: ``signed_node_view`` wraps a view so that only a signed request from an
active partner reaches it, and every answer — errors included — leaves signed by this node.

The checks are crypto.messages.verify_message's, in its order (recipient, freshness, pinned key, body, signature,
replay), with the sender's key taken from the ``Partner`` row whose ``node_id`` is ``X-Dangan-Sender``: a removed
partner has no trusted key (403 ``unknown-key``, as an unknown node), a suspended one is refused after its request
checked out (403 ``partner-suspended``). Nonces are remembered in the database (``SeenNonce``) until the request
could no longer pass as fresh, so a replay is refused by every process of the node, across restarts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from dangan.replication.choices import PartnerStatus
from dangan.replication.crypto import messages
from dangan.replication.crypto.errors import MalformedMessage, MessageError, ReplicationCryptoError, UnknownKey
from dangan.replication.crypto.identity import PublicKey
from dangan.replication.models import Partner, SeenNonce
from dangan.replication.node import NodeNotReady, this_node

__all__ = ["DatabaseReplayGuard", "error", "signed_node_view"]

NodeView = Callable[..., HttpResponse]


class DatabaseReplayGuard:
    """crypto.messages.ReplayGuard over ``SeenNonce``: unique (sender, nonce); rows past ``expires`` are deleted
    as new ones come in."""

    def first_use(self, sender: uuid.UUID, nonce: str, expires: int) -> bool:
        now = datetime.now(UTC)
        SeenNonce.objects.filter(expires__lt=now).delete()
        try:
            with transaction.atomic():
                SeenNonce.objects.create(sender=sender, nonce=nonce, expires=datetime.fromtimestamp(expires, UTC))
        except IntegrityError:
            return False
        return True


def error(status: int, code: str, message: str) -> JsonResponse:
    """An error answer: JSON ``error`` (a stable code) and ``message`` (for the operator, in Chinese)."""
    return JsonResponse({"error": code, "message": message}, status=status, json_dumps_params={"ensure_ascii": False})


def _status_of(exc: MessageError) -> int:
    if isinstance(exc, MalformedMessage):
        return 400
    if isinstance(exc, UnknownKey):
        return 403
    return 401


def _trusted_partner(sender: uuid.UUID) -> Partner | None:
    return Partner.objects.filter(node_id=sender).exclude(status=PartnerStatus.REMOVED).first()


def signed_node_view(view: NodeView) -> Callable[..., HttpResponse]:
    """Wrap ``view(request, partner, **kwargs)``: it runs only for a signed, fresh, new request from an active
    partner; its answer (and every refusal) is signed by this node and bound to the request."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        body = request.body
        try:
            message = messages.SignedMessage.from_headers(
                request.headers,
                kind=messages.Kind.REQUEST,
                method=request.method or "GET",
                path=request.get_full_path(),
            )
            message.stamp.canonical()  # a malformed stamp is refused here, before anything is signed in answer
        except MalformedMessage as exc:
            return error(400, exc.code, str(exc))  # nothing to bind an answer to: unsigned
        try:
            me = this_node()
        except NodeNotReady as exc:
            return error(503, "node-not-ready", str(exc))
        partner = _trusted_partner(message.stamp.sender)

        def key_of(sender: uuid.UUID) -> PublicKey | None:
            if partner is None or partner.node_id != sender:
                return None
            try:
                return PublicKey.parse(partner.public_key)
            except ReplicationCryptoError:
                return None

        try:
            messages.verify_message(message, body=body, me=me.node_id, keys=key_of, replay=DatabaseReplayGuard())
        except MessageError as exc:
            response: HttpResponse = error(_status_of(exc), exc.code, str(exc))
        else:
            assert partner is not None
            if partner.status == PartnerStatus.SUSPENDED:
                response = error(
                    403,
                    "partner-suspended",
                    _("与本节点的结对已暂停（%(name)s）：暂不接受其请求。") % {"name": partner.name},
                )
            else:
                response = view(request, partner, **kwargs)
        return sign(response, message)

    return wrapper


def sign(response: HttpResponse, request: messages.SignedMessage) -> HttpResponse:
    """Add this node's signature over ``response`` (status and body as sent), bound to ``request``."""
    answer = messages.sign_answer(this_node(), request, status=response.status_code, body=response.content)
    for name, value in answer.headers().items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response
