"""Fixtures of the browser tests: ``chromium`` opens pages on the live server (tests/e2e/browser.py), ``shots`` is
where their screenshots go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import Chromium, require_browser, screenshot_folder


@pytest.fixture
def chromium(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Chromium:
    """Chromium on pytest-django's live server; the test is skipped without chromium (see ``require_browser``)."""
    require_browser()
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return Chromium(live_server.url)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """DANGAN_SCREENSHOT_DIR when it is set, else a folder of the test's own temporary directory."""
    folder = screenshot_folder() or tmp_path / "shots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
