"""Blu-ray disc sets as a target: envelopes are staged in a folder, then ``close_set`` writes them onto disc images —
data discs packed to the disc's capacity, each an ISO 9660 + UDF 2.60 image (pycdlib) holding its envelopes and its
own manifest (JSON and text), readable alone on any machine — and two parity images (P and Q, stores.parity) so
that a set survives the loss of any two of its discs.

Under the target's ``location``::

    staging/<name>          envelopes received, complete, not yet on a disc
    partial/<name>          envelopes being received (a resumed ``put`` continues them)
    images/<label>.iso      a data disc's image;  images/<label>.img  a parity disc's image
    sets/<set label>.json   the set's catalogue: its discs, their sizes and SHA-256, the envelopes on each

On a data disc: ``manifest.json``, ``manifest.txt`` and ``envelopes/<name>``. A parity image is a header (one or
more 2048-byte blocks: ``DANGAN-DISC-PARITY/1``, then JSON naming the set, P or Q and every data image's label,
size and SHA-256) followed by the parity bytes; the data images are rebuilt to their recorded sizes.

Capacity (``options["capacity_gb"]``: 25, 50 or 100, as sold in 10⁹ bytes): the recordable user area of an
unformatted BD-R — 12,219,392 / 24,438,784 / 48,878,592 sectors of 2,048 bytes, that is 25,025,314,816 /
50,050,629,632 / 100,103,356,416 bytes — less what the file system and this layout take: 2 MiB per image (the
volume descriptors, UDF anchors, partition and directories pycdlib writes: about 0.55 MB measured, and the
manifests' rounding), 64 KiB kept for the parity header, and 5 KiB per envelope (its UDF file entry, its
directory records and its manifest lines). ``options["capacity_bytes"]`` overrides the disc size (the tests).
``options["data_discs"]`` (default 10) caps the data discs of one set.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pycdlib

from dangan.replication.models import Target

from . import parity
from .base import Pieces, Receipt, StoredObject, StoreError, TargetStore, Usage, check_name

__all__ = [
    "CAPACITIES",
    "DiscImage",
    "DiscSetStore",
    "EnvelopeOnDisc",
    "WrittenSet",
    "read_disc_manifest",
    "read_envelope_from_image",
]

SECTOR = 2048
#: Recordable bytes of an unformatted BD-R by its size as sold (GB = 10⁹ bytes).
CAPACITIES = {25: 12_219_392 * SECTOR, 50: 24_438_784 * SECTOR, 100: 48_878_592 * SECTOR}
IMAGE_OVERHEAD = 2 * 1024 * 1024
PARITY_HEADER_MAX = 64 * 1024
PER_ENVELOPE = 5 * 1024
PARITY_MAGIC = b"DANGAN-DISC-PARITY/1\n"
DEFAULT_DATA_DISCS = 10


@dataclass(frozen=True)
class EnvelopeOnDisc:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class DiscImage:
    """One disc of a written set: ``number`` 1…n for data discs, n + 1 for P and n + 2 for Q."""

    number: int
    kind: str  # "data" | "parity"
    label: str
    file: str  # under images/
    size: int
    sha256: str
    envelopes: list[EnvelopeOnDisc] = field(default_factory=list)


@dataclass(frozen=True)
class WrittenSet:
    label: str
    number: int
    target: str
    capacity: int
    written: str  # ISO 8601, UTC
    length: int  # the parity payload's length: the largest data image
    discs: list[DiscImage]
    deleted: list[str] = field(default_factory=list)  # envelopes deleted after writing (a BD-R is write-once)

    @property
    def data(self) -> list[DiscImage]:
        return [disc for disc in self.discs if disc.kind == "data"]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> WrittenSet:
        raw = json.loads(text)
        discs = [
            DiscImage(**{**d, "envelopes": [EnvelopeOnDisc(**e) for e in d["envelopes"]]}) for d in raw.pop("discs")
        ]
        return cls(discs=discs, **raw)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def read_disc_manifest(image: Path) -> dict[str, Any]:
    """The manifest of a data disc's image, read from the image file alone."""
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    try:
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, udf_path="/manifest.json")
        return dict(json.loads(out.getvalue()))
    finally:
        iso.close()


def read_envelope_from_image(image: Path, name: str) -> bytes:
    """An envelope's whole bytes from a data disc's image, read from the image file alone."""
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    try:
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, udf_path=f"/envelopes/{name}")
        return out.getvalue()
    finally:
        iso.close()


class DiscSetStore(TargetStore):
    def __init__(self, target: Target) -> None:
        if not target.location:
            raise StoreError(f"光盘备份目标 {target.name} 未设置写入光盘映像的文件夹")
        self.target_name = target.name
        self.root = Path(target.location)
        options = target.options or {}
        gb = int(options.get("capacity_gb", 25))
        if "capacity_bytes" in options:
            self.capacity = int(options["capacity_bytes"])
        elif gb in CAPACITIES:
            self.capacity = CAPACITIES[gb]
        else:
            raise StoreError(f"光盘容量只能是 25、50 或 100 GB：{gb}")
        self.data_discs = min(int(options.get("data_discs", DEFAULT_DATA_DISCS)), parity.MAX_DATA)
        self._images: dict[str, pycdlib.PyCdlib] = {}
        self._index: dict[str, tuple[WrittenSet, DiscImage, EnvelopeOnDisc]] = {}
        self._index_stamp: tuple[int, ...] | None = None

    # ------------------------------------------------------------------ places

    def describe(self) -> str:
        return f"光盘 {self.root}"

    def _dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _staged(self, name: str) -> Path:
        return self.root / "staging" / check_name(name)

    def _partial(self, name: str) -> Path:
        return self.root / "partial" / check_name(name)

    def image_path(self, disc: DiscImage) -> Path:
        return self.root / "images" / disc.file

    def sets(self) -> list[WrittenSet]:
        folder = self.root / "sets"
        if not folder.is_dir():
            return []
        return [WrittenSet.from_json(path.read_text("utf-8")) for path in sorted(folder.glob("*.json"))]

    def written_set(self, label: str) -> WrittenSet:
        path = self.root / "sets" / f"{label}.json"
        if not path.is_file():
            raise StoreError(f"没有这套光盘：{label}")
        return WrittenSet.from_json(path.read_text("utf-8"))

    def _save_set(self, written: WrittenSet) -> None:
        self._index_stamp = None
        path = self._dir("sets") / f"{written.label}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(written.to_json(), "utf-8")
        os.replace(temporary, path)

    def _on_disc(self) -> dict[str, tuple[WrittenSet, DiscImage, EnvelopeOnDisc]]:
        """Every envelope on a written disc, from the sets' catalogues (read again when the folder of catalogues
        changed: another store wrote a set or deleted an envelope)."""
        folder = self.root / "sets"
        stamp = (folder.stat().st_mtime_ns, len(os.listdir(folder))) if folder.is_dir() else ()
        if stamp == self._index_stamp:
            return self._index
        found: dict[str, tuple[WrittenSet, DiscImage, EnvelopeOnDisc]] = {}
        for written in self.sets():
            for disc in written.data:
                for envelope in disc.envelopes:
                    if envelope.name not in written.deleted:
                        found.setdefault(envelope.name, (written, disc, envelope))
        self._index, self._index_stamp = found, stamp
        return found

    def written_disc(self, name: str) -> str | None:
        """The label of the written (write-once) data disc holding ``name``, or None (staged, or absent)."""
        hit = self._on_disc().get(name)
        return hit[1].label if hit is not None else None

    def list_staged(self) -> list[str]:
        folder = self.root / "staging"
        if not folder.is_dir():
            return []
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())

    # ------------------------------------------------------------------ the interface

    def stat(self, name: str) -> StoredObject | None:
        staged, partial = self._staged(name), self._partial(name)
        if staged.is_file():
            return StoredObject(name, staged.stat().st_size, True)
        hit = self._on_disc().get(name)
        if hit is not None:
            return StoredObject(name, hit[2].size, True)
        if partial.is_file():
            return StoredObject(name, partial.stat().st_size, False)
        return None

    def put(self, name: str, size: int, pieces: Pieces) -> Receipt:
        staged, partial = self._staged(name), self._partial(name)
        hit = self._on_disc().get(name)
        if hit is not None and hit[2].size == size:
            return Receipt(name, size, hit[2].sha256)
        if staged.is_file() and staged.stat().st_size == size:
            return Receipt(name, size, _sha256_file(staged))
        if size > self.envelope_room():
            raise StoreError(f"密文对象 {name}（{size} 字节）大于一张光盘可容纳的 {self.envelope_room()} 字节")
        partial.parent.mkdir(parents=True, exist_ok=True)
        held = partial.stat().st_size if partial.is_file() else 0
        if held > size:
            partial.unlink()
            held = 0
        with partial.open("ab") as out:
            for piece in pieces(held):
                out.write(piece)
                held += len(piece)
                if held > size:
                    break
            out.flush()
            os.fsync(out.fileno())
        if held != size:
            partial.unlink(missing_ok=True)
            raise StoreError(f"密文对象 {name} 收到 {held} 字节，应为 {size} 字节", retry=True)
        staged.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, staged)
        return Receipt(name, size, _sha256_file(staged))

    def read(self, name: str, offset: int = 0, length: int | None = None) -> bytes:
        staged = self._staged(name)
        if staged.is_file():
            with staged.open("rb") as handle:
                handle.seek(offset)
                return handle.read(-1 if length is None else length)
        hit = self._on_disc().get(name)
        if hit is None:
            raise FileNotFoundError(name)
        image = self.image_path(hit[1])
        if not image.is_file():
            raise StoreError(f"光盘 {hit[1].label} 的映像不在（{image}），请先重建该盘", retry=False)
        iso = self._open_image(image)
        with iso.open_file_from_iso(udf_path=f"/envelopes/{name}") as handle:
            handle.seek(offset)
            return bytes(handle.read() if length is None else handle.read(length))

    def _open_image(self, image: Path) -> pycdlib.PyCdlib:
        key = str(image)
        iso = self._images.get(key)
        if iso is None:
            if len(self._images) >= 4:
                self.close()
            iso = pycdlib.PyCdlib()
            iso.open(key)
            self._images[key] = iso
        return iso

    def close(self) -> None:
        for iso in self._images.values():
            iso.close()
        self._images.clear()

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        found: dict[str, StoredObject] = {}
        for name, (_written, _disc, envelope) in self._on_disc().items():
            found[name] = StoredObject(name, envelope.size, True)
        for name in self.list_staged():
            found[name] = StoredObject(name, (self.root / "staging" / name).stat().st_size, True)
        partial = self.root / "partial"
        if partial.is_dir():
            for path in partial.rglob("*"):
                name = str(path.relative_to(partial))
                if path.is_file() and name not in found:
                    found[name] = StoredObject(name, path.stat().st_size, False)
        for name in sorted(found):
            if name.startswith(prefix):
                yield found[name]

    def delete(self, name: str) -> None:
        """Removes a staged envelope; one already written stays on its write-once disc but is no longer listed
        (the set's catalogue records it as deleted)."""
        self._staged(name).unlink(missing_ok=True)
        self._partial(name).unlink(missing_ok=True)
        hit = self._on_disc().get(name)
        if hit is not None:
            written = hit[0]
            self._save_set(replace(written, deleted=sorted({*written.deleted, name})))

    def usage(self) -> Usage:
        """Bytes staged and on written data discs; no limit (a new set takes as many discs as it needs)."""
        used = sum(e.size for _w, _d, e in self._on_disc().values())
        used += sum((self.root / "staging" / name).stat().st_size for name in self.list_staged())
        return Usage(used=used)

    # ------------------------------------------------------------------ writing a set

    def envelope_room(self) -> int:
        """Bytes of envelopes (with their per-envelope overhead) one data disc takes."""
        return self.capacity - IMAGE_OVERHEAD - PARITY_HEADER_MAX - PER_ENVELOPE

    def _pack(self) -> builtins.list[builtins.list[str]]:
        """The staged envelopes, in name order, onto at most ``data_discs`` discs (first fit in order)."""
        discs: builtins.list[builtins.list[str]] = [[]]
        room = self.envelope_room()
        used = 0
        for name in self.list_staged():
            cost = -(-(self.root / "staging" / name).stat().st_size // SECTOR) * SECTOR + PER_ENVELOPE
            if used + cost > room and discs[-1]:
                if len(discs) == self.data_discs:
                    break
                discs.append([])
                used = 0
            discs[-1].append(name)
            used += cost
        return discs if discs[0] else []

    def close_set(self) -> WrittenSet:
        """Write the staged envelopes onto a new set of disc images (as many data discs as they need, at most
        ``data_discs``; the rest stays staged for the next set), record the set's catalogue, then remove what was
        written from the staging area. Raises StoreError when nothing is staged."""
        packed = self._pack()
        if not packed:
            raise StoreError(f"备份目标 {self.target_name} 没有待写入光盘的密文对象")
        number = 1 + max((s.number for s in self.sets()), default=0)
        label = f"{self.target_name}-s{number:03d}"
        written_at = _now()
        images = self._dir("images")
        discs: builtins.list[DiscImage] = []
        for index, names in enumerate(packed, start=1):
            discs.append(self._write_data_disc(images, label, number, index, len(packed), names, written_at))
        data_paths = [images / disc.file for disc in discs]
        length = max(disc.size for disc in discs)
        headers = {kind: self._parity_header(label, kind, discs, length) for kind in ("P", "Q")}
        p_path, q_path = images / f"{label}-p.img", images / f"{label}-q.img"
        with p_path.open("wb") as p_out, q_path.open("wb") as q_out:
            p_out.write(headers["P"])
            q_out.write(headers["Q"])
            parity.compute_parity(data_paths, p_out, q_out)
        for offset, (kind, path) in enumerate((("P", p_path), ("Q", q_path)), start=1):
            discs.append(
                DiscImage(len(packed) + offset, "parity", f"{label}-{kind.lower()}", path.name,
                          path.stat().st_size, _sha256_file(path))
            )  # fmt: skip
        written = WrittenSet(label, number, self.target_name, self.capacity, written_at, length, discs)
        self._save_set(written)
        for names in packed:
            for name in names:
                self._staged(name).unlink()
        return written

    def _write_data_disc(
        self,
        images: Path,
        set_label: str,
        set_number: int,
        number: int,
        count: int,
        names: builtins.list[str],
        when: str,
    ) -> DiscImage:
        label = f"{set_label}-d{number:02d}"
        envelopes = []
        for name in names:
            path = self.root / "staging" / name
            envelopes.append(EnvelopeOnDisc(name, path.stat().st_size, _sha256_file(path)))
        manifest = {
            "format": "dangan-disc-manifest/1",
            "set": set_label,
            "target": self.target_name,
            "disc": number,
            "data_discs": count,
            "parity_discs": [f"{set_label}-p", f"{set_label}-q"],
            "label": label,
            "written": when,
            "envelopes": [{**asdict(e), "path": f"envelopes/{e.name}"} for e in envelopes],
        }
        iso = pycdlib.PyCdlib()
        iso.new(interchange_level=4, udf="2.60", vol_ident=label[:32].upper().replace("-", "_"),
                app_ident_str="DANGAN")  # fmt: skip
        directories: set[str] = set()

        def add_directory(path: str) -> None:
            if path in directories:
                return
            parent = path.rsplit("/", 1)[0]
            if parent:
                add_directory(parent)
            iso.add_directory(iso_path=path, udf_path=path)
            directories.add(path)

        for text, file_name in ((json.dumps(manifest, ensure_ascii=False, indent=2), "manifest.json"),
                                (_manifest_text(manifest), "manifest.txt")):  # fmt: skip
            data = text.encode("utf-8")
            iso.add_fp(io.BytesIO(data), len(data), iso_path=f"/{file_name}", udf_path=f"/{file_name}")
        for envelope in envelopes:
            disc_path = f"/envelopes/{envelope.name}"
            add_directory(disc_path.rsplit("/", 1)[0])
            iso.add_file(str(self.root / "staging" / envelope.name), iso_path=disc_path, udf_path=disc_path)
        image = images / f"{label}.iso"
        temporary = image.with_suffix(".tmp")
        iso.write(str(temporary))
        iso.close()
        size = temporary.stat().st_size
        if size > self.capacity - PARITY_HEADER_MAX:
            temporary.unlink()
            raise StoreError(f"光盘映像 {label} 有 {size} 字节，超出光盘容量 {self.capacity} 字节")
        os.replace(temporary, image)
        return DiscImage(number, "data", label, image.name, size, _sha256_file(image), envelopes)

    @staticmethod
    def _parity_header(set_label: str, kind: str, discs: builtins.list[DiscImage], length: int) -> bytes:
        body = {
            "format": "dangan-disc-parity/1",
            "set": set_label,
            "parity": kind,
            "field": "GF(2^8), x^8+x^4+x^3+x^2+1, g=2; P = XOR of D_i, Q = sum of g^i * D_i (i from 0)",
            "length": length,
            "data": [{"label": d.label, "size": d.size, "sha256": d.sha256} for d in discs],
        }
        raw = PARITY_MAGIC + json.dumps(body, sort_keys=True).encode("ascii") + b"\n"
        padded = -(-len(raw) // SECTOR) * SECTOR
        if padded > PARITY_HEADER_MAX:
            raise StoreError("这套光盘的数据盘过多，校验盘的说明超出预留空间")
        return raw.ljust(padded, b"\0")

    # ------------------------------------------------------------------ reading back and rebuilding

    def check_image(self, written: WrittenSet, disc: DiscImage) -> builtins.list[str]:
        """Problems found reading back one disc's image (empty: intact): its SHA-256, and for a data disc its
        manifest and every envelope on it, read from the image alone."""
        path = self.image_path(disc)
        if not path.is_file():
            return [f"光盘映像不在：{path}"]
        problems = []
        if path.stat().st_size != disc.size:
            problems.append(f"映像大小 {path.stat().st_size}，登记为 {disc.size}")
        if _sha256_file(path) != disc.sha256:
            problems.append("映像 SHA-256 与登记不符")
        if disc.kind != "data":
            return problems
        try:
            manifest = read_disc_manifest(path)
            iso = pycdlib.PyCdlib()
            iso.open(str(path))
        except Exception as exc:  # pycdlib raises its own and OS errors on a damaged image
            return [*problems, f"无法读取光盘文件系统：{exc}"]
        try:
            listed = {e["name"]: e for e in manifest.get("envelopes", [])}
            for envelope in disc.envelopes:
                entry = listed.get(envelope.name)
                if entry is None or entry.get("sha256") != envelope.sha256 or entry.get("size") != envelope.size:
                    problems.append(f"光盘清单与登记不符：{envelope.name}")
                digest, size = hashlib.sha256(), 0
                try:
                    with iso.open_file_from_iso(udf_path=f"/envelopes/{envelope.name}") as handle:
                        while block := handle.read(1024 * 1024):
                            digest.update(block)
                            size += len(block)
                except Exception as exc:
                    problems.append(f"无法读出 {envelope.name}：{exc}")
                    continue
                if size != envelope.size or digest.hexdigest() != envelope.sha256:
                    problems.append(f"密文对象 {envelope.name} 已损坏（SHA-256 不符）")
        finally:
            iso.close()
        return problems

    def rebuild(self, written: WrittenSet, labels: builtins.list[str]) -> builtins.list[DiscImage]:
        """Write again the images of the discs ``labels`` (at most two) from the set's other images, each checked
        against its recorded SHA-256 first; each rebuilt image is checked against its own before it is put in
        place. Returns the rebuilt discs."""
        self.close()
        lost = [d for d in written.discs if d.label in labels]
        if len(lost) != len(set(labels)):
            raise StoreError(f"这套光盘中没有：{', '.join(sorted(set(labels) - {d.label for d in lost}))}")
        if len(lost) > 2:
            raise StoreError(f"光盘 {written.label} 丢失或损坏 {len(lost)} 张，只能重建最多两张")
        for disc in written.discs:
            if disc in lost:
                continue
            path = self.image_path(disc)
            if not path.is_file() or _sha256_file(path) != disc.sha256:
                raise StoreError(f"用于重建的光盘 {disc.label} 的映像不在或已损坏，无法重建")
        data = written.data
        p_disc, q_disc = (d for d in written.discs if d.kind == "parity")
        handles: builtins.list[BinaryIO] = []
        try:

            def open_image(disc: DiscImage, skip: int = 0) -> BinaryIO | None:
                if disc in lost:
                    return None
                handle = self.image_path(disc).open("rb")
                handles.append(handle)
                handle.seek(skip)
                return handle

            header = len(self._parity_header(written.label, "P", data, written.length))
            data_handles = [open_image(d) for d in data]
            p_handle, q_handle = open_image(p_disc, header), open_image(q_disc, header)
            lost_data = {i: d for i, d in enumerate(data) if d in lost}
            temporaries = {i: self.image_path(d).with_suffix(".rebuilt") for i, d in lost_data.items()}
            outputs = {i: path.open("wb") for i, path in temporaries.items()}
            try:
                parity.rebuild(data_handles, p_handle, q_handle, written.length, [d.size for d in data], outputs)
            finally:
                for out in outputs.values():
                    out.close()
        finally:
            for handle in handles:
                handle.close()
        for i, disc in lost_data.items():
            self._put_in_place(temporaries[i], disc)
        if p_disc in lost or q_disc in lost:
            paths = [self.image_path(d) for d in data]
            p_tmp, q_tmp = (self.image_path(d).with_suffix(".rebuilt") for d in (p_disc, q_disc))
            with p_tmp.open("wb") as p_out, q_tmp.open("wb") as q_out:
                p_out.write(self._parity_header(written.label, "P", data, written.length))
                q_out.write(self._parity_header(written.label, "Q", data, written.length))
                parity.compute_parity(paths, p_out, q_out)
            for disc, temporary in ((p_disc, p_tmp), (q_disc, q_tmp)):
                if disc in lost:
                    self._put_in_place(temporary, disc)
                else:
                    temporary.unlink()
        return lost

    def _put_in_place(self, temporary: Path, disc: DiscImage) -> None:
        if temporary.stat().st_size != disc.size or _sha256_file(temporary) != disc.sha256:
            temporary.unlink()
            raise StoreError(f"重建的光盘映像 {disc.label} 与登记的 SHA-256 不符")
        os.replace(temporary, self.image_path(disc))


def _manifest_text(manifest: dict[str, Any]) -> str:
    lines = [
        "丹案数字档案系统 · 蓝光光盘备份 / dangan Blu-ray disc backup",
        "",
        f"光盘套 set:          {manifest['set']}",
        f"光盘 disc:           {manifest['label']}（第 {manifest['disc']} 张，共 {manifest['data_discs']} 张数据盘）",
        f"校验盘 parity:       {', '.join(manifest['parity_discs'])}",
        f"备份目标 target:     {manifest['target']}",
        f"写入时间 written:    {manifest['written']}",
        "",
        "本盘内容为加密的密文对象，只有所属档案馆的主密钥能解密；每个对象的大小与 SHA-256 如下。",
        "The files under envelopes/ are encrypted; size in bytes and SHA-256 of each:",
        "",
    ]
    for entry in manifest["envelopes"]:
        lines.append(f"{entry['sha256']}  {entry['size']:>14}  {entry['path']}")
    lines.append("")
    lines.append(f"共 {len(manifest['envelopes'])} 个对象 / envelopes: {len(manifest['envelopes'])}")
    return "\n".join(lines) + "\n"
