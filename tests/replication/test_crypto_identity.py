"""A node's identity: created once (0600), loaded, fingerprints people can compare, signatures."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from dangan.replication.crypto.errors import BadFingerprint, BadPublicKey, KeyFileError, KeyFileExists, KeyFileExposed
from dangan.replication.crypto.identity import (
    IDENTITY_FILE,
    Algorithm,
    Fingerprint,
    NodeIdentity,
    PublicKey,
    verify,
)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_created_once_then_loaded_the_same(tmp_path: Path, algorithm: Algorithm) -> None:
    home = tmp_path / "replication"
    created = NodeIdentity.create(home, algorithm)
    path = home / IDENTITY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in home.iterdir()] == [IDENTITY_FILE]  # no staging file left behind
    loaded = NodeIdentity.load(home)
    assert loaded.node_id == created.node_id
    assert loaded.public_key == created.public_key
    assert loaded.algorithm is algorithm
    assert str(loaded.public_key).startswith(f"{algorithm.value}:")
    assert json.loads(path.read_text())["private_key"] not in repr(loaded)
    with pytest.raises(KeyFileExists):
        NodeIdentity.create(home, algorithm)
    assert NodeIdentity.load(home).node_id == created.node_id  # the first identity is untouched


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_signatures_verify_under_the_pinned_key_only(algorithm: Algorithm) -> None:
    node = NodeIdentity.generate(algorithm)
    other = NodeIdentity.generate(algorithm)
    signature = node.sign(b"receipt for object 1")
    assert len(signature) == 64
    pinned = PublicKey.parse(str(node.public_key))
    assert verify(pinned, b"receipt for object 1", signature)
    assert not verify(pinned, b"receipt for object 2", signature)
    assert not verify(other.public_key, b"receipt for object 1", signature)


def test_fingerprint_is_grouped_and_compared_ignoring_spaces_and_case() -> None:
    node = NodeIdentity.generate()
    shown = str(node.fingerprint)
    groups = shown.split(" ")
    assert len(groups) == 16 and all(len(group) == 4 for group in groups)
    assert shown == shown.upper()
    assert node.fingerprint.matches(shown.lower().replace(" ", ""))
    assert node.fingerprint.matches("  " + shown.replace(" ", "  ") + "\n")
    assert node.fingerprint.matches(Fingerprint.parse(shown.replace(" ", ":")))
    assert not node.fingerprint.matches(NodeIdentity.generate().fingerprint)
    assert not node.fingerprint.matches(shown[:-1] + ("0" if shown[-1] != "0" else "1"))
    assert not node.fingerprint.matches("not a fingerprint")
    with pytest.raises(BadFingerprint):
        Fingerprint.parse(shown[:-4])
    with pytest.raises(BadFingerprint):
        Fingerprint.parse(shown.replace(shown[0], "G", 1))


def test_fingerprint_is_sm3_for_sm2_and_sha256_for_ed25519_of_the_key_text() -> None:
    import hashlib

    from dangan.replication.crypto.sm2 import sm3

    sm2_node = NodeIdentity.generate(Algorithm.SM2)
    ed_node = NodeIdentity.generate(Algorithm.ED25519)
    assert sm2_node.fingerprint.digest == sm3(str(sm2_node.public_key).encode())
    assert ed_node.fingerprint.digest == hashlib.sha256(str(ed_node.public_key).encode()).digest()


def test_public_key_text_says_what_it_is_and_bad_ones_are_refused() -> None:
    node = NodeIdentity.generate()
    text = str(node.public_key)
    assert PublicKey.parse(text.upper().replace("SM2:", "sm2:")) == node.public_key
    for bad in ("04abcd", "rsa:00", "sm2:zz", "sm2:04" + "00" * 64, "ed25519:" + "00" * 31):
        with pytest.raises(BadPublicKey):
            PublicKey.parse(bad)
    with pytest.raises(BadPublicKey) as caught:
        PublicKey.parse("sm2:04" + "00" * 64)
    assert "SM2" in str(caught.value)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    NodeIdentity.create(tmp_path)
    (tmp_path / IDENTITY_FILE).chmod(0o644)
    with pytest.raises(KeyFileExposed) as caught:
        NodeIdentity.load(tmp_path)
    assert "0600" in str(caught.value)


def test_an_edited_key_file_is_refused(tmp_path: Path) -> None:
    NodeIdentity.create(tmp_path)
    path = tmp_path / IDENTITY_FILE
    document = json.loads(path.read_text())
    document["public_key"] = str(NodeIdentity.generate().public_key)
    path.write_text(json.dumps(document))
    with pytest.raises(KeyFileError, match="does not match"):
        NodeIdentity.load(tmp_path)
    with pytest.raises(KeyFileError):
        NodeIdentity.load(tmp_path / "missing")
