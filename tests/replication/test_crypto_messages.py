"""Signed requests and answers between two nodes: each fault a partner or an attacker can cause is named."""

from __future__ import annotations

import time
import uuid

import pytest

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
from dangan.replication.crypto.identity import Algorithm, NodeIdentity
from dangan.replication.crypto.messages import (
    HEADER_SIGNATURE,
    Kind,
    MemoryReplayGuard,
    SignedMessage,
    sign_answer,
    sign_request,
    verify_message,
)

BODY = b'{"object": "urn:uuid:1", "chunks": 3}'
PATH = "/replication/objects/urn:uuid:1/?part=2"


@pytest.fixture(params=list(Algorithm))
def nodes(request: pytest.FixtureRequest) -> tuple[NodeIdentity, NodeIdentity]:
    """The owner (Fujian, say) and a keeper (Yunnan), each with its own kind of key."""
    return NodeIdentity.generate(request.param), NodeIdentity.generate(Algorithm.SM2)


def received(message: SignedMessage, method: str = "PUT", path: str = PATH) -> SignedMessage:
    """The message as the other side rebuilds it from the HTTP exchange."""
    return SignedMessage.from_headers(message.headers(), kind=Kind.REQUEST, method=method, path=path)


def test_a_signed_request_is_accepted_once(nodes: tuple[NodeIdentity, NodeIdentity]) -> None:
    owner, keeper = nodes
    guard = MemoryReplayGuard()
    message = sign_request(owner, recipient=keeper.node_id, method="put", path=PATH, body=BODY)
    headers = {name.lower(): value for name, value in message.headers().items()}
    rebuilt = SignedMessage.from_headers(headers, kind=Kind.REQUEST, method="PUT", path=PATH)
    stamp = verify_message(rebuilt, body=BODY, me=keeper.node_id, keys={owner.node_id: owner.public_key}, replay=guard)
    assert (stamp.sender, stamp.method, stamp.path) == (owner.node_id, "PUT", PATH)
    with pytest.raises(ReplayedMessage) as caught:
        verify_message(rebuilt, body=BODY, me=keeper.node_id, keys={owner.node_id: owner.public_key}, replay=guard)
    assert caught.value.code == "replayed"
    assert "重放" in str(caught.value)


def test_an_answer_is_evidence_bound_to_its_request(nodes: tuple[NodeIdentity, NodeIdentity]) -> None:
    owner, keeper = nodes
    request = sign_request(owner, recipient=keeper.node_id, method="PUT", path=PATH, body=BODY)
    receipt = b'{"stored": true, "sha256": "..."}'
    answer = sign_answer(keeper, request, status=201, body=receipt)
    rebuilt = SignedMessage.from_headers(answer.headers(), kind=Kind.ANSWER, method="PUT", path=PATH, status=201)
    keys = {keeper.node_id: keeper.public_key}
    stamp = verify_message(rebuilt, body=receipt, me=owner.node_id, keys=keys, replay=None, request=request)
    assert stamp.status == 201 and stamp.in_reply_to == request.stamp.digest
    # The same answer cannot be passed off as the answer to another request …
    other = sign_request(owner, recipient=keeper.node_id, method="PUT", path=PATH, body=BODY)
    with pytest.raises(MismatchedAnswer):
        verify_message(rebuilt, body=receipt, me=owner.node_id, keys=keys, replay=None, request=other)
    # … nor with another status.
    forged = SignedMessage.from_headers(answer.headers(), kind=Kind.ANSWER, method="PUT", path=PATH, status=200)
    with pytest.raises(BadSignature):
        verify_message(forged, body=receipt, me=owner.node_id, keys=keys, replay=None, request=request)


def test_an_unknown_or_removed_partner_is_named(nodes: tuple[NodeIdentity, NodeIdentity]) -> None:
    owner, keeper = nodes
    message = received(sign_request(owner, recipient=keeper.node_id, method="PUT", path=PATH, body=BODY))
    with pytest.raises(UnknownKey) as caught:
        verify_message(message, body=BODY, me=keeper.node_id, keys={}, replay=MemoryReplayGuard())
    assert str(owner.node_id) in str(caught.value)
    with pytest.raises(UnknownKey):
        verify_message(message, body=BODY, me=keeper.node_id, keys=lambda node: None, replay=MemoryReplayGuard())


def test_a_forged_or_altered_request_has_a_bad_signature(nodes: tuple[NodeIdentity, NodeIdentity]) -> None:
    owner, keeper = nodes
    impostor = NodeIdentity.generate()
    keys = {owner.node_id: owner.public_key}
    message = sign_request(owner, recipient=keeper.node_id, method="PUT", path=PATH, body=BODY)
    for altered in (received(message, method="DELETE"), received(message, path=PATH + "&part=3")):
        with pytest.raises(BadSignature):
            verify_message(altered, body=BODY, me=keeper.node_id, keys=keys, replay=MemoryReplayGuard())
    # Signed by another key, claiming to be the owner.
    forged = sign_request(impostor, recipient=keeper.node_id, method="PUT", path=PATH, body=BODY)
    headers = forged.headers() | {"X-Dangan-Sender": str(owner.node_id)}
    claimed = SignedMessage.from_headers(headers, kind=Kind.REQUEST, method="PUT", path=PATH)
    with pytest.raises(BadSignature):
        verify_message(claimed, body=BODY, me=keeper.node_id, keys=keys, replay=MemoryReplayGuard())
    # A forged message does not burn the nonce of the genuine one.
    guard = MemoryReplayGuard()
    stolen = message.headers() | {HEADER_SIGNATURE: forged.headers()[HEADER_SIGNATURE]}
    with pytest.raises(BadSignature):
        verify_message(
            SignedMessage.from_headers(stolen, kind=Kind.REQUEST, method="PUT", path=PATH),
            body=BODY,
            me=keeper.node_id,
            keys=keys,
            replay=guard,
        )
    verify_message(received(message), body=BODY, me=keeper.node_id, keys=keys, replay=guard)


def test_a_changed_body_is_named(nodes: tuple[NodeIdentity, NodeIdentity]) -> None:
    owner, keeper = nodes
    message = received(sign_request(owner, recipient=keeper.node_id, method="PUT", path=PATH, body=BODY))
    with pytest.raises(BodyMismatch):
        verify_message(
            message,
            body=BODY[:-1],
            me=keeper.node_id,
            keys={owner.node_id: owner.public_key},
            replay=MemoryReplayGuard(),
        )


def test_stale_and_future_messages_are_refused(nodes: tuple[NodeIdentity, NodeIdentity]) -> None:
    owner, keeper = nodes
    keys = {owner.node_id: owner.public_key}
    now = time.time()
    for skew in (-301, 301, -86_400):
        message = sign_request(owner, recipient=keeper.node_id, method="PUT", path=PATH, body=BODY, now=now + skew)
        with pytest.raises(StaleMessage) as caught:
            verify_message(
                received(message), body=BODY, me=keeper.node_id, keys=keys, replay=MemoryReplayGuard(), now=now
            )
        assert "300" in str(caught.value)
    within = sign_request(owner, recipient=keeper.node_id, method="PUT", path=PATH, body=BODY, now=now - 299)
    verify_message(received(within), body=BODY, me=keeper.node_id, keys=keys, replay=MemoryReplayGuard(), now=now)


def test_a_message_for_another_node_is_refused(nodes: tuple[NodeIdentity, NodeIdentity]) -> None:
    owner, keeper = nodes
    message = sign_request(owner, recipient=uuid.uuid4(), method="PUT", path=PATH, body=BODY)
    with pytest.raises(WrongRecipient):
        verify_message(
            received(message),
            body=BODY,
            me=keeper.node_id,
            keys={owner.node_id: owner.public_key},
            replay=MemoryReplayGuard(),
        )


def test_a_request_is_never_checked_without_a_replay_guard() -> None:
    owner, keeper = NodeIdentity.generate(), NodeIdentity.generate()
    message = received(sign_request(owner, recipient=keeper.node_id, method="PUT", path=PATH, body=BODY))
    with pytest.raises(ValueError, match="replay guard"):
        verify_message(message, body=BODY, me=keeper.node_id, keys={owner.node_id: owner.public_key}, replay=None)


def test_malformed_headers_are_named() -> None:
    owner, keeper = NodeIdentity.generate(), NodeIdentity.generate()
    headers = sign_request(owner, recipient=keeper.node_id, method="PUT", path=PATH).headers()
    for name, value in (("X-Dangan-Timestamp", "yesterday"), ("X-Dangan-Sender", "nobody"), (HEADER_SIGNATURE, "!")):
        with pytest.raises(MalformedMessage):
            SignedMessage.from_headers(headers | {name: value}, kind=Kind.REQUEST, method="PUT", path=PATH)
    missing = {name: value for name, value in headers.items() if name != "X-Dangan-Nonce"}
    with pytest.raises(MalformedMessage):
        SignedMessage.from_headers(missing, kind=Kind.REQUEST, method="PUT", path=PATH)
    with pytest.raises(MalformedMessage):
        sign_request(owner, recipient=keeper.node_id, method="PUT", path="/a\nb")
