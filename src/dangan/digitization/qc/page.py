"""The checks on one page image: decodes, file format, resolution, colour mode, skew, blank page, black borders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .imaging import EXTENSIONS, DecodedPage, DecodeError, decode, sniff_format
from .measures import (
    GREY_CHROMA,
    black_borders,
    chroma_profile,
    content_box,
    ink_mask,
    interior,
    paper_tone,
    perceptual_hash,
    skew_angle,
)
from .results import CHECKS, COLOUR_MODE_LABELS, FORMAT_LABELS, CheckResult, PageCheck, ScanSpec

MODE_RANK = {"bitonal": 0, "grey": 1, "colour": 2}
STRONG_COLOUR_SHARE = 0.0005  # share of strongly coloured pixels that makes a page's colour content worth noting


def _percent(share: float) -> str:
    return f"{share * 100:.2f}%" if share < 0.1 else f"{share * 100:.1f}%"


def _format_check(path: Path, kind: str, spec: ScanSpec, frames: int = 1) -> CheckResult:
    wanted = FORMAT_LABELS[spec.master_format]
    found = FORMAT_LABELS.get(kind, "未知")
    suffix = path.suffix.lower()
    if frames > 1:
        return CheckResult(
            "file_format",
            False,
            f"{found}（{frames} 幅图像）",
            f"{wanted}（每个文件一页）",
            f"文件含 {frames} 幅图像：每页应单独保存为一个文件（只检查了第一幅）",
        )
    if kind != spec.master_format:
        named = f"（文件名后缀为 {suffix}）" if suffix and suffix not in EXTENSIONS.get(kind, set()) else ""
        return CheckResult("file_format", False, found, wanted, f"文件实际格式为 {found}{named}，扫描规格要求 {wanted}")
    if suffix not in EXTENSIONS[kind]:
        return CheckResult(
            "file_format",
            False,
            f"{found}（后缀 {suffix or '无'}）",
            wanted,
            f"文件格式为 {found}，但文件名后缀 {suffix or '（无）'} 与格式不符",
        )
    return CheckResult("file_format", True, found, wanted, f"文件格式为 {found}")


def _resolution_check(dpi: float | None, spec: ScanSpec) -> CheckResult:
    limit = f"≥ {spec.dpi} dpi"
    if dpi is None:
        return CheckResult("resolution", False, "未记录", limit, "图像文件头中没有记录分辨率")
    measured = f"{dpi:.0f} dpi"
    if dpi + 0.5 < spec.dpi:
        return CheckResult("resolution", False, measured, limit, f"分辨率 {measured} 低于扫描规格要求的 {spec.dpi} dpi")
    return CheckResult("resolution", True, measured, limit, f"分辨率 {measured}")


def _colour_mode(page: DecodedPage) -> tuple[str, str]:
    """(measured mode, detail): the mode the pixels actually carry, with what was measured."""
    if page.mode == "1":
        return "bitonal", "以黑白二值存储"
    if page.rgb is None:
        levels = np.count_nonzero(np.bincount(page.grey.ravel(), minlength=256))
        return ("bitonal" if levels <= 2 else "grey"), "以灰度存储"
    p99, strong = chroma_profile(page.rgb)
    if strong >= STRONG_COLOUR_SHARE:
        return "colour", f"含彩色内容（红头、印章等）{_percent(strong)}"
    if p99 < GREY_CHROMA:
        return "grey", f"以 RGB 存储但不含色彩（色度 p99 = {p99:.0f}），实为灰度扫描"
    return "colour", f"彩色（色度 p99 = {p99:.0f}）"


def _colour_check(page: DecodedPage, spec: ScanSpec) -> tuple[str, CheckResult]:
    measured, detail = _colour_mode(page)
    found, wanted = COLOUR_MODE_LABELS[measured], COLOUR_MODE_LABELS[spec.colour_mode]
    if MODE_RANK[measured] < MODE_RANK[spec.colour_mode]:
        return measured, CheckResult(
            "colour_mode", False, found, wanted, f"色彩模式为{found}（{detail}），扫描规格要求{wanted}"
        )
    return measured, CheckResult("colour_mode", True, found, wanted, f"色彩模式为{found}（{detail}）")


def _measure(page: DecodedPage, spec: ScanSpec) -> tuple[list[CheckResult], float | None, int, bool]:
    """skew, blank and black border results, the skew angle, the perceptual hash and whether the page is blank."""
    grey = page.grey
    height, width = grey.shape
    paper = paper_tone(grey)
    borders = black_borders(grey, paper)
    rows, columns = interior(grey.shape, borders)
    ink = ink_mask(grey[rows, columns], paper)
    share = float(ink.mean()) if ink.size else 0.0
    blank = share < spec.blank_threshold
    results: list[CheckResult] = []

    sides = [
        ("左", borders.left / width),
        ("上", borders.top / height),
        ("右", borders.right / width),
        ("下", borders.bottom / height),
    ]
    widest = max(share for _, share in sides)
    limit = f"各边 ≤ {_percent(spec.border_threshold)}"
    if widest > spec.border_threshold:
        bands = "、".join(f"{side} {_percent(s)}" for side, s in sides if s > spec.border_threshold)
        results.append(CheckResult("black_border", False, bands, limit, f"页面边缘有黑边：{bands}"))
    else:
        results.append(
            CheckResult(
                "black_border", True, "无" if widest == 0 else f"最宽 {_percent(widest)}", limit, "页面边缘无黑边"
            )
        )

    results.append(
        CheckResult(
            "blank",
            not blank,
            f"墨迹 {_percent(share)}",
            f"墨迹 ≥ {_percent(spec.blank_threshold)}",
            f"页面几乎没有墨迹（{_percent(share)}），疑为空白页" if blank else f"页面墨迹占 {_percent(share)}",
        )
    )

    skew = None if blank else skew_angle(ink)
    limit = f"≤ {spec.max_skew_degrees:g}°"
    if skew is None:
        results.append(CheckResult("skew", True, "无文字", limit, "页面没有可测的文字行，未测歪斜"))
    else:
        measured = f"{abs(skew):.1f}°"
        direction = "逆时针" if skew > 0 else "顺时针"
        if abs(skew) > spec.max_skew_degrees:
            results.append(
                CheckResult(
                    "skew", False, measured, limit, f"页面{direction}歪斜 {measured}，超过 {spec.max_skew_degrees:g}°"
                )
            )
        else:
            results.append(CheckResult("skew", True, measured, limit, f"页面歪斜 {measured}"))

    content_rows, content_columns = content_box(ink)
    content = grey[rows, columns][content_rows, content_columns] if ink.size else grey
    small = Image.fromarray(np.ascontiguousarray(content)).resize((32, 32), Image.Resampling.BOX)
    return results, skew, perceptual_hash(np.asarray(small)), blank


def check_page(path: Path, spec: ScanSpec, *, name: str | None = None) -> PageCheck:
    """Run every per-page check on the image at ``path`` (decoded once, measured on a downsampled copy)."""
    path = Path(path)
    name = name or path.name
    try:
        page = decode(path)
    except DecodeError as exc:
        try:
            with path.open("rb") as handle:
                kind = sniff_format(handle.read(16))
        except OSError:
            kind = "unknown"
        results = [CheckResult("decodes", False, "失败", "完整解码", str(exc))]
        if kind != "unknown":
            results.append(_format_check(path, kind, spec))
        return PageCheck(name, 0, 0, None, "", kind, None, None, results)
    results = [
        CheckResult("decodes", True, "成功", "完整解码", f"图像完整解码（{page.width} × {page.height} 像素）"),
        _format_check(path, page.format, spec, page.frames),
        _resolution_check(page.dpi, spec),
    ]
    mode, colour = _colour_check(page, spec)
    results.append(colour)
    measured, skew, phash, blank = _measure(page, spec)
    results += measured
    order = list(CHECKS)
    results.sort(key=lambda result: order.index(result.code))
    return PageCheck(name, page.width, page.height, page.dpi, mode, page.format, phash, skew, results, blank)
