"""The IIIF viewer on the staff unit page, in a real browser: it reads the unit's manifest, draws the first page
from the Image API's tiles, pages to page 2 (button and keyboard), and a search inside the unit lists the hit,
jumps to its page, draws the highlight over it and shows the page's text beside the image; no CSP violation.

Skipped when chromium is missing, unless DANGAN_REQUIRE_BROWSER=1 (see tests/e2e/browser.py).
"""

from __future__ import annotations

import pytest

from dangan.catalog.actions.units import do_create_unit
from dangan.core.actors import CONSOLE
from dangan.digitization.ocr import PageResult
from tests.digitization.iiif.pages import column, draw_pages, preserve_masters, store_text
from tests.e2e.browser import PHONE

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_viewer_pages_zooms_and_highlights_a_search_hit(
    chromium, settings, tmp_path, fonds, categories, archivist, shots
):
    from playwright.sync_api import expect

    from dangan.digitization.pages import unit_pages

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    unit = do_create_unit(
        CONSOLE, fonds, {"title": "红军布告", "category": categories["WS"], "year": 1934, "responsible": "红军总政治部"}
    )
    preserve_masters(unit, draw_pages(tmp_path / "scans", [(800, 1100), (800, 1100), (800, 1100)]))
    store_text(
        unit,
        2,
        PageResult(800, 1100, [column("l1", "中国工农红军", 600, 80), column("l2", "苏维埃万岁", 520, 80)], True, "x"),
    )
    image_ids = [page.image_id for page in unit_pages(unit)]

    problems: list[str] = []
    tiles: list[tuple[str, int]] = []
    with chromium.page(archivist) as page:
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("response", lambda r: tiles.append((r.url, r.status)) if "/iiif/3/" in r.url else None)
        page.goto(f"{chromium.base_url}/manage/units/{unit.uuid}/")
        viewer = page.locator("[data-iiif-viewer]")
        expect(viewer.locator(".iiif-viewer__thumb")).to_have_count(3)
        expect(viewer.locator('[data-role="page-count"]')).to_have_text("3")
        expect(viewer).to_have_attribute("data-page", "1")
        expect(viewer.locator(".iiif-viewer__image canvas")).to_have_count(1)
        page.wait_for_function(
            "id => performance.getEntriesByType('resource').some(e => e.name.includes(id) && e.name.endsWith('.jpg'))",
            arg=image_ids[0],
        )
        first_page_images = [(url, status) for url, status in tiles if image_ids[0] in url and url.endswith(".jpg")]
        assert first_page_images and all(status == 200 for _, status in first_page_images)
        page.screenshot(path=str(shots / "iiif-viewer-page-1.png"), full_page=True)

        viewer.get_by_role("button", name="下一页").click()
        expect(viewer).to_have_attribute("data-page", "2")
        expect(viewer.locator('[data-role="page-input"]')).to_have_value("2")
        expect(viewer.locator('[data-role="text"]')).to_contain_text("苏维埃万岁")
        viewer.locator('[data-role="image"]').focus()
        page.keyboard.press("ArrowLeft")  # the document reads right to left: ← is the next page
        expect(viewer).to_have_attribute("data-page", "3")
        expect(viewer.locator('[data-role="text"]')).to_contain_text("本页尚无识别文本")

        viewer.locator('[data-role="search-input"]').fill("苏维埃")
        viewer.get_by_role("button", name="检索").click()
        expect(viewer.locator('[data-role="hits"]')).to_contain_text("第 2 页：1 处")
        expect(viewer).to_have_attribute("data-page", "2")
        highlight = page.locator(".iiif-viewer__hit")
        expect(highlight).to_have_count(1)
        expect(highlight).to_be_visible()
        expect(viewer.locator('[data-role="text"] mark')).to_have_text("苏维埃")
        box = highlight.bounding_box()
        assert box is not None and box["height"] > box["width"]  # three characters down a column
        page.screenshot(path=str(shots / "iiif-viewer-search.png"), full_page=True)

        # On a phone the thumbnails become a strip above the image, and the page does not widen.
        page.set_viewport_size(PHONE)
        page.reload()
        expect(viewer.locator(".iiif-viewer__image canvas")).to_have_count(1)
        page.screenshot(path=str(shots / "iiif-viewer-390.png"), full_page=True)
        assert page.evaluate(OVERFLOW) <= 0

    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not [p for p in problems if "404" not in p], problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_search_hit_inside_a_scanned_page_opens_the_page_with_the_word_highlighted(
    chromium, settings, tmp_path, fonds, categories, archivist
):
    """The issue's promise end to end: the workspace search finds a word that is only in a page's OCR text, and its
    hit opens the unit page where the viewer shows that page with the word framed on the image."""
    from playwright.sync_api import expect

    from dangan.catalog.signals import notify_units_changed

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    unit = do_create_unit(CONSOLE, fonds, {"title": "布告", "category": categories["WS"], "year": 1934})
    preserve_masters(unit, draw_pages(tmp_path / "scans", [(800, 1100), (800, 1100)]))
    store_text(unit, 2, PageResult(800, 1100, [column("l1", "查田运动委员会", 600, 80)], True, "x"))
    notify_units_changed([unit.pk])

    with chromium.page(archivist) as page:
        page.goto(f"{chromium.base_url}/manage/search/?q=查田运动")
        hit = page.locator(".hit").first
        expect(hit.locator(".hit__snippet--fulltext mark")).to_contain_text("查田")
        hit.locator(".hit__title a").click()
        viewer = page.locator("[data-iiif-viewer]")
        expect(viewer.locator('[data-role="search-input"]')).to_have_value("查田运动")
        expect(viewer).to_have_attribute("data-page", "2")
        expect(page.locator(".iiif-viewer__hit")).to_have_count(1)
        expect(page.locator(".iiif-viewer__hit")).to_be_visible()
