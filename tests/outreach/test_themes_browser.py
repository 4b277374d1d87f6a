"""A thematic database in a real browser: the theme page (introduction, facets, members; a facet narrows the list),
and the map drawn by ECharts from the shipped boundary file (no tiles), whose click on a county lists its members;
no Content-Security-Policy violation, and no hidden unit anywhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import screenshot_folder
from tests.e2e.conftest import chromium  # noqa: F401  the browser fixture of tests/e2e
from tests.outreach.test_themes import HIDDEN_CONTROLLED, HIDDEN_SECRET, editor, world  # noqa: F401

# 汇川区 (520303), near its centre.
HUICHUAN = [106.95, 27.78]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_theme_page_and_its_map(chromium: Any, world: dict[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    violations: list[str] = []
    slug = world["theme"].slug
    with chromium.page() as page:
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        page.goto(f"{chromium.base_url}/themes/")
        page.get_by_role("link", name="红军在贵州").click()
        expect(page.locator("h1")).to_have_text("红军在贵州")
        expect(page.locator(".theme-units li")).to_have_count(3)
        page.locator(".theme-facets").get_by_role("link", name="遵义会议").click()
        expect(page.locator(".theme-units li")).to_have_count(1)
        expect(page.locator(".theme-units")).to_contain_text("红军在遵义召开会议的记录")
        if shots := screenshot_folder():
            page.screenshot(path=str(shots / "theme-page.png"), full_page=True)

        page.get_by_role("link", name="地图", exact=True).click()
        expect(page.locator("[data-theme-map] canvas")).to_have_count(1)
        box = page.locator("[data-theme-map]").bounding_box()
        assert box is not None
        page.wait_for_function(
            "() => { const c = window.echarts.getInstanceByDom(document.querySelector('[data-theme-map]'));"
            " return c && c.getOption() && c.getOption().series.length === 1; }"
        )
        x, y = page.evaluate(
            "(point) => window.echarts.getInstanceByDom(document.querySelector('[data-theme-map]'))"
            ".convertToPixel({seriesIndex: 0}, point)",
            HUICHUAN,
        )
        if shots := screenshot_folder():
            page.screenshot(path=str(shots / "theme-map.png"), full_page=True)
        page.mouse.click(box["x"] + x, box["y"] + y)
        expect(page).to_have_url(f"{chromium.base_url}/themes/{slug}/map/?county=520303#county-list")
        expect(page.locator("#county-list")).to_contain_text("汇川区")
        expect(page.locator("#county-list li")).to_have_count(2)
        content = page.content()
        assert HIDDEN_SECRET not in content and HIDDEN_CONTROLLED not in content
    assert violations == []
