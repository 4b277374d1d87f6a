"""A node's identity: its signing key pair (SM2 by default, Ed25519 as an option), a stable ``node_id`` and the
public key's fingerprint that partners compare over the telephone when they pair (结对).

The private key lives in one file, ``node-identity.json`` (mode 0600), in the directory the caller names
(``DANGAN_HOME/replication/``). A public key travels as text with its algorithm in front (``sm2:04…``,
``ed25519:…``), so a partner's pinned key says what it is.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from dangan.replication.crypto import sm2
from dangan.replication.crypto._files import read_secret_file, write_secret_file
from dangan.replication.crypto.errors import BadFingerprint, BadPublicKey, KeyFileError

IDENTITY_FILE = "node-identity.json"
IDENTITY_FORMAT = "dangan-node-identity/1"


class Algorithm(enum.StrEnum):
    """Signature algorithms a node key may use; the value is the tag in front of a public key's text."""

    SM2 = "sm2"
    ED25519 = "ed25519"


_RAW_LENGTH = {Algorithm.SM2: sm2.PUBLIC_KEY_BYTES, Algorithm.ED25519: 32}
_FINGERPRINT_HEX = 64
_NOT_HEX = re.compile(r"[^0-9a-f]")


@dataclass(frozen=True)
class Fingerprint:
    """SM3 (SM2 keys) or SHA-256 (Ed25519 keys) of the public key's text form, shown as 16 groups of four hex
    digits. Compared ignoring spaces and case."""

    digest: bytes

    def __str__(self) -> str:
        text = self.digest.hex().upper()
        return " ".join(text[i : i + 4] for i in range(0, len(text), 4))

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        """Read a fingerprint as a person types it: spaces, colons, hyphens and case do not matter."""
        compact = re.sub(r"[\s:\-]", "", text).lower()
        if _NOT_HEX.search(compact):
            raise BadFingerprint(reason="只能包含 0–9、A–F")
        if len(compact) != _FINGERPRINT_HEX:
            raise BadFingerprint(reason=f"应有 {_FINGERPRINT_HEX} 位十六进制数字，实有 {len(compact)} 位")
        return cls(bytes.fromhex(compact))

    def matches(self, other: str | Fingerprint) -> bool:
        """Whether ``other`` (text as typed, or a Fingerprint) is this fingerprint."""
        if isinstance(other, str):
            try:
                other = Fingerprint.parse(other)
            except BadFingerprint:
                return False
        return hmac.compare_digest(self.digest, other.digest)


@dataclass(frozen=True)
class PublicKey:
    """A node's public key with its algorithm. ``raw`` is 0x04 ‖ x ‖ y for SM2 and the 32 key bytes for Ed25519."""

    algorithm: Algorithm
    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != _RAW_LENGTH[self.algorithm]:
            raise BadPublicKey(reason=f"{self.algorithm} 公钥应为 {_RAW_LENGTH[self.algorithm]} 字节")
        if self.algorithm is Algorithm.SM2:
            try:
                sm2.decode_public_key(self.raw)
            except ValueError:
                raise BadPublicKey(reason="不是 SM2 曲线上的点") from None

    def __str__(self) -> str:
        return f"{self.algorithm.value}:{self.raw.hex()}"

    @classmethod
    def parse(cls, text: str) -> PublicKey:
        """Read ``sm2:04…`` or ``ed25519:…`` (hex)."""
        tag, separator, body = text.strip().partition(":")
        if not separator:
            raise BadPublicKey(reason="缺少算法标记（如 sm2:）")
        try:
            algorithm = Algorithm(tag.lower())
        except ValueError:
            raise BadPublicKey(reason=f"不支持的算法 {tag!r}") from None
        try:
            raw = bytes.fromhex(body)
        except ValueError:
            raise BadPublicKey(reason="公钥不是十六进制") from None
        return cls(algorithm, raw)

    @property
    def fingerprint(self) -> Fingerprint:
        text = str(self).encode("ascii")
        if self.algorithm is Algorithm.SM2:
            return Fingerprint(sm2.sm3(text))
        return Fingerprint(hashlib.sha256(text).digest())


def verify(public_key: PublicKey, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``public_key``'s signature of ``message`` (SM2 with the default user id)."""
    if public_key.algorithm is Algorithm.SM2:
        return sm2.verify(sm2.decode_public_key(public_key.raw), message, signature)
    try:
        Ed25519PublicKey.from_public_bytes(public_key.raw).verify(signature, message)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class NodeIdentity:
    """This node's identity. Create it once with :meth:`create`, then :meth:`load` it."""

    node_id: uuid.UUID
    public_key: PublicKey
    created: str
    _private: bytes = field(repr=False)

    @property
    def algorithm(self) -> Algorithm:
        return self.public_key.algorithm

    @property
    def fingerprint(self) -> Fingerprint:
        return self.public_key.fingerprint

    def sign(self, message: bytes) -> bytes:
        """The signature of ``message``: 64 bytes for both algorithms (SM2 r ‖ s, Ed25519 R ‖ S)."""
        if self.algorithm is Algorithm.SM2:
            point = sm2.decode_public_key(self.public_key.raw)
            return sm2.sign(int.from_bytes(self._private, "big"), message, point=point)
        return Ed25519PrivateKey.from_private_bytes(self._private).sign(message)

    @classmethod
    def generate(cls, algorithm: Algorithm = Algorithm.SM2) -> NodeIdentity:
        """A new identity in memory (nothing written)."""
        if algorithm is Algorithm.SM2:
            d = sm2.generate_private_key()
            private = d.to_bytes(sm2.PRIVATE_KEY_BYTES, "big")
            raw = sm2.encode_public_key(sm2.public_point(d))
        else:
            key = Ed25519PrivateKey.generate()
            private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
            raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        created = datetime.now(UTC).replace(microsecond=0).isoformat()
        return cls(uuid.uuid4(), PublicKey(algorithm, raw), created, private)

    @classmethod
    def create(cls, directory: Path, algorithm: Algorithm = Algorithm.SM2) -> NodeIdentity:
        """Generate an identity and write it to ``directory/node-identity.json`` (0600); KeyFileExists if the
        node has one already."""
        identity = cls.generate(algorithm)
        document = {
            "format": IDENTITY_FORMAT,
            "node_id": str(identity.node_id),
            "public_key": str(identity.public_key),
            "private_key": identity._private.hex(),
            "created": identity.created,
        }
        write_secret_file(Path(directory) / IDENTITY_FILE, (json.dumps(document, indent=2) + "\n").encode("ascii"))
        return identity

    @classmethod
    def load(cls, directory: Path) -> NodeIdentity:
        """Read the identity written by :meth:`create`, checking that its private key matches its public key."""
        path = Path(directory) / IDENTITY_FILE
        data = read_secret_file(path)
        try:
            document = json.loads(data)
            if document.get("format") != IDENTITY_FORMAT:
                raise ValueError(f"format {document.get('format')!r}")
            identity = cls(
                uuid.UUID(document["node_id"]),
                PublicKey.parse(document["public_key"]),
                str(document["created"]),
                bytes.fromhex(document["private_key"]),
            )
            probe = b"dangan node identity self-check"
            if not verify(identity.public_key, probe, identity.sign(probe)):
                raise ValueError("private key does not match public key")
        except (ValueError, KeyError, TypeError, BadPublicKey) as exc:
            raise KeyFileError(path=path, reason=str(exc)) from exc
        return identity
