"""The browser for the tests in tests/e2e: Debian's chromium driven through Playwright against pytest-django's live
server (real HTTP). One place for what every browser test needs: whether chromium is here (a test is skipped when it
is missing, and fails instead when DANGAN_REQUIRE_BROWSER=1), how it is launched (headless, a fresh profile folder
removed afterwards, Chinese locale), and how a page gets signed in: through the real login form when the test is
about signing in, otherwise with the session cookie of Django's test client.

The fixtures in tests/e2e/conftest.py wrap it: ``chromium`` (a :class:`Chromium` for the live server) and ``shots``
(the screenshot folder). Screenshots go to DANGAN_SCREENSHOT_DIR when it is set.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

    from dangan.core.models import User

CHROMIUM = os.environ.get("DANGAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000  # how long a page action or an expect() waits unless the test says otherwise


def require_browser() -> None:
    """Skip the test when chromium is missing; fail it instead when DANGAN_REQUIRE_BROWSER=1 (CI, where a missing
    browser must not pass as a green run)."""
    if not (Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK)):
        if os.environ.get("DANGAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"chromium not found at {CHROMIUM} and DANGAN_REQUIRE_BROWSER=1")
        pytest.skip(f"chromium not found at {CHROMIUM}")


def screenshot_folder() -> Path | None:
    """DANGAN_SCREENSHOT_DIR (created if need be) when the person running the tests asked for screenshots."""
    wanted = os.environ.get("DANGAN_SCREENSHOT_DIR")
    if not wanted:
        return None
    folder = Path(wanted)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page: Page, base_url: str, user: User) -> None:
    """Sign in through the login form, as a person does, and wait until the form has let the page go on."""
    page.goto(f"{base_url}/manage/login/")
    page.get_by_label("用户名").fill(user.get_username())
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/manage/login/" not in url)


def session_cookie(user: User) -> str:
    """A session of ``user`` opened by Django's test client, for a page that need not go through the login form."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@dataclass(frozen=True)
class Chromium:
    """Opens chromium pages on one live server (``chromium`` fixture)."""

    base_url: str

    @contextmanager
    def page(
        self,
        user: User | None = None,
        *,
        login_form: bool = False,
        viewport: ViewportSize = DESKTOP,
        mobile: bool = False,
        accept_downloads: bool = True,
    ) -> Iterator[Page]:
        """A page in a fresh persistent profile (so localStorage survives a reload), closed with its profile at the
        end. Signed in as ``user`` when one is given: through the login form with ``login_form``, else by the session
        cookie. ``mobile`` makes it a touch phone (``is_mobile``, ``has_touch``). Downloads are accepted, as Playwright
        does by default, unless ``accept_downloads`` is false. ``page.context`` is the page's browser context."""
        from django.conf import settings
        from playwright.sync_api import sync_playwright

        cookie = session_cookie(user) if user is not None and not login_form else None
        profile = tempfile.mkdtemp(prefix="dangan-chromium-")
        try:
            with sync_playwright() as playwright:
                context = playwright.chromium.launch_persistent_context(
                    profile,
                    executable_path=CHROMIUM,
                    args=CHROMIUM_ARGS,
                    headless=True,
                    viewport=viewport,
                    locale="zh-CN",
                    is_mobile=mobile,
                    has_touch=mobile,
                    accept_downloads=accept_downloads,
                )
                try:
                    if cookie is not None:
                        context.add_cookies(
                            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.base_url}]
                        )
                    page = context.pages[0] if context.pages else context.new_page()
                    page.set_default_timeout(TIMEOUT_MS)
                    if user is not None and login_form:
                        sign_in(page, self.base_url, user)
                    yield page
                finally:
                    context.close()
        finally:
            shutil.rmtree(profile, ignore_errors=True)
