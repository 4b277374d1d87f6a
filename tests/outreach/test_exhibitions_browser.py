"""Part exhibitions in a real browser: a page of an exhibition on a phone (one column, nothing wider than the screen,
the hidden unit's blocks absent), and the hall screen's kiosk mode on a large screen — it advances on its timer,
loops, goes on with a touch of 下一页, and returns to the cover when nobody has touched it for its idle time
(Playwright's clock: no waiting in the test). No Content-Security-Policy violation on either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import chromium, shots  # noqa: F401  the browser fixtures of tests/e2e
from tests.outreach.exhibitions_helpers import HIDDEN_TITLE, VISIBLE_TITLE, build

PHONE = {"width": 390, "height": 844}
HALL = {"width": 1920, "height": 1080}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_page_on_a_phone_and_the_kiosk_resets_when_idle(
    chromium: Any,  # noqa: F811
    shots: Path,  # noqa: F811
    settings: Any,
    tmp_path: Path,
    fonds: Any,
    categories: Any,
) -> None:
    from playwright.sync_api import expect

    from dangan.outreach.models import Exhibition

    sample = build(settings, tmp_path, fonds, categories)
    Exhibition.objects.filter(pk=sample.exhibition.pk).update(kiosk_advance_seconds=10, kiosk_idle_seconds=25)
    violations: list[str] = []

    def watch(page: Any) -> None:
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )

    with chromium.page(None, viewport=PHONE, mobile=True) as page:
        watch(page)
        page.goto(f"{chromium.base_url}/exhibitions/{sample.exhibition.slug}/1/1/")
        expect(page.get_by_role("heading", name="强渡乌江", exact=True, level=1)).to_be_visible()
        expect(page.locator(".exhibit-block")).to_have_count(6)
        expect(page.get_by_text(VISIBLE_TITLE).first).to_be_visible()
        assert HIDDEN_TITLE not in page.content()
        wider = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert wider <= 1, f"the exhibition page is {wider}px wider than a phone"
        # One column: the contents come below the page, not beside it.
        article = page.locator(".exhibit-page").bounding_box()
        toc = page.locator(".exhibit-toc--aside").bounding_box()
        assert article is not None and toc is not None and toc["y"] >= article["y"] + article["height"] - 1
        page.screenshot(path=str(shots / "exhibition-phone.png"), full_page=True)
        page.get_by_role("link", name="遵义会议 →").click()
        expect(page.get_by_role("heading", name="遵义会议", exact=True, level=1)).to_be_visible()

    with chromium.page(None, viewport=HALL) as page:
        watch(page)
        page.clock.install()
        page.goto(f"{chromium.base_url}/exhibitions/{sample.exhibition.slug}/kiosk/")
        body = page.locator("body")
        expect(body).to_have_attribute("data-current", "0")
        expect(page.get_by_role("heading", name="红军在贵州", exact=True)).to_be_visible()
        assert page.locator("a[href]").count() == 0  # nothing leads out of the exhibition
        page.screenshot(path=str(shots / "exhibition-kiosk-cover.png"))
        page.clock.run_for(10_500)  # the timer turns the page
        expect(body).to_have_attribute("data-current", "1")
        expect(page.get_by_role("heading", name="强渡乌江", exact=True, level=2)).to_be_visible()
        page.screenshot(path=str(shots / "exhibition-kiosk-page.png"))
        page.locator("[data-kiosk-next]").click()  # a visitor touches 下一页
        expect(body).to_have_attribute("data-current", "2")
        page.clock.run_for(21_000)  # the visitor walks away; the timer goes on and loops: 2 → 0 → 1
        expect(body).to_have_attribute("data-current", "1")
        page.clock.run_for(5_000)  # 25 s since the last touch: back to the cover
        expect(body).to_have_attribute("data-current", "0")
        expect(page.get_by_role("heading", name="红军在贵州", exact=True)).to_be_visible()
    assert violations == []
