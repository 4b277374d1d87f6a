"""The conservation pages in a real browser: a stack's climate chart drawn by the vendored ECharts with its limits
(a month, then a year), and a box's page opened on a phone as a label's QR code opens it — no Content-Security-Policy
violation, nothing wider than the phone's screen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import chromium  # noqa: F401  the browser fixture of tests/e2e

PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_climate_chart_and_a_box_page_on_a_phone(
    chromium: Any,  # noqa: F811
    conservator: Any,
    conservation_head: Any,
    make_unit: Any,
) -> None:
    from django.utils import timezone
    from playwright.sync_api import expect

    from dangan.conservation.actions.environment import do_import_readings
    from dangan.conservation.actions.stacks import do_add_location, do_add_stack, do_place

    stack = do_add_stack(conservation_head, "K1", "一号库房")
    box = do_add_location(conservation_head, stack, "015", "box", name="红军布告盒", capacity=20)
    unit = make_unit(title="红军过境布告")
    do_place(conservator, unit, box)
    start = timezone.localtime() - timedelta(days=2)
    lines = ["时间,温度,湿度"]
    for step in range(0, 48 * 12):  # two days, a reading every 5 minutes; a hot afternoon
        at = start + timedelta(minutes=5 * step)
        hot = 26.5 if 30 * 12 <= step < 33 * 12 else 20.0
        lines.append(f"{at:%Y-%m-%d %H:%M:%S},{hot},52")
    do_import_readings(conservator, stack, "\n".join(lines).encode())

    violations: list[str] = []
    with chromium.page(conservator) as page:
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        page.goto(f"{chromium.base_url}/manage/conservation/environment/stacks/K1/")
        expect(page.locator("[data-env-chart] canvas").first).to_be_visible()
        expect(page.get_by_text("温度过高").first).to_be_visible()  # the hot afternoon is an excursion
        page.locator("#env-period").select_option("year")
        expect(page.locator("[data-env-chart] canvas").first).to_be_visible()

    with chromium.page(conservator, viewport=PHONE, mobile=True) as page:
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        page.goto(f"{chromium.base_url}/manage/conservation/locations/{box.full_code}/")
        expect(page.get_by_text(unit.reference_code).first).to_be_visible()
        wider = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert wider <= 1, f"the box page is {wider}px wider than a phone"
    assert violations == []
