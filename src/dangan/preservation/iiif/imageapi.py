"""The parameters of an Image API 3.0 request (region, size, rotation, quality, format), parsed and resolved
against an image's dimensions and the server's limits. Anything malformed or refused is a ParameterError, which the
view answers with 400."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = [
    "FORMATS",
    "QUALITIES",
    "ImageRequest",
    "Limits",
    "ParameterError",
    "parse_request",
]

FORMATS = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
QUALITIES = ("default", "color", "gray", "bitonal")
_NUMBER = r"\d+(?:\.\d+)?"
_INT = re.compile(r"^\d+$")
_FLOAT = re.compile(rf"^{_NUMBER}$")


class ParameterError(ValueError):
    """A request the Image API answers with 400 Bad Request."""


@dataclass(frozen=True)
class Limits:
    max_width: int
    max_height: int
    max_area: int

    def fit(self, width: float, height: float, *, upscale: bool) -> tuple[int, int]:
        """The largest size of that aspect ratio within the limits (and, without ``upscale``, not larger than
        ``width`` × ``height``)."""
        scale = min(self.max_width / width, self.max_height / height, math.sqrt(self.max_area / (width * height)))
        if not upscale:
            scale = min(scale, 1.0)
        return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


@dataclass(frozen=True)
class ImageRequest:
    """A resolved request: the region in full-resolution pixels, the output size, the rotation, quality, format."""

    x: int
    y: int
    region_width: int
    region_height: int
    width: int
    height: int
    rotation: float
    mirror: bool
    quality: str
    format: str

    @property
    def media_type(self) -> str:
        return FORMATS[self.format]


def _round(value: float) -> int:
    return math.floor(value + 0.5)


def _numbers(text: str, count: int, *, floats: bool) -> list[float]:
    parts = text.split(",")
    pattern = _FLOAT if floats else _INT
    if len(parts) != count or not all(pattern.match(p) for p in parts):
        raise ParameterError(f"bad numbers: {text!r}")
    return [float(p) for p in parts]


def parse_region(text: str, width: int, height: int) -> tuple[int, int, int, int]:
    if text == "full":
        return 0, 0, width, height
    if text == "square":
        side = min(width, height)
        return (width - side) // 2, (height - side) // 2, side, side
    if text.startswith("pct:"):
        px, py, pw, ph = _numbers(text[4:], 4, floats=True)
        x, y = _round(px * width / 100), _round(py * height / 100)
        w, h = _round(pw * width / 100), _round(ph * height / 100)
        if pw <= 0 or ph <= 0:
            raise ParameterError("region of zero size")
    else:
        x, y, w, h = (int(v) for v in _numbers(text, 4, floats=False))
    if w <= 0 or h <= 0:
        raise ParameterError("region of zero size")
    if x >= width or y >= height:
        raise ParameterError("region outside the image")
    return x, y, min(w, width - x), min(h, height - y)


def parse_size(text: str, region_width: int, region_height: int, limits: Limits) -> tuple[int, int]:
    upscale = text.startswith("^")
    body = text[1:] if upscale else text
    rw, rh = region_width, region_height
    if body == "max":
        return limits.fit(rw, rh, upscale=upscale)
    if body.startswith("pct:"):
        if not _FLOAT.match(body[4:]):
            raise ParameterError(f"bad size {text!r}")
        percent = float(body[4:])
        if percent > 100 and not upscale:
            raise ParameterError("upscaling needs ^")
        w, h = _round(rw * percent / 100), _round(rh * percent / 100)
    elif body.startswith("!"):
        bw, bh = _numbers(body[1:], 2, floats=False)
        scale = min(bw / rw, bh / rh)
        if not upscale:
            scale = min(scale, 1.0)
        w, h = _round(rw * scale), _round(rh * scale)
    else:
        parts = body.split(",")
        if len(parts) != 2 or not all(_INT.match(p) or p == "" for p in parts) or parts == ["", ""]:
            raise ParameterError(f"bad size {text!r}")
        if parts[1] == "":
            w = int(parts[0])
            h = _round(rh * w / rw)
        elif parts[0] == "":
            h = int(parts[1])
            w = _round(rw * h / rh)
        else:
            w, h = int(parts[0]), int(parts[1])
        if not upscale and (w > rw or h > rh):
            raise ParameterError("upscaling needs ^")
    if w <= 0 or h <= 0:
        raise ParameterError("size of zero")
    if w > limits.max_width or h > limits.max_height or w * h > limits.max_area:
        raise ParameterError("size beyond the server's limits")
    return w, h


def parse_rotation(text: str) -> tuple[float, bool]:
    mirror = text.startswith("!")
    body = text[1:] if mirror else text
    if not _FLOAT.match(body):
        raise ParameterError(f"bad rotation {text!r}")
    degrees = float(body)
    if degrees > 360:
        raise ParameterError("rotation beyond 360")
    return degrees % 360, mirror


def parse_request(
    region: str, size: str, rotation: str, quality_format: str, width: int, height: int, limits: Limits
) -> ImageRequest:
    quality, dot, fmt = quality_format.rpartition(".")
    if not dot or quality not in QUALITIES:
        raise ParameterError(f"bad quality {quality_format!r}")
    if fmt not in FORMATS:
        raise ParameterError(f"format {fmt!r} not offered")
    degrees, mirror = parse_rotation(rotation)
    x, y, w, h = parse_region(region, width, height)
    out_w, out_h = parse_size(size, w, h, limits)
    return ImageRequest(x, y, w, h, out_w, out_h, degrees, mirror, quality, fmt)
