"""The sending side of the node protocol: ``NodeClient(partner)`` signs every request with this node's key
(crypto.messages.sign_request, ``replication.node.this_node()``) and accepts an answer only when it is signed by
the partner's pinned key and bound to that very request (crypto.messages.verify_message).

Transport (urllib3): HTTPS, with the partner's certificate pinned by its SHA-256 when ``Partner.tls_fingerprint``
is set (the certificate need not chain to a public CA then) and checked against the system's CAs otherwise; plain
HTTP only to a loopback address unless ``REPLICATION_ALLOW_HTTP``. Every failure is a ``StoreError`` in Chinese,
``retry=True`` when the partner could not be reached (or was full or busy) and trying later may succeed.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from dangan.replication.crypto import messages
from dangan.replication.crypto.errors import ReplicationCryptoError
from dangan.replication.crypto.identity import PublicKey
from dangan.replication.models import Partner
from dangan.replication.node import NodeNotReady, this_node
from dangan.replication.stores.base import StoreError

__all__ = ["NodeAnswer", "NodeClient"]

PROTOCOL_PREFIX = "/replication/"


@dataclass(frozen=True)
class NodeAnswer:
    """A checked answer: status, headers, body, and the signed request and answer (evidence, e.g. a receipt)."""

    status: int
    headers: dict[str, str]
    body: bytes
    request: messages.SignedMessage
    answer: messages.SignedMessage

    def json(self) -> Any:
        return json.loads(self.body)

    def evidence(self) -> bytes:
        """The signed request and answer with the answer's body, as JSON: anyone holding both nodes' public keys
        can check that the partner said this in answer to that request."""
        return json.dumps(
            {
                "request": self.request.stamp.canonical().decode("utf-8"),
                "request_signature": self.request.signature.hex(),
                "answer": self.answer.stamp.canonical().decode("utf-8"),
                "answer_signature": self.answer.signature.hex(),
                "body": self.body.decode("utf-8", "replace"),
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode("utf-8")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class NodeClient:
    """Signed requests to one partner. ``timeout``: seconds to connect and between bytes read."""

    def __init__(self, partner: Partner, *, timeout: float = 60.0) -> None:
        self.partner = partner
        parts = urlsplit(partner.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(
                _("结对档案馆 %(name)s 的地址 %(url)s 无效。") % {"name": partner.name, "url": partner.url}
            )
        if parts.scheme == "http" and not _is_loopback(parts.hostname) and not settings.REPLICATION_ALLOW_HTTP:
            raise StoreError(
                _(
                    "结对档案馆 %(name)s 的地址 %(url)s 是明文 HTTP：只允许回环地址，或设置 DANGAN_REPLICATION_ALLOW_HTTP=1。"
                )
                % {"name": partner.name, "url": partner.url}
            )
        if partner.node_id is None:
            raise StoreError(_("结对档案馆 %(name)s 尚无节点标识，请先完成结对。") % {"name": partner.name})
        try:
            self._key = PublicKey.parse(partner.public_key)
        except ReplicationCryptoError as exc:
            raise StoreError(
                _("结对档案馆 %(name)s 的公钥无效：%(error)s") % {"name": partner.name, "error": exc}
            ) from None
        self._node_id = uuid.UUID(str(partner.node_id))
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base = parts.path.rstrip("/")
        pool: dict[str, Any] = {
            "timeout": urllib3.Timeout(connect=min(timeout, 15.0), read=timeout),
            "retries": False,
            "maxsize": 8,  # connections kept for requests from several threads at once (parallel transfers)
        }
        if parts.scheme == "https" and partner.tls_fingerprint:
            pinned = partner.tls_fingerprint.replace(":", "").replace(" ", "").lower()
            pool.update(cert_reqs="CERT_NONE", assert_fingerprint=pinned, assert_hostname=False)
        self._http = urllib3.PoolManager(**pool)

    def describe(self) -> str:
        return f"{self.partner.name} ({self.partner.url})"

    def path(self, endpoint: str, query: dict[str, object] | None = None) -> str:
        """The path (and query) of ``endpoint`` under /replication/, exactly as signed and sent."""
        full = self._base + PROTOCOL_PREFIX + endpoint
        return f"{full}?{urlencode(query)}" if query else full

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        headers: dict[str, str] | None = None,
        now: float | None = None,
    ) -> NodeAnswer:
        """Send a signed request (``path`` from :meth:`path`) and return the checked answer, whatever its status.
        StoreError when the partner cannot be reached or its answer is not signed by its pinned key for this
        request."""
        try:
            me = this_node()
        except NodeNotReady as exc:
            raise StoreError(str(exc)) from None
        signed = messages.sign_request(me, recipient=self._node_id, method=method, path=path, body=body, now=now)
        return self.send(signed, body, headers=headers, me=me.node_id)

    def send(
        self,
        signed: messages.SignedMessage,
        body: bytes,
        *,
        headers: dict[str, str] | None = None,
        me: uuid.UUID | None = None,
    ) -> NodeAnswer:
        """Send an already signed request (a replay, in the tests) and check the answer."""
        me = me or this_node().node_id
        stamp = signed.stamp
        try:
            response = self._http.request(
                stamp.method,
                self._origin + stamp.path,
                body=body or None,
                headers={**(headers or {}), **signed.headers()},
                redirect=False,
                preload_content=True,
            )
        except urllib3.exceptions.SSLError as exc:
            raise StoreError(
                _("与结对档案馆 %(partner)s 的 TLS 连接未通过证书校验（证书指纹或签发者不符），不予连接：%(error)s")
                % {"partner": self.describe(), "error": _reason(exc)}
            ) from None
        except urllib3.exceptions.MaxRetryError as exc:
            if isinstance(exc.reason, urllib3.exceptions.SSLError):
                raise StoreError(
                    _("与结对档案馆 %(partner)s 的 TLS 连接未通过证书校验（证书指纹或签发者不符），不予连接：%(error)s")
                    % {"partner": self.describe(), "error": _reason(exc)}
                ) from None
            raise StoreError(
                _("无法连接结对档案馆 %(partner)s：%(error)s") % {"partner": self.describe(), "error": _reason(exc)},
                retry=True,
            ) from None
        except urllib3.exceptions.HTTPError as exc:
            raise StoreError(
                _("无法连接结对档案馆 %(partner)s：%(error)s") % {"partner": self.describe(), "error": _reason(exc)},
                retry=True,
            ) from None
        data = response.data or b""
        answer_headers = {name: value for name, value in response.headers.items()}
        if messages.HEADER_SIGNATURE.lower() not in {name.lower() for name in answer_headers}:
            detail = _message_of(data) or f"HTTP {response.status}"
            raise StoreError(
                _("结对档案馆 %(partner)s 的应答没有签名，不予采信（%(detail)s）。")
                % {"partner": self.describe(), "detail": detail},
                retry=response.status >= 500,
            )
        try:
            answer = messages.SignedMessage.from_headers(
                answer_headers, kind=messages.Kind.ANSWER, method=stamp.method, path=stamp.path, status=response.status
            )
            messages.verify_message(
                answer, body=data, me=me, keys={self._node_id: self._key}, replay=None, request=signed
            )
        except ReplicationCryptoError as exc:
            raise StoreError(
                _("结对档案馆 %(partner)s 的应答未通过校验（%(code)s）：%(error)s")
                % {"partner": self.describe(), "code": exc.code, "error": exc}
            ) from None
        return NodeAnswer(response.status, answer_headers, data, signed, answer)

    def call(
        self,
        method: str,
        endpoint: str,
        query: dict[str, object] | None = None,
        body: bytes = b"",
        *,
        expect: tuple[int, ...] = (200,),
        headers: dict[str, str] | None = None,
    ) -> NodeAnswer:
        """:meth:`request`, and a StoreError naming the partner's refusal unless the status is one of ``expect``."""
        answer = self.request(method, self.path(endpoint, query), body, headers=headers)
        if answer.status not in expect:
            raise refusal(self, answer)
        return answer


class PartnerRefused(StoreError):
    """The partner answered (signed) with an error: ``status`` and ``code`` (its JSON ``error``), ``data``."""

    def __init__(self, message: str, *, status: int, code: str, data: dict[str, Any], retry: bool) -> None:
        super().__init__(message, retry=retry)
        self.status, self.code, self.data = status, code, data


def refusal(client: NodeClient, answer: NodeAnswer) -> PartnerRefused:
    try:
        data = answer.json() if answer.body else {}
        if not isinstance(data, dict):
            data = {}
    except ValueError:
        data = {}
    code = str(data.get("error", "")) or f"http-{answer.status}"
    detail = str(data.get("message", "")) or f"HTTP {answer.status}"
    return PartnerRefused(
        _("结对档案馆 %(partner)s 拒绝了请求（%(code)s）：%(detail)s")
        % {"partner": client.describe(), "code": code, "detail": detail},
        status=answer.status,
        code=code,
        data=data,
        retry=answer.status in (429, 503, 507) or answer.status >= 500,
    )


def _message_of(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(data.get("message", "")) if isinstance(data, dict) else ""


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc)
