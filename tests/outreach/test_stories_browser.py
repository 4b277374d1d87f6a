"""In a real browser (chromium through Playwright, on the live server): an editor writes a story from a unit found
with the picker and inserts one of its images, submits it; a second archivist approves and publishes it; the public
reads it on a phone. Skipped without chromium (tests/e2e/browser.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from dangan.outreach.models import Story, StoryStatus
from tests.e2e.browser import PHONE, Chromium, require_browser
from tests.outreach.stories_world import build


@pytest.fixture
def browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Chromium:
    require_browser()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return Chromium(live_server.url)


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_story_is_written_approved_and_published_in_the_browser(
    browser: Chromium, tmp_path: Path, settings: Any, fonds: Any, categories: Any
) -> None:
    from playwright.sync_api import expect

    shots = Path(os.environ.get("DANGAN_SCREENSHOT_DIR") or tmp_path)
    world = build(tmp_path, settings, fonds, categories)
    base = f"{browser.base_url}/manage/outreach/stories/"
    with browser.page(world.writer) as page:
        page.goto(base + "new/")
        page.get_by_label("标题").fill("遵义会议：伟大的转折")
        page.get_by_label("网址名").fill("zunyi-huiyi")
        page.get_by_label("摘要").fill("从馆藏档案看遵义会议")
        page.get_by_label("正文").fill("<p>一九三五年一月，中共中央政治局在遵义召开扩大会议。</p>")
        # The picker finds the unit by its title and adds its 档号 to the list.
        page.get_by_label("题名或档号").fill("遵义会议决议")
        page.get_by_role("button", name="查找", exact=True).click()
        page.get_by_role("button", name="添加").first.click()
        expect(page.get_by_label("引用档案")).to_have_value(world.open_unit.reference_code or str(world.open_unit.uuid))
        page.get_by_role("button", name="保存草稿").click()
        expect(page.locator("h1")).to_contain_text("草稿")
        # Back in the editor: the cited unit's image is offered, inserted into the body and set as the cover.
        page.get_by_role("link", name="修改").click()
        page.get_by_role("button", name="插入正文").first.click()
        page.get_by_role("button", name="设为封面").first.click()
        page.get_by_role("button", name="保存草稿").click()
        expect(page.locator(".story-body figure img")).to_have_count(1)
        page.get_by_role("button", name="提交审核").click()
        expect(page.locator("h1")).to_contain_text("待审核")
        assert page.get_by_role("button", name="审核通过").count() == 0  # not the writer's to approve
        assert _fits(page)
        page.screenshot(path=str(shots / "story-submitted-1366.png"), full_page=True)
    story = Story.objects.get(slug="zunyi-huiyi")
    assert story.cover_image == world.open_image and world.open_image in story.body
    with browser.page(world.reviewer) as page:
        page.goto(base + f"{story.uuid}/")
        page.get_by_role("button", name="审核通过").click()
        expect(page.locator("h1")).to_contain_text("已审核")
        page.get_by_role("button", name="发布", exact=True).click()
        expect(page.locator("h1")).to_contain_text("已发布")
    assert Story.objects.get(pk=story.pk).status == StoryStatus.PUBLISHED
    with browser.page(None, viewport=PHONE, mobile=True) as page:
        page.goto(f"{browser.base_url}/stories/")
        page.get_by_role("link", name="遵义会议：伟大的转折").click()
        expect(page.locator("h1")).to_contain_text("遵义会议：伟大的转折")
        expect(page.get_by_role("link", name=world.open_unit.title)).to_be_visible()
        assert page.locator(".story-body img").evaluate("img => img.complete && img.naturalWidth > 0")
        assert _fits(page)
        page.screenshot(path=str(shots / "story-public-phone.png"), full_page=True)
