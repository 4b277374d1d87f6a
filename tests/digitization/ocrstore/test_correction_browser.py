"""The correction page in a real browser: the page image loads through the IIIF Image API, focusing a line frames
its box on the image, only the changed line is saved, and the page's script runs under the CSP without violation."""

from __future__ import annotations

from typing import Any

import pytest

from dangan.digitization.models import PageText
from tests.e2e.conftest import chromium  # noqa: F401  (the fixture)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_correcting_a_line_beside_the_image(chromium: Any, digitized_unit: Any, archivist: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from dangan.digitization.ocr import Box, Glyph, PageResult, TextLine, parse_alto, to_alto

    lines = [
        TextLine(f"l{i}", text, Box(60, 60 + 90 * i, 300, 50), [Glyph(c, Box(60, 60, 40, 50), 0.9) for c in text])
        for i, text in enumerate(("遵义会议决义", "红军第三军团"))
    ]
    alto = to_alto(PageResult(720, 290, lines, False, "test"), image_name="0001.tif").decode()
    row = PageText.objects.create(
        unit=digitized_unit,
        page=1,
        master_path="content/masters/0001.tif",
        master_sha256="0" * 64,
        text="遵义会议决义\n红军第三军团",
        alto=alto,
        engine="test",
    )
    second_id = parse_alto(alto.encode()).lines[1].id
    violations: list[str] = []
    with chromium.page(archivist) as page:
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        page.goto(f"{chromium.base_url}/manage/digitization/units/{digitized_unit.uuid}/text/1/")
        image = page.locator("#ocr-page-image")
        expect(image).to_be_visible()
        page.wait_for_function("document.getElementById('ocr-page-image').naturalWidth > 0")
        first = page.get_by_label("第 1 行")
        first.focus()
        highlight = page.locator("#ocr-highlight")
        expect(highlight).to_be_visible()
        box = highlight.bounding_box()
        assert box is not None and box["width"] > 10 and box["height"] > 1
        first.fill("遵义会议决议")
        page.get_by_role("button", name="保存修改").click()
        expect(page.get_by_text("已保存第 1 页的 1 行修改")).to_be_visible()
    row.refresh_from_db()
    assert row.revision == 2 and row.text == "遵义会议决议\n红军第三军团"
    changes = row.revisions.get(revision=2).changes
    assert [c["new"] for c in changes] == ["遵义会议决议"] and second_id not in [c["id"] for c in changes]
    assert violations == []
