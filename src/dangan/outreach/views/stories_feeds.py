"""The stories' feeds (part stories): ``feeds/stories.rss`` (RSS 2.0), ``feeds/stories.atom`` (Atom 1.0) and
``feeds/stories.json`` (JSON Feed 1.1) of the latest 20 published stories as the public sees them now
(``actions.stories.public_view``), with absolute URLs, stable tag URIs as ids, and revalidation (the portal's
``revalidated``: ETag of the answer, 304) with ``Last-Modified`` of the newest publication."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dangan.access.views.portal import revalidated
from dangan.core.models import Institution
from dangan.outreach.actions import stories as actions
from dangan.outreach.models import Story
from dangan.outreach.richtext import image_url, plain_text

FEED_SIZE = 20


def last_modified(response: HttpResponse, moments: list[datetime | None]) -> HttpResponse:
    """``Last-Modified`` of the newest of ``moments`` (none when all are unknown)."""
    known = [m for m in moments if m is not None]
    if known:
        response["Last-Modified"] = http_date(max(known).timestamp())
    return response


_SITE_URL = re.compile(r'(?P<attr>src|href)="/(?!/)')


def absolute_html(request: HttpRequest, html: str) -> str:
    """The body with its site-relative links and images made absolute (for feeds and other sites)."""
    base = request.build_absolute_uri("/")
    return _SITE_URL.sub(lambda m: f'{m["attr"]}="{base}', html)


@dataclass
class FeedEntry:
    story: Story
    url: str
    content: str
    cover: str
    tag: str


def _tag_authority(request: HttpRequest) -> str:
    return request.get_host().split(":")[0] or "localhost"


def feed_entries(request: HttpRequest) -> list[FeedEntry]:
    """The latest published stories as the public sees them, with absolute URLs and stable tag URIs (RFC 4151:
    ``tag:<host>,<year of first publication>:story/<uuid>``; the uuid never changes)."""
    stories = list(actions.published_stories()[:FEED_SIZE])
    entries = []
    for story in stories:
        public = actions.public_view(story)
        url = request.build_absolute_uri(reverse("outreach_public:story", args=[story.slug]))
        cover = request.build_absolute_uri(image_url(public.cover_image, "!800,800")) if public.cover_image else ""
        tag = f"tag:{_tag_authority(request)},{story.created:%Y}:story/{story.uuid}"
        entries.append(FeedEntry(story, url, absolute_html(request, public.body), cover, tag))
    return entries


def _feed_title() -> str:
    institution = Institution.current()
    name = institution.name if institution else _("档案馆")
    return _("%(name)s · 档案里的党史故事") % {"name": name}


def _syndication(request: HttpRequest, kind: type[Rss201rev2Feed] | type[Atom1Feed]) -> HttpResponse:
    entries = feed_entries(request)
    feed = kind(
        title=_feed_title(),
        link=request.build_absolute_uri(reverse("outreach_public:stories")),
        description=_("档案里的党史故事：以馆藏档案讲述党的历史"),
        language="zh-cn",
        feed_url=request.build_absolute_uri(request.path),
        feed_guid=f"tag:{_tag_authority(request)},2026:stories",
    )
    for entry in entries:
        story = entry.story
        feed.add_item(
            title=story.title,
            link=entry.url,
            description=story.summary or plain_text(entry.content)[:200],
            author_name=story.author_name or None,
            pubdate=story.published_at,
            updateddate=story.published_at,
            unique_id=entry.tag,
            unique_id_is_permalink=False,
            content=entry.content,
        )
    response = HttpResponse(content_type=f"{feed.content_type}")
    feed.write(response, "utf-8")
    return last_modified(response, [e.story.published_at for e in entries])


# An empty feed's date (Django's would be "now"): a feed that shows nothing is always the same document, so its ETag
# holds and it answers alike whatever was asked.
EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=UTC)


class _Rss(Rss201rev2Feed):
    """RSS 2.0 with the story's full text in ``content:encoded`` (the description stays the summary)."""

    def latest_post_date(self) -> datetime:
        return super().latest_post_date() if self.items else EMPTY_FEED_DATE

    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:content": "http://purl.org/rss/1.0/modules/content/"}

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content:encoded", item["content"])


class _Atom(Atom1Feed):
    """Atom 1.0 with the full text as ``content type="html"`` beside the summary."""

    def latest_post_date(self) -> datetime:
        return super().latest_post_date() if self.items else EMPTY_FEED_DATE

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


@require_safe
@revalidated
def feed_rss(request: HttpRequest) -> HttpResponse:
    return _syndication(request, _Rss)


@require_safe
@revalidated
def feed_atom(request: HttpRequest) -> HttpResponse:
    return _syndication(request, _Atom)


@require_safe
@revalidated
def feed_json(request: HttpRequest) -> HttpResponse:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    entries = feed_entries(request)
    document: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _feed_title(),
        "home_page_url": request.build_absolute_uri(reverse("outreach_public:stories")),
        "feed_url": request.build_absolute_uri(request.path),
        "description": _("档案里的党史故事：以馆藏档案讲述党的历史"),
        "language": "zh-CN",
        "items": [
            {
                "id": entry.tag,
                "url": entry.url,
                "title": entry.story.title,
                "content_html": entry.content,
                "summary": entry.story.summary or plain_text(entry.content)[:200],
                **({"image": entry.cover} if entry.cover else {}),
                "date_published": entry.story.published_at.isoformat() if entry.story.published_at else None,
                **({"authors": [{"name": entry.story.author_name}]} if entry.story.author_name else {}),
                "language": "zh-CN",
            }
            for entry in entries
        ],
    }
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1), content_type="application/feed+json; charset=utf-8"
    )
    return last_modified(response, [e.story.published_at for e in entries])


public_urls: list[URLPattern] = [
    path("feeds/stories.rss", feed_rss, name="stories_rss"),
    path("feeds/stories.atom", feed_atom, name="stories_atom"),
    path("feeds/stories.json", feed_json, name="stories_json"),
]
