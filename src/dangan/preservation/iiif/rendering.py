"""Making the bytes of an Image API response: from the pyramid when the derivatives exist (only the tiles of the
level nearest the requested scale are read), else from the master (decoded once, kept in a small per-process
cache)."""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dangan.preservation.models import PackageFile

from .derivatives import DerivativeInfo, load_master, master_path, read_info, viewing_image
from .imageapi import ImageRequest

__all__ = ["ImageSource", "image_source", "render"]

OPEN_IMAGES = 32  # opened images (pyramid levels, decoded masters) kept per process


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

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_opened = _LRU(OPEN_IMAGES)


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
            return _opened.get(("master", self.master), lambda: viewing_image(load_master(self.master)))
        path = str(self.derivative.pyramid)
        return _opened.get(
            (path, self.version, index), lambda: pyvips.Image.new_from_file(path, page=index, access="random")
        )


def _master_size(path: str) -> tuple[int, int]:
    image = _opened.get(("master", path), lambda: viewing_image(load_master(path)))
    return image.width, image.height


def image_source(file: PackageFile, identifier: str) -> ImageSource:
    info = read_info(identifier)
    master = master_path(file)
    if info is not None and info.sha256 == file.sha256:
        try:
            stamp = str(os.stat(info.directory / "derivative.json").st_mtime_ns)
        except OSError:
            stamp = ""
        if stamp:
            return ImageSource(identifier, info.width, info.height, tuple(info.levels), info, master, stamp)
    width, height = _master_size(master)
    return ImageSource(identifier, width, height, ((width, height),), None, master, "")


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
    factor = 2**index
    x = min(level.width - 1, int(request.x / factor))
    y = min(level.height - 1, int(request.y / factor))
    width = max(1, min(level.width - x, math.ceil((request.x + request.region_width) / factor) - x))
    height = max(1, min(level.height - y, math.ceil((request.y + request.region_height) / factor) - y))
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


def render(source: ImageSource, request: ImageRequest) -> bytes:
    image = _rotate(_quality(_extract(source, request), request.quality), request)
    if request.format == "jpg":
        return bytes(image.jpegsave_buffer(Q=85, keep="none"))
    if request.format == "png":
        return bytes(image.pngsave_buffer(compression=4, keep="none"))
    return bytes(image.webpsave_buffer(Q=80, keep="none"))
