"""Signed requests and answers between nodes, so that what a partner says (a receipt, an audit answer) is evidence.

Both sides sign the same canonical bytes — the kind, HTTP method, path with query, timestamp, a random nonce, the
SHA-256 of the body, the sender's and the recipient's node ids and, for an answer, its HTTP status and the digest
of the request it answers. The receiver rebuilds them from what it actually received (method, path and body come
from the HTTP exchange, not from a header) and checks, in order: the message is for this node, it is fresh (within
``window`` seconds either way, clocks differ), the sender has a pinned key, the body matches its digest, the
signature is the pinned key's, and the nonce was not seen before. A nonce is recorded only after the signature
checked out, so forged messages cannot fill the replay store, and only for as long as the message could still be
fresh. Each failure has its own error (``errors.UnknownKey``, ``BadSignature``, ``StaleMessage``,
``ReplayedMessage`` …).

On the wire the fields travel as ``X-Dangan-*`` headers (:meth:`SignedMessage.headers`,
:meth:`SignedMessage.from_headers`).
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from dangan.replication.crypto.errors import (
    BadSignature,
    BodyMismatch,
    MalformedMessage,
    MismatchedAnswer,
    ReplayedMessage,
    StaleMessage,
    UnknownKey,
    WrongRecipient,
)
from dangan.replication.crypto.identity import NodeIdentity, PublicKey, verify

FORMAT = "dangan-replication-signature/1"
DEFAULT_WINDOW = 300
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TOKEN = re.compile(r"^[A-Z]{1,16}$")

HEADER_SENDER = "X-Dangan-Sender"
HEADER_RECIPIENT = "X-Dangan-Recipient"
HEADER_TIMESTAMP = "X-Dangan-Timestamp"
HEADER_NONCE = "X-Dangan-Nonce"
HEADER_BODY = "X-Dangan-Body-SHA256"
HEADER_IN_REPLY_TO = "X-Dangan-In-Reply-To"
HEADER_SIGNATURE = "X-Dangan-Signature"


class Kind(enum.StrEnum):
    REQUEST = "request"
    ANSWER = "answer"


@dataclass(frozen=True)
class Stamp:
    """The signed facts about one request or answer."""

    kind: Kind
    method: str
    path: str
    timestamp: int
    nonce: str
    body_sha256: str
    sender: uuid.UUID
    recipient: uuid.UUID
    status: int = 0
    in_reply_to: str = ""

    def canonical(self) -> bytes:
        """The bytes that are signed: one ``name:value`` line per field, in a fixed order."""
        if not _TOKEN.match(self.method):
            raise MalformedMessage(reason=f"HTTP 方法 {self.method!r}")
        if any(ord(char) < 0x21 or ord(char) == 0x7F for char in self.path) or not self.path.startswith("/"):
            raise MalformedMessage(reason="路径含有空白或控制字符，或不以 / 开头")
        if not _NONCE.match(self.nonce):
            raise MalformedMessage(reason="随机数格式不对")
        if not _HEX64.match(self.body_sha256) or (self.in_reply_to and not _HEX64.match(self.in_reply_to)):
            raise MalformedMessage(reason="摘要应为 64 位小写十六进制")
        lines = [
            FORMAT,
            f"kind:{self.kind.value}",
            f"method:{self.method}",
            f"path:{self.path}",
            f"timestamp:{self.timestamp}",
            f"nonce:{self.nonce}",
            f"body-sha256:{self.body_sha256}",
            f"sender:{self.sender}",
            f"recipient:{self.recipient}",
            f"status:{self.status}",
            f"in-reply-to:{self.in_reply_to}",
        ]
        return ("\n".join(lines) + "\n").encode("utf-8")

    @property
    def digest(self) -> str:
        """SHA-256 (hex) of the canonical bytes: what an answer names as the request it answers."""
        return hashlib.sha256(self.canonical()).hexdigest()


@dataclass(frozen=True)
class SignedMessage:
    stamp: Stamp
    signature: bytes

    def headers(self) -> dict[str, str]:
        """The HTTP headers that carry the stamp (method, path and status travel as themselves)."""
        headers = {
            HEADER_SENDER: str(self.stamp.sender),
            HEADER_RECIPIENT: str(self.stamp.recipient),
            HEADER_TIMESTAMP: str(self.stamp.timestamp),
            HEADER_NONCE: self.stamp.nonce,
            HEADER_BODY: self.stamp.body_sha256,
            HEADER_SIGNATURE: base64.b64encode(self.signature).decode("ascii"),
        }
        if self.stamp.kind is Kind.ANSWER:
            headers[HEADER_IN_REPLY_TO] = self.stamp.in_reply_to
        return headers

    @classmethod
    def from_headers(
        cls, headers: Mapping[str, str], *, kind: Kind, method: str, path: str, status: int = 0
    ) -> SignedMessage:
        """Rebuild a received message from its headers and the HTTP exchange itself. ``headers`` is looked up
        case-insensitively."""
        lowered = {name.lower(): value for name, value in headers.items()}

        def get(name: str) -> str:
            value = lowered.get(name.lower())
            if value is None:
                raise MalformedMessage(reason=f"缺少 {name}")
            return value.strip()

        try:
            stamp = Stamp(
                kind=kind,
                method=method.upper(),
                path=path,
                timestamp=int(get(HEADER_TIMESTAMP)),
                nonce=get(HEADER_NONCE),
                body_sha256=get(HEADER_BODY).lower(),
                sender=uuid.UUID(get(HEADER_SENDER)),
                recipient=uuid.UUID(get(HEADER_RECIPIENT)),
                status=status if kind is Kind.ANSWER else 0,
                in_reply_to=get(HEADER_IN_REPLY_TO).lower() if kind is Kind.ANSWER else "",
            )
            signature = base64.b64decode(get(HEADER_SIGNATURE), validate=True)
        except (ValueError, binascii.Error) as exc:
            raise MalformedMessage(reason=str(exc)) from None
        return cls(stamp, signature)


class ReplayGuard(Protocol):
    """Remembers nonces. The app keeps them in its database (a unique constraint on sender and nonce)."""

    def first_use(self, sender: uuid.UUID, nonce: str, expires: int) -> bool:
        """Record ``nonce`` from ``sender`` until the unix time ``expires``; False when it was recorded before."""
        ...


class MemoryReplayGuard:
    """A ReplayGuard in memory, for one process and for tests."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._seen: dict[tuple[uuid.UUID, str], int] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def first_use(self, sender: uuid.UUID, nonce: str, expires: int) -> bool:
        now = self._clock()
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {key: until for key, until in self._seen.items() if until >= now}
            key = (sender, nonce)
            if key in self._seen and self._seen[key] >= now:
                return False
            self._seen[key] = expires
            return True


def new_nonce() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")


def sign_request(
    identity: NodeIdentity,
    *,
    recipient: uuid.UUID,
    method: str,
    path: str,
    body: bytes = b"",
    now: float | None = None,
) -> SignedMessage:
    """Sign a request from this node to ``recipient``."""
    stamp = Stamp(
        kind=Kind.REQUEST,
        method=method.upper(),
        path=path,
        timestamp=int(time.time() if now is None else now),
        nonce=new_nonce(),
        body_sha256=hashlib.sha256(body).hexdigest(),
        sender=identity.node_id,
        recipient=recipient,
    )
    return SignedMessage(stamp, identity.sign(stamp.canonical()))


def sign_answer(
    identity: NodeIdentity, request: SignedMessage, *, status: int, body: bytes = b"", now: float | None = None
) -> SignedMessage:
    """Sign the answer to ``request``: bound to it by its digest, so it cannot be passed off as another's."""
    stamp = Stamp(
        kind=Kind.ANSWER,
        method=request.stamp.method,
        path=request.stamp.path,
        timestamp=int(time.time() if now is None else now),
        nonce=new_nonce(),
        body_sha256=hashlib.sha256(body).hexdigest(),
        sender=identity.node_id,
        recipient=request.stamp.sender,
        status=status,
        in_reply_to=request.stamp.digest,
    )
    return SignedMessage(stamp, identity.sign(stamp.canonical()))


def verify_message(
    message: SignedMessage,
    *,
    body: bytes,
    me: uuid.UUID,
    keys: Mapping[uuid.UUID, PublicKey] | Callable[[uuid.UUID], PublicKey | None],
    replay: ReplayGuard | None,
    request: SignedMessage | None = None,
    now: float | None = None,
    window: int = DEFAULT_WINDOW,
) -> Stamp:
    """Check a received message (see the module's docstring) and return its stamp, or raise the error that names
    the first thing wrong. ``request``: for an answer, the request this node sent. ``replay`` may be None only
    for answers, which their binding to a fresh request already keeps from being replayed."""
    stamp = message.stamp
    if replay is None and stamp.kind is Kind.REQUEST:
        raise ValueError("a request must be checked against a replay guard")
    if stamp.recipient != me:
        raise WrongRecipient(recipient=stamp.recipient)
    current = time.time() if now is None else now
    if abs(current - stamp.timestamp) > window:
        raise StaleMessage(timestamp=_iso(stamp.timestamp), window=window, now=_iso(int(current)))
    key = keys.get(stamp.sender) if isinstance(keys, Mapping) else keys(stamp.sender)
    if key is None:
        raise UnknownKey(sender=stamp.sender)
    canonical = stamp.canonical()
    if hashlib.sha256(body).hexdigest() != stamp.body_sha256:
        raise BodyMismatch()
    if not verify(key, canonical, message.signature):
        raise BadSignature(sender=stamp.sender)
    if stamp.kind is Kind.ANSWER and (request is None or stamp.in_reply_to != request.stamp.digest):
        raise MismatchedAnswer()
    if replay is not None and not replay.first_use(stamp.sender, stamp.nonce, stamp.timestamp + window):
        raise ReplayedMessage(sender=stamp.sender, nonce=stamp.nonce)
    return stamp


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()
