"""The workspace in a real browser: the authority picker driven by the keyboard, and the staff pages on a 390 px
phone (no page wider than the screen).

Drives Debian's chromium through Playwright against pytest-django's live server, as tests/e2e/test_browser.py does
(skipped without chromium unless DANGAN_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client

from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, _require_browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


@contextmanager
def browser_page(live_server: Any, user: Any, viewport: dict[str, int]) -> Iterator[Any]:
    """A chromium page already signed in as ``user`` (the session cookie of a test client)."""
    from playwright.sync_api import sync_playwright

    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    profile = tempfile.mkdtemp(prefix="dangan-chromium-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                headless=True,
                viewport=viewport,
                locale="zh-CN",
                is_mobile=viewport["width"] < 500,
                has_touch=viewport["width"] < 500,
            )
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(15_000)
            yield page
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_authority_picker_finds_a_record_by_a_variant_name_with_the_keyboard(
    live_server, fonds, archivist, monkeypatch
):
    _require_browser()
    from playwright.sync_api import expect

    from dangan.catalog.actions.authorities import do_create_authority
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import UnitAuthority
    from dangan.core.actors import CONSOLE

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    unit = do_create_unit(CONSOLE, fonds, {"title": "关于红军长征过境的报告"})
    mao = do_create_authority(CONSOLE, {"kind": "person", "name": "毛泽东", "variant_names": ["毛润之", "子任"]})
    do_create_authority(CONSOLE, {"kind": "person", "name": "朱德", "variant_names": ["朱玉阶"]})

    with browser_page(live_server, archivist, DESKTOP) as page:
        page.goto(f"{live_server.url}/manage/units/{unit.uuid}/")
        page.get_by_text("关联规范档案", exact=True).click()
        box = page.get_by_role("combobox", name="规范档案")
        box.focus()
        page.keyboard.type("润之")
        options = page.locator("#authority-options [role=option]")
        expect(options).to_have_count(1)
        expect(page.locator("#authority-options")).to_be_visible()
        expect(box).to_have_attribute("aria-expanded", "true")
        expect(options.first).to_contain_text("又名 毛润之")

        page.keyboard.press("ArrowDown")
        expect(options.first).to_have_attribute("aria-selected", "true")
        expect(box).to_have_attribute("aria-activedescendant", "authority-option-1")
        page.keyboard.press("Enter")  # picks the option, does not submit the form
        expect(box).to_have_value("毛泽东")
        expect(box).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#authority-options")).to_be_hidden()
        assert page.locator("input[name=authority]").input_value() == str(mao.uuid)

        # Esc closes a list that is open, and typing again forgets the choice.
        page.keyboard.press("End")
        page.keyboard.type("x")
        assert page.locator("input[name=authority]").input_value() == ""
        box.fill("")
        box.focus()
        page.keyboard.type("子任")
        expect(options).to_have_count(1)
        page.keyboard.press("Escape")
        expect(page.locator("#authority-options")).to_be_hidden()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(box).to_have_value("毛泽东")

        page.get_by_label("关系").select_option(label="主题")
        page.get_by_role("button", name="关联", exact=True).click()
        expect(page.get_by_text("已关联规范档案“毛泽东”。")).to_be_visible()
        expect(page.locator("#auth-heading + ul").get_by_role("link", name="毛泽东")).to_be_visible()
    assert UnitAuthority.objects.filter(unit=unit, authority=mao, role="subject").exists()
