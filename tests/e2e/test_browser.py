"""One walk through the workspace in a real browser: sign in, import a catalog, find a unit, open it.

Drives Debian's chromium through Playwright against pytest-django's live server (real HTTP; tests/e2e/browser.py).
Skipped when chromium is missing, unless DANGAN_REQUIRE_BROWSER=1. Screenshots go to DANGAN_SCREENSHOT_DIR (or a temp
dir).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

ROWS = [
    ["Z109-WS·2011-Y-BGS-0001", "关于开展脱贫攻坚工作的通知", "贵州省扶贫开发办公室", "20110305", "", "永久", 3],
    ["Z109-WS·2011-Y-BGS-0002", "关于印发扶贫资金管理办法的通知", "贵州省财政厅", "20110412", "内部", "永久", 8],
    ["Z109-WS·2012-D30-BGS-0001", "关于遵义市易地扶贫搬迁工作的报告", "遵义市人民政府", "20120918", "", "定期30年", 12],
]


def _catalog_file(directory: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "归档文件目录"
    sheet.append(["档号", "题名", "责任者", "日期", "密级", "保管期限", "页数"])
    for row in ROWS:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    path = directory / "扶贫办2011-2012目录.xlsx"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_archivist_imports_a_catalog_and_finds_a_unit(chromium, fonds, archivist, shots):
    from playwright.sync_api import expect

    upload = _catalog_file(shots)
    with chromium.page(archivist, login_form=True) as page:
        # Signed in through the login form.
        expect(page.get_by_role("heading", level=1, name="全宗")).to_be_visible()
        page.screenshot(path=str(shots / "01-fonds-list.png"), full_page=True)

        # Import the catalog.
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="目录导入").click()
        page.get_by_role("link", name="导入目录").first.click()
        page.get_by_label("目录文件").set_input_files(str(upload))
        page.get_by_label("导入到全宗").select_option(label=str(fonds))
        page.get_by_role("button", name="上传并开始").click()
        expect(page.locator("#import-status .badge")).to_have_text("已导入", timeout=30_000)
        expect(page.get_by_text("关于开展脱贫攻坚工作的通知")).to_be_visible()
        page.screenshot(path=str(shots / "02-import-done.png"), full_page=True)

        # Find the unit through the fonds page's search box.
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="全宗与档案").click()
        page.get_by_role("link", name="贵州省扶贫开发办公室").first.click()
        expect(page.locator("#fonds-tree .tree-node")).to_have_count(3)
        page.screenshot(path=str(shots / "03-fonds-tree.png"), full_page=True)
        page.get_by_role("link", name="检索档案").click()
        page.get_by_label("关键词").fill("易地扶贫搬迁")
        page.get_by_role("button", name="检索").click()
        results = page.locator("table.table tbody tr")
        expect(results).to_have_count(1)
        page.screenshot(path=str(shots / "04-search.png"), full_page=True)

        # Open it.
        results.get_by_role("link", name="关于遵义市易地扶贫搬迁工作的报告").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("关于遵义市易地扶贫搬迁工作的报告")
        expect(page.locator(".page-header .mono")).to_have_text("Z109-WS·2012-D30-BGS-0001")
        expect(page.get_by_text("定期30年").first).to_be_visible()
        page.screenshot(path=str(shots / "05-unit.png"), full_page=False)

        # The language switch turns the interface to English.
        page.get_by_label("界面语言").select_option("en")
        expect(page.get_by_role("heading", level=2, name="Description")).to_be_visible()
        page.screenshot(path=str(shots / "06-unit-en.png"), full_page=False)
