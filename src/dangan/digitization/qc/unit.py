"""The checks on a unit's pages together: page count against the unit's 页数, names and order, duplicate pages."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from .results import CheckResult, PageCheck, ScanSpec

_TRAILING_NUMBER = re.compile(r"(\d+)$")


def page_number(name: str) -> int | None:
    """The page number a file name carries: the digits that end its stem ("0003.tif", "A001-0003.tif" → 3)."""
    match = _TRAILING_NUMBER.search(PurePath(name).stem)
    return int(match.group(1)) if match else None


def _page_count(pages: Sequence[PageCheck], expected: int | None) -> CheckResult:
    found = len(pages)
    if expected is None:
        return CheckResult("page_count", True, f"{found} 页", "未著录页数", f"共 {found} 页（案卷未著录页数，未核对）")
    limit = f"{expected} 页"
    if found != expected:
        return CheckResult(
            "page_count",
            False,
            f"{found} 页",
            limit,
            f"图像 {found} 页，与著录的页数 {expected} 页不符（{'多' if found > expected else '少'} {abs(found - expected)} 页）",
        )
    return CheckResult("page_count", True, f"{found} 页", limit, f"图像 {found} 页，与著录页数一致")


def _names(pages: Sequence[PageCheck]) -> list[tuple[int | None, CheckResult]]:
    limit = "0001 起连续编号"
    problems: list[tuple[int | None, CheckResult]] = []
    seen: dict[int, int] = {}
    highest = 0
    for index, page in enumerate(pages):
        number = page_number(page.name)
        if number is None:
            problems.append(
                (index, CheckResult("names_order", False, page.name, limit, f"文件名 {page.name} 不含页码"))
            )
            continue
        if number in seen:
            problems.append(
                (
                    index,
                    CheckResult(
                        "names_order",
                        False,
                        page.name,
                        limit,
                        f"页码 {number:04d} 重复：{pages[seen[number]].name} 与 {page.name}",
                    ),
                )
            )
            continue
        seen[number] = index
        if number < highest:
            problems.append(
                (
                    index,
                    CheckResult(
                        "names_order",
                        False,
                        page.name,
                        f"在 {highest:04d} 之后",
                        f"{page.name} 排在页码 {highest:04d} 之后，顺序错误",
                    ),
                )
            )
        elif number > highest + 1:
            missing = range(highest + 1, number)
            gap = f"{missing[0]:04d}" if len(missing) == 1 else f"{missing[0]:04d}–{missing[-1]:04d}"
            problems.append(
                (
                    index,
                    CheckResult(
                        "names_order", False, page.name, f"{highest + 1:04d}", f"缺少页码 {gap}（{page.name} 之前）"
                    ),
                )
            )
        highest = max(highest, number)
    if not problems:
        span = f"{pages[0].name} – {pages[-1].name}" if pages else "无页面"
        problems.append((None, CheckResult("names_order", True, span, limit, "文件命名连续，顺序正确")))
    return problems


def _blank(page: PageCheck) -> bool:
    """Blank pages all look alike: they are not compared (their own check says they are blank). A PageCheck rebuilt
    from stored results knows it by its failed ``blank`` result."""
    return page.blank or any(result.code == "blank" and not result.passed for result in page.results)


def _duplicates(pages: Sequence[PageCheck], spec: ScanSpec) -> list[tuple[int | None, CheckResult]]:
    limit = f"汉明距离 > {spec.duplicate_distance}"
    found: list[tuple[int | None, CheckResult]] = []
    hashed = [(index, page) for index, page in enumerate(pages) if page.phash is not None and not _blank(page)]
    for position, (index, page) in enumerate(hashed):
        assert page.phash is not None
        nearest: tuple[int, int] | None = None
        for other_index, other in hashed[:position]:
            assert other.phash is not None
            distance = (page.phash ^ other.phash).bit_count()
            if distance <= spec.duplicate_distance and (nearest is None or distance < nearest[1]):
                nearest = (other_index, distance)
        if nearest is not None:
            other = pages[nearest[0]]
            found.append(
                (
                    index,
                    CheckResult(
                        "duplicate",
                        False,
                        f"与 {other.name} 距离 {nearest[1]}",
                        limit,
                        f"第 {index + 1} 页（{page.name}）与第 {nearest[0] + 1} 页（{other.name}）重复（感知哈希汉明距离 {nearest[1]}）",
                    ),
                )
            )
    if not found:
        found.append((None, CheckResult("duplicate", True, "无重复", limit, "没有重复页")))
    return found


def check_unit(
    pages: Sequence[PageCheck], *, expected_pages: int | None, spec: ScanSpec
) -> list[tuple[int | None, CheckResult]]:
    """The unit-level checks over ``pages`` in their order: each failure with the index of the page it concerns
    (None for the unit as a whole); a passed check appears once, with None."""
    results: list[tuple[int | None, CheckResult]] = [(None, _page_count(pages, expected_pages))]
    results += _names(pages)
    results += _duplicates(pages, spec)
    return results
