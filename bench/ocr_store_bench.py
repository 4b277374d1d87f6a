"""OCR of preserved pages (issue #14, part ocrstore): what storing the text costs on top of recognizing it.

1. OCR of a unit: `do_ocr_unit` over N preserved masters (each read from the OCFL object, recognized, its PageText
   saved, then ONE package version with every page's ALTO and text, the audit entry and the search index) against
   the baseline `recognize()` of the same N images already in memory, in the same run. Target: ≥ 90 % of the
   baseline's pages per second (the storage adds little to the engine's time).
2. A rerun of the same unit (every page skipped) — what resuming after a crash costs when nothing is left to do.
3. A correction of one line (`do_correct_lines`: lock, ALTO rewritten, revision, audit, a package version with every
   page's text, the unit reindexed): median and p95 of M corrections.

    .venv/bin/python bench/ocr_store_bench.py            # 8 pages of 12 lines, 20 corrections
    .venv/bin/python bench/ocr_store_bench.py --quick    # 3 pages, 5 corrections

SQLite, storage without fsync; the OCR engine with DANGAN_OCR_THREADS (default 1 thread), on the CPU unless
onnxruntime finds a GPU.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import percentile, progress, setup_django, table

TARGET = 0.9
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
PHRASES = (
    "中国工农红军第一方面军司令部命令",
    "各部队应于本月十五日前到达指定地点",
    "遵义会议决议传达至各军团政治部",
    "土城战斗伤亡统计及物资补充情况",
    "娄山关战斗详报已呈军委总部审阅",
    "地方工作团协助群众分田分地事宜",
)


def render(path: Path, page: int, lines: int) -> Path:
    """A 150-dpi A4 page (1240 × 1754) of printed horizontal lines."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 40)
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    for i in range(lines):
        draw.text((120, 140 + i * 110), f"{page}-{i} " + PHRASES[(page + i) % len(PHRASES)], font=font, fill=0)
    image.save(path, "TIFF", compression="tiff_lzw", dpi=(150, 150))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    pages, lines, corrections = (3, 12, 5) if args.quick else (8, 12, 20)

    work = Path(tempfile.mkdtemp(prefix="dangan-ocrstore-bench-"))
    setup_django(home=str(work / "home"))
    from django.conf import settings
    from PIL import Image

    settings.STORAGE_DURABLE = False
    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import RecordCategory
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.actors import CONSOLE
    from dangan.digitization.actions.ocr import do_correct_lines, do_ocr_unit
    from dangan.digitization.models import PageText
    from dangan.digitization.ocr import parse_alto, recognize
    from dangan.preservation.actions.preserving import do_preserve

    do_ensure_institution(CONSOLE, "GZSDAG", "贵州省档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z109", "中央红军")
    unit = do_create_unit(
        CONSOLE,
        fonds,
        {"title": "长征文件", "category": RecordCategory.objects.get(code="WS"), "year": 1935, "retention": "Y"},
    )
    progress(f"rendering {pages} pages …")
    sources = {f"content/masters/{n:04d}.tif": render(work / f"{n:04d}.tif", n, lines) for n in range(1, pages + 1)}
    do_preserve(CONSOLE, unit, sources, message="数字化成果")

    images = []
    for path in sources.values():
        with Image.open(path) as image:
            image.load()
            images.append(image.copy())
    recognize(images[0])  # the models load once, outside both measurements
    progress("baseline: recognize() of the images in memory …")
    start = time.perf_counter()
    for image in images:
        recognize(image)
    baseline = time.perf_counter() - start

    progress("do_ocr_unit over the preserved masters …")
    start = time.perf_counter()
    result = do_ocr_unit(CONSOLE, unit)
    stored = time.perf_counter() - start
    assert result.pages_recognized == pages

    start = time.perf_counter()
    again = do_ocr_unit(CONSOLE, unit)
    rerun = time.perf_counter() - start
    assert again.pages_skipped == pages

    progress(f"{corrections} corrections …")
    samples = []
    for i in range(corrections):
        row = PageText.objects.get(unit=unit, page=1 + i % pages)
        line = parse_alto(row.alto.encode()).lines[0]
        start = time.perf_counter()
        do_correct_lines(CONSOLE, row, {line.id: f"校对第{i}次 {line.text}"}, row.version)
        samples.append(time.perf_counter() - start)

    ratio = (pages / stored) / (pages / baseline)
    print(
        table(
            ["measure", "seconds", "pages/s", "vs baseline"],
            [
                [f"baseline: recognize() of {pages} pages in memory", baseline, pages / baseline, "1.00"],
                [f"do_ocr_unit: {pages} preserved pages, 1 version", stored, pages / stored, f"{ratio:.2f}"],
                [f"rerun, {pages} pages skipped", rerun, "", ""],
            ],
        )
    )
    print()
    ms = [s * 1000 for s in samples]
    print(
        table(
            ["correction of one line", "median ms", "p95 ms"],
            [[f"{corrections} corrections", statistics.median(ms), percentile(ms, 95)]],
        )
    )
    print()
    verdict = "PASS" if ratio >= TARGET else "FAIL"
    print(f"{verdict}: OCR with storage at {ratio:.0%} of recognize() alone (target ≥ {TARGET:.0%})")


if __name__ == "__main__":
    main()
