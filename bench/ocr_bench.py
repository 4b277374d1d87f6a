"""OCR accuracy and speed (issue #14): dangan's OCR against Debian's tesseract on the hard archive pages of bench/ocr/.

    python bench/ocr_bench.py [--quick] [--repeat 1] [--processes 2] [--pages NAME ...] [--per-page] [--json FILE]

The pages (bench/ocr/make_pages.py: vertical traditional, 楷书, Ming/Song, mimeograph, seals, skew with stains,
150 dpi, survey forms, red headers, 1950s horizontal) are rendered into bench/ocr/pages/ when missing. Engines, all
on the same pages in the same run:

- ``dangan``: ``dangan.digitization.ocr.recognize(path).text`` (layout "auto": it decides the orientation itself),
  in 2 worker processes with DANGAN_OCR_THREADS=1, each process warmed up (model loaded) before the clock starts.
- ``tesseract``: the tesseract command line with the model an operator picks per page: chi_tra_vert / chi_sim_vert
  with ``--psm 5`` (one block of vertical text) for vertical pages, chi_tra / chi_sim for horizontal ones;
  2 processes at a time with OMP_THREAD_LIMIT=1 (one process per page, model loading included, as operators run it).
- ``tesseract-auto``: ``-l chi_sim+chi_tra`` on every page, default page segmentation (accuracy only; timed too).

Character error rate (CER) per page: Levenshtein distance over characters / characters of the true text, with all
whitespace and line breaks removed, full-width and half-width forms folded (，→, （→( ０→0 …, 。→. 〔〕→[]), and
traditional and simplified characters NOT folded. Speed: pages per second over all pages (wall clock, 2 processes
× 1 thread each), the median of --repeat runs. Targets: mean CER ≤ 0.02; dangan's pages/s ≥ tesseract's.
Each engine's text per page is written to bench/out/ocr/<engine>/<page>.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "ocr"))

from make_pages import PAGES, PAGES_DIR, TRUTH_DIR, PageSpec, ensure_pages

from common import OUT_DIR, progress, table

CER_TARGET = 0.02
QUICK_PAGES = ("vertical-01", "kaishu-03", "mimeo-01", "seal-02", "skew-01", "lowres-03", "form-03", "redhead-01")
ENGINES = ("dangan", "tesseract", "tesseract-auto")

# --------------------------------------------------------------------------------------------------------------------
# Character error rate.

#: punctuation that has no width variant but is the same mark in the other width
PUNCTUATION_FOLD = str.maketrans({"。": ".", "｡": ".", "〔": "[", "〕": "]", "【": "[", "】": "]", "—": "-", "–": "-"})


def normalise(text: str) -> str:
    """The text as the CER compares it: no whitespace, full-width and half-width forms folded, 繁简 kept apart."""
    out = []
    for char in text:
        if char.isspace():
            continue
        decomposition = unicodedata.decomposition(char)
        if decomposition.startswith(("<wide>", "<narrow>")):
            char = chr(int(decomposition.split()[1], 16))
        out.append(char)
    return "".join(out).translate(PUNCTUATION_FOLD)


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions) by Hyyrö's bit-parallel algorithm: one pass over ``b``."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    peq: dict[str, int] = {}
    for i, char in enumerate(a):
        peq[char] = peq.get(char, 0) | (1 << i)
    mask = (1 << len(a)) - 1
    last = 1 << (len(a) - 1)
    pv, mv, score = mask, 0, len(a)
    for char in b:
        eq = peq.get(char, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & mask) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & mask
        mh = pv & xh
        if ph & last:
            score += 1
        elif mh & last:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv
    return score


def cer(truth: str, hypothesis: str) -> float:
    t, h = normalise(truth), normalise(hypothesis)
    return levenshtein(t, h) / max(1, len(t))


# --------------------------------------------------------------------------------------------------------------------
# Engines. Each returns (texts by page name, wall seconds for all pages).


def tesseract_command(spec: PageSpec, path: Path, auto: bool) -> list[str]:
    if auto:
        return ["tesseract", str(path), "stdout", "-l", "chi_sim+chi_tra"]
    model = "chi_tra" if spec.script == "traditional" else "chi_sim"
    if spec.vertical:
        return ["tesseract", str(path), "stdout", "-l", model + "_vert", "--psm", "5"]
    return ["tesseract", str(path), "stdout", "-l", model]


def run_tesseract(specs: Sequence[PageSpec], paths: Sequence[Path], processes: int, auto: bool) -> tuple[dict, float]:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(item: tuple[PageSpec, Path]) -> tuple[str, str]:
        spec, path = item
        done = subprocess.run(tesseract_command(spec, path, auto), capture_output=True, env=env, check=True)
        return spec.name, done.stdout.decode("utf-8", "replace")

    start = time.perf_counter()
    with ThreadPoolExecutor(processes) as pool:
        texts = dict(pool.map(one, zip(specs, paths, strict=True)))
    return texts, time.perf_counter() - start


def _dangan_worker_init() -> None:
    """Load the model in this worker before the clock starts: OCR one small rendered line."""
    from PIL import Image, ImageDraw, ImageFont

    from dangan.digitization.ocr import recognize

    img = Image.new("RGB", (640, 96), "white")
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 48, index=2)
    ImageDraw.Draw(img).text((16, 20), "档案数字化识别", fill="black", font=font)
    recognize(img)


def _worker_ready(pause: float) -> int:
    time.sleep(pause)
    return os.getpid()


def _dangan_one(path: str) -> tuple[str, str, str]:
    from dangan.digitization.ocr import recognize

    result = recognize(path)
    return Path(path).stem, result.text, str(getattr(result, "engine", ""))


def dangan_available() -> str | None:
    """None when dangan's OCR can run here, else why not."""
    try:
        from dangan.digitization.ocr import recognize  # noqa: F401
    except ImportError as exc:
        return f"dangan.digitization.ocr.recognize is not available ({exc})"
    return None


def run_dangan(specs: Sequence[PageSpec], paths: Sequence[Path], processes: int) -> tuple[dict, float, str]:
    os.environ["DANGAN_OCR_THREADS"] = "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    with ProcessPoolExecutor(processes, initializer=_dangan_worker_init) as pool:
        # every worker started and warmed up (the initializer runs before a worker's first task) before the clock
        ready: set[int] = set()
        while len(ready) < processes:
            ready.update(pool.map(_worker_ready, [0.3] * processes))
        start = time.perf_counter()
        results = list(pool.map(_dangan_one, [str(p) for p in paths]))
        elapsed = time.perf_counter() - start
    engines = sorted({engine for _, _, engine in results if engine})
    return {name: text for name, text, _ in results}, elapsed, ", ".join(engines)


# --------------------------------------------------------------------------------------------------------------------


def summarise(name: str, runs: list[tuple[dict, float]], specs: Sequence[PageSpec], truth: dict[str, str]) -> dict:
    """CER from the last run's texts (each run reads the same pages the same way), speed from the median run."""
    texts = runs[-1][0]
    out = OUT_DIR / "ocr" / name
    out.mkdir(parents=True, exist_ok=True)
    for page, text in texts.items():
        (out / f"{page}.txt").write_text(text, encoding="utf-8")
    per_page = {s.name: cer(truth[s.name], texts.get(s.name, "")) for s in specs}
    times = [seconds for _, seconds in runs]
    seconds = statistics.median(times)
    return {
        "cer": per_page,
        "cer_mean": statistics.fmean(per_page.values()),
        "cer_median": statistics.median(per_page.values()),
        "seconds": times,
        "seconds_median": seconds,
        "pages_per_second": len(specs) / seconds,
    }


def category_rows(specs: Sequence[PageSpec], results: dict[str, dict]) -> list[list[object]]:
    categories = list(dict.fromkeys(s.category for s in specs))
    rows: list[list[object]] = []
    for category in [*categories, "all"]:
        names = [s.name for s in specs if category in ("all", s.category)]
        row: list[object] = [category if category != "all" else "**all (mean)**", len(names)]
        for engine in ENGINES:
            if engine in results:
                row.append(f"{statistics.fmean(results[engine]['cer'][n] for n in names):.4f}")
            else:
                row.append("missing")
        rows.append(row)
    row = ["**all (median)**", len(specs)]
    for engine in ENGINES:
        row.append(f"{results[engine]['cer_median']:.4f}" if engine in results else "missing")
    rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{len(QUICK_PAGES)} pages, one of each kind")
    parser.add_argument("--pages", nargs="*", help="only these pages (names in bench/ocr/pages.json)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per engine (the median is reported)")
    parser.add_argument("--processes", type=int, default=2, help="worker processes, 1 thread each")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: " + ", ".join(ENGINES))
    parser.add_argument("--per-page", action="store_true", help="also print each page's CER")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()

    wanted = args.pages or (QUICK_PAGES if args.quick else None)
    specs = [s for s in PAGES if not wanted or s.name in wanted]
    paths = ensure_pages(PAGES_DIR, specs, processes=args.processes)
    truth = {s.name: (TRUTH_DIR / f"{s.name}.txt").read_text(encoding="utf-8") for s in specs}
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not shutil.which("tesseract"):
        progress("tesseract is not installed (make system-deps): its columns are missing")
        engines = [e for e in engines if not e.startswith("tesseract")]

    missing: dict[str, str] = {}
    dangan_engine = ""
    runners: dict[str, Callable[[], tuple[dict, float]]] = {}
    if "dangan" in engines:
        why = dangan_available()
        if why:
            missing["dangan"] = why
            progress(f"dangan: missing — {why}")
        else:

            def dangan_run() -> tuple[dict, float]:
                nonlocal dangan_engine
                texts, seconds, dangan_engine = run_dangan(specs, paths, args.processes)
                return texts, seconds

            runners["dangan"] = dangan_run
    if "tesseract" in engines:
        runners["tesseract"] = lambda: run_tesseract(specs, paths, args.processes, False)
    if "tesseract-auto" in engines:
        runners["tesseract-auto"] = lambda: run_tesseract(specs, paths, args.processes, True)
    # the timed engines take turns, so that a busy spell of the machine does not fall on one of them only
    repeats = {name: (1 if name == "tesseract-auto" else args.repeat) for name in runners}
    runs: dict[str, list[tuple[dict, float]]] = {name: [] for name in runners}
    for i in range(max(repeats.values(), default=0)):
        for name, run in runners.items():
            if i < repeats[name]:
                progress(f"{name}: run {i + 1}/{repeats[name]} over {len(specs)} pages …")
                texts, seconds = run()
                runs[name].append((texts, seconds))
                progress(f"{name}: {seconds:.1f} s, {len(specs) / seconds:.3f} pages/s")
    results = {name: summarise(name, runs[name], specs, truth) for name in runners}

    if args.per_page:
        print(f"\nOCR accuracy: character error rate per page ({len(specs)} pages)\n")
        rows = [
            [s.name, s.category, *(f"{results[e]['cer'][s.name]:.4f}" if e in results else "missing" for e in ENGINES)]
            for s in specs
        ]
        print(table(["page", "category", *ENGINES], rows))
    print(f"\nOCR accuracy: mean character error rate per page category ({len(specs)} pages)\n")
    print(table(["category", "pages", *ENGINES], category_rows(specs, results)))
    print(f"\nOCR speed: {args.processes} processes × 1 thread, median of {args.repeat} run(s)\n")
    speed_rows = []
    base = results.get("tesseract", {}).get("pages_per_second")
    for engine in ENGINES:
        if engine in results:
            r = results[engine]
            ratio = f"{r['pages_per_second'] / base:.2f}" if base else "-"
            speed_rows.append([engine, len(specs), r["seconds_median"], f"{r['pages_per_second']:.3f}", ratio])
        else:
            speed_rows.append([engine, len(specs), "missing", "missing", "-"])
    print(table(["engine", "pages", "wall s", "pages/s", "÷ tesseract"], speed_rows))
    if dangan_engine:
        print(f"\ndangan engine: {dangan_engine}")

    checks: list[tuple[str, bool | None, str]] = []
    if "dangan" in results:
        mean = results["dangan"]["cer_mean"]
        checks.append((f"mean CER ≤ {CER_TARGET}", mean <= CER_TARGET, f"dangan {mean:.4f}"))
        if base:
            ours = results["dangan"]["pages_per_second"]
            checks.append(("pages/s ≥ tesseract's", ours >= base, f"{ours:.3f} vs {base:.3f}, ×{ours / base:.2f}"))
    else:
        checks.append((f"mean CER ≤ {CER_TARGET}", None, missing.get("dangan", "not run")))
        checks.append(("pages/s ≥ tesseract's", None, missing.get("dangan", "not run")))
    print()
    for label, ok, detail in checks:
        verdict = "MISSING" if ok is None else "PASS" if ok else "FAIL"
        print(f"{verdict}: {label} ({detail})")

    if args.json:
        figures = {
            "pages": [{"name": s.name, "category": s.category, "layout": s.layout, "script": s.script} for s in specs],
            "processes": args.processes,
            "repeat": args.repeat,
            "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
            "dangan_engine": dangan_engine,
            "missing": missing,
            "results": results,
            "checks": [{"check": label, "pass": ok, "detail": detail} for label, ok, detail in checks],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
