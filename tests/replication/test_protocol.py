# ruff: noqa: F811 (pytest fixtures imported from tests/replication/transfers.py)
"""The node protocol between two real dangan nodes on loopback (tests/replication/nodes.py): this test process
acts as the owner (node0: its key, its pinned partner) and talks to the keeper (node1, a `dangan serve` of its
own) through PartnerStore / NodeClient — put, resume after the keeper crashed, idempotent re-put, range reads,
list, delete, usage and the quota, proofs checked against the owner's own envelope, a flipped byte found, forged
answers, stale and replayed requests, suspended and removed partners."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dangan.replication.crypto import messages
from dangan.replication.crypto.envelope import EnvelopeChunks, EnvelopeHeader, encrypt_file
from dangan.replication.crypto.identity import NodeIdentity, PublicKey, verify
from dangan.replication.crypto.keys import MasterKey
from dangan.replication.crypto.proofs import (
    CopyChallenge,
    EnvelopeFiles,
    ProofHash,
    answer_copy,
    check_copy_answer,
    copy_ranges,
)
from dangan.replication.models import Target
from dangan.replication.protocol.client import NodeClient, PartnerRefused
from dangan.replication.stores.base import StoreError
from dangan.replication.stores.partner import PartnerStore
from dangan.replication.stores.registry import store_for

from .nodes import Node, start_nodes
from .tls import TLSFront, self_signed
from .transfers import make_unit, preserved, source_files, storage  # noqa: F401 (fixtures)

QUOTA = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Node]]:
    with start_nodes(tmp_path_factory.mktemp("nodes"), 2, quota_bytes=QUOTA) as started:
        yield started


@pytest.fixture
def owner(nodes: list[Node], settings: Any) -> Node:
    """This test process speaks as node0."""
    settings.REPLICATION_HOME = nodes[0].replication_home
    return nodes[0]


@pytest.fixture
def keeper(nodes: list[Node], owner: Node) -> Iterator[Node]:
    keeper = nodes[1]
    yield keeper
    if keeper.process is None:  # a test that crashed it
        keeper.start()


@pytest.fixture
def store(keeper: Node) -> PartnerStore:
    return PartnerStore(keeper.as_partner())


def envelope(owner: Node, tmp_path: Path, size: int = 300_000, chunk_size: int = 16 * 1024) -> tuple[Path, str]:
    """A real envelope of ``size`` random bytes sealed with the owner's master key, and its name at a target."""
    plaintext = tmp_path / f"plain-{secrets.token_hex(4)}"
    plaintext.write_bytes(secrets.token_bytes(size))
    sealed = tmp_path / f"{plaintext.name}.env"
    manifest = encrypt_file(
        MasterKey.load(owner.replication_home), plaintext, sealed, object_id=secrets.token_hex(8), chunk_size=chunk_size
    )
    return sealed, f"content/{manifest.header.content_tag.hex()}"


def pieces_of(data: bytes, asked: list[int] | None = None, size: int = 16 * 1024) -> Any:
    def pieces(offset: int) -> Iterator[bytes]:
        if asked is not None:
            asked.append(offset)
        for start in range(offset, len(data), size):
            yield data[start : start + size]

    return pieces


def kept_path(keeper: Node, owner: Node, name: str) -> Path:
    return keeper.keeping_root / owner.identity["node_id"] / name


def test_put_list_read_re_put_and_delete(owner: Node, keeper: Node, store: PartnerStore, tmp_path: Path) -> None:
    sealed, name = envelope(owner, tmp_path)
    data = sealed.read_bytes()
    receipt = store.put(name, len(data), pieces_of(data))
    assert (receipt.name, receipt.size, receipt.sha256) == (name, len(data), hashlib.sha256(data).hexdigest())
    assert receipt.signer == keeper.identity["fingerprint"]
    # The receipt is evidence: the keeper's signature over the answer that carries it, bound to our request.
    evidence = json.loads(receipt.signed or b"")
    keeper_key = PublicKey.parse(keeper.identity["public_key"])
    assert verify(keeper_key, evidence["answer"].encode(), bytes.fromhex(evidence["answer_signature"]))
    assert json.loads(evidence["body"])["sha256"] == receipt.sha256
    assert f"body-sha256:{hashlib.sha256(evidence['body'].encode()).hexdigest()}" in evidence["answer"]

    kept = kept_path(keeper, owner, name)
    assert kept.read_bytes() == data  # in the keeper's area for this partner, whole, under its name
    assert not kept.with_name(kept.name + ".partial").exists()

    [listed] = [held for held in store.list("content/") if held.name == name]
    assert (listed.size, listed.complete) == (len(data), True)
    assert store.stat(name) == listed
    assert list(store.list("manifests/")) == []

    assert store.read(name, 1000, 5000) == data[1000:6000]
    assert store.read(name, len(data) - 10) == data[-10:]
    assert store.read(name, len(data) - 10, 100) == data[-10:]
    assert store.read(name) == data

    asked: list[int] = []
    again = store.put(name, len(data), pieces_of(data, asked))  # idempotent: confirmed, nothing sent
    assert asked == [] and again.sha256 == receipt.sha256

    assert store.usage().used >= len(data) and store.usage().limit == QUOTA
    store.delete(name)
    store.delete(name)  # absent is not an error
    assert store.stat(name) is None and not kept.exists()
    with pytest.raises(FileNotFoundError):
        store.read(name)
    logged = keeper.shell(
        "from dangan.core.models import AuditEntry; "
        "print(sorted(AuditEntry.objects.filter(action__startswith='replication.keeping')"
        f".filter(data__name={name!r}).values_list('action', 'username')))"
    )
    assert f"('replication.keeping.delete', 'partner:{owner.name}')" in logged
    assert f"('replication.keeping.receive', 'partner:{owner.name}')" in logged


def test_an_upload_resumes_after_the_keeper_was_killed(
    owner: Node, keeper: Node, store: PartnerStore, tmp_path: Path
) -> None:
    sealed, name = envelope(owner, tmp_path)
    data = sealed.read_bytes()
    store.put_bytes = 64 * 1024

    def crashing(offset: int) -> Iterator[bytes]:
        for start in range(offset, len(data), 16 * 1024):
            if start >= 2 * store.put_bytes + 16 * 1024:
                keeper.kill()  # the first piece answered, the second answered or on its way: the keeper dies
            yield data[start : start + 16 * 1024]

    with pytest.raises(StoreError) as failed:
        store.put(name, len(data), crashing)
    assert failed.value.retry and "无法连接" in str(failed.value)

    keeper.start()
    held = store.stat(name)
    # PUTs are pipelined (the next body is sealed while one is on its way): what the keeper holds is every piece it
    # confirmed, whole pieces only.
    assert held is not None and held.size in (store.put_bytes, 2 * store.put_bytes) and not held.complete
    with pytest.raises(PartnerRefused) as wrong:  # a PUT at another offset is told what is held
        store.client.call("PUT", f"envelopes/{name}", {"offset": 0, "size": len(data)}, data[:10])
    assert (wrong.value.status, wrong.value.code, wrong.value.data["held"]) == (409, "wrong-offset", held.size)

    asked: list[int] = []
    receipt = store.put(name, len(data), pieces_of(data, asked))
    assert asked == [held.size]  # resumed where the keeper stopped, not from the start
    assert receipt.sha256 == hashlib.sha256(data).hexdigest()
    assert kept_path(keeper, owner, name).read_bytes() == data
    store.delete(name)


def test_a_write_beyond_the_quota_is_refused(owner: Node, keeper: Node, store: PartnerStore) -> None:
    name = "content/" + "ab" * 32
    data = secrets.token_bytes(QUOTA - store.usage().used + 1)
    with pytest.raises(PartnerRefused) as full:
        store.put(name, len(data), pieces_of(data))
    assert (full.value.status, full.value.code, full.value.retry) == (507, "quota-exceeded", True)
    assert "代存容量" in str(full.value)
    assert store.stat(name) is None and store.usage().used == 0


def test_a_proof_is_answered_by_the_keeper_and_checked_by_the_owner(
    owner: Node, keeper: Node, store: PartnerStore, tmp_path: Path
) -> None:
    first, first_name = envelope(owner, tmp_path, size=100_000, chunk_size=4096)
    second, second_name = envelope(owner, tmp_path, size=50_000, chunk_size=4096)
    for path, name in ((first, first_name), (second, second_name)):
        store.put(name, path.stat().st_size, pieces_of(path.read_bytes()))
    mine = EnvelopeFiles({first_name: first, second_name: second})
    counts = sorted((name, len(EnvelopeChunks(path))) for name, path in ((first_name, first), (second_name, second)))

    def every_chunk() -> CopyChallenge:
        samples = {name: tuple(range(count)) for name, count in counts}
        return CopyChallenge(secrets.token_bytes(32), samples, copy_ranges(counts), ProofHash.HMAC_SM3)

    challenge = every_chunk()
    result = check_copy_answer(challenge, store.prove(challenge), answer_copy(challenge, mine))
    assert result.ok
    assert 0 < store.last_traffic[0] < 4096 and 0 < store.last_traffic[1] < 8192

    # One byte flipped in the keeper's copy, in chunk 5 of the second envelope.
    kept = kept_path(keeper, owner, second_name)
    damaged = bytearray(kept.read_bytes())
    damaged[EnvelopeHeader.read(second.open("rb")).chunk_offset(5) + 40] ^= 0x01
    kept.write_bytes(bytes(damaged))
    challenge = every_chunk()
    result = check_copy_answer(challenge, store.prove(challenge), answer_copy(challenge, mine))
    assert not result.ok and result.damaged == ((second_name, 5),) and result.ranges_failed == (0,)

    # An envelope the keeper does not have: its chunks are missing, the others still prove.
    absent = "content/" + "cd" * 32
    challenge = CopyChallenge(secrets.token_bytes(32), {first_name: (0, 3), absent: (0, 2)})
    answer = store.prove(challenge)
    assert answer.missing == {absent: (0, 2)} and set(answer.digests) == {first_name}
    for name in (first_name, second_name):
        store.delete(name)


def test_an_answer_not_signed_by_the_pinned_key_is_refused(owner: Node, keeper: Node) -> None:
    impostor_key = owner.identity["public_key"]  # pinned wrongly: the keeper's genuine answers are not its
    forged = PartnerStore(keeper.as_partner(public_key=impostor_key))
    with pytest.raises(StoreError) as refused:
        forged.usage()
    assert "bad-signature" in str(refused.value) and not refused.value.retry


def test_stale_and_replayed_requests_are_refused(owner: Node, keeper: Node, store: PartnerStore) -> None:
    client = store.client
    stale = client.request("GET", client.path("usage"), now=time.time() - 3600)
    assert stale.status == 401 and stale.json()["error"] == "stale"  # the refusal itself is signed and checked

    me = NodeIdentity.load(owner.replication_home)
    signed = messages.sign_request(me, recipient=keeper.as_partner().node_id, method="GET", path=client.path("usage"))
    assert client.send(signed, b"").status == 200
    replayed = client.send(signed, b"")
    assert replayed.status == 401 and replayed.json()["error"] == "replayed"

    tampered = messages.sign_request(
        me,
        recipient=keeper.as_partner().node_id,
        method="PUT",
        path=client.path("envelopes/content/" + "ef" * 32, {"offset": 0, "size": 3}),
        body=b"abc",
    )
    answer = client.send(tampered, b"abd")  # the body changed on the way
    assert answer.status == 401 and answer.json()["error"] == "body-mismatch"


def test_a_suspended_and_a_removed_partner_are_refused(owner: Node, keeper: Node, store: PartnerStore) -> None:
    try:
        keeper.set_partner_status(owner, "suspended")
        with pytest.raises(PartnerRefused) as suspended:
            store.usage()
        assert (suspended.value.status, suspended.value.code) == (403, "partner-suspended")
        with urllib.request.urlopen(f"{keeper.url}/replication/identity") as answer:  # identity stays open
            assert json.loads(answer.read())["node_id"] == keeper.identity["node_id"]
        keeper.set_partner_status(owner, "removed")
        with pytest.raises(PartnerRefused) as removed:
            store.usage()
        assert (removed.value.status, removed.value.code) == (403, "unknown-key")
    finally:
        keeper.set_partner_status(owner, "active")
    assert store.usage().limit == QUOTA


def test_plain_http_only_to_loopback(owner: Node, keeper: Node, settings: Any) -> None:
    far = keeper.as_partner()
    far.url = "http://192.0.2.10:8000"
    with pytest.raises(StoreError) as refused:
        NodeClient(far)
    assert "DANGAN_REPLICATION_ALLOW_HTTP" in str(refused.value)
    settings.REPLICATION_ALLOW_HTTP = True
    NodeClient(far)
    far.url = "http://[::1]:8000"
    settings.REPLICATION_ALLOW_HTTP = False
    NodeClient(far)


def test_the_registry_serves_partner_targets(keeper: Node) -> None:
    partner = keeper.as_partner()
    assert isinstance(store_for(Target(name="p", kind="partner", partner=partner)), PartnerStore)


def test_https_with_the_partners_certificate_pinned(owner: Node, keeper: Node, tmp_path: Path) -> None:
    cert_file, key_file, fingerprint = self_signed(tmp_path)
    front = TLSFront(keeper.port, cert_file, key_file)
    try:
        partner = keeper.as_partner()
        partner.url = f"https://127.0.0.1:{front.port}"
        partner.tls_fingerprint = fingerprint  # self-signed: trusted because pinned, not because of a CA
        assert PartnerStore(partner).usage().limit == QUOTA
        partner.tls_fingerprint = "00:" * 31 + "00"
        with pytest.raises(StoreError) as refused:
            PartnerStore(partner).usage()
        assert "证书" in str(refused.value) and not refused.value.retry
        partner.tls_fingerprint = ""  # not pinned: the system's CAs do not know it
        with pytest.raises(StoreError) as unknown:
            PartnerStore(partner).usage()
        assert "证书" in str(unknown.value)
    finally:
        front.close()


@pytest.mark.django_db
def test_a_package_replicates_to_the_keeper_with_several_envelopes_on_their_way(
    owner: Node, keeper: Node, store: PartnerStore, storage: Any, preserved: Any
) -> None:
    from dangan.replication.actions.transfers import replicate_package
    from dangan.replication.choices import ReplicaState
    from dangan.replication.crypto.envelope import decrypt
    from dangan.replication.models import Replica
    from dangan.replication.node import master_key

    files = {f"scan-{i}.bin": secrets.token_bytes(40_000 + i) for i in range(5)}
    package = preserved(files)
    partner = keeper.as_partner()
    partner.save()
    target = Target.objects.create(
        name=keeper.name, kind="partner", medium="disk", partner=partner, options={"chunk_size": 4096}
    )
    store.put_bytes = 16 * 1024  # several pipelined PUTs per envelope
    assert store.parallel_puts > 1

    result = replicate_package(package, target, store=store)

    replica = Replica.objects.get(package=package, target=target)
    assert result.version_number == 1 and replica.state == ReplicaState.CURRENT
    rows = list(replica.envelopes.all())
    held = {item.name: item for item in store.list()}
    assert {row.name for row in rows} == set(held) and all(item.complete for item in held.values())
    for row in rows:  # what the keeper holds is what the owner sealed and recorded, byte for byte
        kept = kept_path(keeper, owner, row.name).read_bytes()
        assert len(kept) == row.ciphertext_size and hashlib.sha256(kept).hexdigest() == row.manifest["sha256"]
    base = Path(storage.backend.describe(storage.object_path(package.object_id)))
    contents = {p.read_bytes() for p in base.rglob("*") if p.is_file()}
    for row in rows:
        with open(kept_path(keeper, owner, row.name), "rb") as handle:
            plaintext = b"".join(decrypt(master_key(), handle))
        assert plaintext in contents or row.kind == "manifest"
    assert files.keys() and all(data in contents for data in files.values())
    for name in held:
        store.delete(name)
