"""The fixity-audit page in a real browser: failures read in Chinese, and a failure with a very long file path
stays inside its table (the path wraps; on a phone the table scrolls in its frame) instead of pushing the page wider.

Skipped when chromium is missing, unless DANGAN_REQUIRE_BROWSER=1 (see tests/e2e/browser.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dangan.core.actors import CONSOLE
from tests.e2e.browser import PHONE

# A long path with no place to break it: two long directory names (each under the file system's 255 bytes).
LONG_DIRS = ("关于开展脱贫攻坚工作的通知及附件" * 4, "扶贫资金管理办法_" + "0123456789" * 12)
LONG_NAME = "说明_" + "abcdefghij" * 10 + ".txt"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_long_failure_paths_stay_inside_the_table(chromium, settings, tmp_path, fonds, categories, archivist, shots):
    from playwright.sync_api import expect

    from dangan.catalog.actions.units import do_create_unit
    from dangan.preservation.actions.auditing import do_audit
    from dangan.preservation.actions.preserving import do_preserve
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    unit = do_create_unit(CONSOLE, fonds, {"title": "长路径文件", "category": categories["WS"], "year": 2011})
    top = tmp_path / LONG_DIRS[0]
    source = top / LONG_DIRS[1] / LONG_NAME
    source.parent.mkdir(parents=True)
    source.write_text("遵义会议纪要", encoding="utf-8")
    package = do_preserve(CONSOLE, unit, [top]).package
    row = package.files.get(logical_path=f"content/{LONG_DIRS[0]}/{LONG_DIRS[1]}/{LONG_NAME}")
    (Path(storage_root().backend.describe()) / package.object_path / row.content_path).write_text("改动")
    run = do_audit(CONSOLE)
    assert run.failure_count == 1

    with chromium.page(archivist, login_form=True) as page:
        page.goto(f"{chromium.base_url}/manage/preservation/audits/{run.uuid}/")
        table = page.locator("table.table--failures")
        expect(table.get_by_text("文件内容已改变：SHA512 摘要值与清单记录不符")).to_be_visible()
        expect(table.get_by_text("内容被改动")).to_be_visible()
        page.screenshot(path=str(shots / "audit-failures-1366.png"), full_page=True)
        # The page does not scroll sideways, and neither does the table: the path wrapped.
        assert page.evaluate(OVERFLOW) <= 0
        wrap = page.locator("table.table--failures").locator("xpath=..")
        assert wrap.evaluate("e => e.scrollWidth - e.clientWidth") <= 1

        # On a phone the table may scroll, inside its frame; the page itself does not widen.
        page.set_viewport_size(PHONE)
        page.reload()
        page.screenshot(path=str(shots / "audit-failures-390.png"), full_page=True)
        assert wrap.evaluate("e => getComputedStyle(e).overflowX") == "auto"
        cell = page.locator("table.table--failures td.path").nth(1)
        assert cell.evaluate("e => e.getBoundingClientRect().width") < 32 * 16 + 1  # max-width 32rem
