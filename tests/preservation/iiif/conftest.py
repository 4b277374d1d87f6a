"""Fixtures of the IIIF Image API tests: a derivatives root per test, and real images (made with numpy and Pillow)
preserved with do_preserve."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy
import pytest
from PIL import Image

from dangan.core.actors import CONSOLE

# A page whose quadrants tell orientation apart: red top-left, green top-right, blue bottom-left, white bottom-right.
WIDTH, HEIGHT = 1200, 900
QUADRANTS = {"top_left": (255, 0, 0), "top_right": (0, 255, 0), "bottom_left": (0, 0, 255), "bottom_right": (255,) * 3}


def quadrant_page(width: int = WIDTH, height: int = HEIGHT) -> numpy.ndarray:
    pixels = numpy.zeros((height, width, 3), dtype=numpy.uint8)
    half_w, half_h = width // 2, height // 2
    pixels[:half_h, :half_w] = QUADRANTS["top_left"]
    pixels[:half_h, half_w:] = QUADRANTS["top_right"]
    pixels[half_h:, :half_w] = QUADRANTS["bottom_left"]
    pixels[half_h:, half_w:] = QUADRANTS["bottom_right"]
    return pixels


def encoded(pixels: numpy.ndarray, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, fmt, **options)
    return out.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture
def derivatives(settings: Any, tmp_path: Path) -> Path:
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    from dangan.preservation.iiif.rendering import clear_caches

    clear_caches()
    return settings.DERIVATIVES_ROOT


@pytest.fixture
def preserve_images(storage: Any, derivatives: Path, source_files: Callable[..., list[Path]]) -> Callable[..., Any]:
    """preserve_images(unit, {"masters/0001.tif": bytes, …}) → the package (no derivatives built yet: the
    on_commit hook does not run inside the test's transaction)."""
    from dangan.preservation.actions.preserving import do_preserve

    def preserve(unit: Any, files: dict[str, bytes]) -> Any:
        paths = source_files({name.rsplit("/", 1)[-1]: data for name, data in files.items()})
        mapping = {f"content/{name}": path for name, path in zip(files, paths, strict=True)}
        return do_preserve(CONSOLE, unit, mapping).package

    return preserve


@pytest.fixture
def page_image(make_unit: Callable[..., Any], preserve_images: Callable[..., Any]) -> Any:
    """A 公开 unit whose package holds the quadrant page as a TIFF master: (package, image id)."""
    from dangan.preservation.iiif import image_id
    from dangan.preservation.iiif.building import head_images

    package = preserve_images(make_unit(), {"masters/0001.tif": encoded(quadrant_page(), "TIFF")})
    [file] = head_images(package)
    return package, image_id(file)


def close(actual: Any, expected: tuple[int, ...], tolerance: int = 40) -> bool:
    values = actual if isinstance(actual, tuple) else (actual,)
    return all(abs(a - e) <= tolerance for a, e in zip(values, expected, strict=True))
