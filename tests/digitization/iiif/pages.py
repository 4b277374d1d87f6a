"""Digitized units for the IIIF tests (and the sweep's world): page images drawn with Pillow, preserved as the
unit's masters (``content/masters/0001.png`` …), as a batch's acceptance stores them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from dangan.core.actors import CONSOLE


def draw_pages(folder: Path, sizes: Sequence[tuple[int, int]]) -> dict[str, Path]:
    """One PNG per size, each distinct (its number drawn as bars), under ``folder``: logical path → file."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for number, (width, height) in enumerate(sizes, start=1):
        image = Image.new("RGB", (width, height), (245, 240, 228))
        draw = ImageDraw.Draw(image)
        for bar in range(number):
            draw.rectangle((10 + bar * 14, 10, 18 + bar * 14, height // 3), fill=(40, 30, 30))
        draw.rectangle((width // 2, height // 2, width // 2 + 20, height // 2 + 20), fill=(190, 30, 30))
        path = folder / f"{number:04d}.png"
        image.save(path)
        files[f"content/masters/{number:04d}.png"] = path
    return files


def preserve_masters(unit: Any, files: dict[str, Path]) -> Any:
    """Preserve ``files`` (logical path → source) as a new version of the unit's package; the package."""
    from dangan.preservation.actions.preserving import do_preserve

    return do_preserve(CONSOLE, unit, files, message="数字化成果").package
