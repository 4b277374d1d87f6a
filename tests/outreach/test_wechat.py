"""Part wechat: an approved story pushed to the WeChat official account, run for real over HTTP against the local
server of tests/outreach/wechat_server.py (which refuses what WeChat refuses): the whole push, the token expiring in
the middle, refusals as clear errors, a resume after a crash between steps, a hidden unit's image never uploaded."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangan.catalog.models import ArchivalUnit
from dangan.core.models import AuditEntry
from dangan.outreach.actions.wechat import check_push_story, do_push_story, poll_push, run_push
from dangan.outreach.models import PushState, Story, StoryStatus, WechatPush, WechatToken
from dangan.outreach.wechat.article import ArticleRefused, check_lengths, plan_article
from dangan.outreach.wechat.client import WechatClient, WechatError, WechatUnreachable
from dangan.preservation.iiif import image_id
from dangan.preservation.iiif.building import head_images
from tests.preservation.conftest import make_unit, source_files, storage  # noqa: F401 (fixtures)
from tests.preservation.iiif.conftest import derivatives, encoded, preserve_images, quadrant_page  # noqa: F401

from .wechat_server import APP_ID, SECRET, Account, WechatServer

pytestmark = pytest.mark.django_db

UPLOADIMG, MATERIAL, DRAFT = "/cgi-bin/media/uploadimg", "/cgi-bin/material/add_material", "/cgi-bin/draft/add"
TOKEN, SUBMIT, GET = "/cgi-bin/stable_token", "/cgi-bin/freepublish/submit", "/cgi-bin/freepublish/get"


@pytest.fixture
def wechat(settings: Any) -> Iterator[Account]:
    """The local WeChat server, and the settings that point the client at it."""
    with WechatServer() as server:
        settings.WECHAT_API_BASE = server.base
        settings.WECHAT_APP_ID = APP_ID
        settings.WECHAT_APP_SECRET = SECRET
        settings.WECHAT_RETRIES = 0
        settings.WECHAT_AUTHOR = ""
        settings.WECHAT_SOURCE_URL_BASE = "https://www.gzdaj.example.cn"
        yield server.account


@pytest.fixture
def image_of(make_unit: Callable[..., Any], preserve_images: Callable[..., Any]) -> Callable[..., tuple[Any, str]]:  # noqa: F811
    """image_of(title, **unit fields) → (the unit, the IIIF id of its one preserved page)."""

    def make(title: str, **fields: Any) -> tuple[Any, str]:
        unit = make_unit(title, **fields)
        package = preserve_images(unit, {"masters/0001.tif": encoded(quadrant_page(1600, 1200), "TIFF")})
        [file] = head_images(package)
        return unit, image_id(file)

    return make


@pytest.fixture
def units(image_of: Callable[..., tuple[Any, str]]) -> dict[str, tuple[Any, str]]:
    """Two units the public may see (公开, 开放), one 秘密 and one not opened (控制)."""
    found = {
        "open": image_of("红军长征过贵州布告", openness="open"),
        "open2": image_of("遵义会议会址修缮批复", openness="open"),
        "secret": image_of("绝不公开的秘密电报", classification="secret", openness="open"),
        "controlled": image_of("尚未开放的控制件", openness="controlled"),
    }
    return found


def figure(identifier: str, caption: str) -> str:
    return (
        f'<figure><img src="/iiif/3/{identifier}/full/max/0/default.jpg" alt="{caption}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


@pytest.fixture
def story(archivist: Any, junior_archivist: Any, units: dict[str, tuple[Any, str]]) -> Story:
    """An approved story (written by the junior archivist, approved by the archivist) citing all four units."""
    body = (
        "<h2>长征在贵州</h2>"
        '<p class="lead" style="color:red">1935 年 1 月，<strong>遵义会议</strong>召开。'
        '详见<a href="https://www.example.org/zunyi">纪念馆网站</a>和<a href="/stories/other/">另一个故事</a>。</p>'
        '<script>alert("x")</script><style>p{color:red}</style>'
        + figure(units["open"][1], "布告原件")
        + figure(units["secret"][1], "秘密电报")
        + figure(units["controlled"][1], "控制件")
        + '<figure><img src="https://evil.example.com/tracker.png"><figcaption>外部图片</figcaption></figure>'
        + "<blockquote>历史是最好的教科书。</blockquote>"
        + '<div><span>一段包在 div 里的文字</span></div><ul><li>第一</li><li onclick="x()">第二</li></ul>'
        + figure(units["open2"][1], "批复")
    )
    story = Story.objects.create(
        title="档案里的长征：遵义会议",
        slug="zunyi-huiyi",
        summary="1935 年遵义会议的档案。",
        body=body,
        author_name="省档案馆",
        cover_image=units["open"][1],
        status=StoryStatus.APPROVED,
        created_by=junior_archivist,
        approved_by=archivist,
        approved_at=timezone.now(),
    )
    story.units.set([u for u, _ in units.values()])
    return story


def push_now(actor: Any, story: Story, capture: Any) -> WechatPush:
    """do_push_story, its queued task run as the worker would (immediate backend) once the transaction commits."""
    with capture(execute=True):
        push = do_push_story(actor, story)
    push.refresh_from_db()
    return push


# ---------------------------------------------------------------- the article


def test_the_article_keeps_the_subset_with_inline_styles_and_only_public_images(story, units, wechat):
    plan = plan_article(story)
    assert plan.images == [units["open"][1], units["open2"][1]]  # the hidden and the outside ones left out
    assert plan.dropped_images == 3
    assert plan.cover == units["open"][1]
    content = plan.content({i: f"http://mmbiz.qpic.cn/{n}/0" for n, i in enumerate(plan.images)})
    assert "<script" not in content and "<style" not in content and "class=" not in content
    assert "onclick" not in content and "<div" not in content and "<span" not in content and "<a" not in content
    assert "纪念馆网站<small" in content and "（https://www.example.org/zunyi）" in content
    assert "（https://www.gzdaj.example.cn/stories/other/）" in content  # the site's own link, absolute
    assert 'src="http://mmbiz.qpic.cn/0/0"' in content and 'src="http://mmbiz.qpic.cn/1/0"' in content
    assert "外部图片" not in content and "秘密电报" not in content and "控制件" not in content
    assert "一段包在 div 里的文字" in content
    for tag in re.findall(r"<(p|h2|h3|blockquote|ul|li|figure|figcaption|img)\b([^>]*)>", content):
        assert "style=" in tag[1], tag
    # The cited units the public may see, with their 档号; the hidden ones not even named.
    open_unit = units["open"][0]
    assert "引用档案" in content and open_unit.reference_code in content and open_unit.title in content
    assert units["secret"][0].title not in content and units["controlled"][0].title not in content


def test_lengths_over_wechats_limits_are_refused_with_the_measure_and_the_limit(story, wechat):
    story.title = "长" * 40
    story.author_name = "作" * 17
    story.summary = "摘" * 130
    with pytest.raises(ArticleRefused) as refused:
        check_lengths(plan_article(story))
    text = "\n".join(refused.value.messages)
    assert "标题长度为 40 字，超过微信的上限 32 字" in text
    assert "作者长度为 17 字，超过微信的上限 16 字" in text
    assert "摘要长度为 130 字，超过微信的上限 128 字" in text
    story.title, story.author_name, story.summary = "短标题", "", ""
    story.body = "<p>" + "字" * 20_000 + "</p>"
    with pytest.raises(ArticleRefused) as refused:
        check_lengths(plan_article(story))
    assert re.search(r"正文（含排版）长度为 2\d{4} 字符，微信要求少于 20000 字符", refused.value.messages[0])


# ---------------------------------------------------------------- the whole push


def test_the_whole_push_drafts_publishes_and_polls(story, units, wechat, archivist, django_capture_on_commit_callbacks):
    push = push_now(archivist, story, django_capture_on_commit_callbacks)
    assert push.state == PushState.PUBLISHING and push.polls == 1  # the server answers "publishing" once
    assert wechat.count(UPLOADIMG) == 2 and wechat.count(MATERIAL) == 1 and wechat.count(DRAFT) == 1
    assert wechat.count(TOKEN) == 1  # one token for every call
    [draft] = wechat.drafts.values()
    [article] = draft["articles"]
    assert article["title"] == story.title and article["author"] == "省档案馆" and article["digest"] == story.summary
    assert article["thumb_media_id"] == push.thumb_media_id in wechat.materials
    assert article["content_source_url"] == "https://www.gzdaj.example.cn/stories/zunyi-huiyi/"
    assert wechat.filtered == 0 and wechat.unstyled == 0  # nothing WeChat would drop
    assert set(push.images) == {units["open"][1], units["open2"][1]}
    assert all(url in article["content"] for url in push.images.values())
    # Every uploaded image is a JPEG under 1 MB, at most 1080 pixels a side.
    import io

    from PIL import Image

    for data in wechat.images.values():
        picture = Image.open(io.BytesIO(data))
        assert picture.format == "JPEG" and max(picture.size) <= 1080 and len(data) < 1024 * 1024

    push = poll_push(push)
    assert push.state == PushState.PUBLISHED and push.url.startswith("https://mp.weixin.qq.com/s/")
    assert push.article_id and push.published_at is not None
    actions = set(AuditEntry.objects.filter(object_id=str(push.uuid)).values_list("action", flat=True))
    assert actions == {"outreach.wechat.push", "outreach.wechat.drafted", "outreach.wechat.published"}

    # Published: not pushed again, and a rerun of the task does nothing.
    with pytest.raises(ValidationError, match="已发布到微信公众号"):
        do_push_story(archivist, story)
    run_push(push.pk)
    assert wechat.count(DRAFT) == 1 and wechat.count(SUBMIT) == 1


def test_the_token_is_kept_and_a_new_one_fetched_when_it_expires_midway(story, wechat, settings):
    wechat.expire_after = 2  # the token WeChat gives expires after two calls: during the uploads
    push = WechatPush.objects.create(story=story)
    push = run_push(push.pk)
    assert push.state == PushState.PUBLISHING, push.error
    assert any(outcome == "42001" for _, outcome in wechat.calls)  # WeChat said "expired" midway ...
    assert wechat.count(TOKEN) >= 2  # ... and the client fetched a new one and went on
    kept = WechatToken.objects.get(app_id=APP_ID)
    assert kept.token in wechat.tokens and kept.expires_at > timezone.now()

    # A kept token is used by the next client, not fetched again.
    wechat.expire_after = None
    before = wechat.count(TOKEN)
    WechatClient().publish_status(push.publish_id)
    assert wechat.count(TOKEN) == before


def test_a_kept_token_wechat_no_longer_knows_is_replaced_once(wechat):
    WechatToken.objects.create(app_id=APP_ID, token="stale", expires_at=timezone.now() + timezone.timedelta(hours=1))
    with pytest.raises(WechatError) as refused:
        WechatClient().submit_publish("no-such-draft")
    assert refused.value.errcode == 40007 and "invalid media_id" in refused.value.errmsg
    assert wechat.count(SUBMIT, "40001") == 1 and wechat.count(TOKEN) == 1
    assert "素材 media_id 无效" in str(refused.value)


# ---------------------------------------------------------------- refusals


def test_a_refusal_by_wechat_fails_the_push_with_its_errcode_and_errmsg(story, wechat):
    wechat.fail[DRAFT] = 45002
    push = run_push(WechatPush.objects.create(story=story).pk)
    assert push.state == PushState.FAILED and push.failed_at == PushState.UPLOADING and push.errcode == 45002
    assert "正文长度超出限制" in push.error and "injected failure" in push.error and DRAFT in push.error
    assert AuditEntry.objects.filter(action="outreach.wechat.failed", object_id=str(push.uuid)).exists()


def test_a_wrong_secret_is_refused_clearly(story, wechat, settings):
    settings.WECHAT_APP_SECRET = "wrong"
    push = run_push(WechatPush.objects.create(story=story).pk)
    assert push.state == PushState.FAILED and push.errcode == 40125 and "AppSecret 无效" in push.error
    settings.WECHAT_APP_ID = "wx-nobody"
    with pytest.raises(WechatError, match="AppID 无效"):
        WechatClient().access_token()


def test_unset_credentials_refuse_the_push_in_chinese(story, archivist, settings):
    settings.WECHAT_APP_ID = ""
    with pytest.raises(ValidationError, match="未配置微信公众号的 AppID 和 AppSecret"):
        check_push_story(archivist, story)


def test_only_approved_stories_by_a_second_person_and_only_publishers(story, archivist, system_admin, wechat):
    with pytest.raises(PermissionDenied):
        check_push_story(system_admin, story)
    story.status = StoryStatus.SUBMITTED
    with pytest.raises(ValidationError, match="只有已审核或已发布的故事"):
        check_push_story(archivist, story)
    story.status = StoryStatus.APPROVED
    story.approved_by = story.created_by
    with pytest.raises(ValidationError, match="撰写人以外的人审核"):
        check_push_story(archivist, story)


def test_a_failed_publication_is_reported_and_a_retry_drafts_anew(story, wechat, archivist):
    wechat.publish_failure = 4
    push = run_push(WechatPush.objects.create(story=story).pk)
    push = poll_push(push)
    assert push.state == PushState.FAILED and "平台审核不通过" in push.error
    wechat.publish_failure = None
    push = do_push_story(archivist, story)
    push = run_push(push.pk)
    assert push.state == PushState.PUBLISHING and wechat.count(DRAFT) == 2
    assert wechat.count(UPLOADIMG) == 2  # the images were kept


# ---------------------------------------------------------------- crashes and the network


def test_a_push_resumes_after_a_crash_between_steps(story, wechat, archivist, django_capture_on_commit_callbacks):
    wechat.fail[DRAFT] = "hangup"  # the images go up, then the connection dies at the draft
    push = WechatPush.objects.create(story=story)
    with pytest.raises(WechatUnreachable, match="无法连接微信接口"):
        run_push(push.pk)
    push.refresh_from_db()
    assert push.state == PushState.UPLOADING and len(push.images) == 2 and push.thumb_media_id
    assert "无法连接微信接口" in push.error and not push.media_id
    del wechat.fail[DRAFT]
    push = push_now(archivist, story, django_capture_on_commit_callbacks)  # pushing again resumes it
    assert push.state == PushState.PUBLISHING and push.attempts == 2
    assert wechat.count(UPLOADIMG) == 2 and wechat.count(MATERIAL) == 1  # nothing uploaded twice
    assert wechat.count(DRAFT) == 1 and len(wechat.drafts) == 1  # drafted once


def test_a_network_error_is_retried(story, wechat, settings):
    settings.WECHAT_RETRIES = 2
    wechat.fail[UPLOADIMG] = "hangup-once"
    client = WechatClient(sleep=lambda seconds: None)
    push = run_push(WechatPush.objects.create(story=story).pk, client=client)
    assert push.state == PushState.PUBLISHING
    assert wechat.count(UPLOADIMG, "hangup") == 1 and wechat.count(UPLOADIMG) == 2


# ---------------------------------------------------------------- hidden units


def test_a_hidden_units_image_is_never_uploaded_not_even_as_the_cover(story, units, wechat):
    story.cover_image = units["secret"][1]
    story.body = figure(units["controlled"][1], "控制件") + figure(units["secret"][1], "秘密") + "<p>正文</p>"
    story.save()
    plan = plan_article(story)
    assert plan.images == [] and plan.cover == ""
    with pytest.raises(ArticleRefused, match="没有可公开的封面图"):
        check_lengths(plan)
    push = run_push(WechatPush.objects.create(story=story).pk)
    assert push.state == PushState.FAILED and wechat.count(UPLOADIMG) == 0 and wechat.count(MATERIAL) == 0

    # A unit withdrawn from the public after the story was approved: its image goes out of the next push.
    story.body = figure(units["open"][1], "布告") + figure(units["open2"][1], "批复")
    story.cover_image = units["open"][1]
    story.save()
    ArchivalUnit.objects.filter(pk=units["open2"][0].pk).update(openness="controlled")
    push.delete()
    push = run_push(WechatPush.objects.create(story=story).pk)
    assert push.state == PushState.PUBLISHING and list(push.images) == [units["open"][1]]
    assert wechat.count(UPLOADIMG) == 1
    [draft] = wechat.drafts.values()
    assert units["open2"][0].title not in json.dumps(draft, ensure_ascii=False)


# ---------------------------------------------------------------- pages, the periodic job and the CLI


def test_pages_show_the_push_and_the_button_pushes(
    story, wechat, archivist, junior_archivist, client, django_capture_on_commit_callbacks
):
    client.force_login(archivist)
    page = client.get(f"/manage/outreach/wechat/stories/{story.uuid}/").content.decode()
    assert "推送到微信公众号" in page and "2 幅可公开的图片将上传" in page and "绝不公开的秘密电报" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/outreach/wechat/stories/{story.uuid}/push/")
    assert response.status_code == 302
    push = WechatPush.objects.get(story=story)
    assert push.state == PushState.PUBLISHING and push.requested_by == archivist
    listing = client.get("/manage/outreach/wechat/").content.decode()
    assert story.title in listing and "发布中" in listing and 'hx-trigger="every 3s"' in listing
    rows = client.get("/manage/outreach/wechat/rows/").content.decode()
    assert 'data-state="publishing"' in rows
    # The refused push shows its reason on the page, not a 500.
    response = client.post(f"/manage/outreach/wechat/stories/{story.uuid}/push/", follow=True)
    assert response.status_code == 200


def test_the_periodic_job_queues_the_polls_that_are_due(story, wechat, settings):
    from dangan.outreach.tasks.wechat import queue_due_polls

    settings.WECHAT_POLL_SECONDS = 60
    push = run_push(WechatPush.objects.create(story=story).pk)
    assert push.state == PushState.PUBLISHING
    assert queue_due_polls(timezone.now()) == 0  # just polled
    assert queue_due_polls(timezone.now() + timezone.timedelta(seconds=61)) == 1  # immediate backend: it ran
    push.refresh_from_db()
    assert push.state == PushState.PUBLISHED


def test_the_cli_pushes_waits_and_reports(story, wechat, settings, capsys):
    from dangan.cli import main

    settings.WECHAT_POLL_SECONDS = 0
    assert main(["outreach", "wechat", "push", "no-such-story"]) == 2
    assert main(["outreach", "wechat", "push", story.slug, "--wait"]) == 0
    out = capsys.readouterr().out
    assert "published" in out and "https://mp.weixin.qq.com/s/" in out
    assert main(["outreach", "wechat", "status", "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)["pushes"]
    assert entry["story"] == story.slug and entry["state"] == "published" and entry["images"] == 2
    assert main(["outreach", "wechat", "push", story.slug]) == 1  # already published
    assert "已发布到微信公众号" in capsys.readouterr().err
    settings.WECHAT_APP_SECRET = ""
    assert main(["outreach", "wechat", "push", story.slug]) == 1
    assert "未配置微信公众号" in capsys.readouterr().err


def test_a_push_under_way_is_not_started_twice(story, wechat, archivist):
    WechatPush.objects.create(story=story, state=PushState.UPLOADING)
    with pytest.raises(ValidationError, match="正在推送中"):
        do_push_story(archivist, story)
    # One whose worker died long ago (no error recorded) is taken up again.
    WechatPush.objects.filter(story=story).update(updated=timezone.now() - timezone.timedelta(hours=1))
    push = run_push(do_push_story(archivist, story, queue=False).pk)
    assert push.state == PushState.PUBLISHING and wechat.count(DRAFT) == 1


def test_a_task_the_worker_gave_up_fails_its_push_to_be_resumed(story, wechat, archivist):
    from dangan.core.jobs import run_abandoned_handler, task_path
    from dangan.outreach.tasks.wechat import push_story_task

    push = WechatPush.objects.create(story=story, state=PushState.UPLOADING)
    run_abandoned_handler(task_path(push_story_task), [push.pk, None], {}, "worker died")
    push.refresh_from_db()
    assert push.state == PushState.FAILED and push.failed_at == PushState.UPLOADING and "worker died" in push.error
    push = run_push(do_push_story(archivist, story, queue=False).pk)
    assert push.state == PushState.PUBLISHING


def test_an_untrusted_body_keeps_nothing_outside_the_subset(story, units, wechat):
    story.body = (
        "裸露的文字<p>段落<!-- 注释 --><iframe src='https://x.example'></iframe>"
        '<a href="javascript:alert(1)">脚本链接</a><img src="x" onerror="alert(1)">'
        f'<img data-image-id="{units["open"][1]}" src="">'
        "<table><tr><td>表格里的字</td></tr></table></p><h1>大标题</h1><object>x</object>"
    )
    content = plan_article(story).content({units["open"][1]: "http://mmbiz.qpic.cn/a/0"})
    for bad in ("<iframe", "javascript:", "onerror", "<table", "<h1", "<object", "<!--", 'src="x"'):
        assert bad not in content, bad
    assert content.startswith('<p style="') and "裸露的文字" in content and "脚本链接" in content
    assert "表格里的字" in content and "大标题" in content and 'src="http://mmbiz.qpic.cn/a/0"' in content
