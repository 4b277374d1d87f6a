"""The Content-Security-Policy in a real browser: the workspace pages and the API docs work under it, and the
browser reports no violation (an inline script, style or handler left somewhere would be refused and logged)."""

from __future__ import annotations

from typing import Any

import pytest

from dangan.catalog.actions.units import do_create_unit
from dangan.core.actors import CONSOLE
from tests.e2e.browser import sign_in

PAGES = [
    "/manage/fonds/",
    "/manage/fonds/Z109/",
    "/manage/search/?q=会议",
    "/manage/imports/",
    "/manage/imports/new/",
    "/manage/authorities/",
    "/manage/accession/",
    "/manage/accession/new/",
    "/manage/preservation/audits/",
    "/manage/tokens/",
    "/manage/password/",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_and_api_docs_work_under_the_policy(chromium, fonds, archivist):
    from playwright.sync_api import expect

    do_create_unit(CONSOLE, fonds, {"title": "遵义会议记录"})
    violations: list[str] = []
    # Not signed in yet: the listener watches the login page too.
    with chromium.page() as page:

        def console(message: Any) -> None:
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
                violations.append(f"{page.url}: {message.text}")

        page.on("console", console)
        sign_in(page, chromium.base_url, archivist)
        expect(page.get_by_role("heading", level=1, name="全宗")).to_be_visible()
        for path in PAGES:
            response = page.goto(f"{chromium.base_url}{path}")
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("networkidle")

        # htmx still works: the tree's toggle loads children, the language switch submits itself.
        page.goto(f"{chromium.base_url}/manage/fonds/Z109/")
        page.get_by_label("界面语言").select_option("en")
        expect(page.locator("html")).to_have_attribute("lang", "en")

        # A progress bar's width comes from data-progress through the stylesheet, not a style attribute.
        width = page.evaluate(
            """() => {
                const box = document.createElement("div"); box.style.width = "200px";
                const bar = document.createElement("div"); bar.className = "progress__bar";
                bar.setAttribute("data-progress", "40"); box.appendChild(bar); document.body.appendChild(box);
                return bar.getBoundingClientRect().width;
            }"""
        )
        assert width == 80

        # The API docs: Swagger UI (bundled, no CDN) renders the OpenAPI document under its own policy.
        page.goto(f"{chromium.base_url}/api/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("dangan API")
        page.locator(".opblock-summary").first.click()
        page.get_by_role("button", name="Try it out").first.click()
        page.get_by_role("button", name="Execute").first.click()
        expect(page.locator(".responses-wrapper .live-responses-table").first).to_be_visible()
        page.locator(".models-control").first.click()
        page.wait_for_load_state("networkidle")
    assert violations == []
