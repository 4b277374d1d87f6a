"""What one page's derivatives cost at the least (issue #14, batch import): CPU milliseconds a page, one thread
(VIPS_CONCURRENCY=1), medians, for the pieces of the derivative pass against the batch import's baseline (decode +
re-encode of the same JPEG master with Pillow).

    VIPS_CONCURRENCY=1 .venv/bin/python bench/derivatives_floor.py [--pages 10]

Also times the pyramid cut from the JPEG's DCT coefficients (bench/jpeg_coefficients.py; needs libturbojpeg0).
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
    import django
    import pyvips
    from PIL import Image

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.settings")
    os.environ.setdefault("DANGAN_HOME", str(Path(tempfile.gettempdir()) / "dangan-digitize-bench-home"))
    django.setup()  # derivatives' module reads its settings; no database is used

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

    import jpeg_coefficients as jpegtiles

    def crop_one(path: str) -> None:  # the coefficients read once, one tile written
        jpegtiles._crop(Path(path).read_bytes(), [(0, 0, 256, 256)])

    def crop_tiles(path: str) -> None:
        data = Path(path).read_bytes()
        header = jpegtiles.jpeg_header(data)
        assert header is not None
        jpegtiles.cut_tiles(data, header, 256)

    def half_levels(path: str) -> None:
        half = pyvips.Image.new_from_file(path, shrink=2, access="sequential", fail_on="truncated")
        half.tiffsave(f"{folder}/h.tif", **{**TILED, "pyramid": True, "Q": 89})

    def from_coefficients(path: str) -> None:
        assert jpegtiles.pyramid_from_jpeg(path, Path(f"{folder}/p.tif"))

    def coefficients_thumbnail(path: str) -> None:
        from_coefficients(path)
        pyvips.Image.thumbnail(f"{folder}/p.tif", 400, height=400).write_to_file(f"{folder}/t.jpg", Q=85)

    def crop_whole(path: str) -> None:  # one output as large as the master: read once, written once
        data = Path(path).read_bytes()
        header = jpegtiles.jpeg_header(data)
        assert header is not None
        jpegtiles._crop(data, [(0, 0, header.width, header.height)])

    def crop_clipped(path: str) -> None:  # level 0's tiles, the edge ones left smaller (TIFF wants them whole)
        data = Path(path).read_bytes()
        header = jpegtiles.jpeg_header(data)
        assert header is not None
        w, h = header.width, header.height
        jpegtiles._crop(
            data,
            [(x, y, min(256, w - x), min(256, h - y)) for y in range(0, h, 256) for x in range(0, w, 256)],
        )

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
        ("libvips decode at 1/2 (DCT scaling) alone", lambda p: pyvips.Image.new_from_file(p, shrink=2).avg()),
        ("libvips decode at 1/4 (DCT scaling) alone", lambda p: pyvips.Image.new_from_file(p, shrink=4).avg()),
        ("lossless crop: coefficients read, one 256-px tile written", crop_one),
        ("lossless copy: coefficients read, the whole image written", crop_whole),
        ("lossless crop: level 0's tiles, edge ones left smaller", crop_clipped),
        ("lossless crop: level 0's tiles (edge ones padded, re-encoded)", crop_tiles),
        ("decode at 1/2 + levels 1.. tiled JPEG Q89", half_levels),
        ("pyramid from the coefficients (crop + 1/2 decode, TIFF written)", from_coefficients),
        ("pyramid from the coefficients + thumbnail (write_pyramid)", coefficients_thumbnail),
    ]
    if jpegtiles.jpeg_header(pages[0].read_bytes()) is None:
        print("TurboJPEG (Debian libturbojpeg0) is missing: the rows cut from the coefficients are left out\n")
        steps = [(name, step) for name, step in steps if "coefficients" not in name and "lossless" not in name]
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
