"""Viewing derivatives of preserved images: NOT preservation copies, kept outside the OCFL objects under
``settings.DERIVATIVES_ROOT`` and rebuilt from the masters at any time.

For each image (of a multi-page TIFF: its first page, the one a scanner's master holds) the directory
``DERIVATIVES_ROOT/<first 2 characters of the image id>/<image id>/`` holds

- ``pyramid.tif``: a tiled pyramidal TIFF, 256-pixel JPEG-compressed tiles, one page per level (level k is the
  image shrunk 2^k times), 8-bit sRGB (or grey for grey masters), the master's orientation applied;
- ``thumbnail.jpg``: the whole image within 400 × 400 pixels;
- ``derivative.json``: the dimensions of every level, the thumbnail's, and the master's SHA-256 — written last: a
  directory without it is unfinished and never served.

Every file is written under a temporary name and renamed into place, so no half-written derivative is ever read.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from dangan.preservation.models import PackageFile
from dangan.preservation.store import local_copy

from .identity import image_id

__all__ = [
    "PYRAMID_QUALITY",
    "THUMBNAIL_SIZE",
    "TILE_SIZE",
    "DerivativeInfo",
    "build_derivatives",
    "derivative_dir",
    "image_size",
    "load_master",
    "master_path",
    "read_info",
    "remove_derivatives",
    "viewing_image",
]

logger = logging.getLogger(__name__)

TILE_SIZE = 256
THUMBNAIL_SIZE = 400
# The pyramid's JPEG quality. libvips writes tiles at Q >= 90 without chroma subsampling (RGB JPEG): three times
# the bytes and about 40 % more encoding time per page for no visible gain on a viewing copy. At 89 the tiles are
# YCbCr 4:2:0, as every web JPEG is, and luminance (the text) is quantised as at 90.
PYRAMID_QUALITY = 89
PYRAMID = "pyramid.tif"
THUMBNAIL = "thumbnail.jpg"
INFO = "derivative.json"
FORMAT_VERSION = 1
STALE_BUILD_SECONDS = 3600


@dataclass(frozen=True)
class DerivativeInfo:
    image_id: str
    sha256: str
    width: int
    height: int
    levels: list[tuple[int, int]]  # (width, height) of each pyramid page, full resolution first
    thumbnail: tuple[int, int]
    directory: Path

    @property
    def pyramid(self) -> Path:
        return self.directory / PYRAMID

    @property
    def thumbnail_path(self) -> Path:
        return self.directory / THUMBNAIL


def derivatives_root() -> Path:
    return Path(settings.DERIVATIVES_ROOT)


def derivative_dir(identifier: str) -> Path:
    return derivatives_root() / identifier[:2] / identifier


def master_path(file: PackageFile) -> str:
    """The master's bytes on the local file system: the OCFL content path of the file on a local storage root, a
    cached copy (named by its SHA-512) when the root is on S3."""
    return str(local_copy(f"{file.package.object_path}/{file.content_path}", file.sha512 or None))


def read_info(identifier: str) -> DerivativeInfo | None:
    """The finished derivatives of an image, or None (none yet, unfinished, or made by another format version)."""
    directory = derivative_dir(identifier)
    try:
        data = json.loads((directory / INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("format") != FORMAT_VERSION:
        return None
    return DerivativeInfo(
        image_id=identifier,
        sha256=data["sha256"],
        width=data["width"],
        height=data["height"],
        levels=[(w, h) for w, h in data["levels"]],
        thumbnail=(data["thumbnail"][0], data["thumbnail"][1]),
        directory=directory,
    )


# ---------------------------------------------------------------- decoding masters


def _pillow_load(path: str) -> Any:
    """The first page of an image pyvips cannot read (JPEG 2000, odd TIFFs), through Pillow: 8-bit RGB or grey."""
    import numpy
    import pyvips
    from PIL import Image, ImageOps

    with Image.open(path) as opened:
        opened.seek(0)
        image: Image.Image = ImageOps.exif_transpose(opened) or opened
        if image.mode not in ("L", "RGB"):
            image = image.convert("L" if image.mode in ("1", "I", "I;16", "I;16B", "F") else "RGB")
        array = numpy.asarray(image)
    return pyvips.Image.new_from_array(array, interpretation="b-w" if array.ndim == 2 else "srgb")


def load_master(path: str, *, access: str = "random", strict: bool = False) -> Any:
    """The master's first page as a pyvips image (orientation applied), Pillow as the fallback. ``strict``: a
    truncated or damaged master is an error (building derivatives), not an image with a grey end (viewing)."""
    import pyvips

    try:
        options = {"fail_on": "truncated"} if strict else {}
        image = pyvips.Image.new_from_file(path, access=access, **options)
        if image.get_typeof("orientation") and image.get("orientation") not in (0, 1):
            image = pyvips.Image.new_from_file(path, access="random").autorot()
        return image
    except pyvips.Error:
        logger.debug("pyvips cannot read %s; Pillow tries", path)
        return _pillow_load(path)


def viewing_image(image: Any) -> Any:
    """8-bit sRGB (or 8-bit grey for a grey master), alpha flattened onto white: what a viewing copy shows."""
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    grey = image.bands == 1 or image.interpretation in ("b-w", "grey16")
    target = "b-w" if grey else "srgb"
    if image.interpretation != target:
        try:
            image = image.colourspace(target)
        except Exception:  # an interpretation vips cannot convert from: take the bands as they are
            image = image.copy(interpretation=target)
    if image.format != "uchar":
        image = image.cast("uchar")
    if not grey and image.bands > 3:
        image = image.extract_band(0, n=3)
    return image


# ---------------------------------------------------------------- building


def _replace_into(source: Path, target: Path) -> None:
    os.replace(source, target)


def _remove_stale_builds(directory: Path) -> None:
    """What a build killed midway left behind (a build running now is younger than STALE_BUILD_SECONDS)."""
    for stale in directory.glob(".build-*"):
        try:
            if time.time() - stale.stat().st_mtime > STALE_BUILD_SECONDS:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue


def build_derivatives(file: PackageFile, *, force: bool = False) -> bool:
    """Make the pyramid and thumbnail of ``file`` (a package file that is an image); False when finished ones of
    the same master exist already (unless ``force``). Written under temporary names, renamed into place, the
    description last."""
    import pyvips

    identifier = image_id(file)
    if not force:
        existing = read_info(identifier)
        if existing is not None and existing.sha256 == file.sha256 and existing.pyramid.is_file():
            return False
    directory = derivative_dir(identifier)
    directory.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(directory)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=directory))
    try:
        # A stale description goes first: from here until the new one is in place the master is served instead.
        (directory / INFO).unlink(missing_ok=True)
        source = viewing_image(load_master(master_path(file), access="sequential", strict=True))
        pyramid = work / PYRAMID
        source.tiffsave(
            str(pyramid),
            tile=True,
            tile_width=TILE_SIZE,
            tile_height=TILE_SIZE,
            pyramid=True,
            compression="jpeg",
            Q=PYRAMID_QUALITY,
            bigtiff=source.width * source.height * source.bands > 2**31,
        )
        first = pyvips.Image.new_from_file(str(pyramid), page=0)
        pages = first.get("n-pages") if first.get_typeof("n-pages") else 1
        levels = [(first.width, first.height)]
        for page in range(1, pages):
            level = pyvips.Image.new_from_file(str(pyramid), page=page)
            levels.append((level.width, level.height))
        thumbnail = pyvips.Image.thumbnail(str(pyramid), THUMBNAIL_SIZE, height=THUMBNAIL_SIZE)
        thumbnail.write_to_file(str(work / THUMBNAIL), Q=85)
        info = {
            "format": FORMAT_VERSION,
            "image_id": identifier,
            "sha256": file.sha256,
            "width": levels[0][0],
            "height": levels[0][1],
            "levels": levels,
            "thumbnail": [thumbnail.width, thumbnail.height],
            "tile_size": TILE_SIZE,
            "master": file.logical_path,
        }
        (work / INFO).write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        _replace_into(pyramid, directory / PYRAMID)
        _replace_into(work / THUMBNAIL, directory / THUMBNAIL)
        _replace_into(work / INFO, directory / INFO)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return True


def image_size(file: PackageFile) -> tuple[int, int] | None:
    info = read_info(image_id(file))
    if info is not None and info.sha256 == file.sha256:
        return info.width, info.height
    import pyvips

    path = master_path(file)
    try:
        header = pyvips.Image.new_from_file(path)
        width, height = header.width, header.height
        if header.get_typeof("orientation") and header.get("orientation") in (5, 6, 7, 8):
            width, height = height, width
        return width, height
    except pyvips.Error:
        pass
    try:
        from PIL import Image, ImageOps

        with Image.open(path) as image:
            transposed = ImageOps.exif_transpose(image) if image.getexif().get(0x0112, 1) in (5, 6, 7, 8) else image
            return transposed.size if transposed is not None else image.size
    except Exception:
        return None


def remove_derivatives(identifier: str) -> None:
    shutil.rmtree(derivative_dir(identifier), ignore_errors=True)
