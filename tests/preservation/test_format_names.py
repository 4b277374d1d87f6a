"""Format names in Chinese where the registry has one (TIFF 图像 for PRONOM's "Tagged Image File Format"), with the
PUID kept beside them, on every page and in the API."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from dangan.core.actors import CONSOLE
from dangan.preservation.actions.preserving import do_preserve
from dangan.preservation.formats import display_name

from .conftest import PDF


def tiff_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (16, 16), 128).save(out, "TIFF")
    return out.getvalue()


def visible_text(html: str) -> str:
    """The page without its tags and attributes (a title attribute is not what a reader sees first)."""
    return re.sub(r"<[^>]+>", " ", html)


def test_display_names_are_chinese_where_the_registry_has_them():
    assert display_name("fmt/353", "Tagged Image File Format") == "TIFF 图像"
    assert display_name("fmt/18", "Acrobat PDF 1.4 - Portable Document Format", "1.4") == "PDF 1.4 文档"
    assert display_name("fmt/354", "Acrobat PDF/A - Portable Document Format", "1b") == "PDF/A-1b 长期保存版式文档"
    assert display_name("dangan-fmt/ofd", "Open Fixed-layout Document (OFD)", "1.1") == "OFD 版式文档 1.1"
    assert display_name("fmt/99999", "Some Future Format", "2") == "Some Future Format 2"
    assert display_name("", "", "") == ""


@pytest.mark.django_db
def test_pages_and_api_show_chinese_format_names_and_the_puid(storage, make_unit, source_files, archivist):
    unit = make_unit()
    files = source_files({"0001.tif": tiff_bytes(), "0002.pdf": PDF})
    package = do_preserve(CONSOLE, unit, files, message="扫描件").package
    client = Client()
    client.force_login(archivist)

    for url in (
        reverse("catalog:unit_detail", args=[unit.uuid]),
        reverse("preservation:package_detail", args=[package.uuid]),
    ):
        text = visible_text(client.get(url).content.decode())
        assert "TIFF 图像" in text and "fmt/353" in text, url
        assert "PDF 1.4 文档" in text and "fmt/18" in text, url
        assert "Tagged Image File Format" not in text and "Portable Document Format" not in text, url

    body = client.get(f"/api/units/{unit.uuid}/package").json()
    tiff = next(f for f in body["files"] if f["logical_path"] == "content/0001.tif")
    assert (tiff["puid"], tiff["format_display"], tiff["format_name"]) == (
        "fmt/353",
        "TIFF 图像",
        "Tagged Image File Format",
    )
    # The format identification event says it in Chinese too (it goes into the package's METS).
    identified = [e for e in body["events"] if e["event_type"] == "format identification"]
    assert any("fmt/353 · TIFF 图像" in e["outcome_detail"] for e in identified)
