"""The master key in its file, and its escrow as k-of-n shares that custodians can type back in."""

from __future__ import annotations

import itertools
import os
import secrets
import stat
from pathlib import Path

import pytest

from dangan.replication.crypto import shares
from dangan.replication.crypto.envelope import decrypt_file, encrypt_file
from dangan.replication.crypto.errors import (
    InconsistentShares,
    KeyFileExists,
    KeyFileExposed,
    MalformedShare,
    NotEnoughShares,
    RecoveredKeyMismatch,
    ShareChecksumMismatch,
)
from dangan.replication.crypto.keys import MASTER_KEY_FILE, MasterKey
from dangan.replication.crypto.shares import Share, combine, interpolate, split

CUSTODIANS = ["馆长 张三", "副馆长 李四", "保管利用部 王五", "云南省档案馆", "山西省档案馆"]


def test_master_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    key = MasterKey.create(tmp_path)
    path = tmp_path / MASTER_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert MasterKey.load(tmp_path) == key
    assert key.export_secret().hex() not in repr(key)
    with pytest.raises(KeyFileExists):
        MasterKey.create(tmp_path)
    assert MasterKey.load(tmp_path) == key
    path.chmod(0o640)
    with pytest.raises(KeyFileExposed):
        MasterKey.load(tmp_path)


def test_any_k_of_n_shares_give_the_key_back() -> None:
    key = MasterKey.generate()
    lines = [share.to_line() for share in split(key, 3, CUSTODIANS)]
    assert len(lines) == 5
    for chosen in itertools.permutations(lines, 3):
        assert combine(chosen) == key
    for four in itertools.combinations(lines, 4):
        assert combine(four) == key
    assert combine(lines) == key


def test_a_share_is_one_printable_line_saying_whose_and_which() -> None:
    key = MasterKey.generate()
    line = split(key, 2, CUSTODIANS[:3])[1].to_line()
    assert "\n" not in line and line.isprintable()
    assert line.startswith("DANGAN-SHARE-1 | 副馆长 李四 | k=2 | n=3 | i=2 | key=" + key.key_id.hex() + " | ")
    assert key.export_secret().hex() not in line


def test_typed_back_loosely_is_still_accepted() -> None:
    key = MasterKey.generate()
    lines = [share.to_line() for share in split(key, 2, CUSTODIANS[:3])]
    sloppy = [lines[0].lower().replace("dangan-share-1", "DANGAN-SHARE-1"), "  " + lines[2].replace(" ", "  ") + "\n"]
    assert combine(sloppy) == key


def test_a_typo_is_refused_by_name_before_anything_is_combined() -> None:
    key = MasterKey.generate()
    lines = [share.to_line() for share in split(key, 3, CUSTODIANS)]
    body = lines[1].split(" | ")[6]
    changed = body[:5] + ("A" if body[5] != "A" else "B") + body[6:]
    typo = lines[1].replace(body, changed)
    with pytest.raises(ShareChecksumMismatch) as caught:
        combine([lines[0], typo, lines[2]])
    assert caught.value.params == {"line": 2, "label": "副馆长 李四"}
    assert "第 2 份" in str(caught.value) and "副馆长 李四" in str(caught.value)
    for field, replacement in (("k=3", "k=2"), ("i=2", "i=4"), ("副馆长 李四", "副馆长 李五")):
        with pytest.raises(ShareChecksumMismatch):
            Share.parse(lines[1].replace(field, replacement))
    with pytest.raises(ShareChecksumMismatch):
        Share.parse(lines[1][:-1] + ("A" if lines[1][-1] != "A" else "B"))
    with pytest.raises(MalformedShare):
        Share.parse("DANGAN-SHARE-1 | only | three")
    with pytest.raises(MalformedShare):
        Share.parse(lines[1].replace("k=3", "k=three"))


def test_k_minus_1_shares_do_not_give_the_key() -> None:
    key = MasterKey.generate()
    parts = split(key, 3, CUSTODIANS)
    with pytest.raises(NotEnoughShares) as caught:
        combine([parts[0].to_line(), parts[4].to_line()])
    assert caught.value.params == {"k": 3, "given": 2}
    with pytest.raises(NotEnoughShares):
        combine([parts[0].to_line(), parts[0].to_line(), parts[1].to_line()])  # the same share twice is one
    # Forcing the arithmetic through k − 1 points gives some other bytes, not the key.
    guess = interpolate([(parts[0].index, parts[0].body), (parts[4].index, parts[4].body)])
    assert guess != key.export_secret()


def test_k_minus_1_shares_are_consistent_with_every_possible_key() -> None:
    """Why k − 1 shares say nothing: for every value of a key byte there is a k-th point that, with the k − 1
    shares, makes a valid split of exactly that value. So every key is equally possible given k − 1 shares."""
    key = MasterKey.generate()
    parts = split(key, 3, CUSTODIANS)
    known = [(parts[0].index, parts[0].body[:1]), (parts[3].index, parts[3].body[:1])]
    reachable = set()
    for candidate in range(256):
        # The polynomial through the two known points and (0, candidate) has some value at x = 2 …
        third = interpolate([*known, (0, bytes([candidate]))], at=2)
        # … and the three shares together then give back exactly that candidate.
        reachable.add(interpolate([*known, (2, third)])[0])
    assert reachable == set(range(256))


def test_shares_of_different_splits_or_keys_are_caught() -> None:
    key = MasterKey.generate()
    first = split(key, 2, CUSTODIANS[:3])
    second = split(key, 2, CUSTODIANS[:3])  # the same key split again: other random polynomials
    with pytest.raises(RecoveredKeyMismatch):
        combine([first[0].to_line(), second[1].to_line()])
    with pytest.raises(RecoveredKeyMismatch):
        combine([first[0].to_line(), first[1].to_line(), second[2].to_line()])  # more than k: all must agree
    other = split(MasterKey.generate(), 2, CUSTODIANS[:3])
    with pytest.raises(InconsistentShares):
        combine([first[0].to_line(), other[1].to_line()])
    with pytest.raises(ValueError):
        split(key, 1, CUSTODIANS)
    with pytest.raises(ValueError):
        split(key, 4, CUSTODIANS[:3])
    with pytest.raises(ValueError):
        split(key, 2, ["a|b", "c"])


def test_restore_on_a_new_machine_from_the_shares_alone(tmp_path: Path) -> None:
    old_home, new_home = tmp_path / "old", tmp_path / "new"
    key = MasterKey.create(old_home)
    data = os.urandom(50_000)
    (tmp_path / "plain").write_bytes(data)
    encrypt_file(key, tmp_path / "plain", tmp_path / "copy.dgn", object_id="obj", chunk_size=4096)
    lines = [share.to_line() for share in split(key, 3, CUSTODIANS)]
    del key  # the old machine is gone

    recovered = shares.combine([lines[4], lines[1], lines[2]])
    recovered.install(new_home)
    decrypt_file(MasterKey.load(new_home), tmp_path / "copy.dgn", tmp_path / "restored")
    assert (tmp_path / "restored").read_bytes() == data


def test_version_2_shares_carry_the_node_identity_with_the_key_and_version_1_is_still_read() -> None:
    from dangan.replication.crypto.identity import Algorithm, NodeIdentity, verify
    from dangan.replication.crypto.shares import combine_bundle

    key = MasterKey(secrets.token_bytes(32))
    for algorithm in (Algorithm.SM2, Algorithm.ED25519):
        identity = NodeIdentity.generate(algorithm)
        lines = [s.to_line() for s in split(key, 2, ["甲", "乙", "丙"], identity=identity)]
        assert all(line.startswith("DANGAN-SHARE-2 | ") for line in lines)
        restored_key, restored = combine_bundle([lines[2], lines[0]])
        assert restored_key == key and restored is not None
        assert restored.node_id == identity.node_id and restored.public_key == identity.public_key
        assert verify(identity.public_key, b"x", restored.sign(b"x"))  # the same private key
        assert combine(lines[:2]) == key
    old = [s.to_line() for s in split(key, 2, ["甲", "乙"])]
    assert old[0].startswith("DANGAN-SHARE-1 | ")
    assert combine_bundle(old) == (key, None)
    with pytest.raises(InconsistentShares):  # one line of each version
        combine([old[0], lines[1]])
