"""`dangan ocr`: read page images with the offline Chinese OCR; text in reading order and ALTO XML per image.

Image mode (this module): ``dangan ocr IMAGE... --out DIR [--json]`` writes ``DIR/<name>.txt`` (one line per text
line, in reading order) and ``DIR/<name>.alto.xml`` (ALTO 4.4) per image, ``<name>`` being the image's file stem.
Preserved pages (``--unit 档号|UUID``, ``--batch NAME``) are a background job of the digitization app: their options
and handler plug in at ``_add_preserved_options`` and ``cmd_ocr_preserved``. No database is needed for images.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import EXIT_OK, EXIT_PROBLEMS, CommandError

BAR_MIN_IMAGES = 2


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ocr",
        help="文字识别（OCR）：图像 → 文本与 ALTO / OCR: images → text and ALTO",
        description="离线中文文字识别：简体、繁体（照印刷原样，不转换），横排与竖排（竖排从右到左），红头与印章下的文字。\n"
        "Offline Chinese OCR: simplified and traditional characters as printed (never converted), horizontal lines "
        "and vertical columns (read right to left), red headers, text under seals.\n\n"
        "  dangan ocr IMAGE... --out DIR [--json]   每个图像写 DIR/<名>.txt 与 DIR/<名>.alto.xml\n"
        "                                           writes DIR/<name>.txt and DIR/<name>.alto.xml per image\n\n"
        "环境变量 / environment: DANGAN_OCR_THREADS 每个进程的推理线程数（默认 1；0 = 全部核心）\n"
        "  inference threads per process (default 1; 0 = every core)",
        epilog="退出码 / exit codes: 0 全部识别 every image read · 1 有图像无法读取（其余照常写出）an image could "
        "not be read (the others are still written) · 2 用法错误 usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("images", nargs="*", metavar="IMAGE", help="页面图像（TIFF、JPEG、PNG…）/ page images")
    p.add_argument("--out", metavar="DIR", help="输出文件夹（不存在则创建）/ output folder (created if missing)")
    p.add_argument(
        "--layout",
        choices=("auto", "horizontal", "vertical"),
        default="auto",
        help="版式：auto 自动（默认）、horizontal 横排、vertical 竖排 / layout (default auto)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="同时识别的图像数（默认 1）/ images read at once (default 1)",
    )
    p.add_argument("--json", action="store_true", help="以 JSON 在标准输出列出结果 / print the results as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="不显示进度条 / no progress bar")
    _add_preserved_options(p)
    p.set_defaults(handler=cmd_ocr, needs_django=False)


def _add_preserved_options(parser: argparse.ArgumentParser) -> None:
    """``--unit 档号|UUID``, ``--batch NAME`` and ``--background``: OCR of preserved pages (cli/ocr_units.py)."""
    from .ocr_units import add_arguments

    add_arguments(parser)


def cmd_ocr(args: argparse.Namespace) -> int:
    if getattr(args, "unit", None) or getattr(args, "batch", None):
        return cmd_ocr_preserved(args)
    return cmd_ocr_images(args)


def cmd_ocr_preserved(args: argparse.Namespace) -> int:
    """OCR of a unit's or a batch's preserved pages: an OCR job of the digitization app (cli/ocr_units.py)."""
    from .ocr_units import cmd_ocr_units

    if args.images or args.out:
        raise CommandError("--unit / --batch 不能与图像或 --out 同用 / not with IMAGE or --out")
    return cmd_ocr_units(args)


@dataclass
class ImageOutcome:
    image: str
    text: str | None
    alto: str | None
    lines: int
    seconds: float
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "image": self.image,
            "text": self.text,
            "alto": self.alto,
            "lines": self.lines,
            "seconds": round(self.seconds, 3),
        }
        if self.error is not None:
            data["error"] = self.error
        return data


def _output_names(images: list[Path]) -> list[str]:
    """Each image's output name: its file stem, made unique within the run (``-2``, ``-3`` …) when stems repeat."""
    seen: dict[str, int] = {}
    names = []
    for image in images:
        stem = image.stem or image.name
        count = seen.get(stem, 0) + 1
        seen[stem] = count
        names.append(stem if count == 1 else f"{stem}-{count}")
    return names


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file, so a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _read_one(image: Path, name: str, out: Path, layout: str) -> ImageOutcome:
    from PIL import Image, UnidentifiedImageError

    from dangan.digitization.ocr import recognize, to_alto

    started = time.perf_counter()
    try:
        page = recognize(image, layout=layout)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, FileNotFoundError):
            reason = "文件不存在 no such file"
        elif isinstance(exc, UnidentifiedImageError):
            reason = "不是可读的图像 not a readable image"
        else:
            reason = str(exc)
        return ImageOutcome(str(image), None, None, 0, time.perf_counter() - started, reason)
    text_path, alto_path = out / f"{name}.txt", out / f"{name}.alto.xml"
    _write(text_path, (page.text + "\n" if page.lines else "").encode("utf-8"))
    _write(alto_path, to_alto(page, image_name=image.name))
    return ImageOutcome(str(image), str(text_path), str(alto_path), len(page.lines), time.perf_counter() - started)


def _outcomes(images: list[Path], out: Path, layout: str, workers: int) -> Iterator[ImageOutcome]:
    names = _output_names(images)
    if workers <= 1 or len(images) <= 1:
        for image, name in zip(images, names, strict=True):
            yield _read_one(image, name, out, layout)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(lambda pair: _read_one(pair[0], pair[1], out, layout), zip(images, names, strict=True))


def cmd_ocr_images(args: argparse.Namespace) -> int:
    if not args.images:
        raise CommandError("请给出图像文件（或 --unit / --batch）/ give IMAGE... (or --unit / --batch)")
    if not args.out:
        raise CommandError("请用 --out DIR 指定输出文件夹 / --out DIR is required with images")
    if args.workers < 1:
        raise CommandError("--workers 至少为 1 / --workers must be at least 1")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out 不是文件夹 is not a folder: {out}")
    out.mkdir(parents=True, exist_ok=True)
    images = [Path(image) for image in args.images]
    bar = None
    if len(images) >= BAR_MIN_IMAGES and not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=len(images), unit="页", desc="OCR", file=sys.stderr, leave=False, disable=None)
    results: list[ImageOutcome] = []
    for outcome in _outcomes(images, out, args.layout, args.workers):
        results.append(outcome)
        if outcome.error is not None:
            message = f"无法读取 cannot read {outcome.image}: {outcome.error}"
            (bar.write(message, file=sys.stderr) if bar is not None else print(message, file=sys.stderr))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    if args.json:
        print(json.dumps([outcome.as_json() for outcome in results], ensure_ascii=False, indent=2))
    else:
        read = sum(1 for outcome in results if outcome.error is None)
        print(f"已识别 read {read}/{len(results)} 个图像 images → {out}")
    return EXIT_PROBLEMS if any(outcome.error is not None for outcome in results) else EXIT_OK
