"""Parts stories and wechat joined: a story written, submitted and approved through the stories part's actions (the
body cleaned by richtext.clean_html, its images inserted as the editor inserts them) is pushed to the local WeChat
server and published; its image is uploaded, nothing the public may not see goes out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dangan.core.choices import Role, SecurityClassification
from dangan.outreach.actions.stories import StoryInput, do_approve, do_create_story, do_publish, do_submit
from dangan.outreach.actions.wechat import poll_push
from dangan.outreach.models import PushState
from dangan.outreach.richtext import image_url
from tests.helpers import account
from tests.outreach.test_wechat import (  # noqa: F401 (fixtures)
    DRAFT,
    UPLOADIMG,
    derivatives,
    image_of,
    make_unit,
    preserve_images,
    push_now,
    source_files,
    storage,
    wechat,
)

pytestmark = pytest.mark.django_db


def test_a_story_written_and_approved_in_the_workspace_goes_to_wechat(
    archivist: Any,
    wechat: Any,  # noqa: F811
    image_of: Callable[..., tuple[Any, str]],  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    shown, shown_image = image_of("红军长征过贵州布告", openness="open")
    hidden, _hidden_image = image_of("绝不公开的秘密电报", classification="secret", openness="open")
    body = (
        "<h2>长征在贵州</h2><p>1935 年 1 月，<strong>遵义会议</strong>召开。</p>"
        f'<figure><img src="{image_url(shown_image)}" alt="布告"><figcaption>布告原件</figcaption></figure>'
    )
    chief = account(Role.ARCHIVIST, SecurityClassification.TOP_SECRET)
    story = do_create_story(
        archivist,  # cleared 机密: may cite the 秘密 unit too
        StoryInput(
            title="档案里的长征",
            slug="changzheng",
            summary="长征在贵州的档案。",
            body=body,
            cover_image=shown_image,
            units=[str(shown.uuid), str(hidden.uuid)],
        ),
    )
    story = do_submit(archivist, story)
    story = do_approve(chief, story)  # the second person
    story = do_publish(chief, story)
    push = push_now(chief, story, django_capture_on_commit_callbacks)
    assert push.state in (PushState.PUBLISHING, PushState.DRAFTED, PushState.PUBLISHED), push.error
    for _ in range(5):
        if push.state == PushState.PUBLISHED:
            break
        push = poll_push(push)
    assert push.state == PushState.PUBLISHED, push.error
    assert wechat.count(UPLOADIMG) == 1 and len(wechat.images) == 1  # the body's one image
    assert len(wechat.materials) == 1  # the cover, in the material store
    assert wechat.count(DRAFT) == 1 and wechat.filtered == 0 and wechat.unstyled == 0
    ((article,),) = [kept["articles"] for kept in wechat.drafts.values()]
    content = str(article["content"])
    assert "遵义会议" in content and "红军长征过贵州布告" in content and "绝不公开的秘密电报" not in content
    assert next(iter(wechat.images)) in content
