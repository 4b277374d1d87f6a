"""Reading a page image once: its format from the file's magic, its header (size, resolution, mode), a full decode
that fails on truncated data, and a downsampled working copy for the measurements."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

WORKING_SIZE = 1100  # long side of the working copy: about 100 dpi for an A4 page at 300 dpi

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jp2"),
    (b"\xff\x4f\xff\x51", "jp2"),  # a bare JPEG 2000 codestream
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF8", "gif"),
    (b"BM", "bmp"),
    (b"%PDF", "pdf"),
)
EXTENSIONS = {
    "tiff": {".tif", ".tiff"},
    "jpeg": {".jpg", ".jpeg"},
    "jp2": {".jp2", ".j2k", ".jpf", ".jpx"},
    "png": {".png"},
    "gif": {".gif"},
    "bmp": {".bmp"},
    "webp": {".webp"},
    "pdf": {".pdf"},
}


def sniff_format(head: bytes) -> str:
    """The image format named by the first bytes of a file ("unknown" when none matches)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return "unknown"


@dataclass
class DecodedPage:
    """A page decoded once: its header facts and the working copy (grey, and RGB when the page is in colour)."""

    format: str
    width: int
    height: int
    dpi: float | None
    mode: str  # Pillow's mode of the stored image
    grey: np.ndarray  # uint8, about WORKING_SIZE on the long side
    rgb: np.ndarray | None  # uint8 H×W×3 of the same size, for colour images only
    frames: int = 1  # images in the file (a multi-page TIFF holds several; the first is measured)


class DecodeError(Exception):
    """The image does not decode; the message says why, in Chinese."""


def _dpi(info: Mapping[Any, Any]) -> float | None:
    value = info.get("dpi")
    if isinstance(value, tuple) and len(value) >= 2:
        try:
            dpi = min(float(value[0]), float(value[1]))
        except (TypeError, ValueError):
            return None
        return dpi if dpi > 1 else None  # 1×1 is "not recorded" in many writers' JFIF headers
    return None


def _tiff_directory_missing(path: Path, head: bytes) -> bool:
    """Whether a TIFF was cut short: its first image directory lies beyond the end of the file (writers that put it
    after the image data), or its strips or tiles do (writers that put it first)."""
    order: Literal["little", "big"] = "little" if head[:2] == b"II" else "big"
    if head[2:4] in (b"+\x00", b"\x00+"):  # BigTIFF: an 8-byte offset at byte 8
        offset = int.from_bytes(head[8:16], order)
    else:
        offset = int.from_bytes(head[4:8], order)
    size = path.stat().st_size
    if offset + 2 > size:
        return True
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            return any(
                start + count > size
                for page in tif.pages
                for start, count in zip(page.dataoffsets, page.databytecounts, strict=False)
            )
    except Exception:  # whatever tifffile makes of a broken file, the caller reports it as broken
        return False


def _to_working(image: Image.Image) -> Image.Image:
    """The stored image reduced (box filter, integer factor) to about WORKING_SIZE on its long side, as L or RGB."""
    if image.mode == "1":
        image = image.convert("L")
    elif image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.uint32)
        image = Image.fromarray((array >> 8 if array.max() > 255 else array).astype(np.uint8), "L")
    elif image.mode in ("LA", "La"):
        image = image.convert("L")
    elif image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    factor = max(1, round(max(image.size) / WORKING_SIZE))
    return image.reduce(factor) if factor > 1 else image


def decode(path: Path) -> DecodedPage:
    """Open, fully decode and downsample ``path``. Raises DecodeError with a Chinese message."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise DecodeError(f"无法读取文件：{exc.strerror or exc}") from exc
    kind = sniff_format(head)
    if kind == "unknown":
        raise DecodeError("不是可识别的图像文件（文件头不符合任何图像格式）")
    if kind == "pdf":
        raise DecodeError("PDF 不是页面图像：请提交扫描图像（TIFF、JPEG 或 JPEG 2000）")
    # Pillow's defaults raise on truncated data (ImageFile.LOAD_TRUNCATED_IMAGES is False; nothing here changes it).
    Image.MAX_IMAGE_PIXELS = None  # large scans (A0 at 600 dpi) are legitimate archival images, as in accession
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                width, height = image.size
                mode = image.mode
                dpi = _dpi(image.info)
                frames = getattr(image, "n_frames", 1) if kind == "tiff" else 1
                if kind == "jpeg" and max(width, height) >= 2 * WORKING_SIZE:
                    # DCT scaling still reads every entropy-coded block, so a truncated file fails as before.
                    image.draft("RGB" if mode not in ("L", "1") else "L", (width // 4, height // 4))
                image.load()
                working = _to_working(image)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        text = str(exc)
        if kind == "tiff" and _tiff_directory_missing(path, head):
            raise DecodeError("图像数据不完整（文件被截断），无法完整解码") from exc
        if "cannot identify image file" in text:
            raise DecodeError(f"文件头为 {kind.upper()}，但图像结构损坏，无法解码") from exc
        if any(sign in text for sign in ("truncated", "broken data stream", "Read error")) or isinstance(exc, EOFError):
            raise DecodeError("图像数据不完整（文件被截断），无法完整解码") from exc
        raise DecodeError(f"图像无法解码：{text or type(exc).__name__}") from exc
    grey = np.asarray(working.convert("L") if working.mode == "RGB" else working, dtype=np.uint8)
    rgb = np.asarray(working, dtype=np.uint8) if working.mode == "RGB" else None
    return DecodedPage(kind, width, height, dpi, mode, grey, rgb, frames)
