"""This node: its identity (the signing key pair every request and answer to a partner is signed with) and its
master key (every envelope that leaves the node is encrypted under keys derived from it), both in
``REPLICATION_HOME``, created once by ``dangan init`` and never written anywhere else unencrypted.

``identity_document()`` is what a partner pins when pairing: the node's name, id, public key and fingerprint,
signed by the node itself (proof that whoever answers holds the private key; the fingerprint, compared with the one
the partner's operator read out on the telephone, proves it is the right node)."""

from __future__ import annotations

import json
import threading
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from dangan.replication.crypto.errors import ReplicationCryptoError
from dangan.replication.crypto.identity import IDENTITY_FILE, Algorithm, Fingerprint, NodeIdentity, PublicKey, verify
from dangan.replication.crypto.keys import MASTER_KEY_FILE, MasterKey

__all__ = [
    "IdentityDocumentError",
    "NodeNotReady",
    "check_identity_document",
    "ensure_node",
    "identity_document",
    "master_key",
    "node_name",
    "this_node",
]

_lock = threading.Lock()
_cached: dict[str, Any] = {}


class NodeNotReady(Exception):
    """This node has no identity or master key yet (``dangan init`` makes them), or they cannot be read."""


class IdentityDocumentError(Exception):
    """A node's identity document is malformed, not signed by the key it names, or not the fingerprint expected."""


def ensure_node(algorithm: str | None = None) -> tuple[NodeIdentity, bool]:
    """This node's identity and master key, created if missing (``algorithm``: ``sm2`` or ``ed25519``, default
    ``REPLICATION_SIGNATURE``). Returns the identity and whether anything was created."""
    home = settings.REPLICATION_HOME
    home.mkdir(parents=True, exist_ok=True)
    created = False
    with _lock:
        if not (home / IDENTITY_FILE).exists():
            chosen = Algorithm(algorithm or settings.REPLICATION_SIGNATURE)
            NodeIdentity.create(home, chosen)
            created = True
        if not (home / MASTER_KEY_FILE).exists():
            MasterKey.create(home)
            created = True
        _cached.clear()
    return this_node(), created


def _load(name: str) -> Any:
    home = settings.REPLICATION_HOME
    key = f"{name}:{home}"
    with _lock:
        if key not in _cached:
            if not (home / (IDENTITY_FILE if name == "identity" else MASTER_KEY_FILE)).exists():
                raise NodeNotReady(_("本节点尚无身份密钥，请先运行 dangan init（目录 %(home)s）。") % {"home": home})
            try:
                _cached[key] = NodeIdentity.load(home) if name == "identity" else MasterKey.load(home)
            except FileNotFoundError:
                raise NodeNotReady(
                    _("本节点尚无身份密钥，请先运行 dangan init（目录 %(home)s）。") % {"home": home}
                ) from None
            except ReplicationCryptoError as exc:
                raise NodeNotReady(str(exc)) from exc
        return _cached[key]


def this_node() -> NodeIdentity:
    """This node's identity (read once per process); NodeNotReady before ``dangan init``."""
    identity: NodeIdentity = _load("identity")
    return identity


def master_key() -> MasterKey:
    """This node's master key (read once per process); NodeNotReady before ``dangan init``."""
    key: MasterKey = _load("master")
    return key


def node_name() -> str:
    """The name partners know this node by: ``REPLICATION_NODE_NAME``, else the institution's code."""
    if settings.REPLICATION_NODE_NAME:
        return str(settings.REPLICATION_NODE_NAME)
    from dangan.core.models import Institution

    institution = Institution.current()
    return institution.code if institution is not None else "dangan"


def _canonical(document: dict[str, Any]) -> bytes:
    unsigned = {key: value for key, value in document.items() if key != "signature"}
    return json.dumps(unsigned, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def identity_document() -> dict[str, Any]:
    """This node's identity as partners see it (JSON keys ``name``, ``node_id``, ``fingerprint``, ``public_key``,
    ``algorithm``), with ``signature``: the node's signature over the other keys (sorted, compact JSON)."""
    identity = this_node()
    name = node_name()
    key = f"document:{settings.REPLICATION_HOME}:{identity.node_id}:{name}"
    with _lock:
        kept = _cached.get(key)
    if kept is not None:  # signed once per process: the same answer every time (SM2 signatures are randomised)
        return dict(kept)
    document: dict[str, Any] = {
        "name": name,
        "node_id": str(identity.node_id),
        "fingerprint": str(identity.fingerprint),
        "public_key": str(identity.public_key),
        "algorithm": identity.algorithm.value,
    }
    document["signature"] = identity.sign(_canonical(document)).hex()
    with _lock:
        _cached[key] = document
    return dict(document)


def check_identity_document(document: Any, fingerprint: str) -> PublicKey:
    """The public key of a node's identity document, once it is signed by that key and the key's fingerprint is
    ``fingerprint`` (as its operator gave it: spaces, colons and case do not matter)."""
    try:
        public_key = PublicKey.parse(str(document["public_key"]))
        signature = bytes.fromhex(str(document["signature"]))
        str(document["node_id"])
    except (KeyError, TypeError, ValueError, ReplicationCryptoError) as exc:
        raise IdentityDocumentError(_("对方节点的身份信息格式不对（%(error)s）。") % {"error": exc}) from None
    if not verify(public_key, _canonical(document), signature):
        raise IdentityDocumentError(_("对方节点的身份信息未由其公钥签名，不能信任。"))
    try:
        expected = Fingerprint.parse(fingerprint)
    except ReplicationCryptoError as exc:
        raise IdentityDocumentError(str(exc)) from None
    if not expected.matches(public_key.fingerprint):
        raise IdentityDocumentError(
            _("公钥指纹不符：对方为 %(actual)s，应为 %(expected)s。请与对方管理员核对。")
            % {"actual": public_key.fingerprint, "expected": expected}
        )
    return public_key
