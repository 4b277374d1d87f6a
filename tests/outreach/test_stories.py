"""Stories (档案里的党史故事): writing from units with images, the two-person rule (also through the API), the
version check, and that a unit the public may not see never appears on the story's page, in the feeds or in the
mini program's API — also once a cited unit is withdrawn from the public after publication."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from dangan.catalog.choices import Openness
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from dangan.outreach.actions import stories as actions
from dangan.outreach.models import Story, StoryStatus
from dangan.utilities.concurrency import EditConflict
from tests.helpers import client_for
from tests.outreach.stories_world import Stories, build, figure, published_story

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ("/feeds/stories.rss", "/feeds/stories.atom", "/feeds/stories.json")


@pytest.fixture
def world(tmp_path: Path, settings: Any, fonds: Any, categories: Any) -> Stories:
    return build(tmp_path, settings, fonds, categories)


def draft(world: Stories, **fields: Any) -> Story:
    data = {"title": "红军长征过贵州", "slug": "changzheng", "body": "<p>正文</p>", **fields}
    return actions.do_create_story(world.writer, actions.StoryInput(**data))


def hidden_markers(world: Stories, *units: Any) -> list[str]:
    found = []
    for unit in units or (world.secret_unit, world.controlled_unit):
        found += [unit.title, str(unit.uuid)]
        if unit.reference_code:
            found.append(unit.reference_code)
    images = {world.secret_unit.pk: world.secret_image, world.controlled_unit.pk: world.controlled_image}
    images[world.open_unit.pk] = world.open_image
    return found + [images[u.pk] for u in (units or (world.secret_unit, world.controlled_unit))]


def public_answers(client: Client, slug: str) -> dict[str, str]:
    answers = {}
    for url in (f"/stories/{slug}/", "/stories/", *FEEDS, "/api/mini/stories", f"/api/mini/stories/{slug}"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        answers[url] = response.content.decode()
    return answers


# ---------------------------------------------------------------- writing


def test_a_draft_is_cleaned_on_every_write_and_logged(world: Stories) -> None:
    story = draft(world, body='<p onclick="x()">正文<script>alert(1)</script></p><a href="javascript:x()">链</a>')
    assert story.body == "<p>正文</p><p>链</p>"
    assert story.status == StoryStatus.DRAFT and story.created_by == world.writer
    updated = actions.do_update_story(
        world.writer,
        story,
        actions.StoryInput(title="新标题", slug="changzheng", body="<style>x</style><p>新</p>"),
        version=story.version,
    )
    assert updated.body == "<p>新</p>" and updated.version == story.version + 1
    logged = list(AuditEntry.objects.filter(action__startswith="outreach.story.").values_list("action", flat=True))
    assert sorted(logged) == ["outreach.story.create", "outreach.story.edit"]


def test_units_by_uuid_or_reference_code_only_those_the_editor_sees(world: Stories) -> None:
    story = draft(
        world, units=[str(world.open_unit.uuid), world.secret_unit.reference_code or str(world.secret_unit.uuid)]
    )
    assert set(story.units.all()) == {world.open_unit, world.secret_unit}
    # The reviewer is cleared 公开: the 秘密 unit answers as a missing one does.
    with pytest.raises(ValidationError) as refused:
        actions.do_create_story(
            world.reviewer,
            actions.StoryInput(title="甲", slug="jia", units=[str(world.secret_unit.uuid)]),
        )
    missing = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(ValidationError) as absent:
        actions.do_create_story(world.reviewer, actions.StoryInput(title="甲", slug="jia", units=[missing]))
    assert (
        refused.value.message_dict["units"][0].replace(str(world.secret_unit.uuid), missing)
        == (absent.value.message_dict["units"][0])
    )


@pytest.mark.parametrize("which", ["secret", "controlled"])
def test_images_only_from_units_the_public_sees(world: Stories, which: str) -> None:
    image = getattr(world, f"{which}_image")
    with pytest.raises(ValidationError) as body:
        draft(world, body=f"<p>正文</p>{figure(image)}")
    assert "未向社会开放" in body.value.message_dict["body"][0]
    with pytest.raises(ValidationError) as cover:
        draft(world, cover_image=image)
    assert "未向社会开放" in cover.value.message_dict["cover_image"][0]
    unknown = "0" * 32 + "-" + "0" * 24
    with pytest.raises(ValidationError) as missing:
        draft(world, cover_image=unknown)
    assert missing.value.message_dict["cover_image"] == cover.value.message_dict["cover_image"]
    assert not Story.objects.exists()
    # The public unit's image is welcome.
    assert world.open_image in draft(world, body=figure(world.open_image), cover_image=world.open_image).body


def test_bad_input_is_refused_per_field_and_nothing_is_written(world: Stories) -> None:
    draft(world)
    with pytest.raises(ValidationError) as refused:
        actions.do_create_story(world.writer, actions.StoryInput(title=" ", slug="changzheng"))
    assert set(refused.value.message_dict) == {"title", "slug"}
    with pytest.raises(ValidationError) as bad_slug:
        actions.do_create_story(world.writer, actions.StoryInput(title="甲", slug="长征 story"))
    assert "网址名" in bad_slug.value.message_dict["slug"][0]
    assert Story.objects.count() == 1


# ---------------------------------------------------------------- the two-person rule


def test_the_writer_never_approves_by_action_page_or_api(world: Stories) -> None:
    story = draft(world)
    actions.do_submit(world.writer, story)
    story.refresh_from_db()
    with pytest.raises(PermissionDenied):
        actions.do_approve(world.writer, story)
    # The page: the button is not offered, and a forged POST is refused.
    writer = client_for(world.writer)
    page = writer.get(f"/manage/outreach/stories/{story.uuid}/").content.decode()
    assert "审核通过" not in page.split("预览")[0] and "撰写人以外" in page
    response = writer.post(f"/manage/outreach/stories/{story.uuid}/approve/", {"approve-version": story.version})
    assert response.status_code == 403
    # The API: 403 with the Chinese reason, nothing changes.
    answer = writer.post(
        f"/api/outreach/stories/{story.uuid}/approve", {"version": story.version}, content_type="application/json"
    )
    assert answer.status_code == 403 and "撰写人以外" in answer.json()["detail"]
    story.refresh_from_db()
    assert story.status == StoryStatus.SUBMITTED and story.approved_by is None
    # The second person approves through the API; publishing follows.
    reviewer = client_for(world.reviewer)
    answer = reviewer.post(
        f"/api/outreach/stories/{story.uuid}/approve", {"version": story.version}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "approved"
    assert answer.json()["approved_by"] == world.reviewer.username
    story.refresh_from_db()
    assert story.approved_body == story.body
    actions.do_publish(world.reviewer, story, version=story.version)
    assert Story.objects.get(pk=story.pk).status == StoryStatus.PUBLISHED


def test_whoever_last_changed_the_text_is_a_writer_too(world: Stories) -> None:
    story = draft(world)
    story = actions.do_update_story(
        world.reviewer, story, actions.StoryInput(title="改", slug="changzheng", body="<p>改</p>")
    )
    actions.do_submit(world.writer, story)
    with pytest.raises(PermissionDenied):
        actions.do_approve(world.reviewer, Story.objects.get(pk=story.pk))


def test_sent_back_with_a_reason_then_submitted_again(world: Stories) -> None:
    story = actions.do_submit(world.writer, draft(world))
    with pytest.raises(ValidationError):
        actions.do_send_back(world.reviewer, story, "  ")
    story = actions.do_send_back(world.reviewer, Story.objects.get(pk=story.pk), "第二段需补充出处")
    assert story.status == StoryStatus.DRAFT and story.review_note == "第二段需补充出处"
    page = client_for(world.writer).get(f"/manage/outreach/stories/{story.uuid}/edit/").content.decode()
    assert "第二段需补充出处" in page
    story = actions.do_submit(world.writer, story)
    assert story.review_note == "" and story.status == StoryStatus.SUBMITTED


def test_a_stale_version_is_refused_by_action_and_api(world: Stories) -> None:
    story = draft(world)
    actions.do_update_story(world.writer, story, actions.StoryInput(title="一", slug="changzheng"), version=1)
    with pytest.raises(EditConflict):
        actions.do_update_story(world.writer, story, actions.StoryInput(title="二", slug="changzheng"), version=1)
    answer = client_for(world.writer).post(
        f"/api/outreach/stories/{story.uuid}/submit", {"version": 1}, content_type="application/json"
    )
    assert answer.status_code == 409 and answer.json()["errors"]["version"] == "2"
    assert Story.objects.get(pk=story.pk).title == "一"


def test_wrong_status_is_a_clear_error(world: Stories) -> None:
    story = draft(world)
    with pytest.raises(ValidationError) as refused:
        actions.do_publish(world.reviewer, story)
    assert "草稿" in refused.value.messages[0]
    published = published_story(world, slug="yiyi")
    with pytest.raises(ValidationError):
        actions.do_update_story(world.writer, published, actions.StoryInput(title="改", slug="yiyi"))


# ---------------------------------------------------------------- what the public sees


def test_a_hidden_unit_never_appears_on_the_page_the_feeds_or_the_mini_api(world: Stories) -> None:
    story = published_story(world, units=[world.open_unit, world.controlled_unit, world.secret_unit])
    answers = public_answers(Client(), story.slug)
    page = answers[f"/stories/{story.slug}/"]
    assert world.open_unit.title in page and f"/units/{world.open_unit.uuid}/" in page
    assert world.open_image in page and "决议首页" in page
    mini = json.loads(answers[f"/api/mini/stories/{story.slug}"])
    assert [u["uuid"] for u in mini["units"]] == [str(world.open_unit.uuid)]
    assert mini["cover_url"].startswith("http://testserver/iiif/3/" + world.open_image)
    for url, text in answers.items():
        for marker in hidden_markers(world):
            assert marker not in text, f"{url} shows {marker}"
    # Signed in as the 秘密-cleared writer, the public page is still the public's.
    signed_in = client_for(world.writer).get(f"/stories/{story.slug}/").content.decode()
    assert world.secret_unit.title not in signed_in


def test_a_unit_withdrawn_after_publication_disappears_and_the_story_is_flagged(world: Stories) -> None:
    from dangan.catalog.actions.units import do_update_unit

    story = published_story(world)
    client = Client()
    before = client.get(f"/stories/{story.slug}/")
    do_update_unit(CONSOLE, world.open_unit, {"openness": Openness.CONTROLLED})
    # The story stays published; the unit's card, its cover and its figure are gone from every answer.
    again = client.get(f"/stories/{story.slug}/", headers={"If-None-Match": before["ETag"]})
    assert again.status_code == 200
    answers = public_answers(client, story.slug)
    for url, text in answers.items():
        for marker in hidden_markers(world, world.open_unit):
            assert marker not in text, f"{url} shows {marker}"
    assert (
        "一九三五年一月" in answers[f"/stories/{story.slug}/"] and "决议首页" not in answers[f"/stories/{story.slug}/"]
    )
    assert json.loads(answers[f"/api/mini/stories/{story.slug}"])["cover_url"] is None
    # The workspace flags it for review.
    staff = client_for(world.writer)
    assert "待复核" in staff.get(f"/manage/outreach/stories/{story.uuid}/").content.decode()
    assert "待复核" in staff.get("/manage/outreach/stories/").content.decode()
    assert staff.get(f"/api/outreach/stories/{story.uuid}").json()["needs_review"] is True


@pytest.mark.parametrize("state", ["draft", "submitted", "approved", "withdrawn"])
def test_only_published_stories_are_public(world: Stories, state: str) -> None:
    story = draft(world)
    if state != "draft":
        actions.do_submit(world.writer, story)
    if state in ("approved", "withdrawn"):
        actions.do_approve(world.reviewer, story)
    if state == "withdrawn":
        actions.do_publish(world.reviewer, story)
        actions.do_withdraw(world.reviewer, story, "核实史实")
    client = Client()
    assert client.get(f"/stories/{story.slug}/").status_code == 404
    assert client.get(f"/api/mini/stories/{story.slug}").status_code == 404
    assert client.get("/stories/no-such-story/").status_code == 404
    assert client.get("/api/mini/stories/no-such-story").status_code == 404
    for url in (*FEEDS, "/stories/", "/api/mini/stories"):
        assert story.title not in client.get(url).content.decode(), url


# ---------------------------------------------------------------- feeds


def test_the_feeds_parse_with_absolute_urls_stable_ids_and_revalidation(world: Stories) -> None:
    story = published_story(world)
    client = Client()
    rss = client.get("/feeds/stories.rss")
    assert rss["Content-Type"].startswith("application/rss+xml")
    channel = ElementTree.fromstring(rss.content).find("channel")
    assert channel is not None
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), name
    item = channel.find("item")
    assert item is not None and item.findtext("title") == story.title
    assert item.findtext("link") == f"http://testserver/stories/{story.slug}/"
    assert (item.findtext("guid") or "").startswith("tag:testserver,") and item.findtext("pubDate")
    content = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""
    assert f'src="http://testserver/iiif/3/{world.open_image}/' in content

    atom = client.get("/feeds/stories.atom")
    assert atom["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(atom.content)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{name}") or "").strip(), name
    entry = feed.find(f"{ATOM}entry")
    assert entry is not None
    entry_id = entry.findtext(f"{ATOM}id")
    assert entry_id == f"tag:testserver,{story.created:%Y}:story/{story.uuid}"
    assert entry.findtext(f"{ATOM}title") == story.title and entry.findtext(f"{ATOM}updated")
    link = entry.find(f"{ATOM}link[@rel='alternate']")
    assert link is not None and link.get("href") == f"http://testserver/stories/{story.slug}/"

    document = client.get("/feeds/stories.json")
    assert document["Content-Type"].startswith("application/feed+json")
    data = document.json()
    assert data["version"] == "https://jsonfeed.org/version/1.1" and data["feed_url"].startswith("http://testserver/")
    assert data["items"][0]["id"] == entry_id and data["items"][0]["url"] == f"http://testserver/stories/{story.slug}/"
    assert data["items"][0]["image"].startswith("http://testserver/iiif/3/")

    for url in FEEDS:
        first = client.get(url)
        assert first["ETag"] and first["Last-Modified"] and "no-cache" in first["Cache-Control"]
        assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    # The id stays when the story is withdrawn, edited, approved and published again.
    actions.do_withdraw(world.reviewer, story)
    story = actions.do_update_story(
        world.writer, story, actions.StoryInput(title="新的标题", slug=story.slug, body="<p>新</p>")
    )
    actions.do_submit(world.writer, story)
    actions.do_approve(world.reviewer, story)
    actions.do_publish(world.reviewer, story)
    entry = ElementTree.fromstring(client.get("/feeds/stories.atom").content).find(f"{ATOM}entry")
    assert entry is not None and entry.findtext(f"{ATOM}id") == entry_id
    assert entry.findtext(f"{ATOM}title") == "新的标题"


def test_the_feeds_hold_the_latest_twenty(world: Stories) -> None:
    for n in range(22):
        published_story(world, slug=f"story-{n}", units=[])
    data = Client().get("/feeds/stories.json").json()
    assert len(data["items"]) == 20
    items = ElementTree.fromstring(Client().get("/feeds/stories.rss").content).findall("channel/item")
    assert len(items) == 20


# ---------------------------------------------------------------- the mini program and the staff API


def test_the_mini_program_reads_without_signing_in(world: Stories) -> None:
    story = published_story(world)
    client = Client()
    listing = client.get("/api/mini/stories?size=5")
    assert listing.status_code == 200
    item = listing.json()["items"][0]
    assert set(item) == {"slug", "title", "summary", "cover_url", "published_at"} and item["slug"] == story.slug
    detail = client.get(f"/api/mini/stories/{story.slug}").json()
    assert detail["body"].startswith("<p>一九三五年一月。</p><figure>") and detail["url"].endswith(
        f"/stories/{story.slug}/"
    )
    assert client.get("/api/mini/stories?page=0").status_code == 422
    # The staff API wants a signed-in editor.
    assert client.get("/api/outreach/stories").status_code == 401
    assert client_for("system_admin").get("/api/outreach/stories").status_code == 403


def test_the_staff_api_writes_through_the_actions(world: Stories) -> None:
    client = client_for(world.writer)
    created = client.post(
        "/api/outreach/stories",
        {
            "title": "娄山关",
            "slug": "loushanguan",
            "body": "<p>正文<script>x</script></p>",
            "units": [str(world.open_unit.uuid)],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["body"] == "<p>正文</p>" and body["units"] == [str(world.open_unit.uuid)]
    refused = client.post(
        "/api/outreach/stories",
        {"title": "乙", "slug": "yi", "cover_image": world.secret_image},
        content_type="application/json",
    )
    assert refused.status_code == 422 and "cover_image" in refused.json()["errors"]
    changed = client.put(
        f"/api/outreach/stories/{body['uuid']}",
        {"title": "娄山关大捷", "slug": "loushanguan", "version": body["version"]},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["title"] == "娄山关大捷"
    listed = client.get("/api/outreach/stories?status=draft").json()
    assert [s["slug"] for s in listed["items"]] == ["loushanguan"]
    assert client.get("/api/outreach/stories?status=nonsense").status_code == 422


def test_the_portal_home_shows_the_latest_stories(world: Stories) -> None:
    assert "档案里的党史故事" not in Client().get("/").content.decode()
    story = published_story(world)
    home = Client().get("/").content.decode()
    assert story.title in home and f'href="/stories/{story.slug}/"' in home


def test_an_empty_feed_is_always_the_same_document(world: Stories) -> None:
    client = Client()
    for url in FEEDS:
        first, second = client.get(url), client.get(url)
        assert first.content == second.content and first["ETag"] == second["ETag"], url


def test_a_body_that_cleans_to_nothing_is_refused_not_saved_empty(world: Stories) -> None:
    deep = "<em>" * 300 + "文字" + "</em>" * 300
    for body in (deep, "<script>alert(1)</script>"):
        with pytest.raises(ValidationError) as refused:
            draft(world, body=body)
        assert "没有剩下任何内容" in refused.value.message_dict["body"][0]
    assert not Story.objects.exists()


def test_the_review_flag_counts_only_what_the_viewer_may_see(world: Stories) -> None:
    story = published_story(world, units=[world.open_unit, world.secret_unit])
    # The 秘密 unit is not public: the writer (cleared 秘密) is told; the reviewer (cleared 公开) is told nothing of it.
    assert actions.review_flags(story, world.writer).hidden_units == 1
    assert not actions.review_flags(story, world.reviewer)
    page = client_for(world.reviewer).get(f"/manage/outreach/stories/{story.uuid}/").content.decode()
    assert "待复核" not in page and world.secret_unit.title not in page
    assert client_for(world.reviewer).get(f"/api/outreach/stories/{story.uuid}").json()["needs_review"] is False


def test_an_editor_cleared_lower_neither_sees_nor_drops_a_unit_cited_by_someone_cleared_higher(world: Stories) -> None:
    story = draft(world, units=[str(world.open_unit.uuid), str(world.secret_unit.uuid)])
    client = client_for(world.reviewer)  # cleared 公开
    page = client.get(f"/manage/outreach/stories/{story.uuid}/edit/").content.decode()
    assert world.secret_unit.title not in page and str(world.secret_unit.uuid) not in page
    assert (world.secret_unit.reference_code or "-") not in page
    response = client.post(
        f"/manage/outreach/stories/{story.uuid}/edit/",
        {"title": "改过", "slug": story.slug, "units": world.open_unit.reference_code, "version": story.version},
    )
    assert response.status_code == 302
    assert set(Story.objects.get(pk=story.pk).units.all()) == {world.open_unit, world.secret_unit}
