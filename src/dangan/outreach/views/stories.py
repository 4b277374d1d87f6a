"""Pages of the stories part (档案里的党史故事).

Staff, under /manage/outreach/stories/ (OUTREACH_EDIT to read and write, OUTREACH_PUBLISH to approve, publish and
withdraw): the list by status, a new story, the editor (units by 档号 or UUID with a picker, images of the cited
units that the public may see, inserted as figures), a story's page (the preview as the public will see it, what
changed since the last approval, the forms of the transitions the user may make, the review flags).

Public (namespace ``outreach_public``, at the site's root): ``stories/`` (paged), ``stories/<slug>/`` (the story and
its cited units as cards linking to the portal's unit pages), and the feeds (``stories_feeds``).
Everything public is what ``actions.stories.public_view`` leaves for the anonymous viewer, whoever asks, revalidated
on every request (ETag of the answer, Last-Modified of the stories)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
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
from dangan.outreach.views import stories_feeds
from dangan.outreach.views.stories_feeds import last_modified
from dangan.utilities.concurrency import EditConflict
from dangan.utilities.views import capability_required, form_errors_from, paginate

EDIT = Capability.OUTREACH_EDIT
PAGE_SIZE = 30
PUBLIC_PAGE_SIZE = 12
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
        if s.status in (StoryStatus.PUBLISHED, StoryStatus.APPROVED) and actions.review_flags(s, request.user)
    }
    tabs = [("", _("全部"))] + [(value, str(label)) for value, label in StoryStatus.choices]
    return render(
        request,
        "outreach/stories/list.html",
        {"page": page, "stories": page.object_list, "status": status, "tabs": tabs, "flagged": flagged},
    )


def _initial(user: Any, story: Story) -> dict[str, Any]:
    units = actions.story_units(user, story)
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
    form = StoryForm(request.POST or None, initial=_initial(request.user, story) if story else {"version": None})
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
        "flags": actions.review_flags(story, request.user),
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
    return last_modified(response, [s.updated for s in stories])


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
    return last_modified(response, [public.story.updated])


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
    *stories_feeds.public_urls,
]
