"""Part wechat in a real browser: the push button on a story's WeChat page, then the page following the publishing
by itself (htmx) until WeChat says it is published — no Content-Security-Policy violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import chromium  # noqa: F401  the browser fixture of tests/e2e
from tests.preservation.conftest import make_unit, source_files, storage  # noqa: F401 (fixtures)
from tests.preservation.iiif.conftest import derivatives, preserve_images  # noqa: F401 (fixtures)

from .test_wechat import image_of, story, units, wechat  # noqa: F401 (fixtures)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pushing_from_the_story_page_and_watching_it_publish(
    chromium: Any,  # noqa: F811
    story: Any,  # noqa: F811
    wechat: Any,  # noqa: F811
    archivist: Any,
) -> None:
    from playwright.sync_api import expect

    from dangan.outreach.actions.wechat import poll_push
    from dangan.outreach.models import PushState, WechatPush

    violations: list[str] = []
    with chromium.page(archivist) as page:
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        # The live server's first answer loads every app's URLs: give it time on a busy machine.
        page.goto(f"{chromium.base_url}/manage/outreach/wechat/", timeout=120_000)
        page.get_by_role("link", name=story.title).click()
        expect(page.get_by_text("2 幅可公开的图片将上传")).to_be_visible()
        page.get_by_role("button", name="推送到微信公众号").click()
        expect(page.locator("#wechat-push [data-state]")).to_have_attribute("data-state", "publishing")
        push = WechatPush.objects.get(story=story)
        assert poll_push(push).state == PushState.PUBLISHED
        # The section refreshes itself while the push is under way: the article's address appears.
        expect(page.locator("#wechat-push [data-state]")).to_have_attribute("data-state", "published", timeout=15000)
        expect(page.get_by_role("link", name=push.url)).to_be_visible()
    assert violations == []
