"""The public portal in a real browser, at 1280 px and on a 390 px phone: home, search, a unit with its page images
(the IIIF viewer, loaded when it comes into view), a fonds and the guide pass axe-core's WCAG 2.1 AA rules with no
serious or critical violation, do not widen past the screen, break no Content-Security-Policy rule, and print
without the navigation.

axe-core is vendored under tests/e2e/vendor/axe-core (``make vendor-axe``) and evaluated in the page through the
browser's devtools protocol (no script tag, so the page's CSP is left as it is).
Skipped when chromium is missing, unless DANGAN_REQUIRE_BROWSER=1 (see tests/e2e/browser.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.choices import UnitLevel
from dangan.core.actors import CONSOLE
from dangan.digitization.ocr import PageResult
from tests.digitization.iiif.pages import column, draw_pages, preserve_masters, store_text
from tests.e2e.browser import PHONE

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP_1280 = {"width": 1280, "height": 800}
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
RUN_AXE = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))"""


def serious_violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(RUN_AXE, WCAG_AA)
    return [v for v in violations if v["impact"] in ("serious", "critical")]


@pytest.fixture
def portal_world(settings: Any, tmp_path: Path, fonds: Any, categories: Any) -> dict[str, Any]:
    from dangan.access.actions.portal import do_update_consulting_info
    from dangan.catalog.signals import notify_units_changed

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    fonds.history = "贵州省扶贫开发办公室成立于1986年，负责全省扶贫开发工作的组织、协调与督查。"
    fonds.save(update_fields=["history"])
    item = {"category": categories["WS"], "year": 2011, "retention": "Y", "organization": "BGS", "openness": "open"}
    series = do_create_unit(
        CONSOLE, fonds, {"title": "扶贫开发工作案卷", "level": UnitLevel.SERIES, "openness": "open"}
    )
    unit = do_create_unit(
        CONSOLE,
        fonds,
        {**item, "title": "关于易地扶贫搬迁工作的通知", "responsible": "贵州省扶贫开发办公室", "page_count": 2},
        parent=series,
        subjects=["扶贫", "搬迁"],
    )
    for n in range(3):
        do_create_unit(CONSOLE, fonds, {**item, "title": f"关于扶贫资金管理的通知（{n + 1}）"})
    do_create_unit(CONSOLE, fonds, {**item, "title": "不应出现的未开放档案", "openness": "pending"})
    preserve_masters(unit, draw_pages(tmp_path / "scans", [(800, 1100), (800, 1100)]))
    store_text(unit, 1, PageResult(800, 1100, [column("l1", "易地扶贫搬迁", 600, 80)], True, "x"))
    notify_units_changed([unit.pk])
    do_update_consulting_info(
        CONSOLE,
        {
            "hours": "周一至周五 9:00–17:00",
            "address": "贵阳市观山湖区",
            "what_to_bring": "本人有效身份证件",
            "fees": "查阅免费",
        },
    )
    return {"unit": unit, "series": series}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_portal_pages_pass_axe_on_desktop_and_phone(chromium: Any, portal_world: dict[str, Any], shots: Path) -> None:
    from playwright.sync_api import expect

    unit = portal_world["unit"]
    pages = {
        "home": "/",
        "search": "/search/?q=扶贫",
        "unit": f"/units/{unit.uuid}/",
        "fonds": "/fonds/Z109/",
        "guide": "/guide/",
    }
    problems: list[str] = []
    found: dict[str, list[dict[str, Any]]] = {}
    for label, viewport in (("1280", DESKTOP_1280), ("390", PHONE)):
        with chromium.page(viewport=viewport, mobile=label == "390") as page:
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            for name, url in pages.items():
                page.goto(chromium.base_url + url)
                expect(page.locator("h1")).to_be_visible()
                if name == "unit":
                    viewer = page.locator("[data-iiif-viewer]")
                    viewer.scroll_into_view_if_needed()
                    expect(viewer.locator(".iiif-viewer__image canvas")).to_have_count(1)
                    expect(viewer.locator('[data-role="page-count"]')).to_have_text("2")
                page.screenshot(path=str(shots / f"portal-{name}-{label}.png"), full_page=True)
                if violations := serious_violations(page):
                    found[f"{name} at {label}px"] = violations
                assert page.evaluate(OVERFLOW) <= 0, f"{name} is wider than the screen at {label}px"
                assert "不应出现的未开放档案" not in page.content()
    assert not found, found
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_viewer_loads_only_when_needed_and_the_page_prints_its_citation(
    chromium: Any, portal_world: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    unit = portal_world["unit"]
    problems: list[str] = []
    with chromium.page(viewport={"width": 1280, "height": 500}) as page:
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        loaded: list[str] = []
        page.on("request", lambda r: loaded.append(r.url) if "openseadragon" in r.url else None)
        page.goto(f"{chromium.base_url}/units/{unit.uuid}/#pages")
        expect(page.locator(".iiif-viewer__image canvas")).to_have_count(1)
        # Revalidated (304) and shown from the browser's cache: the page still works under its policy.
        page.reload()
        expect(page.locator(".iiif-viewer__image canvas")).to_have_count(1)
        assert not problems, problems
        # A search hit inside the text opens the page at its images, which load at once.
        page.goto(f"{chromium.base_url}/search/?q=易地扶贫搬迁")
        page.locator(".hit__title a").first.click()
        viewer = page.locator("[data-iiif-viewer]")
        expect(viewer.locator(".iiif-viewer__image canvas")).to_have_count(1)
        assert loaded
        page.emulate_media(media="print")
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".portal-cite__text")).to_be_visible()
        expect(page.locator(".portal-cite__text")).to_contain_text(f"/units/{unit.uuid}/")
