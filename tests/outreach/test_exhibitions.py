"""Part exhibitions: every block kind renders; the public sees an exhibition only while published and on schedule,
and never a block on a unit it may not see (pages, kiosk, mini program API); the kiosk page; the sanitizer."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from dangan.catalog.actions.units import do_update_unit
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from dangan.outreach.actions import exhibitions as actions
from dangan.outreach.exhibits.sanitize import clean_html
from dangan.outreach.models import Exhibition, ExhibitionBlock
from tests.outreach.exhibitions_helpers import (
    HIDDEN_TITLE,
    HIDDEN_WORDS,
    VISIBLE_TITLE,
    VISIBLE_WORDS,
    Sample,
    build,
)

pytestmark = pytest.mark.django_db

SLUG = "hongjun-zai-guizhou"
PAGE = f"/exhibitions/{SLUG}/1/1/"


@pytest.fixture
def sample(settings: Any, tmp_path: Path, fonds: Any, categories: Any) -> Sample:
    return build(settings, tmp_path, fonds, categories)


def body(response: Any) -> str:
    return response.content.decode()


def hidden_marks(sample: Sample) -> list[str]:
    return [HIDDEN_TITLE, HIDDEN_WORDS, str(sample.hidden.uuid), sample.hidden_image, sample.hidden.reference_code]


# ---------------------------------------------------------------- the sanitizer


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<p onclick="alert(1)" style="color:red" class="x">文字</p>', "<p>文字</p>"),
        ("<p>前<script>alert('x')</script>后</p>", "<p>前后</p>"),
        ("<style>p{display:none}</style><p>样式</p>", "<p>样式</p>"),
        ('<a href="javascript:alert(1)">链接</a>', "链接"),
        ('<a href=" JaVa\tScRiPt:alert(1)">链接</a>', "链接"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">链接</a>', "链接"),
        (
            '<a href="https://www.gzdaj.gov.cn/" target="_blank" onmouseover="x()">馆网</a>',
            '<a href="https://www.gzdaj.gov.cn/">馆网</a>',
        ),
        ('<img src="x" onerror="alert(1)"><iframe src="https://e.com"></iframe><p>图</p>', "<p>图</p>"),
        ("<div><h1>大标题</h1><span>行内</span></div>", "大标题行内"),
        ("<b>粗</b><i>斜</i>", "<strong>粗</strong><em>斜</em>"),
        (
            "<ul><li>一</li></ul><ol><li>二</li></ol><blockquote>引</blockquote><h2>二</h2><h3>三</h3>",
            "<ul><li>一</li></ul><ol><li>二</li></ol><blockquote>引</blockquote><h2>二</h2><h3>三</h3>",
        ),
        ("<!-- 注释 --><p>a &lt;b&gt; &amp;</p>", "<p>a &lt;b&gt; &amp;</p>"),
        ("<svg><script>alert(1)</script></svg><math><mi>x</mi></math>", ""),
    ],
)
def test_the_sanitizer_keeps_only_the_subset(dirty: str, clean: str) -> None:
    assert clean_html(dirty) == clean
    assert clean_html(clean) == clean  # cleaning clean text changes nothing


def test_a_text_block_is_cleaned_on_every_write(sample: Sample) -> None:
    page = sample.exhibition.sections.get().pages.order_by("order").first()
    assert page is not None
    block = actions.do_add_block(
        CONSOLE, page, "text", {"html": '<p style="x" onload="y">甲<script>document.cookie</script></p>'}
    )
    assert block.data == {"html": "<p>甲</p>"}
    actions.do_update_block(CONSOLE, block, {"html": "<p>乙<iframe></iframe></p><form><input></form>"})
    block.refresh_from_db()
    assert block.data == {"html": "<p>乙</p>"}
    with pytest.raises(ValidationError) as caught:
        actions.do_update_block(CONSOLE, block, {"html": "<script>alert(1)</script>"})
    assert "请填写正文" in str(caught.value)


# ---------------------------------------------------------------- every kind renders


def test_every_block_kind_renders_on_the_public_page(sample: Sample) -> None:
    response = Client().get(PAGE)
    assert response.status_code == 200
    html = body(response)
    assert "<h2>渡江</h2><p>红军<strong>强渡</strong>乌江。</p>" in html  # text, cleaned
    assert "alert(1)" not in html
    assert f"/iiif/3/{sample.visible_image}/10,20,200,100/!1600,1600/0/default.jpg" in html  # image region
    assert VISIBLE_TITLE in html and sample.visible.reference_code in html  # unit card
    assert f"/iiif/3/{sample.visible_image}/0,0,100,100/!400,400/0/default.jpg" in html  # gallery
    assert html.index("1935-01-01") < html.index("1935-01-07")  # timeline, in date order
    assert VISIBLE_WORDS in html and "第 1 页" in html  # quote
    assert 'rel="next" href="/exhibitions/hongjun-zai-guizhou/1/2/"' in html
    second = body(Client().get(f"/exhibitions/{SLUG}/1/2/"))
    assert 'rel="prev" href="/exhibitions/hongjun-zai-guizhou/1/1/"' in second
    assert Client().get(f"/exhibitions/{SLUG}/1/3/").status_code == 404
    assert Client().get(f"/exhibitions/{SLUG}/2/1/").status_code == 404


def test_the_region_image_is_served_by_the_iiif_image_api(sample: Sample) -> None:
    response = Client().get(f"/iiif/3/{sample.visible_image}/10,20,200,100/!1600,1600/0/default.jpg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_the_list_and_the_exhibition_page(sample: Sample) -> None:
    listing = body(Client().get("/exhibitions/"))
    assert "红军在贵州" in listing and f'href="/exhibitions/{SLUG}/"' in listing
    detail = body(Client().get(f"/exhibitions/{SLUG}/"))
    assert "馆藏档案专题展" in detail and "本展览以馆藏档案讲述这段历史。" in detail
    assert f"/iiif/3/{sample.visible_image}/full/" in detail  # the cover
    assert "第一单元 突破乌江" in detail and f'href="{PAGE}"' in detail
    assert f'href="/exhibitions/{SLUG}/kiosk/"' in detail


# ---------------------------------------------------------------- hidden units never show


@pytest.mark.parametrize("hidden", ["controlled", "secret"])
def test_a_block_on_a_hidden_unit_never_shows(
    settings: Any, tmp_path: Path, fonds: Any, categories: Any, hidden: str
) -> None:
    sample = build(settings, tmp_path, fonds, categories, hidden=hidden)
    for url in (PAGE, f"/exhibitions/{SLUG}/", f"/exhibitions/{SLUG}/kiosk/", f"/api/mini/exhibitions/{SLUG}"):
        text = body(Client().get(url))
        for mark in hidden_marks(sample):
            assert mark not in text, (url, mark)
    page = body(Client().get(PAGE))
    # The page says nothing of what was left out: the hidden unit's four blocks are simply not there.
    assert page.count('class="exhibit-block ') == 6
    assert "隐藏" not in page and "无权" not in page
    api = json.loads(body(Client().get(f"/api/mini/exhibitions/{SLUG}")))
    kinds = [b["kind"] for b in api["sections"][0]["pages"][0]["blocks"]]
    assert kinds == ["text", "timeline", "image", "unit", "gallery", "quote"]


def test_a_unit_withdrawn_from_the_public_disappears_at_the_next_request(sample: Sample) -> None:
    client = Client()
    assert VISIBLE_TITLE in body(client.get(PAGE))
    do_update_unit(CONSOLE, sample.visible, {"openness": "controlled"})
    for url in (PAGE, f"/exhibitions/{SLUG}/", f"/api/mini/exhibitions/{SLUG}", "/api/mini/exhibitions"):
        text = body(client.get(url))
        assert VISIBLE_TITLE not in text and VISIBLE_WORDS not in text and sample.visible_image not in text, url


def test_the_staff_preview_shows_what_the_staff_may_see(sample: Sample, archivist: Any) -> None:
    from tests.helpers import client_for

    pk = sample.exhibition.pk
    top = client_for(Role.ARCHIVIST, SecurityClassification.TOP_SECRET)
    preview = body(top.get(f"/manage/outreach/exhibitions/{pk}/preview/1/1/"))
    assert HIDDEN_TITLE in preview and VISIBLE_TITLE in preview and "预览" in preview
    # Signed in or not, the public page is the public's.
    assert HIDDEN_TITLE not in body(top.get(PAGE))


def test_the_editor_cannot_put_a_unit_they_do_not_see_into_a_block(sample: Sample, junior_archivist: Any) -> None:
    page = sample.exhibition.sections.get().pages.order_by("order").first()
    assert page is not None
    secret = sample.hidden
    do_update_unit(CONSOLE, secret, {"classification": "secret"})
    for kind, data in (
        ("unit", {"unit": str(secret.uuid)}),
        ("image", {"image": sample.hidden_image}),
        ("quote", {"unit": str(secret.uuid), "page": 1, "text": HIDDEN_WORDS}),
    ):
        with pytest.raises(ValidationError) as caught:
            actions.do_add_block(junior_archivist, page, kind, data)
        assert "找不到" in str(caught.value)


# ---------------------------------------------------------------- block validation


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("image", {"image": "not-an-id"}, "找不到该图像"),
        ("image", {"image": "@visible", "region": "10,20"}, "局部区域应为 IIIF 区域写法"),
        ("image", {"image": "@visible", "region": "5000,0,10,10"}, "在图像之内"),
        ("gallery", {"images": [{"image": "@visible"}]}, "图集至少需要两幅图像"),
        ("timeline", {"entries": [{"date": "一九三五年", "title": "x"}]}, "日期应写作"),
        ("timeline", {"entries": [{"date": "1935", "title": ""}]}, "请填写第 1 个条目的标题"),
        ("quote", {"unit": "@visible", "page": 2, "text": "红军"}, "没有识别文本"),
        ("quote", {"unit": "@visible", "page": 1, "text": "白军"}, "不在该页的识别文本中"),
        ("unit", {"unit": "00000000-0000-0000-0000-000000000000"}, "找不到该档案"),
        ("video", {}, "不支持的内容块类型"),
    ],
)
def test_bad_blocks_are_refused_in_chinese(sample: Sample, kind: str, data: dict[str, Any], message: str) -> None:
    page = sample.exhibition.sections.get().pages.order_by("order").first()
    assert page is not None

    def fill(value: Any) -> Any:
        if value == "@visible":
            return sample.visible_image if kind in ("image", "gallery") else str(sample.visible.uuid)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    before = ExhibitionBlock.objects.count()
    with pytest.raises(ValidationError) as caught:
        actions.do_add_block(CONSOLE, page, kind, fill(data))
    assert message in " ".join(caught.value.messages)
    assert ExhibitionBlock.objects.count() == before


# ---------------------------------------------------------------- draft, publish, schedule


def test_a_draft_answers_404_like_a_missing_exhibition(sample: Sample) -> None:
    actions.do_unpublish(CONSOLE, sample.exhibition)
    client = Client()
    for url in (f"/exhibitions/{SLUG}/", PAGE, f"/exhibitions/{SLUG}/kiosk/", f"/api/mini/exhibitions/{SLUG}"):
        missing = url.replace(SLUG, "no-such-exhibition")
        assert client.get(url).status_code == 404 == client.get(missing).status_code, url
    assert "红军在贵州" not in body(client.get("/exhibitions/"))
    assert json.loads(body(client.get("/api/mini/exhibitions")))["items"] == []


def test_the_schedule_is_computed_at_request_time(sample: Sample) -> None:
    now = timezone.now()
    exhibition = actions.do_publish(
        CONSOLE, sample.exhibition, publish_at=now + timedelta(days=1), unpublish_at=now + timedelta(days=2)
    )
    assert exhibition.state() == "scheduled"
    assert Client().get(f"/exhibitions/{SLUG}/").status_code == 404
    assert exhibition.is_public(now + timedelta(days=1))  # from publish_at …
    assert exhibition.state(now + timedelta(days=1, hours=1)) == "online"
    assert not exhibition.is_public(now + timedelta(days=2))  # … until unpublish_at, excluded
    assert exhibition.state(now + timedelta(days=3)) == "ended"
    # Time passes: the rows are not touched, the answer changes.
    Exhibition.objects.filter(pk=exhibition.pk).update(
        publish_at=now - timedelta(hours=1), unpublish_at=now + timedelta(hours=1)
    )
    assert Client().get(f"/exhibitions/{SLUG}/").status_code == 200
    Exhibition.objects.filter(pk=exhibition.pk).update(unpublish_at=now - timedelta(minutes=1))
    assert Client().get(f"/exhibitions/{SLUG}/").status_code == 404
    assert Client().get(f"/api/mini/exhibitions/{SLUG}").status_code == 404


def test_a_schedule_that_ends_before_it_starts_is_refused(sample: Sample) -> None:
    now = timezone.now()
    with pytest.raises(ValidationError) as caught:
        actions.do_publish(CONSOLE, sample.exhibition, publish_at=now, unpublish_at=now - timedelta(hours=1))
    assert "下线时间应晚于上线时间" in " ".join(caught.value.messages)


def test_an_exhibition_without_pages_cannot_be_published(archivist: Any) -> None:
    exhibition = actions.do_create_exhibition(archivist, {"slug": "kong", "title": "空展览"})
    with pytest.raises(ValidationError) as caught:
        actions.do_publish(archivist, exhibition)
    assert "至少需要一个展页" in " ".join(caught.value.messages)


def test_a_stale_version_is_refused(sample: Sample, archivist: Any) -> None:
    from dangan.utilities.concurrency import EditConflict

    exhibition = sample.exhibition
    actions.do_update_exhibition(archivist, exhibition, {"title": "红军在贵州（修订）"}, version=exhibition.version)
    with pytest.raises(EditConflict):
        actions.do_update_exhibition(archivist, exhibition, {"title": "另一个标题"}, version=exhibition.version)


# ---------------------------------------------------------------- the kiosk


def test_the_kiosk_page(sample: Sample) -> None:
    Exhibition.objects.filter(pk=sample.exhibition.pk).update(kiosk_idle_seconds=45, kiosk_advance_seconds=12)
    response = Client().get(f"/exhibitions/{SLUG}/kiosk/")
    assert response.status_code == 200
    html = body(response)
    assert 'data-idle-seconds="45"' in html and 'data-advance-seconds="12"' in html
    assert "/static/outreach/kiosk.js" in html
    assert html.count("data-slide") == 3  # the cover and both pages
    assert "<a " not in html  # no link leaves the exhibition (nor stays in it: touch controls only)
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style
    assert VISIBLE_TITLE in html and VISIBLE_WORDS in html


# ---------------------------------------------------------------- the mini program


def test_the_mini_program_api_needs_no_sign_in(sample: Sample) -> None:
    listing = Client().get("/api/mini/exhibitions")
    assert listing.status_code == 200
    data = json.loads(body(listing))
    assert [e["slug"] for e in data["items"]] == [SLUG] and data["total"] == 1
    detail = json.loads(body(Client().get(f"/api/mini/exhibitions/{SLUG}")))
    assert detail["title"] == "红军在贵州"
    pages = detail["sections"][0]["pages"]
    assert [p["title"] for p in pages] == ["强渡乌江", "遵义会议"]
    quote = next(b for b in pages[0]["blocks"] if b["kind"] == "quote")
    assert quote["text"] == VISIBLE_WORDS and quote["unit"]["title"] == VISIBLE_TITLE and quote["page"] == 1
