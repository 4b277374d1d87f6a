"""The DOCX writer, read back as WordprocessingML (no LibreOffice needed): East Asian fonts in the styles, the
headings as Word heading styles with a TOC field, real footnotes for the notes, images inline with captions, page
numbers in the footer, the index."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from lxml import etree

from dangan.compilation.export.docx import write_docx
from tests.compilation.export_books import SECTIONS, full_book

NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
WN = "{" + NS["w"] + "}"


def test_the_docx_structure(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    book = full_book(tmp_path, documents=6)
    seen: list[tuple[int, int]] = []
    write_docx(book, buffer, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1]
    archive = zipfile.ZipFile(buffer)
    for name in archive.namelist():
        if name.endswith((".xml", ".rels")):
            etree.fromstring(archive.read(name))  # every part is well-formed
    styles = etree.fromstring(archive.read("word/styles.xml"))
    east_asia = {
        s.get(WN + "styleId"): s.find(".//w:rFonts", NS).get(WN + "eastAsia")
        for s in styles.iterfind("w:style", NS)
        if s.find(".//w:rFonts", NS) is not None
    }
    assert east_asia["Normal"] == "宋体" and east_asia["Heading1"] == "黑体" and east_asia["Heading2"] == "黑体"
    assert styles.find("w:docDefaults//w:rFonts", NS).get(WN + "eastAsia") == "宋体"
    assert styles.find("w:docDefaults//w:lang", NS).get(WN + "eastAsia") == "zh-CN"

    document = etree.fromstring(archive.read("word/document.xml"))

    def paragraphs(style: str) -> list[str]:
        return [
            "".join(p.itertext())
            for p in document.iterfind(".//w:p", NS)
            if (s := p.find("w:pPr/w:pStyle", NS)) is not None and s.get(WN + "val") == style
        ]

    assert paragraphs("Heading1") == ["前言", "编辑说明", *SECTIONS, "人名地名索引"]
    assert len(paragraphs("Heading2")) == 6 and paragraphs("Heading2")[0].startswith("1　中央军委")
    instr = "".join(t.text for t in document.iterfind(".//w:instrText", NS))
    assert "TOC \\o" in instr
    refs = [int(r.get(WN + "id")) for r in document.iterfind(".//w:footnoteReference", NS)]
    assert refs == list(range(1, 13))  # two notes in each of six documents
    footnotes = etree.fromstring(archive.read("word/footnotes.xml"))
    texts = {
        int(f.get(WN + "id")): "".join(f.itertext()).strip()
        for f in footnotes.iterfind("w:footnote", NS)
        if f.get(WN + "type") is None
    }
    assert texts[1] == "遵义会议：1935年1月15日至17日召开。" and texts[2] == "乌江，第1号注。"
    assert len(document.findall(".//w:drawing", NS)) == 6
    assert paragraphs("Caption")[:2] == ["图一　电报原件", "图二　行军路线图"]
    rels = archive.read("word/_rels/document.xml.rels").decode()
    assert rels.count("relationships/image") == 6 and "word/media/image1.jpeg" in archive.namelist()
    assert "PAGE" in archive.read("word/footer1.xml").decode()
    assert paragraphs("IndexEntry") == ["毛泽东　1，3", "朱德　4", "乌江　1", "遵义　2，3，5"]
    assert document.find(".//w:sectPr/w:textDirection", NS) is None


def test_the_vertical_docx_sets_the_text_direction(tmp_path: Path) -> None:
    out = tmp_path / "v.docx"
    write_docx(full_book(tmp_path, vertical=True, documents=2), out)
    document = etree.fromstring(zipfile.ZipFile(out).read("word/document.xml"))
    assert document.find(".//w:sectPr/w:textDirection", NS).get(WN + "val") == "tbRl"
