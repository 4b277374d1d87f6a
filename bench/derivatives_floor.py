"""What one page's derivatives cost at the least (issue #14, batch import): CPU milliseconds a page, one thread
(VIPS_CONCURRENCY=1), medians, for the pieces of the derivative pass against the batch import's baseline (decode +
re-encode of the same JPEG master with Pillow).

    VIPS_CONCURRENCY=1 .venv/bin/python bench/derivatives_floor.py [--pages 10]

Uses the JPEG pages that bench/digitize_bench.py made and cached (run it once first).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import table

TILED = {"tile": True, "tile_width": 256, "tile_height": 256, "compression": "jpeg"}


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    import pyvips
    from PIL import Image

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10)
    args = parser.parse_args()
    cache = Path(tempfile.gettempdir())
    pages = sorted(cache.glob("dangan-digitize-bench-v1-jpeg-*/u*/*.jpg"))[: args.pages]
    if not pages:
        print("no cached pages: run bench/digitize_bench.py --quick first")
        return 2
    folder = tempfile.mkdtemp(prefix="dangan-floor-")
    pyvips.cache_set_max(0)  # the same file is written again for every page: never read an old one from the cache

    def reencode(path: str) -> None:
        with Image.open(path) as image:
            image.load()
            image.save(io.BytesIO(), "JPEG", quality=90)

    def decode(path: str) -> None:
        with Image.open(path) as image:
            image.load()

    def vips_decode(path: str) -> None:
        pyvips.Image.new_from_file(path, access="sequential").avg()

    def save(path: str, **options: object) -> None:
        image = pyvips.Image.new_from_file(path, access="sequential", fail_on="truncated")
        image.tiffsave(f"{folder}/p.tif", **{**TILED, **options})

    def thumbnail(path: str) -> None:
        save(path, pyramid=True, Q=89)
        pyvips.Image.thumbnail(f"{folder}/p.tif", 400, height=400).write_to_file(f"{folder}/t.jpg", Q=85)

    steps: list[tuple[str, Callable[[str], None]]] = [
        ("baseline: Pillow decode + JPEG q90 encode", reencode),
        ("Pillow decode alone", decode),
        ("libvips decode alone", vips_decode),
        ("decode + level 0 only, tiled JPEG Q89", lambda p: save(p, Q=89)),
        ("decode + pyramid, tiled JPEG Q89 (as built now)", lambda p: save(p, pyramid=True, Q=89)),
        ("decode + pyramid + thumbnail from the pyramid (as built now)", thumbnail),
        (
            "decode + pyramid, tiled JPEG Q90 (before: RGB, no chroma subsampling)",
            lambda p: save(p, pyramid=True, Q=90),
        ),
    ]
    rows = []
    for name, step in steps:
        times = []
        for path in pages:
            started = cpu()
            step(str(path))
            times.append((cpu() - started) * 1000)
        rows.append([name, f"{statistics.median(times):.1f}"])
    print(f"{len(pages)} cached A4 300 dpi JPEG pages, VIPS_CONCURRENCY={os.environ.get('VIPS_CONCURRENCY', '')}\n")
    print(table(["one page, one thread", "CPU ms (median)"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
