"""Key escrow: the master key split into n shares for custodians, any k of which give it back (Shamir's secret
sharing over GF(2⁸), byte by byte).

**k − 1 shares say nothing.** Each byte of the key is the constant term of its own random polynomial of degree
k − 1; a share is the polynomials' values at the share's index. Given any k − 1 points, for every value the key
byte might have there is exactly one polynomial through those points and that value, and every polynomial was
equally likely: the k − 1 shares are equally consistent with every possible key (a test shows it byte by byte).

A share is one printable line, made to be printed, kept in an envelope and typed back in::

    DANGAN-SHARE-1 | 馆长 张三 | k=3 | n=5 | i=2 | key=0f3a…(32 hex) | ABCD EFGH … (base32) | CHECK 7QX2M4KD

The body is base32 (letters and 2–7: no 0/O or 1/I/l to confuse, case does not matter). The check is the first
40 bits of SHA-256 over everything before it, so a mistyped character is refused by name before any arithmetic;
the key id lets the combination confirm that the key it rebuilt is the one that was split.

**Version 2** (``DANGAN-SHARE-2``, same line layout) shares a small bundle instead of the key alone: the master
key (32 bytes) ‖ the node id (16) ‖ the signature algorithm (1: 1 SM2, 2 Ed25519) ‖ the node's private key (32).
A node that lost everything thus gets back the identity its partners pinned as well as the key its copies are
encrypted under (``combine_bundle``); ``combine`` gives the master key of either version. Version 1 lines (the
master key alone) are still read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dangan.replication.crypto.errors import (
    InconsistentShares,
    MalformedShare,
    NotEnoughShares,
    RecoveredKeyMismatch,
    ShareChecksumMismatch,
)
from dangan.replication.crypto.identity import Algorithm, NodeIdentity, PublicKey
from dangan.replication.crypto.keys import MasterKey, key_id_of

PREFIX = "DANGAN-SHARE-1"
PREFIXES = {1: "DANGAN-SHARE-1", 2: "DANGAN-SHARE-2"}
KEY_BYTES = 32
_ALGORITHM_CODES = {Algorithm.SM2: 1, Algorithm.ED25519: 2}
MAX_SHARES = 255

# GF(2⁸) with the AES polynomial x⁸ + x⁴ + x³ + x + 1; 3 generates the multiplicative group.
_EXP = [0] * 510
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value ^= (_value << 1) ^ (0x11B if _value & 0x80 else 0)
    _value &= 0xFF
for _power in range(255, 510):
    _EXP[_power] = _EXP[_power - 255]


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError
    if a == 0:
        return 0
    return _EXP[_LOG[a] - _LOG[b] + 255]


def _evaluate(coefficients: Sequence[int], x: int) -> int:
    result = 0
    for coefficient in reversed(coefficients):
        result = _mul(result, x) ^ coefficient
    return result


def interpolate(points: Sequence[tuple[int, bytes]], at: int = 0) -> bytes:
    """The value at ``at`` of the polynomials (one per byte) through ``points`` (x, y-bytes), by Lagrange."""
    length = len(points[0][1])
    result = bytearray(length)
    for j, (xj, yj) in enumerate(points):
        weight = 1
        for m, (xm, _) in enumerate(points):
            if m != j:
                weight = _mul(weight, _div(xm ^ at, xm ^ xj))
        for position in range(length):
            result[position] ^= _mul(yj[position], weight)
    return bytes(result)


@dataclass(frozen=True)
class Share:
    """One custodian's share of a master key."""

    label: str
    k: int
    n: int
    index: int
    key_id: bytes
    body: bytes
    version: int = 1

    def _payload(self) -> str:
        body = base64.b32encode(self.body).decode("ascii").rstrip("=")
        grouped = " ".join(body[i : i + 4] for i in range(0, len(body), 4))
        return f"{PREFIXES[self.version]} | {self.label} | k={self.k} | n={self.n} | i={self.index} | key={self.key_id.hex()} | {grouped}"

    def to_line(self) -> str:
        """The printable line (see the module's docstring)."""
        return f"{self._payload()} | CHECK {_checksum(self._canonical())}"

    def _canonical(self) -> str:
        body = base64.b32encode(self.body).decode("ascii").rstrip("=")
        return f"{PREFIXES[self.version]}|{self.label}|{self.k}|{self.n}|{self.index}|{self.key_id.hex()}|{body}"

    @classmethod
    def parse(cls, line: str, number: int = 1) -> Share:
        """Read a share line as typed back in; ``number`` (1-based) names it in errors."""
        fields = [field.strip() for field in line.strip().split("|")]
        versions = {prefix: version for version, prefix in PREFIXES.items()}
        if len(fields) != 8 or fields[0].upper() not in versions:
            raise MalformedShare(line=number, reason=f"应为以 {PREFIX} 或 {PREFIXES[2]} 开头、由 | 分成 8 段的一行")
        version = versions[fields[0].upper()]
        _, label, k_text, n_text, i_text, key_text, body_text, check_text = fields
        label = unicodedata.normalize("NFC", " ".join(label.split()))
        try:
            k = _number(k_text, "k")
            n = _number(n_text, "n")
            index = _number(i_text, "i")
            key_hex = _after(key_text, "key").lower()
            key_id = bytes.fromhex(key_hex)
            body_compact = "".join(body_text.split()).upper()
            body = base64.b32decode(body_compact + "=" * (-len(body_compact) % 8))
            check = "".join(_after(check_text, "CHECK", separator=" ").split()).upper()
        except (ValueError, binascii.Error) as exc:
            raise MalformedShare(line=number, reason=str(exc)) from None
        share = cls(label, k, n, index, key_id, body, version)
        if not hmac.compare_digest(_checksum(share._canonical()), check):
            raise ShareChecksumMismatch(line=number, label=label)
        if not (2 <= k <= n <= MAX_SHARES and 1 <= index <= n and len(key_id) == 16):
            raise MalformedShare(line=number, reason=f"k={k}、n={n}、i={index} 不合理")
        return share


def _number(text: str, name: str) -> int:
    value = _after(text, name)
    if not value.isdigit():
        raise ValueError(f"{name} 应为数字")
    return int(value)


def _after(text: str, name: str, separator: str = "=") -> str:
    head, found, tail = text.partition(separator)
    if not found or head.strip().upper() != name.upper():
        raise ValueError(f"缺少 {name}{separator}")
    return tail.strip()


def _checksum(canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()[:5]
    return base64.b32encode(digest).decode("ascii")


def _identity_bytes(identity: NodeIdentity) -> bytes:
    private = identity._private  # the one other place the private key leaves the identity: into the shares
    return identity.node_id.bytes + bytes([_ALGORITHM_CODES[identity.algorithm]]) + private


def _identity_from(data: bytes) -> NodeIdentity:
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from dangan.replication.crypto import sm2

    node_id, code, private = uuid.UUID(bytes=data[:16]), data[16], data[17:]
    algorithm = {value: key for key, value in _ALGORITHM_CODES.items()}.get(code)
    if algorithm is None:
        raise InconsistentShares(reason=f"未知的签名算法 {code}")
    if algorithm is Algorithm.SM2:
        raw = sm2.encode_public_key(sm2.public_point(int.from_bytes(private, "big")))
    else:
        raw = Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    return NodeIdentity(node_id, PublicKey(algorithm, raw), created, private)


def split(key: MasterKey, k: int, labels: Sequence[str], identity: NodeIdentity | None = None) -> list[Share]:
    """Split ``key`` into one share per custodian label; any ``k`` of them give it back. With ``identity``, version
    2 shares of the key and the node identity together."""
    n = len(labels)
    if not 2 <= k <= n <= MAX_SHARES:
        raise ValueError(f"need 2 ≤ k ≤ n ≤ {MAX_SHARES} (k={k}, n={n})")
    cleaned = [unicodedata.normalize("NFC", " ".join(label.split())) for label in labels]
    for label in cleaned:
        if not label or "|" in label:
            raise ValueError(f"custodian label {label!r} must be non-empty and without '|'")
    secret = key.export_secret()
    version = 1
    if identity is not None:
        secret, version = secret + _identity_bytes(identity), 2
    polynomials = [[byte, *secrets.token_bytes(k - 1)] for byte in secret]
    return [
        Share(label, k, n, index, key.key_id, bytes(_evaluate(poly, index) for poly in polynomials), version)
        for index, label in enumerate(cleaned, start=1)
    ]


def combine(lines: Iterable[str | Share]) -> MasterKey:
    """The master key from share lines of either version (see ``combine_bundle``)."""
    return combine_bundle(lines)[0]


def combine_bundle(lines: Iterable[str | Share]) -> tuple[MasterKey, NodeIdentity | None]:
    """The master key from at least k share lines (or parsed shares). Every share is checked: its checksum, that
    all come from one split, and that the key rebuilt matches the key id they carry (a wrong share with a valid
    checksum — typed from the wrong sheet — is caught there). With more than k shares, all must agree."""
    shares = [line if isinstance(line, Share) else Share.parse(line, number) for number, line in enumerate(lines, 1)]
    if not shares:
        raise NotEnoughShares(k="k", given=0)
    first = shares[0]
    for share in shares[1:]:
        if (share.k, share.n, share.key_id, share.version) != (first.k, first.n, first.key_id, first.version):
            raise InconsistentShares(reason="k、n、格式版本或密钥编号不同")
        if len(share.body) != len(first.body):
            raise InconsistentShares(reason="份额长度不同")
    distinct = {share.index: share for share in shares}
    if len(distinct) < first.k:
        raise NotEnoughShares(k=first.k, given=len(distinct))
    for share in shares:
        if distinct[share.index].body != share.body:
            raise InconsistentShares(reason=f"两份编号为 {share.index} 的份额内容不同")
    points = [(share.index, share.body) for share in distinct.values()]
    bundle = interpolate(points[: first.k])
    secret = bundle[:KEY_BYTES]
    if not hmac.compare_digest(key_id_of(secret), first.key_id):
        raise RecoveredKeyMismatch(key_id=first.key_id.hex())
    for x, y in points[first.k :]:
        if interpolate(points[: first.k], at=x) != y:
            raise RecoveredKeyMismatch(key_id=first.key_id.hex())
    identity = _identity_from(bundle[KEY_BYTES:]) if first.version == 2 else None
    return MasterKey(secret), identity
