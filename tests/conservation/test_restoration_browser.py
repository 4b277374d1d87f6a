"""In a real browser (chromium through Playwright, on the live server): a conservator writes a work order by 档号 with
the keyboard-friendly form, the head approves it from its page; the list, the order's page and the statistics fit
a 1366×768 screen and a phone without scrolling sideways. Skipped without chromium (tests/e2e/browser.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from dangan.conservation.actions.condition import do_record_condition
from dangan.conservation.choices import ConditionSource
from dangan.conservation.models import WorkOrder
from dangan.conservation.models.restoration import WorkOrderStatus
from tests.e2e.browser import PHONE, Chromium, require_browser


@pytest.fixture
def browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Chromium:
    require_browser()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return Chromium(live_server.url)


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_work_order_is_written_and_approved_in_the_browser(
    browser: Chromium, conservator: Any, conservation_head: Any, make_unit: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    shots = Path(os.environ.get("DANGAN_SCREENSHOT_DIR") or tmp_path)
    unit = make_unit()
    do_record_condition(conservator, unit, {"mould": 35, "loss": 12}, ConditionSource.SURVEY)
    base = f"{browser.base_url}/manage/conservation/restoration/"
    with browser.page(conservator) as page:
        page.goto(base + "new/")
        page.get_by_label("档号").fill(unit.reference_code)
        page.get_by_label("去污").check()
        page.get_by_label("修补").check()
        page.get_by_label("预计工时（小时）").fill("6")
        page.get_by_role("button", name="保存草稿").click()
        expect(page.locator("h1")).to_contain_text("XF")
        assert _fits(page)
        page.get_by_role("button", name="提交审批").click()
        expect(page.locator("h1")).to_contain_text("待审批")
        assert page.get_by_role("button", name="批准").count() == 0  # not the conservator's to approve
        page.screenshot(path=str(shots / "restoration-detail-1366.png"), full_page=True)
    order = WorkOrder.objects.get(unit=unit)
    with browser.page(conservation_head) as page:
        page.goto(base + order.number + "/")
        page.get_by_role("button", name="批准").click()
        expect(page.locator("h1")).to_contain_text("已批准")
        page.goto(base)
        expect(page.get_by_role("link", name=order.number)).to_be_visible()
        assert _fits(page)
        page.goto(base + "stats/")
        assert _fits(page)
    with browser.page(conservator, viewport=PHONE, mobile=True) as page:
        page.goto(base + order.number + "/")
        expect(page.get_by_role("button", name="出库并开始修复")).to_be_visible()
        assert _fits(page)
        page.screenshot(path=str(shots / "restoration-detail-phone.png"), full_page=True)
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.APPROVED
