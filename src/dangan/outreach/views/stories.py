"""Pages of the stories part (档案里的党史故事).

Staff, under /manage/outreach/stories/ (OUTREACH_EDIT to read and write, OUTREACH_PUBLISH to approve, publish and
withdraw): the list by status, a new story, the editor (units by 档号 or UUID with a picker, images of the cited
units that the public may see, inserted as figures), a story's page (the preview as the public will see it, what
changed since the last approval, the forms of the transitions the user may make, the review flags).

Public (namespace ``outreach_public``, at the site's root): ``stories/`` (paged), ``stories/<slug>/`` (the story and
its cited units as cards linking to the portal's unit pages), and the feeds ``feeds/stories.rss`` (RSS 2.0),
``feeds/stories.atom`` (Atom 1.0) and ``feeds/stories.json`` (JSON Feed 1.1) of the latest 20 published stories.
Everything public is what ``actions.stories.public_view`` leaves for the anonymous viewer, whoever asks, revalidated
on every request (ETag of the answer, Last-Modified of the stories)."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dangan.access.views.portal import revalidated
from dangan.catalog.policy import can_view_unit_files, visible_units
from dangan.core.actors import signed_in
from dangan.core.models import Institution
from dangan.core.roles import Capability
from dangan.digitization.pages import master_files, page_image_id
from dangan.outreach.actions import stories as actions
from dangan.outreach.models import Story, StoryStatus
from dangan.outreach.richtext import image_url, plain_text
from dangan.utilities.concurrency import EditConflict
from dangan.utilities.views import capability_required, form_errors_from, paginate

EDIT = Capability.OUTREACH_EDIT
PAGE_SIZE = 30
PUBLIC_PAGE_SIZE = 12
FEED_SIZE = 20
PICKER_SIZE = 20
PICKER_IMAGES = 12

# ---------------------------------------------------------------- forms


class StoryForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    slug = forms.CharField(
        label=gettext_lazy("网址名"),
        max_length=100,
        help_text=gettext_lazy("小写字母、数字和连字符，如 zunyi-huiyi；发布后为故事的网址 /stories/网址名/"),
    )
    author_name = forms.CharField(label=gettext_lazy("作者署名"), max_length=100, required=False)
    summary = forms.CharField(
        label=gettext_lazy("摘要"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    units = forms.CharField(
        label=gettext_lazy("引用档案"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-story-units": ""}),
        help_text=gettext_lazy("每行一件：档号或档案 UUID；可用下方的“查找档案”添加"),
    )
    cover_image = forms.CharField(
        label=gettext_lazy("封面图"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"data-story-cover": ""}),
        help_text=gettext_lazy("图片标识（IIIF），只能是向社会开放的档案的图片"),
    )
    body = forms.CharField(
        label=gettext_lazy("正文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "data-story-body": ""}),
        help_text=gettext_lazy(
            "可用的 HTML：p、h2、h3、strong、em、blockquote、ul/ol/li、a（http(s) 或站内链接）、"
            "figure > img（本馆 IIIF 图片）+ figcaption；其余内容保存时会被清除"
        ),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def story_input(self) -> actions.StoryInput:
        data = self.cleaned_data
        return actions.StoryInput(
            title=data["title"],
            slug=data["slug"],
            summary=data["summary"],
            body=data["body"],
            author_name=data["author_name"],
            cover_image=data["cover_image"],
            units=[line for line in re.split(r"[\s,，;；]+", data["units"]) if line],
        )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReasonForm(VersionForm):
    reason = forms.CharField(label=gettext_lazy("退回意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(VersionForm):
    reason = forms.CharField(
        label=gettext_lazy("撤下原因"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


FORMS: dict[str, type[forms.Form]] = {"send_back": ReasonForm, "withdraw": WithdrawForm}


# ---------------------------------------------------------------- staff pages


def _story(request: HttpRequest, uuid: Any) -> Story:
    story = actions.visible_stories(request.user).filter(uuid=uuid).first()
    if story is None:
        raise Http404
    return story


@require_safe
@capability_required(EDIT)
def story_list(request: HttpRequest) -> HttpResponse:
    """Every story, by status (``?status=``), newest change first; the flags of published ones."""
    status = request.GET.get("status", "")
    rows = actions.visible_stories(request.user).order_by("-updated", "-pk")
    if status in StoryStatus.values:
        rows = rows.filter(status=status)
    page = paginate(request, rows, PAGE_SIZE)
    flagged = {
        s.pk
        for s in page.object_list
        if s.status in (StoryStatus.PUBLISHED, StoryStatus.APPROVED) and actions.review_flags(s)
    }
    tabs = [("", _("全部"))] + [(value, str(label)) for value, label in StoryStatus.choices]
    return render(
        request,
        "outreach/stories/list.html",
        {"page": page, "stories": page.object_list, "status": status, "tabs": tabs, "flagged": flagged},
    )


def _initial(story: Story) -> dict[str, Any]:
    units = story.units.order_by("reference_code", "pk")
    return {
        "title": story.title,
        "slug": story.slug,
        "author_name": story.author_name,
        "summary": story.summary,
        "body": story.body,
        "cover_image": story.cover_image,
        "units": "\n".join(u.reference_code or str(u.uuid) for u in units),
        "version": story.version,
    }


@dataclass
class PickerImage:
    image_id: str
    unit_title: str
    page: int

    @property
    def thumbnail(self) -> str:
        return image_url(self.image_id, "!160,160")

    @property
    def url(self) -> str:
        return image_url(self.image_id)


def insertable_images(user: Any, story: Story | None) -> list[PickerImage]:
    """The page images of the cited units ``user`` sees whose files the public may see (the only ones a story may
    show), a few per unit."""
    from django.contrib.auth.models import AnonymousUser

    if story is None:
        return []
    found: list[PickerImage] = []
    for unit in actions.story_units(user, story):
        if not can_view_unit_files(AnonymousUser(), unit):
            continue
        for number, file in enumerate(master_files(unit)[:PICKER_IMAGES], start=1):
            found.append(PickerImage(page_image_id(file), unit.title, number))
    return found


def _editor(request: HttpRequest, story: Story | None) -> HttpResponse:
    form = StoryForm(request.POST or None, initial=_initial(story) if story else {"version": None})
    if request.method == "POST" and form.is_valid():
        actor = signed_in(request)
        try:
            if story is None:
                story = actions.do_create_story(actor, form.story_input())
                messages.success(request, _("已保存草稿"))
            else:
                story = actions.do_update_story(
                    actor, story, form.story_input(), version=form.cleaned_data.get("version")
                )
                messages.success(request, _("已保存"))
        except ValidationError as exc:
            form_errors_from(form, exc)
        except EditConflict as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("outreach:story", story.uuid)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "story": story, "images": insertable_images(request.user, story)}
    return render(request, "outreach/stories/edit.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(EDIT)
def story_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(EDIT)
def story_edit(request: HttpRequest, uuid: Any) -> HttpResponse:
    story = _story(request, uuid)
    why = actions.refusal(request.user, story, "edit")
    if why is not None:
        raise PermissionDenied(why)
    return _editor(request, story)


_BLOCK_END = re.compile(r"(?<=</p>)|(?<=</h2>)|(?<=</h3>)|(?<=</blockquote>)|(?<=</ul>)|(?<=</ol>)|(?<=</figure>)")


def _blocks(html: str) -> list[str]:
    return [plain_text(b) or b for b in _BLOCK_END.split(html) if b.strip()]


def body_changes(before: str, after: str) -> list[tuple[str, str]]:
    """The body's paragraphs compared with the last approved text: ("-", removed), ("+", added), (" ", kept)."""
    old, new = _blocks(before), _blocks(after)
    rows: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [(" ", text) for text in old[a1:a2]]
        else:
            rows += [("-", text) for text in old[a1:a2]]
            rows += [("+", text) for text in new[b1:b2]]
    return rows


@require_safe
@capability_required(EDIT)
def story_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The story as the public will see it, its cited units (those the user sees), what changed since it was last
    approved, the review flags, and the forms of the transitions the user may make."""
    story = _story(request, uuid)
    allowed = actions.allowed_transitions(request.user, story)
    forms_ = {
        name: FORMS.get(name, VersionForm)(initial={"version": story.version}, prefix=name)
        for name in allowed
        if name != "edit"
    }
    public = actions.public_view(story)
    context = {
        "story": story,
        "public": public,
        "units": actions.story_units(request.user, story),
        "public_units": {u.pk for u in public.units},
        "flags": actions.review_flags(story),
        "changes": body_changes(story.approved_body, story.body) if story.approved_body else [],
        "changed": bool(story.approved_body) and story.approved_body != story.body,
        "forms": [(name, actions.LABELS[name], form) for name, form in forms_.items()],
        "can_edit": "edit" in allowed,
        "writer_refused": actions.refusal(request.user, story, "approve", status=False)
        if story.status == StoryStatus.SUBMITTED
        else None,
    }
    return render(request, "outreach/stories/detail.html", context)


@require_POST
@capability_required(EDIT)
def story_transition(request: HttpRequest, uuid: Any, transition: str) -> HttpResponse:
    """One transition (the forms on the story's page post here); back to the page with what happened."""
    story = _story(request, uuid)
    if transition not in actions.TRANSITIONS or transition == "edit":
        raise Http404
    why = actions.refusal(request.user, story, transition, status=False)
    if why is not None:
        raise PermissionDenied(why)
    form = FORMS.get(transition, VersionForm)(request.POST, prefix=transition)
    try:
        if not form.is_valid():
            raise ValidationError([f"{_label(form, f)}{e}" for f, es in form.errors.items() for e in es])
        actor, version = signed_in(request), form.cleaned_data["version"]
        if transition == "submit":
            actions.do_submit(actor, story, version=version)
        elif transition == "approve":
            actions.do_approve(actor, story, version=version)
        elif transition == "send_back":
            actions.do_send_back(actor, story, form.cleaned_data["reason"], version=version)
        elif transition == "publish":
            actions.do_publish(actor, story, version=version)
        elif transition == "withdraw":
            actions.do_withdraw(actor, story, form.cleaned_data["reason"], version=version)
    except (ValidationError, EditConflict) as exc:
        for message in getattr(exc, "messages", None) or [str(exc)]:
            messages.error(request, message)
    else:
        messages.success(request, _("已%(action)s") % {"action": actions.LABELS[transition]})
    return redirect("outreach:story", story.uuid)


def _label(form: forms.Form, name: str) -> str:
    label = form.fields[name].label if name in form.fields else ""
    return f"{label}：" if label else ""


@require_safe
@capability_required(EDIT)
def unit_picker(request: HttpRequest) -> HttpResponse:
    """The editor's unit picker: units the user may see whose title or 档号 holds ``q`` (a fragment)."""
    query = " ".join(request.GET.get("q", "").split())[:100]
    units = []
    if query:
        units = list(
            visible_units(request.user)
            .filter(Q(title__icontains=query) | Q(reference_code__icontains=query))
            .order_by("reference_code", "pk")[:PICKER_SIZE]
        )
    return render(request, "outreach/stories/_picker.html", {"units": units, "q": query})


manage_urls: list[URLPattern] = [
    path("stories/", story_list, name="stories"),
    path("stories/new/", story_new, name="story_new"),
    path("stories/units/", unit_picker, name="story_unit_picker"),
    path("stories/<uuid:uuid>/", story_detail, name="story"),
    path("stories/<uuid:uuid>/edit/", story_edit, name="story_edit"),
    path("stories/<uuid:uuid>/<str:transition>/", story_transition, name="story_transition"),
]


# ---------------------------------------------------------------- public pages


def _last_modified(response: HttpResponse, moments: list[datetime | None]) -> HttpResponse:
    known = [m for m in moments if m is not None]
    if known:
        response["Last-Modified"] = http_date(max(known).timestamp())
    return response


@require_safe
@revalidated
def public_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, actions.published_stories(), PUBLIC_PAGE_SIZE)
    stories = list(page.object_list)
    covers = actions.public_covers(stories)
    rows = [(s, image_url(covers[s.pk], "!400,300") if covers[s.pk] else "") for s in stories]
    response = render(
        request, "outreach/stories/public_list.html", {"page": page, "rows": rows, "institution": Institution.current()}
    )
    return _last_modified(response, [s.updated for s in stories])


def _published(slug: str) -> Story:
    story = actions.published_stories().filter(slug=slug).first()
    if story is None:
        raise Http404
    return story


@require_safe
@revalidated
def public_story(request: HttpRequest, slug: str) -> HttpResponse:
    """A published story (a draft, a withdrawn or an unknown one: 404), as the public sees it now."""
    public = actions.public_view(_published(slug))
    context = {
        "story": public.story,
        "body": public.body,
        "cover": image_url(public.cover_image) if public.cover_image else "",
        "units": public.units,
        "institution": Institution.current(),
    }
    response = render(request, "outreach/stories/public_story.html", context)
    return _last_modified(response, [public.story.updated])


# ---------------------------------------------------------------- feeds

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
    return _last_modified(response, [e.story.published_at for e in entries])


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
    return _last_modified(response, [e.story.published_at for e in entries])


HOME_STORIES = 3


def home_section(request: HttpRequest) -> str:
    """The portal home's section of the latest published stories ("" when there is none)."""
    stories = list(actions.published_stories()[:HOME_STORIES])
    if not stories:
        return ""
    return render_to_string("outreach/stories/_home_section.html", {"stories": stories}, request)


public_urls: list[URLPattern] = [
    path("stories/", public_list, name="stories"),
    path("stories/<slug:slug>/", public_story, name="story"),
    path("feeds/stories.rss", feed_rss, name="stories_rss"),
    path("feeds/stories.atom", feed_atom, name="stories_atom"),
    path("feeds/stories.json", feed_json, name="stories_json"),
]
