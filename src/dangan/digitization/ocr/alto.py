"""ALTO 4.4 XML of a recognised page, and back.

A page is one Page › PrintSpace › TextBlock; each line a TextLine holding one String per run of characters between
spaces (SP between them), each String with a Glyph per character; coordinates in pixels (MeasurementUnit
``pixel``) of the page image. Vertical layout has no attribute of its own in ALTO: a LayoutTag ``vertical`` is
referred to (TAGREFS) by the block of a vertical page and by each vertical line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from lxml import etree

from .results import Box, Glyph, PageResult, TextLine

__all__ = ["ALTO_NAMESPACE", "parse_alto", "to_alto"]

ALTO_NAMESPACE = "http://www.loc.gov/standards/alto/ns-v4#"
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
VERTICAL_TAG = "vertical"
_A = "{" + ALTO_NAMESPACE + "}"


def _element(parent: etree._Element, name: str, **attributes: str | None) -> etree._Element:
    return etree.SubElement(parent, _A + name, {key: value for key, value in attributes.items() if value is not None})


def _box(box: Box) -> dict[str, str]:
    return {"HPOS": str(box.x), "VPOS": str(box.y), "WIDTH": str(box.width), "HEIGHT": str(box.height)}


def _confidence(value: float) -> str:
    return f"{min(1.0, max(0.0, value)):.4f}".rstrip("0").rstrip(".") or "0"


def _words(line: TextLine) -> Iterator[list[Glyph]]:
    """The line's glyphs in runs between spaces."""
    run: list[Glyph] = []
    for glyph in line.glyphs:
        if glyph.text.isspace():
            if run:
                yield run
            run = []
        else:
            run.append(glyph)
    if run:
        yield run


def _spanning(boxes: list[Box]) -> Box:
    return Box.spanning(
        min(b.x for b in boxes), min(b.y for b in boxes), max(b.right for b in boxes), max(b.bottom for b in boxes)
    )


def to_alto(page: PageResult, *, image_name: str) -> bytes:
    """The page as ALTO 4.4 XML (UTF-8), valid against the ALTO schema; lines in reading order."""
    root = etree.Element(
        _A + "alto",
        {"SCHEMAVERSION": "4.4", "{" + XSI_NAMESPACE + "}schemaLocation": f"{ALTO_NAMESPACE} {SCHEMA_LOCATION}"},
        nsmap={None: ALTO_NAMESPACE, "xsi": XSI_NAMESPACE},
    )
    description = _element(root, "Description")
    _element(description, "MeasurementUnit").text = "pixel"
    _element(_element(description, "sourceImageInformation"), "fileName").text = image_name
    processing = _element(description, "Processing", ID="ocr")
    _element(processing, "processingCategory").text = "contentGeneration"
    _element(processing, "processingDateTime").text = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    _element(processing, "processingStepDescription").text = "OCR"
    software = _element(processing, "processingSoftware")
    _element(software, "softwareName").text = page.engine
    tags = _element(root, "Tags")
    _element(tags, "LayoutTag", ID=VERTICAL_TAG, LABEL="vertical text (columns read right to left)")
    layout = _element(root, "Layout")
    page_element = _element(
        layout,
        "Page",
        ID="page_1",
        PHYSICAL_IMG_NR="1",
        WIDTH=str(page.width),
        HEIGHT=str(page.height),
        PROCESSING="ocr",
    )
    space = _element(page_element, "PrintSpace", HPOS="0", VPOS="0", WIDTH=str(page.width), HEIGHT=str(page.height))
    if not page.lines:
        return _serialised(root)
    block = _element(
        space,
        "TextBlock",
        ID="block_1",
        TAGREFS=VERTICAL_TAG if page.vertical else None,
        **_box(_spanning([line.box for line in page.lines])),
    )
    for number, line in enumerate(page.lines, start=1):
        line_id = (
            line.id if line.id and line.id.replace("_", "").isalnum() and not line.id[0].isdigit() else f"line_{number}"
        )
        line_element = _element(
            block, "TextLine", ID=line_id, TAGREFS=VERTICAL_TAG if line.vertical else None, **_box(line.box)
        )
        runs = list(_words(line))
        if not runs:  # a line without glyphs (made by hand): one String for its text
            _element(line_element, "String", CONTENT=line.text, WC=_confidence(line.confidence), **_box(line.box))
            continue
        for index, run in enumerate(runs):
            if index:
                _element(line_element, "SP")
            string = _element(
                line_element,
                "String",
                CONTENT="".join(g.text for g in run),
                WC=_confidence(sum(g.confidence for g in run) / len(run)),
                **_box(_spanning([g.box for g in run])),
            )
            for glyph in run:
                for character in glyph.text:  # ALTO wants one character per Glyph
                    _element(string, "Glyph", CONTENT=character, GC=_confidence(glyph.confidence), **_box(glyph.box))
    return _serialised(root)


def _serialised(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _read_box(element: etree._Element) -> Box:
    def number(name: str) -> int:
        return round(float(element.get(name, "0")))

    return Box(number("HPOS"), number("VPOS"), number("WIDTH"), number("HEIGHT"))


def parse_alto(data: bytes) -> PageResult:
    """The page an ALTO document describes (what ``to_alto`` wrote, or another ALTO 4 file with pixel units)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"ALTO 无法解析 ALTO cannot be parsed: {exc}") from exc
    if root.tag != _A + "alto":
        raise ValueError(f"不是 ALTO 4 文档 not an ALTO 4 document: {root.tag}")
    page_element = root.find(f"{_A}Layout/{_A}Page")
    if page_element is None:
        raise ValueError("ALTO 中没有页面 no Page in the ALTO document")
    software = root.find(f"{_A}Description/{_A}Processing/{_A}processingSoftware/{_A}softwareName")
    engine = software.text or "" if software is not None else ""
    lines: list[TextLine] = []
    vertical_blocks = 0
    for block in page_element.iter(_A + "TextBlock"):
        vertical_blocks += VERTICAL_TAG in (block.get("TAGREFS") or "").split()
        for line_element in block.iter(_A + "TextLine"):
            parts: list[str] = []
            glyphs: list[Glyph] = []
            confidences: list[float] = []
            for child in line_element:
                if child.tag == _A + "SP":
                    parts.append(" ")
                    if glyphs:
                        glyphs.append(Glyph(" ", glyphs[-1].box, 1.0))
                elif child.tag == _A + "String":
                    parts.append(child.get("CONTENT", ""))
                    confidences.append(float(child.get("WC", "1")))
                    glyphs += [
                        Glyph(g.get("CONTENT", ""), _read_box(g), float(g.get("GC", "1")))
                        for g in child.iter(_A + "Glyph")
                    ]
            lines.append(
                TextLine(
                    id=line_element.get("ID", f"line_{len(lines) + 1}"),
                    text="".join(parts),
                    box=_read_box(line_element),
                    glyphs=glyphs,
                    vertical=VERTICAL_TAG in (line_element.get("TAGREFS") or "").split(),
                    confidence=round(sum(confidences) / len(confidences), 4) if confidences else 0.0,
                )
            )
    width = round(float(page_element.get("WIDTH", "0")))
    height = round(float(page_element.get("HEIGHT", "0")))
    return PageResult(width, height, lines, vertical_blocks > 0, engine)
