"""This node's identity: made by `dangan init`, shown by `dangan replication identity`, served signed at
/replication/identity and checked by whoever pairs with it against the fingerprint they were given."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from dangan.cli import main
from dangan.replication import node
from dangan.replication.node import IdentityDocumentError, check_identity_document, ensure_node


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    settings.REPLICATION_HOME = tmp_path / "replication"
    settings.REPLICATION_NODE_NAME = "GZ"
    return settings.REPLICATION_HOME


def test_ensure_node_makes_the_keys_once_and_keeps_them_private(home: Path) -> None:
    first, created = ensure_node()
    again, created_again = ensure_node()
    assert created and not created_again
    assert again.node_id == first.node_id and again.fingerprint == first.fingerprint
    for name in ("node-identity.json", "master.key"):
        assert (home / name).stat().st_mode & 0o077 == 0, name
    assert node.master_key().key_id  # readable by this process


def test_ed25519_where_sm2_is_not_wanted(home: Path) -> None:
    identity, _created = ensure_node("ed25519")
    assert identity.algorithm.value == "ed25519"


@pytest.mark.django_db
def test_the_cli_shows_the_identity_as_json(home: Path, capsys: Any) -> None:
    assert main(["replication", "identity"]) == 1  # before dangan init
    assert "dangan init" in capsys.readouterr().err
    identity, _created = ensure_node()
    assert main(["replication", "identity", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert {"name", "node_id", "fingerprint"} <= set(shown)
    assert shown["name"] == "GZ" and shown["node_id"] == str(identity.node_id)
    assert shown["fingerprint"] == str(identity.fingerprint)


@pytest.mark.django_db(transaction=True)
def test_a_partner_fetches_the_document_and_checks_it_against_the_fingerprint(home: Path, live_server: Any) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{live_server.url}/replication/identity")
    assert refused.value.code == 503  # no identity yet
    identity, _created = ensure_node()
    with urllib.request.urlopen(f"{live_server.url}/replication/identity") as answer:
        document = json.loads(answer.read())
    typed = str(identity.fingerprint).replace(" ", ":").lower()  # as read out on the telephone
    assert check_identity_document(document, typed) == identity.public_key
    with pytest.raises(IdentityDocumentError, match="指纹不符"):
        check_identity_document(document, "00" * 32)
    forged = {**document, "name": "YN"}  # changed after signing
    with pytest.raises(IdentityDocumentError, match="未由其公钥签名"):
        check_identity_document(forged, typed)
    with pytest.raises(IdentityDocumentError, match="格式不对"):
        check_identity_document({"name": "GZ"}, typed)
