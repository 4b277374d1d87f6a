"""Blu-ray disc sets: envelopes staged at a disc target are written onto ISO 9660 + UDF images, each readable alone
with its own manifest, plus P and Q parity images; any two lost images of a set are rebuilt byte for byte, and a
flipped byte is found by reading the disc back. Real files, real images (pycdlib), a real SQLite register."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pycdlib
import pytest

from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from dangan.replication.actions.discs import do_mark_lost, do_read_back, do_rebuild, do_record_location, do_write_sets
from dangan.replication.models import Disc, DiscSet, Target
from dangan.replication.models.discs import DiscSetState, DiscState
from dangan.replication.stores.base import Pieces
from dangan.replication.stores.discs import DiscSetStore, read_disc_manifest, read_envelope_from_image
from dangan.replication.stores.registry import store_for

CAPACITY = 3 * 1024 * 1024  # a tiny "disc": about 0.9 MB of envelopes each


def envelopes(count: int = 14) -> dict[str, bytes]:
    """Random-looking envelopes of 150–250 kB, named as at a target."""
    made = {}
    for i in range(count):
        tag = hashlib.sha256(f"tag {i}".encode()).hexdigest()
        size = 150_000 + 7_919 * i
        made[f"content/{tag}"] = os.urandom(size)
    made["manifests/" + hashlib.sha256(b"manifest").hexdigest()] = os.urandom(3_000)
    return made


def pieces_of(data: bytes) -> Pieces:
    """The envelope's bytes from an offset on, in 64 kB pieces (what a store's put asks for)."""

    def pieces(offset: int) -> Iterator[bytes]:
        for start in range(offset, len(data), 65_536):
            yield data[start : start + 65_536]

    return pieces


def put_all(store: DiscSetStore, items: dict[str, bytes]) -> None:
    for name, data in items.items():
        receipt = store.put(name, len(data), pieces_of(data))
        assert receipt.sha256 == hashlib.sha256(data).hexdigest()


@pytest.fixture
def target(tmp_path: Path) -> Target:
    return Target.objects.create(
        name="kunming-discs",
        kind="discs",
        medium="optical",
        site="云南省昆明市",
        location=str(tmp_path / "discs"),
        options={"capacity_bytes": CAPACITY},
    )


@pytest.fixture
def written(target: Target) -> tuple[Target, dict[str, bytes], DiscSet]:
    items = envelopes()
    put_all(store_for(target), items)  # type: ignore[arg-type]
    (disc_set,) = do_write_sets(CONSOLE, target)
    return target, items, disc_set


@pytest.mark.django_db
def test_a_set_spans_four_data_discs_and_two_parity_discs_each_readable_alone(
    written: tuple[Target, dict[str, bytes], DiscSet],
) -> None:
    target, items, disc_set = written
    discs = list(disc_set.discs.order_by("number"))
    data = [d for d in discs if d.kind == "data"]
    assert len(data) >= 4 and [d.kind for d in discs[-2:]] == ["parity", "parity"]
    assert disc_set.state == DiscSetState.WRITTEN and disc_set.label == "kunming-discs-s001"
    found: dict[str, bytes] = {}
    for disc in data:
        image = Path(disc.image_path)
        assert image.stat().st_size <= CAPACITY
        # Each image alone, copied away from the rest: its manifest lists it and its envelopes come out whole.
        alone = image.parent.parent / "alone.iso"
        shutil.copyfile(image, alone)
        manifest = read_disc_manifest(alone)
        assert manifest["set"] == disc_set.label and manifest["label"] == disc.label
        assert manifest["disc"] == disc.number and manifest["data_discs"] == len(data)
        assert len(manifest["envelopes"]) == disc.envelopes > 0
        for entry in manifest["envelopes"]:
            content = read_envelope_from_image(alone, entry["name"])
            assert content == items[entry["name"]]
            assert hashlib.sha256(content).hexdigest() == entry["sha256"] and len(content) == entry["size"]
            found[entry["name"]] = content
        text = _read(alone, "/manifest.txt").decode("utf-8")
        assert disc.label in text and all(e["sha256"] in text for e in manifest["envelopes"])
        # The ISO 9660 side says the same as the UDF side (a reader without UDF sees the same files).
        assert json.loads(_read(alone, iso_path="/manifest.json")) == manifest
        alone.unlink()
    assert found == items  # every envelope on exactly one disc
    assert not DiscSetStore(target).list_staged()


def _read(image: Path, udf_path: str = "", iso_path: str = "") -> bytes:
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    out = io.BytesIO()
    if iso_path:
        iso.get_file_from_iso_fp(out, iso_path=iso_path)
    else:
        iso.get_file_from_iso_fp(out, udf_path=udf_path)
    iso.close()
    return out.getvalue()


@pytest.mark.skipif(shutil.which("isoinfo") is None, reason="isoinfo (genisoimage) is not installed")
@pytest.mark.django_db
def test_a_stock_tool_reads_the_image(written: tuple[Target, dict[str, bytes], DiscSet]) -> None:
    _target, _items, disc_set = written
    disc = disc_set.discs.get(number=1)
    listing = subprocess.run(["isoinfo", "-f", "-i", disc.image_path], capture_output=True, text=True, check=True)
    assert "/manifest.json" in listing.stdout.lower()


@pytest.mark.django_db
def test_the_store_reads_lists_and_proves_from_the_images(written: tuple[Target, dict[str, bytes], DiscSet]) -> None:
    target, items, _disc_set = written
    store = store_for(target)
    assert [o.name for o in store.list()] == sorted(items)
    assert [o.name for o in store.list("manifests/")] == [n for n in sorted(items) if n.startswith("manifests/")]
    name = sorted(items)[3]
    assert store.read(name) == items[name]
    assert store.read(name, 1000, 500) == items[name][1000:1500]
    stat = store.stat(name)
    assert stat is not None and stat.size == len(items[name]) and stat.complete
    # put again: confirmed from the set's catalogue, nothing staged again
    receipt = store.put(name, len(items[name]), lambda offset: iter(()))
    assert receipt.sha256 == hashlib.sha256(items[name]).hexdigest()
    assert store.usage().used == sum(len(v) for v in items.values())
    store.delete(name)
    assert store.stat(name) is None and name not in [o.name for o in store.list()]
    with pytest.raises(FileNotFoundError):
        store.read("content/absent")


@pytest.mark.django_db
def test_a_put_resumes_where_it_stopped(target: Target) -> None:
    store = store_for(target)
    data = os.urandom(100_000)

    def broken(offset: int) -> Iterator[bytes]:
        yield data[offset:40_000]
        raise ConnectionError("cut")

    with pytest.raises(ConnectionError):
        store.put("content/aa", len(data), broken)
    held = store.stat("content/aa")
    assert held is not None and held.size == 40_000 and not held.complete
    asked = []

    def rest(offset: int) -> Iterator[bytes]:
        asked.append(offset)
        yield data[offset:]

    assert store.put("content/aa", len(data), rest).sha256 == hashlib.sha256(data).hexdigest()
    assert asked == [40_000] and store.read("content/aa") == data


LABELS = ["d01", "d02", "d03", "d04", "p", "q"]


@pytest.mark.django_db
def test_any_two_lost_discs_are_rebuilt_byte_for_byte(written: tuple[Target, dict[str, bytes], DiscSet]) -> None:
    _target, _items, disc_set = written
    discs = {d.label: d for d in disc_set.discs.all()}
    original = {label: Path(d.image_path).read_bytes() for label, d in discs.items()}
    pairs = list(itertools.combinations(sorted(discs), 2))
    assert len(pairs) >= 15  # every pair of a set of ≥ 6 discs, parity discs included
    for first, second in pairs:
        for label in (first, second):
            Path(discs[label].image_path).unlink()
            do_mark_lost(CONSOLE, Disc.objects.get(label=label))
        rebuilt = do_rebuild(CONSOLE, DiscSet.objects.get(pk=disc_set.pk))
        assert sorted(d.label for d in rebuilt) == [first, second]
        for label in (first, second):
            assert Path(discs[label].image_path).read_bytes() == original[label], (first, second, label)
            assert Disc.objects.get(label=label).state == DiscState.OK
    for label, disc in discs.items():
        assert Path(disc.image_path).read_bytes() == original[label]


@pytest.mark.django_db
def test_three_lost_discs_are_refused(written: tuple[Target, dict[str, bytes], DiscSet]) -> None:
    from django.core.exceptions import ValidationError

    _target, _items, disc_set = written
    for disc in disc_set.discs.order_by("number")[:3]:
        do_mark_lost(CONSOLE, disc)
    with pytest.raises(ValidationError, match="最多只能重建两张"):
        do_rebuild(CONSOLE, disc_set)


@pytest.mark.django_db
def test_a_flipped_byte_is_found_by_reading_back_and_repaired(
    written: tuple[Target, dict[str, bytes], DiscSet],
) -> None:
    _target, items, disc_set = written
    disc = disc_set.discs.get(number=2)
    image = Path(disc.image_path)
    original = image.read_bytes()
    manifest = read_disc_manifest(image)
    # flip a byte inside the second envelope's bytes on the disc
    victim = items[manifest["envelopes"][1]["name"]]
    at = original.index(victim[:64]) + 1000
    damaged = bytearray(original)
    damaged[at] ^= 0x01
    image.write_bytes(bytes(damaged))
    result = do_read_back(CONSOLE, disc)
    assert not result.ok
    assert any("SHA-256" in p for p in result.problems)
    assert any(manifest["envelopes"][1]["name"] in p and "已损坏" in p for p in result.problems)
    disc.refresh_from_db()
    assert disc.state == DiscState.DAMAGED and disc.read_back_at is not None
    rebuilt = do_rebuild(CONSOLE, disc_set)
    assert [d.label for d in rebuilt] == [disc.label]
    assert image.read_bytes() == original
    assert do_read_back(CONSOLE, Disc.objects.get(pk=disc.pk)).ok
    assert AuditEntry.objects.filter(action="replication.discs.read_back").count() == 2
    assert AuditEntry.objects.filter(action="replication.discs.rebuild").count() == 1


@pytest.mark.django_db
def test_a_set_is_sealed_once_every_disc_is_read_back_and_located(
    written: tuple[Target, dict[str, bytes], DiscSet],
) -> None:
    _target, _items, disc_set = written
    for disc in disc_set.discs.all():
        assert do_read_back(CONSOLE, disc).ok
        do_record_location(CONSOLE, disc, "云南省档案馆 · 3号库房 · B柜2层")
    disc_set.refresh_from_db()
    assert disc_set.state == DiscSetState.SEALED
    assert AuditEntry.objects.filter(action="replication.discs.locate").count() == disc_set.discs.count()


@pytest.mark.django_db
def test_the_cli(target: Target, capsys: Any) -> None:
    assert main(["replication", "discs", "write", "nowhere"]) == 2
    assert main(["replication", "discs", "write", target.name]) == 1  # nothing staged
    capsys.readouterr()
    put_all(store_for(target), envelopes(10))  # type: ignore[arg-type]
    assert main(["replication", "discs", "write", target.name]) == 0
    assert "kunming-discs-s001-d01" in capsys.readouterr().out
    assert main(["replication", "discs", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    (shown,) = listed["sets"]
    assert shown["set"] == "kunming-discs-s001" and shown["state"] == "written"
    labels = [d["label"] for d in shown["discs"]]
    assert labels[-2:] == ["kunming-discs-s001-p", "kunming-discs-s001-q"]
    assert {"label", "kind", "state", "location", "written_at", "read_back_at", "sha256"} <= set(shown["discs"][0])
    assert main(["replication", "discs", "verify", labels[0]]) == 0
    assert main(["replication", "discs", "verify", "nope"]) == 2
    image = Path(Disc.objects.get(label=labels[1]).image_path)
    data = bytearray(image.read_bytes())
    data[len(data) // 2] ^= 0xFF
    image.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["replication", "discs", "verify", labels[1]]) == 1
    assert "已损坏" in capsys.readouterr().out
    Path(Disc.objects.get(label=labels[-1]).image_path).unlink()
    assert main(["replication", "discs", "lost", labels[-1]]) == 0
    assert main(["replication", "discs", "rebuild", shown["set"]]) == 0
    assert main(["replication", "discs", "verify", labels[1]]) == 0
    assert main(["replication", "discs", "verify", labels[-1]]) == 0
    assert main(["replication", "discs", "rebuild", shown["set"]]) == 1  # nothing to rebuild
    assert main(["replication", "discs", "rebuild", "nope"]) == 2
    assert main(["replication", "discs", "list"]) == 0
    assert "kunming-discs-s001-q" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_disc_set_proves_real_envelopes_and_a_flipped_byte_fails_the_audit(target: Target, tmp_path: Path) -> None:
    from dangan.replication.crypto import envelope, proofs
    from dangan.replication.crypto.keys import MasterKey

    master = MasterKey(os.urandom(32))
    store = store_for(target)
    sources = []
    files = {}
    for i in range(6):
        plain = tmp_path / f"file-{i}.bin"
        plain.write_bytes(os.urandom(300_000 + 1_000 * i))
        sealed = tmp_path / f"file-{i}.env"
        manifest = envelope.encrypt_file(master, plain, sealed, object_id=f"object-{i}", chunk_size=16_384)
        name = f"content/{manifest.header.content_tag.hex()}"
        store.put(name, sealed.stat().st_size, pieces_of(sealed.read_bytes()))
        sources.append((name, len(manifest.chunk_digests), envelope.EnvelopeChunks(sealed)))
        files[name] = sealed
    (disc_set,) = do_write_sets(CONSOLE, target)
    assert disc_set.data_discs >= 2 and not DiscSetStore(target).list_staged()
    copy = sorted((name, count) for name, count, _chunks in sources)
    owner = proofs.EnvelopeFiles(files)

    def full() -> proofs.CopyChallenge:
        return proofs.CopyChallenge(os.urandom(32), {}, proofs.copy_ranges(copy))

    def check(store: Any, challenge: proofs.CopyChallenge) -> proofs.CopyResult:
        return proofs.check_copy_answer(challenge, store.prove(challenge), proofs.answer_copy(challenge, owner))

    challenge = full()
    assert check(store, challenge).ok
    # one flipped byte inside a sealed chunk on the first data disc: the whole-copy audit fails
    disc = disc_set.discs.get(number=1)
    image = Path(disc.image_path)
    first = read_disc_manifest(image)["envelopes"][0]["name"]
    data = bytearray(image.read_bytes())
    at = data.index(store.read(first, 2_000, 64)) + 10
    data[at] ^= 0x80
    image.write_bytes(bytes(data))
    store = store_for(target)  # a new store: no image kept open from before
    challenge = full()
    assert check(store, challenge).ranges_failed == (0,)
    # and the envelope decrypts from the rebuilt disc again
    do_mark_lost(CONSOLE, disc)
    do_rebuild(CONSOLE, disc_set)
    assert check(store_for(target), challenge).ok


@pytest.mark.django_db
def test_a_set_written_but_not_recorded_is_recorded_by_the_next_write(target: Target) -> None:
    store = DiscSetStore(target)
    put_all(store, envelopes(6))
    written = store.close_set()  # the images and the catalogue, then the process died before the register
    assert not DiscSet.objects.exists()
    (disc_set,) = do_write_sets(CONSOLE, target)
    assert disc_set.label == written.label and disc_set.discs.count() == len(written.discs)
