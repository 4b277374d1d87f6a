"""Issue #14 experiment (bench/derivatives_floor.py times it): a JPEG master's pyramid with its full-resolution
tiles cut from the master's DCT coefficients (no decoding, no re-encoding: libjpeg-turbo's lossless crop through
the TurboJPEG library, ``libturbojpeg.so.0``, Debian libturbojpeg0) and the smaller levels from a decode at half
the size (libjpeg's DCT scaling), written as the tiled TIFF preservation.iiif reads. Measured no cheaper than the
pyramid built from a whole decode (bench/RESULTS.md), so preservation.iiif does not use it.

Cutting is lossless only where a tile's left and top edges fall on the master's MCU grid (8 or 16 pixels): 256-px
tiles always do. A tile on the right or bottom edge is smaller than 256 px; TIFF wants every tile whole, so such a
tile is decoded (it alone), padded and encoded again with the master's own quantization tables and subsampling.

When the library is missing or the master is not a plain 8-bit YCbCr or grey JPEG, ``jpeg_header`` answers None.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MasterTiles", "TiffPage", "cut_tiles", "jpeg_header", "pyramid_from_jpeg", "write_tiled_tiff"]

# TurboJPEG 2.x constants (turbojpeg.h)
_TJXOPT_CROP = 4
_TJXOPT_COPYNONE = 64
_TJFLAG_STOPONWARNING = 8192
_TJCS_YCBCR, _TJCS_GRAY = 1, 2
_SUBSAMPLING = {0: (1, 1), 1: (2, 1), 2: (2, 2), 3: None}  # TJSAMP_444, 422, 420, GRAY → TIFF YCbCrSubSampling
_PILLOW_SUBSAMPLING = {0: 0, 1: 1, 2: 2}  # TJSAMP_* → Pillow's subsampling option


class _Region(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("w", ctypes.c_int), ("h", ctypes.c_int)]


class _Transform(ctypes.Structure):
    _fields_ = [
        ("r", _Region),
        ("op", ctypes.c_int),
        ("options", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("customFilter", ctypes.c_void_p),
    ]


@functools.cache
def _library() -> Any:
    """TurboJPEG, or None where it is not installed (Debian: libturbojpeg0)."""
    for name in (ctypes.util.find_library("turbojpeg"), "libturbojpeg.so.0"):
        if not name:
            continue
        try:
            library = ctypes.CDLL(name)
        except OSError:
            continue
        library.tjInitTransform.restype = ctypes.c_void_p
        library.tjDestroy.argtypes = [ctypes.c_void_p]
        library.tjGetErrorStr2.argtypes = [ctypes.c_void_p]
        library.tjGetErrorStr2.restype = ctypes.c_char_p
        library.tjFree.argtypes = [ctypes.c_void_p]
        library.tjDecompressHeader3.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_ulong,
            *(ctypes.POINTER(ctypes.c_int),) * 4,
        ]
        library.tjTransform.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_ulong,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_void_p),
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(_Transform),
            ctypes.c_int,
        ]
        return library
    return None


@dataclass(frozen=True)
class MasterTiles:
    """What a JPEG master's header says: its size and how its colours are coded."""

    width: int
    height: int
    subsampling: int  # TJSAMP_*
    grey: bool

    @property
    def tiff_subsampling(self) -> tuple[int, int] | None:
        return _SUBSAMPLING[self.subsampling]


def jpeg_header(data: bytes) -> MasterTiles | None:
    """The header of a JPEG whose tiles can be cut losslessly (8-bit YCbCr 4:4:4, 4:2:2, 4:2:0 or grey), else None
    (no TurboJPEG, not a JPEG, CMYK, RGB-coded, other subsamplings)."""
    library = _library()
    if library is None or data[:2] != b"\xff\xd8":
        return None
    handle = library.tjInitTransform()
    if not handle:
        return None
    try:
        width, height, subsampling, colourspace = (ctypes.c_int() for _ in range(4))
        if library.tjDecompressHeader3(
            handle,
            data,
            len(data),
            ctypes.byref(width),
            ctypes.byref(height),
            ctypes.byref(subsampling),
            ctypes.byref(colourspace),
        ):
            return None
    finally:
        library.tjDestroy(handle)
    grey = colourspace.value == _TJCS_GRAY and subsampling.value == 3
    if not grey and (colourspace.value != _TJCS_YCBCR or subsampling.value not in (0, 1, 2)):
        return None
    return MasterTiles(width.value, height.value, subsampling.value, grey)


def _crop(data: bytes, boxes: Sequence[tuple[int, int, int, int]]) -> list[bytes]:
    """Each box (x, y, width, height; x and y on the MCU grid) of the JPEG ``data`` as a JPEG of its own, the
    coefficients read once for all. A truncated or damaged stream is an error."""
    library = _library()
    count = len(boxes)
    transforms = (_Transform * count)()
    for transform, (x, y, w, h) in zip(transforms, boxes, strict=True):
        transform.r = _Region(x, y, w, h)
        transform.options = _TJXOPT_CROP | _TJXOPT_COPYNONE
    buffers = (ctypes.c_void_p * count)()
    sizes = (ctypes.c_ulong * count)()
    handle = library.tjInitTransform()
    if not handle:
        raise OSError("TurboJPEG: no transform handle")
    try:
        failed = library.tjTransform(handle, data, len(data), count, buffers, sizes, transforms, _TJFLAG_STOPONWARNING)
        error = library.tjGetErrorStr2(handle).decode(errors="replace") if failed else ""
        tiles = []
        for i in range(count if not failed else 0):
            address = buffers[i]
            if address:
                tiles.append(ctypes.string_at(address, sizes[i]))
    finally:
        for i in range(count):
            if buffers[i]:
                library.tjFree(buffers[i])
        library.tjDestroy(handle)
    if failed:
        raise ValueError(f"JPEG lossless crop failed: {error}")
    return tiles


def _padded(tile: bytes, size: int, header: MasterTiles, qtables: Any) -> bytes:
    """An edge tile (smaller than ``size``) decoded, padded to ``size`` × ``size`` with its last column and row,
    and encoded again with the master's quantization tables and subsampling."""
    from PIL import Image

    with Image.open(io.BytesIO(tile)) as cut:
        cut.load()
        padded = Image.new(cut.mode, (size, size))
        padded.paste(cut, (0, 0))
        if cut.width < size:
            padded.paste(
                cut.crop((cut.width - 1, 0, cut.width, cut.height)).resize((size - cut.width, cut.height)),
                (cut.width, 0),
            )
        if cut.height < size:
            padded.paste(
                padded.crop((0, cut.height - 1, size, cut.height)).resize((size, size - cut.height)), (0, cut.height)
            )
    out = io.BytesIO()
    options: dict[str, Any] = {"qtables": qtables}
    if not header.grey:
        options["subsampling"] = _PILLOW_SUBSAMPLING[header.subsampling]
    padded.save(out, "JPEG", **options)
    return out.getvalue()


def cut_tiles(data: bytes, header: MasterTiles, size: int) -> list[bytes]:
    """The master's full-resolution ``size``-px tiles, row by row: cut from its coefficients, the edge ones padded."""
    from PIL import Image

    columns, rows = -(-header.width // size), -(-header.height // size)
    boxes = [
        (c * size, r * size, min(size, header.width - c * size), min(size, header.height - r * size))
        for r in range(rows)
        for c in range(columns)
    ]
    tiles = _crop(data, boxes)
    if len(tiles) != len(boxes):
        raise ValueError("JPEG lossless crop made fewer tiles than asked")
    qtables = None
    for index, (_x, _y, w, h) in enumerate(boxes):
        if (w, h) != (size, size):
            if qtables is None:
                with Image.open(io.BytesIO(data)) as master:
                    qtables = master.quantization  # type: ignore[attr-defined]
            tiles[index] = _padded(tiles[index], size, header, qtables)
    return tiles


# ---------------------------------------------------------------- a classic TIFF of tiled pages

_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
_SHORT, _LONG = 3, 4


@dataclass
class TiffPage:
    """One page: its tags other than TileOffsets and TileByteCounts (code → (type, count, value bytes,
    little-endian)) and its tiles' bytes."""

    tags: dict[int, tuple[int, int, bytes]]
    tiles: list[bytes]


def write_tiled_tiff(path: str, pages: Sequence[TiffPage]) -> None:
    """A little-endian classic TIFF of ``pages`` (each page's tiles first, then its directory). ValueError past
    4 GiB (the caller builds a BigTIFF otherwise)."""
    with open(path, "wb") as out:
        out.write(b"II*\x00\x00\x00\x00\x00")
        previous_link = 4  # where the offset of the next directory goes
        for page in pages:
            offsets: list[int] = []
            for tile in page.tiles:
                offsets.append(out.tell())
                out.write(tile)
            tags = dict(page.tags)
            tags[324] = (_LONG, len(offsets), struct.pack(f"<{len(offsets)}I", *offsets))
            tags[325] = (_LONG, len(page.tiles), struct.pack(f"<{len(page.tiles)}I", *(len(t) for t in page.tiles)))
            if out.tell() % 2:
                out.write(b"\x00")
            directory = out.tell()
            entries = sorted(tags.items())
            values_at = directory + 2 + 12 * len(entries) + 4
            body = bytearray(struct.pack("<H", len(entries)))
            values = bytearray()
            for code, (kind, count, value) in entries:
                body += struct.pack("<HHI", code, kind, count)
                if len(value) <= 4:
                    body += value.ljust(4, b"\x00")
                else:
                    body += struct.pack("<I", values_at + len(values))
                    values += value
                    if len(values) % 2:
                        values += b"\x00"
            link = directory + 2 + 12 * len(entries)
            body += b"\x00\x00\x00\x00"
            out.write(body)
            out.write(values)
            if out.tell() >= 2**32:
                raise ValueError("pyramid too large for a classic TIFF")
            out.seek(previous_link)
            out.write(struct.pack("<I", directory))
            out.seek(0, io.SEEK_END)
            previous_link = link


def short(*values: int) -> tuple[int, int, bytes]:
    return _SHORT, len(values), struct.pack(f"<{len(values)}H", *values)


def long(*values: int) -> tuple[int, int, bytes]:
    return _LONG, len(values), struct.pack(f"<{len(values)}I", *values)


def read_tiled_pages(path: str) -> list[TiffPage]:
    """The pages of a tiled TIFF as they are stored (tags' raw values, tiles' bytes), for copying."""
    import tifffile

    pages: list[TiffPage] = []
    with tifffile.TiffFile(path) as tiff:
        if tiff.byteorder != "<" or tiff.is_bigtiff:
            raise ValueError("not a little-endian classic TIFF")
        handle = tiff.filehandle
        for page in tiff.pages:
            if not isinstance(page, tifffile.TiffPage) or not page.is_tiled:
                raise ValueError("not a tiled page")
            tags: dict[int, tuple[int, int, bytes]] = {}
            for tag in page.tags.values():
                if tag.code in (324, 325):
                    continue
                kind = int(tag.dtype)
                length = _TYPE_SIZES[kind] * tag.count
                handle.seek(tag.valueoffset)
                tags[tag.code] = (kind, tag.count, handle.read(length))
            tiles = []
            for offset, count in zip(page.dataoffsets, page.databytecounts, strict=True):
                handle.seek(offset)
                tiles.append(handle.read(count))
            pages.append(TiffPage(tags, tiles))
    return pages


# ---------------------------------------------------------------- the pyramid


def pyramid_from_jpeg(master: str, pyramid: Path) -> bool:
    """The pyramid of a JPEG master without decoding it whole: level 0's tiles cut from the master's coefficients
    (the master's own pixels), the smaller levels from a decode at half the size, encoded as preservation.iiif
    encodes them. False (nothing written) when the master does not allow it: no TurboJPEG, not a plain YCbCr or
    grey JPEG, turned by its EXIF orientation, one tile small, or very large."""
    import pyvips

    from dangan.preservation.iiif.derivatives import PYRAMID_QUALITY, TILE_SIZE, viewing_image

    with open(master, "rb") as opened:
        data = opened.read()
    header = jpeg_header(data)
    if header is None or max(header.width, header.height) <= TILE_SIZE or len(data) > 2**30:
        return False
    if header.width * header.height * (1 if header.grey else 3) > 2**31:
        return False
    half = pyvips.Image.new_from_file(master, shrink=2, access="sequential", fail_on="truncated")
    if half.get_typeof("orientation") and half.get("orientation") not in (0, 1):
        return False
    if half.bands != (1 if header.grey else 3) or half.format != "uchar" or half.hasalpha():
        return False
    width, height = header.width // 2, header.height // 2  # as a pyramid halves: rounded down
    if (half.width, half.height) != (width, height):
        half = half.crop(0, 0, width, height)
    smaller = pyramid.with_name("levels.tif")
    viewing_image(half).tiffsave(
        str(smaller),
        tile=True,
        tile_width=TILE_SIZE,
        tile_height=TILE_SIZE,
        pyramid=True,
        compression="jpeg",
        Q=PYRAMID_QUALITY,
    )
    upper = read_tiled_pages(str(smaller))
    tiles = cut_tiles(data, header, TILE_SIZE)
    tags = {code: value for code, value in upper[0].tags.items() if code not in (254, 347, 530)}
    tags[256], tags[257] = long(header.width), long(header.height)
    if header.tiff_subsampling is not None:
        tags[530] = short(*header.tiff_subsampling)
    pages = [TiffPage(tags, tiles)]
    pages += [TiffPage({**page.tags, 254: long(1)}, page.tiles) for page in upper]
    write_tiled_tiff(str(pyramid), pages)
    smaller.unlink()
    return True
