"""check_page on page images made here: each check passes and fails where it should, with the value it measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from dangan.digitization.qc import CHECKS, ScanSpec, check_page
from tests.digitization.qc.pages import add_noise, render_page, rotate, save

SPEC = ScanSpec()


def result(page, code):  # type: ignore[no-untyped-def]
    found = page.result(code)
    assert found is not None, f"no {code} result in {page.results}"
    return found


def test_a_clean_printed_page_passes_every_check(tmp_path: Path, printed_page: Image.Image) -> None:
    page = check_page(save(add_noise(printed_page.point(lambda v: v * 0.94), 3), tmp_path / "0001.tif"), SPEC)
    assert page.passed, [(r.code, r.message) for r in page.failures]
    assert [r.code for r in page.results] == [
        "decodes",
        "file_format",
        "resolution",
        "colour_mode",
        "skew",
        "blank",
        "black_border",
    ]
    assert (page.width, page.height, page.dpi, page.format) == (2480, 3508, 300.0, "tiff")
    assert page.phash is not None and 0 <= page.phash < 2**64
    assert set(CHECKS) == {
        "decodes",
        "resolution",
        "colour_mode",
        "skew",
        "blank",
        "black_border",
        "page_count",
        "names_order",
        "duplicate",
        "file_format",
    }


@pytest.mark.parametrize("angle", [-2.5, -0.7, 0.4, 1.6])
def test_skew_of_a_printed_page_is_measured_to_three_tenths_of_a_degree(
    tmp_path: Path, printed_page: Image.Image, angle: float
) -> None:
    page = check_page(save(rotate(printed_page, angle), tmp_path / "0001.tif"), SPEC)
    assert page.skew_degrees is not None and abs(page.skew_degrees - angle) <= 0.3
    assert result(page, "skew").passed


@pytest.mark.parametrize("angle", [-1.3, 2.2])
def test_skew_of_vertical_columns_is_measured_too(tmp_path: Path, vertical_page: Image.Image, angle: float) -> None:
    page = check_page(save(rotate(vertical_page, angle), tmp_path / "0001.tif"), SPEC)
    assert page.skew_degrees is not None and abs(page.skew_degrees - angle) <= 0.3


def test_a_page_skewed_beyond_the_limit_fails_with_its_angle(tmp_path: Path, printed_page: Image.Image) -> None:
    path = save(rotate(printed_page, -3.4), tmp_path / "0001.tif")
    skew = result(check_page(path, SPEC), "skew")
    assert not skew.passed
    assert (skew.measured, skew.limit) == ("3.4°", "≤ 3°")
    assert "顺时针" in skew.message
    assert result(check_page(path, ScanSpec(max_skew_degrees=5)), "skew").passed  # the limit is a setting


def test_a_blank_page_fails_and_a_sparse_page_does_not(tmp_path: Path) -> None:
    paper = Image.new("RGB", (1240, 1754), (236, 228, 210))
    stained = np.asarray(add_noise(paper, 4), dtype=np.int16)
    stained[400:700, 300:600] -= 25  # a pale stain is not ink
    blank = check_page(save(Image.fromarray(stained.clip(0, 255).astype(np.uint8)), tmp_path / "0001.tif"), SPEC)
    assert not result(blank, "blank").passed
    assert result(blank, "blank").measured.startswith("墨迹 0.0")
    assert result(blank, "skew").measured == "无文字"
    sparse = check_page(save(render_page(size=(1240, 1754), lines=1, seed=3), tmp_path / "0002.tif"), SPEC)
    assert result(sparse, "blank").passed, result(sparse, "blank").measured


def test_black_borders_are_measured_per_side(tmp_path: Path, printed_page: Image.Image) -> None:
    array = np.array(printed_page)
    array[:, :102] = 12  # left: 4.1 % of 2480 pixels
    array[:70, :] = 20  # top: 2 % of 3508
    page = check_page(save(Image.fromarray(array), tmp_path / "0001.tif"), SPEC)
    border = result(page, "black_border")
    assert not border.passed
    assert border.measured.startswith("左 4.")
    assert ("上 1.9" in border.measured or "上 2.0" in border.measured) and "右" not in border.measured
    assert border.limit == "各边 ≤ 1.00%"
    assert result(check_page(save(printed_page, tmp_path / "0002.tif"), SPEC), "black_border").passed


def test_a_greyscale_scan_saved_as_rgb_counts_as_grey(tmp_path: Path, printed_page: Image.Image) -> None:
    grey_in_rgb = printed_page.convert("L").convert("RGB")
    mode = result(check_page(save(grey_in_rgb, tmp_path / "0001.tif"), SPEC), "colour_mode")
    assert not mode.passed and (mode.measured, mode.limit) == ("灰度", "彩色")
    assert result(
        check_page(save(grey_in_rgb, tmp_path / "0002.tif"), ScanSpec(colour_mode="grey")), "colour_mode"
    ).passed


def test_a_colour_scan_and_a_red_header_pass_as_colour(tmp_path: Path) -> None:
    toned = add_noise(render_page(size=(1240, 1754), paper=(238, 229, 206), seed=4), 3)
    assert result(check_page(save(toned, tmp_path / "0001.tif"), SPEC), "colour_mode").passed
    red = check_page(save(render_page(size=(1240, 1754), red_header=True), tmp_path / "0002.tif"), SPEC)
    mode = result(red, "colour_mode")
    assert mode.passed and mode.measured == "彩色" and "彩色内容" in mode.message


def test_a_grey_or_bitonal_file_fails_a_colour_specification(tmp_path: Path, printed_page: Image.Image) -> None:
    grey = result(check_page(save(printed_page.convert("L"), tmp_path / "0001.tif"), SPEC), "colour_mode")
    assert not grey.passed and grey.measured == "灰度"
    bitonal = printed_page.convert("1")
    page = check_page(save(bitonal, tmp_path / "0002.tif", compression="group4"), ScanSpec(colour_mode="grey"))
    assert not result(page, "colour_mode").passed and result(page, "colour_mode").measured == "黑白二值"
    assert page.colour_mode == "bitonal"
    assert result(check_page(tmp_path / "0002.tif", ScanSpec(colour_mode="bitonal")), "colour_mode").passed


def test_resolution_is_read_from_the_header(tmp_path: Path, printed_page: Image.Image) -> None:
    low = printed_page.reduce(2)
    page = check_page(save(low, tmp_path / "0001.tif", dpi=150), SPEC)
    resolution = result(page, "resolution")
    assert not resolution.passed and (resolution.measured, resolution.limit) == ("150 dpi", "≥ 300 dpi")
    assert page.dpi == 150
    low.save(tmp_path / "0002.tif")  # no resolution recorded
    unrecorded = result(check_page(tmp_path / "0002.tif", SPEC), "resolution")
    assert not unrecorded.passed and unrecorded.measured == "未记录"
    assert result(check_page(tmp_path / "0001.tif", ScanSpec(dpi=150)), "resolution").passed


def test_a_truncated_tiff_fails_to_decode_with_a_clear_message(tmp_path: Path, printed_page: Image.Image) -> None:
    whole = save(printed_page.reduce(2), tmp_path / "whole.tif", compression="tiff_lzw").read_bytes()
    (tmp_path / "0001.tif").write_bytes(whole[: len(whole) // 2])
    page = check_page(tmp_path / "0001.tif", SPEC)
    decodes = result(page, "decodes")
    assert not decodes.passed and "截断" in decodes.message
    assert not page.passed and page.phash is None
    assert result(page, "file_format").passed  # the magic is still TIFF
    # tifffile writes the image directory first: the strips themselves are cut short
    tifffile.imwrite(tmp_path / "whole.tif", np.asarray(printed_page.reduce(2)), compression="lzw", rowsperstrip=64)
    whole = (tmp_path / "whole.tif").read_bytes()
    (tmp_path / "0002.tif").write_bytes(whole[: len(whole) // 2])
    assert "截断" in result(check_page(tmp_path / "0002.tif", SPEC), "decodes").message


def test_a_truncated_jpeg_fails_to_decode(tmp_path: Path, printed_page: Image.Image) -> None:
    whole = save(printed_page, tmp_path / "whole.jpg", quality=85).read_bytes()
    (tmp_path / "0001.jpg").write_bytes(whole[: len(whole) * 2 // 3])
    decodes = result(check_page(tmp_path / "0001.jpg", ScanSpec(master_format="jpeg")), "decodes")
    assert not decodes.passed and "截断" in decodes.message


def test_the_format_comes_from_the_magic_not_the_name(tmp_path: Path, printed_page: Image.Image) -> None:
    page = check_page(save(printed_page.reduce(2), tmp_path / "0001.tif", format="JPEG", quality=85), SPEC)
    file_format = result(page, "file_format")
    assert page.format == "jpeg"
    assert not file_format.passed and (file_format.measured, file_format.limit) == ("JPEG", "TIFF")
    assert ".tif" in file_format.message
    misnamed = result(check_page(tmp_path / "0001.tif", ScanSpec(master_format="jpeg")), "file_format")
    assert not misnamed.passed and "后缀" in misnamed.message
    jp2 = check_page(save(printed_page.reduce(4), tmp_path / "0002.jp2"), ScanSpec(master_format="jp2"))
    assert jp2.format == "jp2" and result(jp2, "file_format").passed and result(jp2, "decodes").passed


def test_a_multi_page_tiff_fails_its_format(tmp_path: Path, printed_page: Image.Image) -> None:
    small = printed_page.reduce(4)
    small.save(tmp_path / "0001.tif", save_all=True, append_images=[small], dpi=(300, 300))
    file_format = result(check_page(tmp_path / "0001.tif", ScanSpec(dpi=75)), "file_format")
    assert not file_format.passed and file_format.measured == "TIFF（2 幅图像）"


def test_a_file_that_is_no_image_fails(tmp_path: Path) -> None:
    (tmp_path / "0001.tif").write_bytes(b"not an image at all")
    page = check_page(tmp_path / "0001.tif", SPEC, name="0001.tif")
    assert [r.code for r in page.results] == ["decodes"] and page.format == "unknown"
    assert "不是可识别的图像" in page.results[0].message


def test_the_specification_is_checked() -> None:
    with pytest.raises(ValueError):
        ScanSpec(colour_mode="sepia")
    with pytest.raises(ValueError):
        ScanSpec(master_format="png")
