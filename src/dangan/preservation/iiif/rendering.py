"""Making the bytes of an Image API response: from the pyramid when the derivatives exist (only the tiles of the
level nearest the requested scale are read), else from the master (decoded once, kept in a small per-process
cache)."""

from __future__ import annotations

import io
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .derivatives import INFO, DerivativeInfo, derivative_dir, load_master, master_path, read_info, viewing_image
from .identity import find_image
from .imageapi import ImageRequest

__all__ = ["ImageRecord", "ImageSource", "clear_caches", "image_record", "image_source", "render"]

OPEN_LEVELS = 64  # opened pyramid levels kept per process (a file handle and a little memory each)
OPEN_MASTERS = 4  # masters decoded for images without derivatives yet (a page's pixels each: ~26 MB for A4 at 300 dpi)


class _LRU:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()  # outside the lock: two threads may both open it, one copy is kept
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def discard(self, key: Any) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_opened = _LRU(OPEN_LEVELS)
_masters = _LRU(OPEN_MASTERS)
_infos = _LRU(1024)  # (image id, stamp of derivative.json) → its DerivativeInfo
_tiles = _LRU(OPEN_LEVELS)  # (pyramid path, stamp) → _TileIndex


@dataclass(frozen=True)
class ImageSource:
    """Where an image's pixels come from now: its pyramid (``derivative`` set) or its master."""

    image_id: str
    width: int
    height: int
    levels: tuple[tuple[int, int], ...]
    derivative: DerivativeInfo | None
    master: str
    version: str  # changes when the derivatives are rebuilt (the cache key of opened levels)

    @property
    def kind(self) -> str:
        return "pyramid" if self.derivative is not None else "master"

    def level(self, index: int) -> Any:
        import pyvips

        if self.derivative is None:
            return _masters.get(self.master, lambda: viewing_image(load_master(self.master)))
        path = str(self.derivative.pyramid)
        return _opened.get(
            (path, self.version, index), lambda: pyvips.Image.new_from_file(path, page=index, access="random")
        )


def _master_size(path: str) -> tuple[int, int]:
    image = _masters.get(path, lambda: viewing_image(load_master(path)))
    return image.width, image.height


def _derivative(identifier: str) -> tuple[DerivativeInfo, str] | None:
    """The finished derivatives of an image and their stamp (one stat per request; the description is read again
    only when it changed)."""
    path = derivative_dir(identifier) / INFO
    try:
        stamp = str(path.stat().st_mtime_ns)
    except OSError:
        return None
    info = _infos.get((identifier, stamp), lambda: read_info(identifier))
    return (info, stamp) if info is not None else None


def image_source(identifier: str, sha256: str, master: str) -> ImageSource:
    """Where the pixels of image ``identifier`` (whose master is the file ``master`` with that SHA-256) come from."""
    found = _derivative(identifier)
    if found is not None and found[0].sha256 == sha256:
        info, stamp = found
        return ImageSource(identifier, info.width, info.height, tuple(info.levels), info, master, stamp)
    width, height = _master_size(master)
    return ImageSource(identifier, width, height, ((width, height),), None, master, "")


@dataclass(frozen=True)
class ImageRecord:
    """What serving an image needs of its package file, kept per process: the unit (whose visibility is asked
    afresh on every request), the master's digest and where its bytes are. Content in OCFL never changes under
    a digest, so only the unit link can go stale: RECORD_SECONDS bounds that."""

    image_id: str
    unit_id: int | None
    sha256: str
    master: str


RECORD_SECONDS = 30.0
_records = _LRU(4096)


def image_record(identifier: str) -> ImageRecord | None:
    """find_image, kept for RECORD_SECONDS (an unknown id is never kept: it may be preserved any moment)."""
    now = time.monotonic()

    def load() -> tuple[ImageRecord | None, float]:
        file = find_image(identifier)
        if file is None:
            return None, now
        return ImageRecord(identifier, file.package.unit_id, file.sha256, master_path(file)), now

    record: ImageRecord | None
    record, loaded = _records.get(identifier, load)
    if record is None or now - loaded > RECORD_SECONDS:
        _records.discard(identifier)
        if record is not None:
            record, loaded = _records.get(identifier, load)
    return record


@dataclass(frozen=True)
class _TiledLevel:
    width: int
    height: int
    tile: int
    offsets: tuple[int, ...]
    counts: tuple[int, ...]
    tables: bytes  # the page's JPEGTables: quantization and Huffman tables shared by its tiles


@dataclass(frozen=True)
class _TileIndex:
    """Where each stored JPEG tile of a pyramid is, read once per pyramid file (its handle kept open with it, so
    a rebuild renaming a new pyramid into place never mixes one file's offsets with another's bytes)."""

    handle: Any
    levels: tuple[_TiledLevel, ...]


def _read_tile_index(path: Path) -> _TileIndex | None:
    import tifffile

    handle = open(path, "rb")  # noqa: SIM115 — kept open with the index
    levels: list[_TiledLevel] = []
    try:
        with tifffile.TiffFile(handle) as tiff:
            for page in tiff.pages:
                if (
                    not isinstance(page, tifffile.TiffPage)
                    or page.compression != 7  # JPEG
                    or not page.is_tiled
                    or page.tilewidth != page.tilelength
                ):
                    levels = []
                    break
                levels.append(
                    _TiledLevel(
                        int(page.imagewidth),
                        int(page.imagelength),
                        int(page.tilewidth),
                        tuple(int(o) for o in page.dataoffsets),
                        tuple(int(c) for c in page.databytecounts),
                        bytes(page.jpegtables or b""),
                    )
                )
    except Exception:
        levels = []
    if not levels:
        handle.close()
        return None
    return _TileIndex(handle, tuple(levels))


def _tile_index(source: ImageSource) -> _TileIndex | None:
    if source.derivative is None:
        return None
    path = source.derivative.pyramid
    index: _TileIndex | None = _tiles.get((path, source.version), lambda: _read_tile_index(path))
    return index


def _with_tables(tile: bytes, tables: bytes) -> bytes:
    """A stored tile as a JPEG file: its abbreviated stream with the page's tables put in after its APPn segments
    (vips writes an Adobe segment saying how the colours are coded)."""
    if tile[:2] != b"\xff\xd8" or tables[:2] != b"\xff\xd8" or tables[-2:] != b"\xff\xd9":
        raise ValueError("not a JPEG tile")
    position = 2
    while position + 4 <= len(tile) and tile[position] == 0xFF and 0xE0 <= tile[position + 1] <= 0xEF:
        position += 2 + int.from_bytes(tile[position + 2 : position + 4], "big")
    return tile[:position] + tables[2:-2] + tile[position:]


def stored_tile(source: ImageSource, request: ImageRequest) -> bytes | None:
    """The fast path of a viewer's tile request: when the request is exactly one stored tile of a pyramid level
    (aligned, full size, as JPEG in its own colours, unrotated), that tile's bytes as they are stored — no decoding,
    no encoding. None otherwise (the request is rendered)."""
    if (
        source.derivative is None
        or request.format != "jpg"
        or request.quality not in ("default", "color")
        or request.rotation != 0
        or request.mirror
    ):
        return None
    index = _tile_index(source)
    if index is None:
        return None
    for number, level in enumerate(index.levels):
        factor, tile = 2**number, level.tile
        span = tile * factor
        if request.region_width != span or request.region_height != span:
            continue
        if (request.width, request.height) != (tile, tile) or request.x % span or request.y % span:
            return None
        column, row = request.x // span, request.y // span
        if (column + 1) * tile > level.width or (row + 1) * tile > level.height:
            return None  # an edge tile: stored padded, rendered instead
        position = row * -(-level.width // tile) + column
        data = os.pread(index.handle.fileno(), level.counts[position], level.offsets[position])
        return _with_tables(data, level.tables)
    return None


def _choose_level(source: ImageSource, request: ImageRequest) -> int:
    """The smallest pyramid level still at least as detailed as the output."""
    reduce = min(request.region_width / request.width, request.region_height / request.height)
    chosen = 0
    for index in range(1, len(source.levels)):
        if 2**index <= reduce * 1.0001:
            chosen = index
    return chosen


def _extract(source: ImageSource, request: ImageRequest) -> Any:
    index = _choose_level(source, request)
    level = source.level(index)
    _index, x, y, width, height = _level_box(source, request, level.width, level.height)
    if (x, y, width, height) != (0, 0, level.width, level.height):
        level = level.crop(x, y, width, height)
    if (width, height) != (request.width, request.height):
        level = level.resize(request.width / width, vscale=request.height / height)
        if (level.width, level.height) != (request.width, request.height):  # rounding inside resize
            level = level.gravity("north-west", request.width, request.height, extend="copy")
    return level


def _quality(image: Any, quality: str) -> Any:
    if quality in ("gray", "bitonal") and image.bands != 1:
        image = image.colourspace("b-w")
    if quality == "bitonal":
        image = (image > 127).ifthenelse(255, 0).cast("uchar")
    return image


def _rotate(image: Any, request: ImageRequest) -> Any:
    if request.mirror:
        image = image.fliphor()
    degrees = request.rotation
    if degrees == 0:
        return image
    if degrees in (90, 180, 270):
        return {90: image.rot90, 180: image.rot180, 270: image.rot270}[int(degrees)]()
    if request.format in ("png", "webp"):  # transparent background where the format has one
        image = image.bandjoin(255)
        background = [0] * image.bands
    else:
        background = [255] * image.bands
    return image.rotate(degrees, background=background)


def _level_box(source: ImageSource, request: ImageRequest, width: int, height: int) -> tuple[int, int, int, int, int]:
    """The level to read and the box of it (x, y, width, height) under the request's region (as _extract crops)."""
    index = _choose_level(source, request)
    factor = 2**index
    x = min(width - 1, int(request.x / factor))
    y = min(height - 1, int(request.y / factor))
    w = max(1, min(width - x, math.ceil((request.x + request.region_width) / factor) - x))
    h = max(1, min(height - y, math.ceil((request.y + request.region_height) / factor) - y))
    return index, x, y, w, h


PILLOW_FORMATS = {
    "jpg": ("JPEG", {"quality": 85}),
    "png": ("PNG", {"compress_level": 4}),
    "webp": ("WEBP", {"quality": 80}),
}


def within_one_tile(source: ImageSource, request: ImageRequest) -> bytes | None:
    """A request whose region lies inside one stored tile of its level (an edge tile, a part of a tile), unrotated,
    in its own colours or grey: that one tile decoded, cropped, resized if asked and encoded in the request's own
    thread (Pillow). None otherwise."""
    if source.derivative is None or request.rotation != 0 or request.mirror or request.quality == "bitonal":
        return None
    index = _tile_index(source)
    if index is None:
        return None
    number = _choose_level(source, request)
    if number >= len(index.levels):
        return None
    level = index.levels[number]
    _number, x, y, w, h = _level_box(source, request, level.width, level.height)
    tile = level.tile
    column, row = x // tile, y // tile
    if (x + w - 1) // tile != column or (y + h - 1) // tile != row:
        return None
    from PIL import Image

    position = row * -(-level.width // tile) + column
    data = os.pread(index.handle.fileno(), level.counts[position], level.offsets[position])
    with Image.open(io.BytesIO(_with_tables(data, level.tables))) as stored:
        left, top = x - column * tile, y - row * tile
        image = stored.crop((left, top, left + w, top + h))
    if image.size != (request.width, request.height):
        image = image.resize((request.width, request.height), Image.Resampling.LANCZOS)
    if request.quality == "gray" and image.mode != "L":
        image = image.convert("L")
    name, options = PILLOW_FORMATS[request.format]
    out = io.BytesIO()
    image.save(out, name, **options)
    return out.getvalue()


def render(source: ImageSource, request: ImageRequest) -> bytes:
    stored = stored_tile(source, request)
    if stored is None:
        stored = within_one_tile(source, request)
    if stored is not None:
        return stored
    image = _rotate(_quality(_extract(source, request), request.quality), request)
    if request.format == "jpg":
        return bytes(image.jpegsave_buffer(Q=85, keep="none"))
    if request.format == "png":
        return bytes(image.pngsave_buffer(compression=4, keep="none"))
    return bytes(image.webpsave_buffer(Q=80, keep="none"))


def clear_caches() -> None:
    """Forget every opened image, description and record of this process (tests, benchmarks)."""
    for cache in (_opened, _masters, _infos, _records, _tiles):
        cache.clear()
