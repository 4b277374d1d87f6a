"""In a real browser (chromium through Playwright, on the live server): an editor opens an entry of a compilation,
corrects the transcription started from the OCR text (shown beside it), adds a note by its marker and saves; the
page fits a 1366×768 screen. Skipped without chromium (tests/e2e/browser.py)."""

from __future__ import annotations

from typing import Any

import pytest

from dangan.compilation.actions import volumes as A
from dangan.compilation.models import Entry, Note
from dangan.core.choices import Role, SecurityClassification
from tests.e2e.browser import Chromium, require_browser
from tests.helpers import account


@pytest.fixture
def browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Chromium:
    require_browser()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return Chromium(live_server.url)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_entry_is_edited_in_the_browser(browser: Chromium, make_unit: Any) -> None:
    from playwright.sync_api import expect

    editor = account(Role.ARCHIVIST, SecurityClassification.PUBLIC)
    book = A.do_create_compilation(editor, {"title": "长征档案选编"})
    entry = A.do_add_entry(editor, book, str(make_unit("中央红军总司令部电报").uuid))
    A.do_update_entry(editor, entry, {"text": "红军于一月七日占领遵义"})
    with browser.page(editor) as page:
        page.goto(f"{browser.base_url}/manage/compilation/volumes/{book.pk}/")
        page.get_by_role("link", name="中央红军总司令部电报").click()
        expect(page.locator("h1")).to_contain_text("中央红军总司令部电报")
        page.get_by_label("标题").fill("朱德关于占领遵义的电报")
        page.get_by_label("录文", exact=True).fill("红军于一月七日〔注1〕占领遵义。")
        page.get_by_role("button", name="保存选文").click()
        expect(page.locator("h1")).to_contain_text("朱德关于占领遵义的电报")
        expect(page.get_by_text("录文中没有标记")).to_have_count(0)
        page.get_by_label("注释内容").fill("1935年1月7日。")
        page.get_by_role("button", name="保存注释").click()
        expect(page.locator("#notes")).to_contain_text("〔注1〕1935年1月7日。")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    entry = Entry.objects.get(pk=entry.pk)
    assert entry.heading == "朱德关于占领遵义的电报" and "〔注1〕" in entry.text
    assert list(Note.objects.values_list("number", "text")) == [(1, "1935年1月7日。")]
