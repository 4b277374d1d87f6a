"""Helpers for the BagIt tests (no tests here): payload folders with real files, tag files rewritten consistently."""

from __future__ import annotations

import hashlib
from pathlib import Path

from dangan.accession.bagit import make_bag

PAYLOAD = {
    "a.txt": b"hello\n",
    "sub/b.bin": bytes(range(256)) * 3000,  # 768,000 bytes: several read chunks
    "sub/deeper/c.txt": "档案 全宗 Z109\n".encode(),
    "名称 with space.txt": b"",
}


def write_files(folder: Path, files: dict[str, bytes] | None = None) -> Path:
    for rel, content in (files or PAYLOAD).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return folder


def new_bag(tmp_path: Path, name: str = "bag", **kwargs: object) -> Path:
    source = write_files(tmp_path / f"{name}-source")
    return make_bag(source, tmp_path / name, **kwargs)  # type: ignore[arg-type]


def retag(bag: Path) -> None:
    """Recompute every tag manifest after a test edited a tag file, so that only the intended fault remains."""
    for tagmanifest in bag.glob("tagmanifest-*.txt"):
        algorithm = tagmanifest.name.removeprefix("tagmanifest-").removesuffix(".txt")
        lines = []
        for line in tagmanifest.read_text(encoding="utf-8").splitlines():
            _, path = line.split(None, 1)
            if (bag / path).exists():
                lines.append(f"{hashlib.new(algorithm, (bag / path).read_bytes()).hexdigest()}  {path}\n")
        tagmanifest.write_text("".join(lines), encoding="utf-8")


def set_oxum(bag: Path, value: str) -> None:
    info = bag / "bag-info.txt"
    lines = [
        f"Payload-Oxum: {value}" if line.startswith("Payload-Oxum:") else line for line in info.read_text().splitlines()
    ]
    info.write_text("\n".join(lines) + "\n")
    retag(bag)


def add_manifest_line(bag: Path, algorithm: str, digest: str, path: str) -> None:
    manifest = bag / f"manifest-{algorithm}.txt"
    manifest.write_text(manifest.read_text(encoding="utf-8") + f"{digest}  {path}\n", encoding="utf-8")
    retag(bag)
