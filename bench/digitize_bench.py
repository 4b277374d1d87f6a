"""Digitization benchmark (issue #14): the batch import of 500 scanned A4 pages (300 dpi) without OCR — quality
control, derivatives, preservation — against decoding and re-encoding the same images to the master format alone,
in the same run. Target: the import runs at ≥ 50 % of the baseline's speed (2 processes each).

    .venv/bin/python bench/digitize_bench.py                  # 500 pages (50 units × 10), JPEG masters
    .venv/bin/python bench/digitize_bench.py --quick          # 60 pages
    .venv/bin/python bench/digitize_bench.py --format tiff    # LZW TIFF masters instead
    .venv/bin/python bench/digitize_bench.py --queued-derivatives  # the derivatives left to the worker

The pages: 20 printed pages rendered with a Chinese font (horizontal lines, vertical columns read right to left, red
headers; white and yellowed paper; black and blue-black ink), each turned by a small angle, then every page image
with its own sensor noise and brightness, saved at 300 dpi. They are made once and kept in a cache folder in the
temporary directory (``--fresh`` makes them again). No two pages of a unit come from the same rendered page, so the
import finds no duplicates and every page passes.

Also measured: ``check_page`` alone per page against decode + re-encode of the same page (one process, medians),
and, over the whole set, quality control alone (2 processes) and the derivatives alone (the pyramid and thumbnail
that preservation.iiif builds, 2 images at a time as the import does): the floor of the import's two passes over the pixels. The import runs the task
queue in-process (DANGAN_TASKS=immediate), so the derivatives preservation requests are built inside it. The import is `dangan digitize import DIR --fonds CODE
--json` (branch h/batches); until it exists the benchmark says so, measures quality control alone, and fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, table

TARGET = 0.5
PROCESSES = 2
PAGES_PER_UNIT = 10
BASES = 20
A4 = (2480, 3508)
FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
CACHE_VERSION = 1
TEXT = (
    "中華蘇維埃共和國臨時中央政府布告為發展生產保障供給各級政府應當切實組織群眾開展春耕運動興修水利調劑耕牛農具"
    "优待红军家属帮助缺乏劳动力之家庭按时完成耕种任务凡我工农群众务须踊跃参加不得延误此布通知各县区乡苏维埃"
    "关于扩大红军运动的决议案查本年度各地扩红工作成绩尚属可观惟少数地方动员不力应即检讨改正以利战争"
)
FORMATS = {"jpeg": ("JPEG", ".jpg", {"quality": 90}), "tiff": ("TIFF", ".tif", {"compression": "tiff_lzw"})}


def render_base(seed: int) -> Image.Image:
    """One printed page at 300 dpi: lines or columns, perhaps a red header, on white or yellowed paper, turned."""
    rng = random.Random(seed)
    vertical = seed % 4 == 1
    red_header = seed % 5 == 2
    paper = (252, 251, 248) if seed % 3 else (236, 226, 203)
    ink = (24, 24, 26) if seed % 2 else (30, 36, 70)
    width, height = A4
    image = Image.new("RGB", A4, paper)
    draw = ImageDraw.Draw(image)
    em = 46 + rng.randrange(-6, 7)
    font = ImageFont.truetype(FONT, em)
    margin = 260 + rng.randrange(-40, 41)
    text = TEXT * 12
    start = rng.randrange(len(TEXT))
    top = margin
    if red_header:
        draw.text((margin + 200, margin), "中央苏区政府文件", font=ImageFont.truetype(FONT, em * 3), fill=(196, 32, 36))
        draw.line((margin, margin + em * 4, width - margin, margin + em * 4), fill=(196, 32, 36), width=10)
        top = margin + em * 5
    pitch = int(em * (1.6 + rng.random() * 0.5))
    if vertical:
        per_column = (height - top - margin) // em
        for column in range((width - 2 * margin) // pitch):
            x = width - margin - em - column * pitch
            length = per_column - (rng.randrange(per_column // 2) if rng.random() < 0.3 else 0)
            offset = start + column * per_column
            for row in range(length):
                draw.text((x, top + row * em), text[offset + row], font=font, fill=ink)
    else:
        per_line = (width - 2 * margin) // em
        lines = (height - top - margin) // pitch - rng.randrange(0, 6)
        for line in range(lines):
            length = per_line - (rng.randrange(per_line // 2) if rng.random() < 0.2 else 0)
            offset = start + line * per_line
            draw.text((margin, top + line * pitch), text[offset : offset + length], font=font, fill=ink)
    angle = rng.uniform(-1.5, 1.5)
    return image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=paper)


def _make_page(job: tuple[int, int, str, str]) -> None:
    """One scanned page: a rendered page with its own brightness and sensor noise, saved at 300 dpi."""
    index, base, fmt, target = job
    rng = np.random.default_rng(index)
    array = _BASES[base].astype(np.int16)
    array *= int(rng.integers(122, 129))
    array >>= 7  # brightness 95–100 %, in integers (a float copy of an A4 page costs more than the rest)
    tile = rng.normal(0, 3.0, (509, 509, 3)).round().astype(np.int16)
    reps = (-(-array.shape[0] // 509), -(-array.shape[1] // 509), 1)
    array += np.tile(tile, reps)[: array.shape[0], : array.shape[1]]
    name, _, options = FORMATS[fmt]
    Image.fromarray(array.clip(0, 255).astype(np.uint8)).save(target, name, dpi=(300, 300), **options)


_BASES: list[np.ndarray] = []  # the rendered pages, made before the pool forks (its processes share them)


def make_pages(cache: Path, pages: int, fmt: str) -> list[list[Path]]:
    """Units of PAGES_PER_UNIT page images each, made (2 processes) or taken from the cache."""
    _, suffix, _ = FORMATS[fmt]
    units = -(-pages // PAGES_PER_UNIT)
    layout = [
        [cache / f"u{u:03d}" / f"{p + 1:04d}{suffix}" for p in range(min(PAGES_PER_UNIT, pages - u * PAGES_PER_UNIT))]
        for u in range(units)
    ]
    done = cache / "complete"
    if done.exists():
        return layout
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    started = time.perf_counter()
    progress(f"rendering {BASES} printed pages …")
    _BASES[:] = [np.asarray(render_base(seed)) for seed in range(BASES)]
    jobs = []
    for u, unit in enumerate(layout):
        unit[0].parent.mkdir(parents=True, exist_ok=True)
        bases = random.Random(u).sample(range(BASES), len(unit))  # no two pages of a unit alike
        jobs += [(u * PAGES_PER_UNIT + p, bases[p], fmt, str(path)) for p, path in enumerate(unit)]
    progress(f"making {len(jobs)} page images ({fmt}, 2 processes) …")
    with Pool(PROCESSES) as pool:
        pool.map(_make_page, jobs, chunksize=4)
    _BASES.clear()
    done.write_text(f"{time.perf_counter() - started:.1f} s\n")
    return layout


def cpu_seconds(*, children_only: bool = False) -> float:
    """CPU time (user + system) of this process and of its finished children (or of the children alone): how much
    work a step is, whatever else the shared machine runs at the same time."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = children.ru_utime + children.ru_stime
    if not children_only:
        own = resource.getrusage(resource.RUSAGE_SELF)
        total += own.ru_utime + own.ru_stime
    return total


def _reencode(path: str) -> int:
    """The baseline's work on one page: decode it whole and encode it again to the master format."""
    fmt = "jpeg" if path.endswith(".jpg") else "tiff"
    name, _, options = FORMATS[fmt]
    with Image.open(path) as image:
        image.load()
        buffer = io.BytesIO()
        image.save(buffer, name, dpi=(300, 300), **options)
    return buffer.tell()


def _pyramid(path: str) -> int:
    """The derivatives of one page as preservation.iiif builds them (tiled JPEG pyramid + thumbnail), written to a
    temporary folder: the part of the import that the baseline's work resembles most."""
    import django
    import pyvips

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.settings")
    os.environ.setdefault("DANGAN_HOME", str(Path(tempfile.gettempdir()) / "dangan-digitize-bench-home"))
    django.setup()  # the module reads its settings; no database is used
    from dangan.preservation.iiif.derivatives import (
        PYRAMID_QUALITY,
        THUMBNAIL_SIZE,
        TILE_SIZE,
        load_master,
        viewing_image,
    )

    with tempfile.TemporaryDirectory(prefix="dangan-pyramid-") as folder:
        pyramid = f"{folder}/pyramid.tif"
        viewing_image(load_master(path, access="sequential", strict=True)).tiffsave(
            pyramid,
            tile=True,
            tile_width=TILE_SIZE,
            tile_height=TILE_SIZE,
            pyramid=True,
            compression="jpeg",
            Q=PYRAMID_QUALITY,
        )
        thumbnail = pyvips.Image.thumbnail(pyramid, THUMBNAIL_SIZE, height=THUMBNAIL_SIZE)
        thumbnail.write_to_file(f"{folder}/thumbnail.jpg", Q=85)
        return os.path.getsize(pyramid)


def _check(job: tuple[str, str]) -> object:
    from dangan.digitization.qc import ScanSpec, check_page

    path, fmt = job
    return check_page(Path(path), ScanSpec(master_format=fmt))


def parallel(function, items: list) -> float:  # type: ignore[no-untyped-def, type-arg]
    started = time.perf_counter()
    with Pool(PROCESSES) as pool:
        pool.map(function, items, chunksize=2)
    return time.perf_counter() - started


def per_page(paths: list[Path], fmt: str) -> tuple[float, float]:
    """Medians (ms) of check_page and of decode + re-encode on the same pages, one process."""
    from dangan.digitization.qc import ScanSpec, check_page

    spec = ScanSpec(master_format=fmt)
    checks, encodes = [], []
    for path in paths:
        started = time.perf_counter()
        check_page(path, spec)
        checks.append(time.perf_counter() - started)
        started = time.perf_counter()
        _reencode(str(path))
        encodes.append(time.perf_counter() - started)
    return statistics.median(checks) * 1000, statistics.median(encodes) * 1000


def quality_control(layout: list[list[Path]], fmt: str) -> tuple[float, int]:
    """check_page over every page (2 processes) and check_unit per unit; (seconds, pages failing)."""
    from dangan.digitization.qc import ScanSpec, check_unit

    spec = ScanSpec(master_format=fmt)
    jobs = [(str(path), fmt) for unit in layout for path in unit]
    started = time.perf_counter()
    with Pool(PROCESSES) as pool:
        checked = pool.map(_check, jobs, chunksize=2)
    failing = sum(not page.passed for page in checked)  # type: ignore[attr-defined]
    position = 0
    for unit in layout:
        pages = checked[position : position + len(unit)]
        position += len(unit)
        failing += sum(not result.passed for _, result in check_unit(pages, expected_pages=len(unit), spec=spec))  # type: ignore[arg-type]
    return time.perf_counter() - started, failing


def import_missing() -> bool:
    return importlib.util.find_spec("dangan.cli.digitize") is None


def run_import(  # type: ignore[type-arg]
    layout: list[list[Path]], work: Path, fmt: str, *, queued: bool = False
) -> tuple[float, int, dict]:
    """`dangan digitize import` of the pages, one folder per unit named by its 档号, into a fresh DANGAN_HOME.
    ``queued``: the command runs with the database task queue, so the derivatives preservation requests are queued
    for the worker, not built inside the import."""
    from common import setup_django

    home = work / "home"
    setup_django(home=str(home))
    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import RecordCategory
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.actors import CONSOLE

    do_ensure_institution(CONSOLE, "BENCH", "基准测试档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z001", "中华苏维埃共和国临时中央政府")
    category = RecordCategory.objects.get(code="WS")
    scans = work / "scans"
    for number, unit_pages in enumerate(layout, start=1):
        unit = do_create_unit(
            CONSOLE,
            fonds,
            {
                "title": f"布告（第 {number} 号）",
                "category": category,
                "year": 1934,
                "retention": "Y",
                "page_count": len(unit_pages),
            },
        )
        folder = scans / str(unit.reference_code).replace("/", "-")
        folder.mkdir(parents=True)
        for path in unit_pages:
            os.link(path, folder / path.name)
    from dangan.digitization.actions.batches import do_create_batch

    do_create_batch(CONSOLE, "基准批次", fonds, master_format=fmt)  # the specification: 300 dpi, colour, this format
    dangan = Path(sys.executable).with_name("dangan")
    command = [str(dangan), "digitize", "import", str(scans), "--fonds", "Z001", "--batch", "基准批次", "--json"]
    started = time.perf_counter()
    # The task queue runs in-process (DANGAN_TASKS=immediate, as setup_django set it): the derivatives that
    # preservation requests are built inside the measured import, not left to a worker.
    env = {**os.environ, "DANGAN_HOME": str(home)}
    if queued:
        env.pop("DANGAN_TASKS", None)
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    try:
        report = json.loads(done.stdout) if done.stdout.strip() else {}
    except json.JSONDecodeError:
        report = {"stdout": done.stdout[-2000:]}
    if done.returncode:
        report["stderr"] = done.stderr[-2000:]
    return seconds, done.returncode, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="60 pages")
    parser.add_argument("--pages", type=int, default=None)
    parser.add_argument("--format", choices=sorted(FORMATS), default="jpeg", help="master format (default jpeg)")
    parser.add_argument("--fresh", action="store_true", help="make the page images again")
    parser.add_argument(
        "--queued-derivatives",
        action="store_true",
        help="the import with its derivatives queued for the worker (the database queue), not built inside it",
    )
    args = parser.parse_args()
    pages = args.pages or (60 if args.quick else 500)
    cache = Path(tempfile.gettempdir()) / f"dangan-digitize-bench-v{CACHE_VERSION}-{args.format}-{pages}"
    if args.fresh:
        shutil.rmtree(cache, ignore_errors=True)
    layout = make_pages(cache, pages, args.format)
    paths = [path for unit in layout for path in unit]
    megabytes = sum(path.stat().st_size for path in paths) / 1e6
    subprocess.run(["cat", *map(str, paths)], stdout=subprocess.DEVNULL, check=False)  # in the page cache

    progress("one page at a time: check_page against decode + re-encode …")
    check_ms, encode_ms = per_page(paths[:: max(1, len(paths) // 20)][:20], args.format)
    progress("baseline: decode + re-encode every page (2 processes) …")
    cpu = cpu_seconds()
    baseline = parallel(_reencode, [str(path) for path in paths])
    baseline_cpu = cpu_seconds() - cpu
    progress("quality control alone (2 processes) …")
    cpu = cpu_seconds()
    qc_seconds, failing = quality_control(layout, args.format)
    qc_cpu = cpu_seconds() - cpu

    def per_page_cpu(seconds: float) -> str:
        return f"{seconds / len(paths) * 1000:.0f}"

    rows = [
        [
            f"baseline: decode + re-encode to {args.format.upper()} (2 processes)",
            f"{baseline:.1f}",
            f"{len(paths) / baseline:.2f}",
            "1.00",
            per_page_cpu(baseline_cpu),
        ],
        [
            "quality control alone: check_page + check_unit (2 processes)",
            f"{qc_seconds:.1f}",
            f"{len(paths) / qc_seconds:.2f}",
            f"{baseline / qc_seconds:.2f}",
            per_page_cpu(qc_cpu),
        ],
    ]
    if importlib.util.find_spec("dangan.preservation.iiif.derivatives") is not None:
        progress("derivatives alone: pyramid + thumbnail per page (2 processes) …")
        started, cpu = time.perf_counter(), cpu_seconds()
        with Pool(PROCESSES) as pool:  # child processes: Django is set up there, never in this one before the import
            pool.map(_pyramid, [str(path) for path in paths], chunksize=8)
        pyramids, pyramids_cpu = time.perf_counter() - started, cpu_seconds() - cpu
        rows.append(
            [
                "alone: derivatives as preservation.iiif builds them (pyvips pyramid + thumbnail, 2 processes)",
                f"{pyramids:.1f}",
                f"{len(paths) / pyramids:.2f}",
                f"{baseline / pyramids:.2f}",
                per_page_cpu(pyramids_cpu),
            ]
        )
    status = 1
    note = ""
    if import_missing():
        note = "`dangan digitize import` is missing (branch h/batches not merged): the import is not measured."
    else:
        work = Path(tempfile.mkdtemp(prefix="dangan-digitize-bench-"))
        try:
            built = "derivatives queued" if args.queued_derivatives else "derivatives"
            progress(f"dangan digitize import … --json (QC, {built}, preservation; no OCR) …")
            cpu = cpu_seconds(children_only=True)  # the command's own work, not the setting up of the fonds here
            seconds, code, report = run_import(layout, work, args.format, queued=args.queued_derivatives)
            import_cpu = cpu_seconds(children_only=True) - cpu
        finally:
            shutil.rmtree(work, ignore_errors=True)
        ratio = baseline / seconds
        rows.append(
            [
                f"`dangan digitize import` (exit {code}"
                + (", derivatives queued for the worker)" if args.queued_derivatives else ")"),
                f"{seconds:.1f}",
                f"{len(paths) / seconds:.2f}",
                f"**{ratio:.2f}**",
                per_page_cpu(import_cpu),
            ]
        )
        if code != 0:
            # Every page of the set passes quality control: an exit other than 0 is a failed run, not a figure.
            problems = len(report.get("problems", [])) if isinstance(report, dict) else 0
            detail = json.dumps(report, ensure_ascii=False)[:1500]
            note = f"FAIL: the import exited {code} ({problems} problems listed): {detail}"
        else:
            status = 0 if ratio >= TARGET else 1
            verdict = "PASS" if status == 0 else "FAIL"
            note = f"{verdict}: the import at {ratio:.2f} of the baseline's speed (target ≥ {TARGET})."

    print(
        f"{len(paths)} pages of A4 at 300 dpi, {args.format.upper()} masters, {megabytes:,.0f} MB in all; "
        f"pages failing quality control: {failing}\n"
    )
    print(table(["step", "seconds", "pages/s", "speed vs baseline", "CPU ms a page"], rows))
    print(f"\nload average at the end: {' '.join(f'{value:.1f}' for value in os.getloadavg())}")
    print()
    print(
        table(
            ["one page, one process (median of 20)", "ms"],
            [["check_page", f"{check_ms:.0f}"], [f"decode + re-encode to {args.format.upper()}", f"{encode_ms:.0f}"]],
        )
    )
    print(f"\n{note}")
    return status


if __name__ == "__main__":
    sys.exit(main())
