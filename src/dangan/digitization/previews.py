"""Previews of staged page images for the workspace (thumbnails in the lists, a large view for the inspection):
a JPEG made on request from the staged master, decoded at a reduced scale where the format allows (JPEG draft)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image


def preview_jpeg(path: Path, box: int) -> bytes | None:
    """``path`` scaled to fit ``box`` × ``box`` pixels, as JPEG bytes; None when it is missing or does not decode."""
    if not path.is_file():
        return None
    try:
        with Image.open(path) as image:
            image.draft("RGB", (box, box))
            image.thumbnail((box, box))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return out.getvalue()
