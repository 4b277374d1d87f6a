"""The 安全审计员 in a real browser: signs in, sees the chain checked, filters the log and downloads the export —
and reads nothing of a 秘密 unit but who changed it, when and which fields."""

from __future__ import annotations

import csv
import io

import pytest

from dangan.catalog.actions.units import do_create_unit, do_update_unit


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_auditor_reads_filters_and_exports_the_log(chromium, fonds, archivist, security_auditor):
    from playwright.sync_api import expect

    unit = do_create_unit(archivist, fonds, {"title": "秘密的会议纪要", "classification": "secret"})
    do_update_unit(archivist, unit, {"title": "秘密的会议纪要（修订）"})
    with chromium.page(security_auditor, login_form=True) as page:
        expect(page.get_by_role("heading", level=1, name="审计日志")).to_be_visible()
        expect(page.locator("#audit-chain")).to_contain_text("审计链完整")  # loaded by htmx after the page

        page.get_by_label("操作", exact=True).select_option("catalog.unit.update")
        page.get_by_role("button", name="筛选").click()
        rows = page.locator("table.table > tbody > tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("archivist")
        expect(rows.first).to_contain_text(str(unit.uuid))
        expect(rows.first).to_contain_text("涉及：题名")
        assert "秘密的会议纪要" not in page.content()

        with page.expect_download() as download:
            page.get_by_role("button", name="导出 CSV").click()
        data = download.value.path().read_bytes()
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(table) == 2 and table[1][4] == "catalog.unit.update" and table[1][6] == str(unit.uuid)
    assert "秘密的会议纪要" not in data.decode("utf-8-sig")
