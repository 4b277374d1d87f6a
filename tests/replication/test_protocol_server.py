"""The keeper's side of the node protocol in one process (Django's test client, real SQLite and files): the
database replay guard, refusals of unsigned and unknown senders, and a keeping area that would lie inside the
storage root. The two-node tests are in test_protocol.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from dangan.replication.crypto import messages
from dangan.replication.crypto.identity import NodeIdentity
from dangan.replication.models import Partner, SeenNonce
from dangan.replication.node import ensure_node
from dangan.replication.protocol.server import DatabaseReplayGuard

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(settings: Any, tmp_path: Path) -> NodeIdentity:
    settings.REPLICATION_HOME = tmp_path / "keeper"
    settings.REPLICATION_KEEPING_ROOT = tmp_path / "keeping"
    identity, _created = ensure_node()
    return identity


@pytest.fixture
def owner(tmp_path: Path) -> NodeIdentity:
    identity = NodeIdentity.create(tmp_path / "owner")
    Partner.objects.create(
        name="owner",
        url="http://127.0.0.1:9",
        node_id=identity.node_id,
        public_key=str(identity.public_key),
        fingerprint=str(identity.fingerprint),
        quota_bytes=1000,
    )
    return identity


def send(me: NodeIdentity, keeper: NodeIdentity, method: str, path: str, body: bytes = b"") -> Any:
    signed = messages.sign_request(me, recipient=keeper.node_id, method=method, path=path, body=body)
    return Client().generic(method, path, body, content_type="application/octet-stream", headers=signed.headers())


def test_the_replay_guard_remembers_a_nonce_until_it_expires() -> None:
    guard, sender = DatabaseReplayGuard(), uuid.uuid4()
    later = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
    assert guard.first_use(sender, "n" * 22, later)
    assert not guard.first_use(sender, "n" * 22, later)
    assert guard.first_use(uuid.uuid4(), "n" * 22, later)  # per sender
    SeenNonce.objects.create(sender=sender, nonce="old" * 8, expires=datetime.now(UTC) - timedelta(seconds=1))
    guard.first_use(sender, "m" * 22, later)
    assert not SeenNonce.objects.filter(nonce="old" * 8).exists()  # pruned: a message that old is stale anyway


def test_a_signed_put_is_kept_and_answered_signed(keeper: NodeIdentity, owner: NodeIdentity, settings: Any) -> None:
    answer = send(owner, keeper, "PUT", "/replication/envelopes/content/ab12?offset=0&size=3", b"abc")
    assert answer.status_code == 200 and answer.json()["complete"] is True
    assert answer.headers[messages.HEADER_SENDER] == str(keeper.node_id)
    kept = Path(settings.REPLICATION_KEEPING_ROOT) / str(owner.node_id) / "content" / "ab12"
    assert kept.read_bytes() == b"abc"
    head = send(owner, keeper, "HEAD", "/replication/envelopes/content/ab12")
    assert (head.status_code, head.headers["X-Dangan-Size"], head.headers["X-Dangan-Complete"]) == (200, "3", "1")
    assert send(owner, keeper, "HEAD", "/replication/envelopes/content/cd34").status_code == 404
    assert send(owner, keeper, "GET", "/replication/envelopes/content/ab12").content == b"abc"


def test_unsigned_and_unknown_senders_are_refused(keeper: NodeIdentity, owner: NodeIdentity, tmp_path: Path) -> None:
    unsigned = Client().get("/replication/usage")
    assert unsigned.status_code == 400 and unsigned.json()["error"] == "malformed"
    assert messages.HEADER_SIGNATURE not in unsigned.headers  # nothing to bind an answer to
    stranger = NodeIdentity.create(tmp_path / "stranger")
    refused = send(stranger, keeper, "GET", "/replication/usage")
    assert refused.status_code == 403 and refused.json()["error"] == "unknown-key"
    assert messages.HEADER_SIGNATURE in refused.headers  # the refusal is signed
    wrong_node = send(owner, owner, "GET", "/replication/usage")  # addressed to another node
    assert wrong_node.status_code == 401 and wrong_node.json()["error"] == "wrong-recipient"


def test_the_keeping_area_is_never_inside_the_storage_root(
    keeper: NodeIdentity, owner: NodeIdentity, settings: Any
) -> None:
    settings.REPLICATION_KEEPING_ROOT = Path(settings.STORAGE_ROOT) / "keeping"
    answer = send(owner, keeper, "PUT", "/replication/envelopes/content/ab12?offset=0&size=3", b"abc")
    assert answer.status_code == 503 and answer.json()["error"] == "keeping-inside-storage"
    assert not (Path(settings.STORAGE_ROOT) / "keeping").exists()
