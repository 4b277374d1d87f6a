"""SM2 digital signatures (GB/T 32918.2-2016, GM/T 0003.2-2012) over Python integers, hashed with SM3.

Written here rather than taken from ``gmssl`` (3.2.2). gmssl gives the standard's results, but it draws the
per-signature number k from :mod:`random` (Mersenne Twister: predictable, and a known k gives away the private
key), strips every leading "0" and "4" from a public key given with its ``04`` prefix (a key whose x starts with
0 or 4 then fails with "Odd-length string"), checks neither that 1 ≤ r, s < n nor that a public key lies on the
curve, and signs about 165 and verifies about 96 messages a second. Here k is hedged (HMAC-SM3 of the private key,
the message digest and fresh random bytes), signatures and keys are checked, and a fixed-base table makes signing
some 18 times faster (bench/replication_crypto_bench.py).

Python integers are not constant-time: the timing of a signature depends a little on the key. The node's key lives
on the archive's own server, which runs nothing of a partner's, so this is accepted and documented
(docs/development/replication.md).
"""

from __future__ import annotations

import functools
import hmac
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

DEFAULT_USER_ID = b"1234567812345678"
SIGNATURE_BYTES = 64
PRIVATE_KEY_BYTES = 32
PUBLIC_KEY_BYTES = 65  # 0x04 ‖ x ‖ y

Point = tuple[int, int, int]  # Jacobian coordinates (X, Y, Z); Z == 0 is the point at infinity
_INFINITY: Point = (1, 1, 0)


@dataclass(frozen=True)
class Curve:
    """A short Weierstrass curve y² = x³ + ax + b over F_p with a base point G of prime order n (cofactor 1)."""

    name: str
    p: int
    a: int
    b: int
    n: int
    gx: int
    gy: int

    @property
    def size(self) -> int:
        return (self.p.bit_length() + 7) // 8


#: The curve of GB/T 32918.5-2017 (sm2p256v1), the only one used for node keys.
SM2P256V1 = Curve(
    name="sm2p256v1",
    p=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF,
    a=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC,
    b=0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
    n=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123,
    gx=0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    gy=0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)


def sm3(data: bytes) -> bytes:
    """The SM3 digest (GB/T 32905) of ``data``."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


# Point arithmetic (Jacobian coordinates) ----------------------------------------------------------------------------


def _double(point: Point, curve: Curve) -> Point:
    x1, y1, z1 = point
    if z1 == 0 or y1 == 0:
        return _INFINITY
    p = curve.p
    yy = y1 * y1 % p
    s = 4 * x1 * yy % p
    zz = z1 * z1 % p
    m = (3 * x1 * x1 + curve.a * zz * zz) % p
    x3 = (m * m - 2 * s) % p
    y3 = (m * (s - x3) - 8 * yy * yy) % p
    return x3, y3, 2 * y1 * z1 % p


def _add(first: Point, second: Point, curve: Curve) -> Point:
    x1, y1, z1 = first
    x2, y2, z2 = second
    if z1 == 0:
        return second
    if z2 == 0:
        return first
    p = curve.p
    z1z1 = z1 * z1 % p
    if z2 == 1:
        u1, s1 = x1, y1
    else:
        z2z2 = z2 * z2 % p
        u1 = x1 * z2z2 % p
        s1 = y1 * z2 * z2z2 % p
    u2 = x2 * z1z1 % p
    s2 = y2 * z1 * z1z1 % p
    h = (u2 - u1) % p
    r = (s2 - s1) % p
    if h == 0:
        return _double(first, curve) if r == 0 else _INFINITY
    hh = h * h % p
    hhh = h * hh % p
    v = u1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    y3 = (r * (v - x3) - s1 * hhh) % p
    return x3, y3, z1 * z2 * h % p


def _affine(point: Point, curve: Curve) -> tuple[int, int] | None:
    x, y, z = point
    if z == 0:
        return None
    z_inv = pow(z, -1, curve.p)
    z_inv2 = z_inv * z_inv % curve.p
    return x * z_inv2 % curve.p, y * z_inv2 * z_inv % curve.p


def _multiply(k: int, point: Point, curve: Curve) -> Point:
    """k·P with a 4-bit fixed window."""
    table: list[Point] = [_INFINITY, point]
    for _ in range(14):
        table.append(_add(table[-1], point, curve))
    result = _INFINITY
    for shift in range(((k.bit_length() + 3) // 4 - 1) * 4, -1, -4):
        for _ in range(4):
            result = _double(result, curve)
        nibble = (k >> shift) & 0xF
        if nibble:
            result = _add(result, table[nibble], curve)
    return result


@functools.cache
def _base_table(curve: Curve) -> tuple[tuple[Point, ...], ...]:
    """j·16^i·G in affine form (Z = 1) for every nibble position i and nibble value j: k·G is then one addition
    per nibble and no doubling."""
    rows = []
    base: Point = (curve.gx, curve.gy, 1)
    for _ in range((curve.n.bit_length() + 3) // 4):
        row: list[Point] = [_INFINITY]
        current = _INFINITY
        for _ in range(15):
            current = _add(current, base, curve)
            xy = _affine(current, curve)
            row.append(_INFINITY if xy is None else (xy[0], xy[1], 1))
        rows.append(tuple(row))
        for _ in range(4):
            base = _double(base, curve)
        xy = _affine(base, curve)
        assert xy is not None
        base = (xy[0], xy[1], 1)
    return tuple(rows)


def _multiply_base(k: int, curve: Curve) -> Point:
    result = _INFINITY
    for row in _base_table(curve):
        nibble = k & 0xF
        if nibble:
            result = _add(result, row[nibble], curve)
        k >>= 4
    return result


# Keys ---------------------------------------------------------------------------------------------------------------


def generate_private_key(curve: Curve = SM2P256V1) -> int:
    """A random private key d in [1, n − 2] (1 + d must be invertible mod n)."""
    return secrets.randbelow(curve.n - 2) + 1


def public_point(private_key: int, curve: Curve = SM2P256V1) -> tuple[int, int]:
    if not 1 <= private_key <= curve.n - 2:
        raise ValueError("SM2 private key out of range")
    xy = _affine(_multiply_base(private_key, curve), curve)
    assert xy is not None
    return xy


def is_on_curve(x: int, y: int, curve: Curve = SM2P256V1) -> bool:
    p = curve.p
    return 0 <= x < p and 0 <= y < p and (y * y - (x * x * x + curve.a * x + curve.b)) % p == 0


def encode_public_key(point: tuple[int, int], curve: Curve = SM2P256V1) -> bytes:
    """Uncompressed SEC 1 form: 0x04 ‖ x ‖ y."""
    return b"\x04" + point[0].to_bytes(curve.size, "big") + point[1].to_bytes(curve.size, "big")


def decode_public_key(data: bytes, curve: Curve = SM2P256V1) -> tuple[int, int]:
    """The point of an uncompressed public key; ValueError when it is not one on the curve."""
    size = curve.size
    if len(data) != 1 + 2 * size or data[0] != 4:
        raise ValueError(f"an SM2 public key is 0x04 followed by {2 * size} bytes")
    x = int.from_bytes(data[1 : 1 + size], "big")
    y = int.from_bytes(data[1 + size :], "big")
    if not is_on_curve(x, y, curve):
        raise ValueError("the point is not on the SM2 curve")
    return x, y


# Signatures ---------------------------------------------------------------------------------------------------------


def user_hash(point: tuple[int, int], user_id: bytes = DEFAULT_USER_ID, curve: Curve = SM2P256V1) -> bytes:
    """Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A), GB/T 32918.2 §5.5."""
    bits = len(user_id) * 8
    if bits > 0xFFFF:
        raise ValueError("SM2 user id too long")
    size = curve.size
    return sm3(
        bits.to_bytes(2, "big")
        + user_id
        + b"".join(value.to_bytes(size, "big") for value in (curve.a, curve.b, curve.gx, curve.gy, *point))
    )


def message_digest(
    point: tuple[int, int], message: bytes, user_id: bytes = DEFAULT_USER_ID, curve: Curve = SM2P256V1
) -> int:
    """e = SM3(Z_A ‖ M) as an integer."""
    return int.from_bytes(sm3(user_hash(point, user_id, curve) + message), "big")


def _hedged_k(private_key: int, e: int, curve: Curve, attempt: int) -> int:
    """A per-signature number that stays secret even if the random source is weak: HMAC-SM3 keyed with the
    private key over the digest, 32 fresh random bytes and a counter, widened to 512 bits and reduced."""
    key = private_key.to_bytes(curve.size, "big")
    seed = e.to_bytes(curve.size, "big") + secrets.token_bytes(32) + attempt.to_bytes(4, "big")
    wide = hmac_sm3(key, b"\x00" + seed) + hmac_sm3(key, b"\x01" + seed)
    return int.from_bytes(wide, "big") % (curve.n - 1) + 1


def sign(
    private_key: int,
    message: bytes,
    user_id: bytes = DEFAULT_USER_ID,
    curve: Curve = SM2P256V1,
    *,
    point: tuple[int, int] | None = None,
    k: int | None = None,
) -> bytes:
    """The signature r ‖ s (64 bytes) of ``message``, GB/T 32918.2 §6.1. ``k`` is for the standard's worked
    examples only; leave it out."""
    if point is None:
        point = public_point(private_key, curve)
    n = curve.n
    e = message_digest(point, message, user_id, curve)
    d_inv = pow(1 + private_key, -1, n)
    attempt = 0
    while True:
        this_k = k if k is not None else _hedged_k(private_key, e, curve, attempt)
        attempt += 1
        xy = _affine(_multiply_base(this_k, curve), curve)
        assert xy is not None
        r = (e + xy[0]) % n
        if r == 0 or r + this_k == n:
            if k is not None:
                raise ValueError("the given k does not give a signature")
            continue
        s = d_inv * (this_k - r * private_key) % n
        if s == 0:
            if k is not None:
                raise ValueError("the given k does not give a signature")
            continue
        size = curve.size
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def verify(
    point: tuple[int, int],
    message: bytes,
    signature: bytes,
    user_id: bytes = DEFAULT_USER_ID,
    curve: Curve = SM2P256V1,
) -> bool:
    """Whether ``signature`` (r ‖ s) is valid for ``message`` under the public key ``point``, GB/T 32918.2 §7.1."""
    size = curve.size
    if len(signature) != 2 * size or not is_on_curve(*point, curve):
        return False
    n = curve.n
    r = int.from_bytes(signature[:size], "big")
    s = int.from_bytes(signature[size:], "big")
    if not (1 <= r < n and 1 <= s < n):
        return False
    t = (r + s) % n
    if t == 0:
        return False
    e = message_digest(point, message, user_id, curve)
    total = _add(_multiply_base(s, curve), _multiply(t, (point[0], point[1], 1), curve), curve)
    xy = _affine(total, curve)
    if xy is None:
        return False
    return hmac.compare_digest(((e + xy[0]) % n).to_bytes(size, "big"), signature[:size])
