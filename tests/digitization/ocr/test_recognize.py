"""The real OCR model on pages drawn here: layouts, reading order, orientation, seals, red headers, forms."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from dangan.digitization.ocr import PageResult, recognize

from .conftest import HORIZONTAL_LINES, VERTICAL_COLUMNS
from .pages import form_page, horizontal_page, red_header_page, stamp_seal, vertical_page


def _inside(page: PageResult) -> bool:
    boxes = [line.box for line in page.lines] + [glyph.box for line in page.lines for glyph in line.glyphs]
    return all(b.x >= 0 and b.y >= 0 and b.right <= page.width and b.bottom <= page.height for b in boxes)


def test_a_horizontal_simplified_page_reads_line_by_line(horizontal_result: PageResult) -> None:
    assert horizontal_result.text.split("\n") == HORIZONTAL_LINES
    assert not horizontal_result.vertical
    assert [line.id for line in horizontal_result.lines] == ["line_1", "line_2", "line_3"]
    assert all(line.confidence > 0.9 for line in horizontal_result.lines)
    assert _inside(horizontal_result)


def test_characters_have_boxes_in_reading_order(horizontal_result: PageResult) -> None:
    first = horizontal_result.lines[0]
    assert "".join(glyph.text for glyph in first.glyphs) == first.text
    lefts = [glyph.box.x for glyph in first.glyphs]
    assert lefts == sorted(lefts)
    # each character sits inside its line and is about as wide as the line is high (square Chinese characters)
    for glyph in first.glyphs:
        assert first.box.x - 2 <= glyph.box.x and glyph.box.right <= first.box.right + 2
        assert 0.5 * first.box.height < glyph.box.width < 1.6 * first.box.height


def test_a_vertical_traditional_page_reads_columns_right_to_left_unconverted(vertical_result: PageResult) -> None:
    assert vertical_result.vertical
    assert vertical_result.text.split("\n") == VERTICAL_COLUMNS  # traditional as printed: 華, 國, 號, 農
    lines = vertical_result.lines
    assert all(line.vertical for line in lines)
    assert [line.box.x for line in lines] == sorted((line.box.x for line in lines), reverse=True)
    tops = [glyph.box.y for glyph in lines[0].glyphs]
    assert tops == sorted(tops)  # each column top to bottom
    assert _inside(vertical_result)


def test_punctuation_of_vertical_columns_is_read() -> None:
    columns = ["為布告事，查本縣各區土地", "業已分配完畢。凡分得田", "地之農民、須依時耕種。"]
    page = recognize(vertical_page(columns))
    assert page.vertical
    assert page.text.split("\n") == columns


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_turned_page_is_read_upright(horizontal_image: Image.Image, degrees: int) -> None:
    page = recognize(horizontal_image.rotate(degrees, expand=True))
    assert page.text.split("\n") == HORIZONTAL_LINES
    if degrees != 270:
        # turned a quarter clockwise, lines look exactly like columns read right to left (the same text in the
        # same order): an upright scan being the rule, such a page may come back as vertical (docs/development/ocr.md)
        assert not page.vertical
    assert _inside(page)


def test_a_turned_vertical_page_is_read_upright(vertical_image: Image.Image) -> None:
    page = recognize(vertical_image.rotate(180, expand=True))
    assert page.text.split("\n") == VERTICAL_COLUMNS
    assert page.vertical


def test_text_under_a_red_seal_still_reads() -> None:
    lines = ["兹有我县第三区农民协会会员", "张德明同志前往省城办理公务", "请沿途各机关予以放行为荷"]
    page = horizontal_page(lines)
    stamped = stamp_seal(page, (300, 110), 80)
    assert np.asarray(stamped).astype(int).sum() < np.asarray(page).astype(int).sum()  # the seal is really there
    assert recognize(stamped).text.split("\n") == lines


def test_a_red_header_stays_readable() -> None:
    page = red_header_page("中共中央文件", ["关于加强档案工作的通知", "各省委：现将有关事项通知如下。"])
    assert recognize(page).text.split("\n") == [
        "中共中央文件",
        "关于加强档案工作的通知",
        "各省委：现将有关事项通知如下。",
    ]


def test_a_form_reads_cell_by_cell_row_by_row() -> None:
    page = form_page([["姓名", "张德明", "性别", "男"], ["籍贯", "湖南浏阳", "年龄", "三十二"]])
    assert recognize(page).text.split("\n") == ["姓名", "张德明", "性别", "男", "籍贯", "湖南浏阳", "年龄", "三十二"]


def test_inputs_of_every_kind(horizontal_image: Image.Image, tmp_path: object) -> None:
    grey = np.asarray(horizontal_image.convert("L"))
    assert recognize(grey, layout="horizontal").text.split("\n") == HORIZONTAL_LINES
    blank = recognize(Image.new("RGB", (300, 200), "white"))
    assert blank.lines == [] and blank.text == "" and (blank.width, blank.height) == (300, 200)
    with pytest.raises(ValueError):
        recognize(grey, layout="diagonal")


def test_text_on_a_large_blank_page_is_found_where_it_stands(horizontal_image: Image.Image) -> None:
    # detection computes only the part of the page that holds ink: the boxes must still be the page's own
    page = Image.new("RGB", (horizontal_image.width * 4, horizontal_image.height * 5), "white")
    left, top = horizontal_image.width * 2, horizontal_image.height * 3
    page.paste(horizontal_image, (left, top))
    result = recognize(page)
    assert result.text.split("\n") == HORIZONTAL_LINES
    for line in result.lines:
        assert left <= line.box.x and line.box.right <= left + horizontal_image.width
        assert top <= line.box.y and line.box.bottom <= top + horizontal_image.height


def test_columns_between_red_rules_read_as_on_plain_paper(vertical_image: Image.Image) -> None:
    # red-ruled letter paper (信笺): the rules are red ink but hold no text
    page = vertical_image.copy()
    draw = ImageDraw.Draw(page)
    step = int(28 * 1.9)
    for number in range(len(VERTICAL_COLUMNS) + 1):
        x = page.width - 40 - step * number
        draw.line([(x, 20), (x, page.height - 20)], fill=(200, 40, 40), width=2)
    for y in (20, page.height - 20):
        draw.line([(20, y), (page.width - 20, y)], fill=(200, 40, 40), width=2)
    result = recognize(page)
    assert result.vertical
    assert result.text.split("\n") == VERTICAL_COLUMNS
