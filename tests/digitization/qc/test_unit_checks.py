"""check_unit over a unit's pages: page count against 页数, names and order, duplicate pages by perceptual hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from dangan.digitization.qc import CheckResult, PageCheck, ScanSpec, check_page, check_unit, page_number
from tests.digitization.qc.pages import add_noise, render_page, rotate, save

SPEC = ScanSpec()


def named(*names: str) -> list[PageCheck]:
    return [PageCheck(name, 100, 100, 300.0, "colour", "tiff", None, 0.0, []) for name in names]


def by_code(results: list[tuple[int | None, CheckResult]], code: str) -> list[tuple[int | None, CheckResult]]:
    return [(index, result) for index, result in results if result.code == code]


def test_pages_in_order_pass_each_unit_check_once() -> None:
    results = check_unit(named("0001.tif", "0002.tif", "0003.tif"), expected_pages=3, spec=SPEC)
    assert [(index, r.code, r.passed) for index, r in results] == [
        (None, "page_count", True),
        (None, "names_order", True),
        (None, "duplicate", True),  # no hashes: nothing to compare
    ]
    assert results[0][1].measured == "3 页" and results[0][1].limit == "3 页"


@pytest.mark.parametrize(("found", "expected", "word"), [(3, 4, "少 1 页"), (5, 4, "多 1 页")])
def test_a_page_count_other_than_the_units_fails(found: int, expected: int, word: str) -> None:
    pages = named(*(f"{n:04d}.tif" for n in range(1, found + 1)))
    [(index, count)] = by_code(check_unit(pages, expected_pages=expected, spec=SPEC), "page_count")
    assert index is None and not count.passed
    assert (count.measured, count.limit) == (f"{found} 页", f"{expected} 页") and word in count.message


def test_a_unit_without_a_page_count_is_not_held_to_one() -> None:
    [(_, count)] = by_code(check_unit(named("0001.tif"), expected_pages=None, spec=SPEC), "page_count")
    assert count.passed and count.measured == "1 页"


def test_a_gap_in_the_names_is_reported_at_the_page_after_it() -> None:
    results = by_code(
        check_unit(named("0001.tif", "0002.tif", "0005.tif", "0006.tif"), expected_pages=None, spec=SPEC), "names_order"
    )
    assert [(index, r.passed) for index, r in results] == [(2, False)]
    assert "缺少页码 0003–0004" in results[0][1].message and results[0][1].measured == "0005.tif"


def test_names_out_of_order_duplicated_or_without_a_number_fail() -> None:
    pages = named("0001.tif", "0003.tif", "0002.tif", "0003.jpg", "封面.tif")
    results = by_code(check_unit(pages, expected_pages=5, spec=SPEC), "names_order")
    assert [index for index, _ in results] == [1, 2, 3, 4]
    messages = [r.message for _, r in results]
    assert "缺少页码 0002" in messages[0]
    assert "顺序错误" in messages[1]
    assert "重复" in messages[2] and "0003.tif" in messages[2] and "0003.jpg" in messages[2]
    assert "不含页码" in messages[3]


def test_page_numbers_come_from_the_digits_ending_the_name() -> None:
    assert [page_number(n) for n in ("0007.tif", "A001-WS-0012.jpg", "12.jp2", "cover.tif")] == [7, 12, 12, None]


def test_a_page_scanned_twice_is_a_duplicate_naming_both(tmp_path: Path) -> None:
    first, second = render_page(size=(1240, 1754), seed=11), render_page(size=(1240, 1754), seed=12)
    paths = [
        save(add_noise(first, 3, seed=1), tmp_path / "0001.tif", dpi=150),
        save(add_noise(second, 3, seed=2), tmp_path / "0002.tif", dpi=150),
        # the first sheet again: re-scanned with other noise, a little turned, as JPEG
        save(add_noise(rotate(first, 0.4), 6, seed=3), tmp_path / "0003.jpg", dpi=150, quality=70),
        save(render_page(size=(1240, 1754), seed=13), tmp_path / "0004.tif", dpi=150),
    ]
    pages = [check_page(path, SPEC) for path in paths]
    results = check_unit(pages, expected_pages=4, spec=SPEC)
    duplicates = by_code(results, "duplicate")
    assert [(index, r.passed) for index, r in duplicates] == [(2, False)]
    message = duplicates[0][1].message
    assert "0001.tif" in message and "0003.jpg" in message and "第 3 页" in message and "第 1 页" in message
    distance = (pages[0].phash ^ pages[2].phash).bit_count()  # type: ignore[operator]
    assert distance <= SPEC.duplicate_distance
    assert duplicates[0][1].measured == f"与 0001.tif 距离 {distance}"
    assert (pages[0].phash ^ pages[1].phash).bit_count() > SPEC.duplicate_distance + 4  # type: ignore[operator]


def test_blank_pages_are_not_duplicates_of_each_other(tmp_path: Path) -> None:
    paper = Image.new("RGB", (620, 877), (240, 236, 226))
    pages = [check_page(save(add_noise(paper, 3, seed=n), tmp_path / f"000{n}.tif"), SPEC) for n in (1, 2)]
    assert all(page.blank for page in pages)
    assert by_code(check_unit(pages, expected_pages=2, spec=SPEC), "duplicate")[0][1].passed
    # as the batch import rebuilds them from stored results: the failed blank check says so
    rebuilt = [
        PageCheck(p.name, p.width, p.height, p.dpi, p.colour_mode, p.format, p.phash, None, p.results) for p in pages
    ]
    assert by_code(check_unit(rebuilt, expected_pages=2, spec=SPEC), "duplicate")[0][1].passed
