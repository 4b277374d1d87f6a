"""SM2 signatures against the standard's worked examples, and the checks gmssl 3.2.2 leaves out."""

from __future__ import annotations

import pytest

from dangan.replication.crypto import sm2

# GB/T 32918.5-2017 (GM/T 0003.5-2012) Annex A: the recommended curve, default user id.
D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
X = 0x09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020
Y = 0xCCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13
K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
Z_A = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
E = 0xF0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640
SIGNATURE = (
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)

# GM/T 0003.2-2012 Annex A (GB/T 32918.2 example): the 256-bit test curve, user id ALICE123@YAHOO.COM.
TEST_CURVE = sm2.Curve(
    name="gmt0003-example-fp256",
    p=0x8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3,
    a=0x787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498,
    b=0x63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A,
    n=0x8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7,
    gx=0x421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D,
    gy=0x0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2,
)
ALICE = b"ALICE123@YAHOO.COM"
ALICE_D = 0x128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263
ALICE_X = 0x0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A
ALICE_Y = 0x7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857
ALICE_K = 0x6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F
ALICE_Z = "F4A38489E32B45B6F876E3AC2168CA392362DC8F23459C1D1146FC3DBFB7BC9A"
ALICE_E = 0xB524F552CD82B8B028476E005C377FB19A87E6FC682D48BB5D42E3D9B9EFFE76
ALICE_SIGNATURE = (
    "40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1"
    "6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7"
)

MESSAGE = b"message digest"


def test_recommended_curve_example_every_intermediate_value() -> None:
    assert sm2.public_point(D) == (X, Y)
    assert sm2.user_hash((X, Y)).hex().upper() == Z_A
    assert sm2.message_digest((X, Y), MESSAGE) == E
    assert sm2.sign(D, MESSAGE, k=K).hex().upper() == SIGNATURE
    assert sm2.verify((X, Y), MESSAGE, bytes.fromhex(SIGNATURE))


def test_test_curve_example_with_another_user_id() -> None:
    point = sm2.public_point(ALICE_D, TEST_CURVE)
    assert point == (ALICE_X, ALICE_Y)
    assert sm2.user_hash(point, ALICE, TEST_CURVE).hex().upper() == ALICE_Z
    assert sm2.message_digest(point, MESSAGE, ALICE, TEST_CURVE) == ALICE_E
    assert sm2.sign(ALICE_D, MESSAGE, ALICE, TEST_CURVE, k=ALICE_K).hex().upper() == ALICE_SIGNATURE
    assert sm2.verify(point, MESSAGE, bytes.fromhex(ALICE_SIGNATURE), ALICE, TEST_CURVE)
    assert not sm2.verify(point, MESSAGE, bytes.fromhex(ALICE_SIGNATURE), sm2.DEFAULT_USER_ID, TEST_CURVE)


def test_fresh_keys_sign_and_verify_and_every_change_fails() -> None:
    d = sm2.generate_private_key()
    point = sm2.public_point(d)
    signature = sm2.sign(d, b"receipt")
    assert len(signature) == sm2.SIGNATURE_BYTES
    assert sm2.verify(point, b"receipt", signature)
    assert sm2.sign(d, b"receipt") != signature  # a fresh k each time
    assert not sm2.verify(point, b"receipt!", signature)
    assert not sm2.verify(sm2.public_point(sm2.generate_private_key()), b"receipt", signature)
    for position in (0, 31, 32, 63):
        changed = bytearray(signature)
        changed[position] ^= 1
        assert not sm2.verify(point, b"receipt", bytes(changed))


def test_out_of_range_and_degenerate_signatures_are_refused() -> None:
    """Only 1 ≤ r, s < n is a signature (gmssl 3.2.2 does not check the range)."""
    signature = bytes.fromhex(SIGNATURE)
    n = sm2.SM2P256V1.n.to_bytes(32, "big")
    zero = bytes(32)
    for r, s in ((n, signature[32:]), (signature[:32], n), (zero, signature[32:]), (signature[:32], zero)):
        assert not sm2.verify((X, Y), MESSAGE, r + s)
    assert not sm2.verify((X, Y), MESSAGE, signature[:63])
    assert not sm2.verify((X, Y), MESSAGE, signature + b"\x00")


def test_public_keys_off_the_curve_are_refused() -> None:
    encoded = sm2.encode_public_key((X, Y))
    assert sm2.decode_public_key(encoded) == (X, Y)
    with pytest.raises(ValueError, match="not on the SM2 curve"):
        sm2.decode_public_key(sm2.encode_public_key((X, Y + 1)))
    with pytest.raises(ValueError):
        sm2.decode_public_key(encoded[1:])
    assert not sm2.verify((X, Y + 1), MESSAGE, bytes.fromhex(SIGNATURE))


def test_public_key_whose_x_starts_with_zero_or_four_round_trips() -> None:
    """gmssl strips every leading '0' and '4' of a key given as 04…: keys like this one broke there."""
    point = (X, Y)  # x = 09F9…: hex starts with '0'
    encoded = sm2.encode_public_key(point)
    assert encoded.hex().startswith("0409")
    assert sm2.decode_public_key(encoded) == point
