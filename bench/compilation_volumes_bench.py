"""What a compilation's images cost before the writer runs (issue #18, part volumes): ``assemble_book`` derives each
picked page at print resolution (``actions.volumes._derive_images``: libvips' shrink-on-load thumbnail, a few at once)
for the 200-image volume of the figure (a 300-page compilation with 200 images exported to PDF in under a minute).

Baselines measured in the same run on the same masters (A4 at 300 dpi, 2480×3508 RGB JPEG):

- ``decode+resize, serial``: the obvious way (decode every master whole, resize, encode), one at a time;
- ``decode only, serial``: the floor of that way: decoding each master whole, nothing else.

    flock /work/bench.lock .venv/bin/python bench/compilation_volumes_bench.py [--images 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from common import table


def masters(count: int) -> list[str]:
    """``count`` A4 300 dpi JPEG masters (made once, kept in the temp folder)."""
    import pyvips

    folder = Path(tempfile.gettempdir()) / "dangan-compilation-bench-v1"
    folder.mkdir(exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"{n:04d}.jpg"
        if not path.exists():
            noise = pyvips.Image.gaussnoise(2480, 3508, sigma=18, mean=200 - (n % 7) * 5)
            image = noise.bandjoin([noise * 0.97, noise * 0.9]).cast("uchar").copy(interpretation="srgb")
            partial = path.with_suffix(".part.jpg")
            image.jpegsave(str(partial), Q=88)
            partial.replace(path)
        paths.append(str(path))
    return paths


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.settings")
    os.environ.setdefault("DANGAN_HOME", str(Path(tempfile.gettempdir()) / "dangan-compilation-bench-home"))
    django.setup()  # the action reads COMPILATION_IMAGE_PIXELS; no database is used
    import pyvips

    from dangan.compilation.actions.volumes import _derive_images
    from dangan.preservation.iiif.derivatives import load_master, viewing_image

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    paths = masters(args.images)
    pyvips.cache_set_max(0)
    out = Path(tempfile.mkdtemp(prefix="dangan-compilation-bench-"))
    limit = 2400

    def ours() -> None:
        sizes = _derive_images([(p, out / f"a{i}.jpg") for i, p in enumerate(paths)])
        assert all(size is not None and max(size) == limit for size in sizes)

    def obvious() -> None:
        for i, p in enumerate(paths):
            image = viewing_image(load_master(p, access="sequential"))
            image = image.resize(limit / max(image.width, image.height))
            image.jpegsave(str(out / f"b{i}.jpg"), Q=90, strip=True)

    def decode_only() -> None:
        for p in paths:
            pyvips.Image.new_from_file(p, access="sequential").avg()

    times: dict[str, list[float]] = {"ours": [], "obvious": [], "floor": []}
    for _run in range(args.runs):
        for name, job in (("floor", decode_only), ("obvious", obvious), ("ours", ours)):
            start = time.perf_counter()
            job()
            times[name].append(time.perf_counter() - start)
    shutil.rmtree(out, ignore_errors=True)
    floor = statistics.median(times["floor"])
    rows = [
        [
            label,
            f"{statistics.median(times[key]):.2f}",
            f"{statistics.median(times[key]) / args.images * 1000:.0f}",
            f"{statistics.median(times[key]) / floor:.2f}",
        ]
        for key, label in (
            ("floor", "decode only, serial (floor of the obvious way)"),
            ("obvious", "decode+resize+encode, serial (baseline)"),
            ("ours", "assemble_book's _derive_images"),
        )
    ]
    print(
        f"{args.images} masters 2480×3508 JPEG → longest side {limit} px, median of {args.runs} runs, "
        f"{os.cpu_count()} CPUs"
    )
    print(table(["", "seconds", "ms/image", "× floor"], rows))
    ratio = statistics.median(times["ours"]) / statistics.median(times["obvious"])
    print(f"ours / baseline: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
