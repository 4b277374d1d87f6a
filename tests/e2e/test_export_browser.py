"""In a real browser: a dry run, then 正式导入 without uploading again; then tick units in the list and download them
as Excel, and open the printable 归档文件目录 of the fonds.

Drives Debian's chromium through Playwright against pytest-django's live server (real HTTP; tests/e2e/browser.py).
Skipped when chromium is missing, unless DANGAN_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_browser import _catalog_file


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dry_run_then_import_then_export_ticked_units_and_print(chromium, fonds, archivist, tmp_path):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    upload = _catalog_file(tmp_path)
    with chromium.page(archivist, login_form=True) as page:
        # A dry run, then 正式导入 from its page.
        page.goto(f"{chromium.base_url}/manage/imports/new/?fonds=Z109")
        page.get_by_label("目录文件").set_input_files(str(upload))
        page.get_by_label("仅校验（试导入）").check()
        page.get_by_role("button", name="上传并开始").click()
        expect(page.locator("#import-status .badge")).to_have_text("校验通过（试导入）", timeout=30_000)
        page.get_by_role("button", name="正式导入").click()
        expect(page.locator("#import-status .badge")).to_have_text("已导入", timeout=30_000)
        expect(page.get_by_role("link", name="由试导入正式导入")).to_be_visible()

        # Tick two units in the list and download them as Excel.
        page.goto(f"{chromium.base_url}/manage/fonds/Z109/?tab=list")
        page.get_by_role("checkbox", name=re.compile("关于开展脱贫攻坚工作的通知")).check()
        page.get_by_role("checkbox", name=re.compile("关于遵义市易地扶贫搬迁工作的报告")).check()
        with page.expect_download() as download:
            page.get_by_role("group", name="勾选的档案").get_by_role("button", name="导出 Excel").click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        rows = list(load_workbook(path).active.iter_rows(values_only=True))
        assert sorted(row[4] for row in rows[1:]) == [
            "关于开展脱贫攻坚工作的通知",
            "关于遵义市易地扶贫搬迁工作的报告",
        ]
        assert download.value.suggested_filename.endswith(".xlsx")

        # Print the whole fonds: the PDF opens in a new tab.
        with page.context.expect_page() as opened:
            page.get_by_role("group", name="全宗目录").get_by_role("button", name="打印目录（PDF）").click()
        opened.value.wait_for_load_state()
        assert opened.value.url.endswith("/manage/fonds/Z109/export/")

    # The print was made and logged (the new tab's POST); its contents are tested in tests/catalog.
    from dangan.core.models import AuditEntry

    entry = AuditEntry.objects.filter(action="catalog.print").get()
    assert entry.user == archivist and entry.data["rows"] == 3
    assert AuditEntry.objects.filter(action="catalog.export", data__scope="selection").count() == 1
