"""ALTO 4.4 out of a recognised page: valid against the vendored schema, and read back as it was written."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from dangan.digitization.ocr import Box, Glyph, PageResult, TextLine, parse_alto, to_alto

SCHEMA = Path(__file__).parents[2] / "conformance" / "data" / "schemas" / "alto" / "alto-4-4.xsd"
ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


@pytest.mark.parametrize("which", ["horizontal_result", "vertical_result"])
def test_alto_validates_and_round_trips(which: str, request: pytest.FixtureRequest, schema: etree.XMLSchema) -> None:
    page: PageResult = request.getfixturevalue(which)
    data = to_alto(page, image_name="0001.tif")
    document = etree.fromstring(data)
    assert schema.validate(document), schema.error_log
    assert document.findtext(f"{ALTO}Description/{ALTO}MeasurementUnit") == "pixel"
    assert document.findtext(f"{ALTO}Description/{ALTO}sourceImageInformation/{ALTO}fileName") == "0001.tif"
    assert len(document.findall(f".//{ALTO}TextLine")) == len(page.lines)

    back = parse_alto(data)
    assert back.text == page.text
    assert (back.width, back.height, back.vertical, back.engine) == (
        page.width,
        page.height,
        page.vertical,
        page.engine,
    )
    for line, original in zip(back.lines, page.lines, strict=True):
        assert (line.id, line.box, line.vertical) == (original.id, original.box, original.vertical)
        assert [(g.text, g.box) for g in line.glyphs] == [(g.text, g.box) for g in original.glyphs]
        for box in [line.box] + [g.box for g in line.glyphs]:
            assert box.x >= 0 and box.y >= 0 and box.right <= back.width and box.bottom <= back.height


def test_spaces_become_sp_and_come_back(schema: etree.XMLSchema) -> None:
    glyphs = [Glyph(c, Box(10 + 20 * i, 10, 18, 20), 0.9) for i, c in enumerate("第 1 号")]
    line = TextLine("line_1", "第 1 号", Box(10, 10, 120, 20), glyphs, False, 0.9)
    data = to_alto(PageResult(200, 50, [line], False, "test"), image_name="a b.png")
    assert schema.validate(etree.fromstring(data)), schema.error_log
    assert parse_alto(data).text == "第 1 号"


def test_an_empty_page_is_valid_alto(schema: etree.XMLSchema) -> None:
    data = to_alto(PageResult(100, 80, [], False, "test"), image_name="blank.tif")
    assert schema.validate(etree.fromstring(data)), schema.error_log
    assert parse_alto(data).lines == []


def test_parse_alto_refuses_what_is_not_alto() -> None:
    with pytest.raises(ValueError):
        parse_alto(b"<html/>")
    with pytest.raises(ValueError):
        parse_alto(b"not xml")
