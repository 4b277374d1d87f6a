"""The EPUB 3 writer: it passes epubcheck (Debian's epubcheck, installed by `make system-deps`), and holds every
element: the package metadata, the navigation, footnotes with backlinks, images, the index's links."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from dangan.compilation.export.epub import write_epub
from tests.compilation.export_books import TITLE, full_book, image_file

EPUBCHECK = next((p for p in ("/usr/share/java/epubcheck.jar",) if Path(p).is_file()), None)
XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def epubcheck(path: Path) -> subprocess.CompletedProcess[str]:
    assert EPUBCHECK is not None and shutil.which("java")
    return subprocess.run(
        ["java", "-jar", EPUBCHECK, str(path)], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.skipif(
    EPUBCHECK is None or not shutil.which("java"), reason="epubcheck is not installed (make system-deps)"
)
@pytest.mark.parametrize("vertical", [False, True])
def test_the_epub_passes_epubcheck(tmp_path: Path, vertical: bool) -> None:
    out = tmp_path / "book.epub"
    book = full_book(tmp_path, vertical=vertical)
    write_epub(replace(book, cover=image_file(tmp_path / "cover.jpg")), out)
    result = epubcheck(out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No errors or warnings detected" in result.stdout + result.stderr


def test_the_epub_holds_every_element(tmp_path: Path) -> None:
    out = tmp_path / "book.epub"
    seen: list[tuple[int, int]] = []
    write_epub(full_book(tmp_path), out, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1]
    archive = zipfile.ZipFile(out)
    first = archive.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert archive.read("mimetype") == b"application/epub+zip"
    opf = etree.fromstring(archive.read("OEBPS/content.opf"))
    ns = {"o": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
    assert opf.findtext(".//dc:title", namespaces=ns) == TITLE
    assert opf.findtext(".//dc:language", namespaces=ns) == "zh-CN"
    assert opf.findtext(".//dc:identifier", namespaces=ns).startswith("urn:uuid:")
    assert opf.find(".//o:meta[@property='dcterms:modified']", ns) is not None
    media = {i.get("href"): i.get("media-type") for i in opf.iterfind(".//o:item", ns)}
    assert [h for h, m in media.items() if m == "image/jpeg"] == ["images/img1.jpg", "images/img2.jpg"]
    nav = etree.fromstring(archive.read("OEBPS/nav.xhtml"))
    toc = nav.find(".//x:nav[@epub:type='toc']", XHTML)
    assert "4　中央军委关于红军渡过乌江的命令（第4号）" in "".join(toc.itertext())
    assert nav.find(".//x:nav[@epub:type='landmarks']", XHTML) is not None
    section = etree.fromstring(archive.read("OEBPS/section1.xhtml"))
    ref = section.find(".//x:a[@epub:type='noteref']", XHTML)
    note = section.find(f".//x:aside[@id='{ref.get('href')[1:]}']", XHTML)
    assert note.get("{http://www.idpf.org/2007/ops}type") == "footnote"
    assert note.find(".//x:a", XHTML).get("href") == "#" + ref.get("id")  # the backlink
    assert "遵义会议：1935年1月15日至17日召开。" in "".join(note.itertext())
    assert section.find(".//x:figure/x:figcaption", XHTML).text == "图一　电报原件"
    index = etree.fromstring(archive.read("OEBPS/index.xhtml"))
    links = {a.text: a.get("href") for a in index.iterfind(".//x:a", XHTML)}
    target = links["5"]
    page, anchor = target.split("#")
    assert etree.fromstring(archive.read(f"OEBPS/{page}")).find(f".//*[@id='{anchor}']", XHTML) is not None
    text = "".join(index.itertext())
    assert text.index("毛泽东") < text.index("朱德") < text.index("乌江") < text.index("遵义")


@pytest.mark.skipif(
    EPUBCHECK is None or not shutil.which("java"), reason="epubcheck is not installed (make system-deps)"
)
def test_a_book_with_nothing_in_it_still_passes(tmp_path: Path) -> None:
    from dangan.compilation.export.book import Book

    out = tmp_path / "empty.epub"
    write_epub(Book("空书"), out)
    result = epubcheck(out)
    assert result.returncode == 0, result.stdout + result.stderr
