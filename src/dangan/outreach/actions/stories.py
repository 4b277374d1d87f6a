"""Stories (档案里的党史故事): writing a story from units with images, a second person's approval, publishing and
withdrawing; and what the public is shown of a published story.

草稿 draft → 待审核 submitted (OUTREACH_EDIT) → 已审核 approved (OUTREACH_PUBLISH, never a writer: neither the
account that created it nor the one that last changed its text) or back to 草稿 with a reason (退回) → 已发布
published (OUTREACH_PUBLISH) → 已撤下 withdrawn (OUTREACH_PUBLISH), published again as it was approved, or edited.
The text is edited in 草稿, and in 已审核 or 已撤下, which takes it back to 草稿 (a changed text is approved again);
a published story is withdrawn before it is edited. Every change carries the version it was made from
(``EditConflict`` when stale), runs in one transaction on the locked row and is audit-logged
(``outreach.story.<verb>``).

What an editor may cite: units they may see (``catalog.policy``); images (the body's figures and the cover) only
of units whose files the public may see (公开, 开放), refused otherwise with one message whatever the reason.

What the public is shown (decided at every request, ``public_view``): a published story stays published when a unit it
cites is withdrawn from the public; that unit's card and its images (cover, figures) are left out of every page,
feed and answer, and the workspace flags the story for review (``review_flags``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit, can_view_unit_files, visible_units
from dangan.core.actors import account_of
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.outreach.models import Story, StoryStatus
from dangan.outreach.richtext import clean_html, drop_images, image_ids
from dangan.preservation.models import PreservedPackage
from dangan.utilities.concurrency import EditConflict

__all__ = [
    "LABELS",
    "TRANSITIONS",
    "PublicStory",
    "StoryInput",
    "allowed_transitions",
    "do_approve",
    "do_create_story",
    "do_publish",
    "do_send_back",
    "do_submit",
    "do_update_story",
    "do_withdraw",
    "public_view",
    "published_stories",
    "refusal",
    "review_flags",
    "story_units",
    "visible_stories",
]

S = StoryStatus
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
IMAGE_REFUSED = gettext_lazy("图片不存在，或其所属档案未向社会开放：故事中只能使用开放档案的图片")
MAX_UNITS = 200
MAX_BODY = 200_000

# transition → (the statuses it starts from, the capability it needs)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "edit": ((S.DRAFT, S.APPROVED, S.WITHDRAWN), Capability.OUTREACH_EDIT),
    "submit": ((S.DRAFT,), Capability.OUTREACH_EDIT),
    "approve": ((S.SUBMITTED,), Capability.OUTREACH_PUBLISH),
    "send_back": ((S.SUBMITTED,), Capability.OUTREACH_PUBLISH),
    "publish": ((S.APPROVED, S.WITHDRAWN), Capability.OUTREACH_PUBLISH),
    "withdraw": ((S.PUBLISHED,), Capability.OUTREACH_PUBLISH),
}
LABELS = {
    "edit": gettext_lazy("修改"),
    "submit": gettext_lazy("提交审核"),
    "approve": gettext_lazy("审核通过"),
    "send_back": gettext_lazy("退回修改"),
    "publish": gettext_lazy("发布"),
    "withdraw": gettext_lazy("撤下"),
}


# ---------------------------------------------------------------- reading (staff)


def visible_stories(user: Any, queryset: QuerySet[Story] | None = None) -> QuerySet[Story]:
    """The stories ``user`` may work on: every story for OUTREACH_EDIT, none otherwise. (What each shows of the units
    it cites is the policy's, per viewer: ``story_units``.)"""
    rows = queryset if queryset is not None else Story.objects.all()
    return rows if has_capability(user, Capability.OUTREACH_EDIT) else rows.none()


def story_units(user: Any, story: Story) -> list[ArchivalUnit]:
    """The units ``story`` cites that ``user`` may see (catalog.policy), in reference-code order."""
    return list(visible_units(user, story.units.all()).select_related("fonds").order_by("reference_code", "pk"))


def writers(story: Story) -> set[int]:
    """The accounts that wrote the story's text: who created it and who last changed it."""
    return {pk for pk in (story.created_by_id, story.edited_by_id) if pk is not None}


def refusal(actor: Any, story: Story, name: str, *, status: bool = True) -> str | None:
    """Why ``actor`` may not make transition ``name`` on ``story`` now, or None; ``status=False``: who may,
    whatever the story's status (checked again on the locked row)."""
    sources, capability = TRANSITIONS[name]
    if not has_capability(actor, capability):
        return _("没有办理该操作的权限")
    account = account_of(actor)
    if name in ("approve", "send_back") and account is not None and account.pk in writers(story):
        return _("档案故事须由撰写人以外的人员审核")
    if status and story.status not in sources:
        return _("档案故事处于“%(status)s”状态，不能%(action)s") % {
            "status": story.get_status_display(),
            "action": LABELS[name],
        }
    return None


def allowed_transitions(user: Any, story: Story) -> list[str]:
    """The transitions ``user`` may make on ``story`` now (the page's buttons)."""
    return [name for name in TRANSITIONS if refusal(user, story, name) is None]


def _check(actor: Any, story: Story, name: str) -> None:
    who = refusal(actor, story, name, status=False)
    if who is not None:
        raise PermissionDenied(who)
    why = refusal(actor, story, name)
    if why is not None:
        raise ValidationError(why)


def _locked(actor: Any, story: Story, name: str, version: int | None) -> Story:
    locked = Story.objects.select_for_update().filter(pk=story.pk).first()
    if locked is None:
        raise EditConflict(_("档案故事已不存在"))
    if version is not None and locked.version != version:
        raise EditConflict(_("档案故事已被他人修改（或重复提交），请刷新后再试"), locked.version)
    _check(actor, locked, name)
    return locked


# ---------------------------------------------------------------- images: whose they are, who may see them


def image_units(image_ids_: Iterable[str]) -> dict[str, ArchivalUnit | None]:
    """The unit of each IIIF image id (its package's unit, one query), None for an id naming no known package."""
    wanted = {image: uuid.UUID(image.split("-", 1)[0]) for image in image_ids_ if "-" in image}
    packages = {
        p.uuid: p.unit
        for p in PreservedPackage.objects.filter(uuid__in=set(wanted.values())).select_related("unit")
        if p.unit is not None
    }
    return {image: packages.get(package) for image, package in wanted.items()}


def _public_image(unit: ArchivalUnit | None) -> bool:
    return unit is not None and can_view_unit_files(AnonymousUser(), unit)


def public_images(image_ids_: Iterable[str]) -> set[str]:
    """Those of ``image_ids_`` the public may see now (their unit's files are open to it)."""
    return {image for image, unit in image_units(image_ids_).items() if _public_image(unit)}


def _check_image(image: str) -> ArchivalUnit:
    from dangan.preservation.iiif import find_image

    file = find_image(image)
    unit = file.package.unit if file is not None else None
    if unit is None or not _public_image(unit):
        raise ValidationError(str(IMAGE_REFUSED))
    return unit


# ---------------------------------------------------------------- writing


@dataclass
class StoryInput:
    """What an editor writes: the text and the units it cites (their UUIDs)."""

    title: str
    slug: str
    summary: str = ""
    body: str = ""
    author_name: str = ""
    cover_image: str = ""
    units: Sequence[str | uuid.UUID] = field(default_factory=list)  # UUIDs or 档号


@dataclass
class _Clean:
    values: dict[str, str]
    units: list[ArchivalUnit]


def check_story(actor: Any, data: StoryInput, story: Story | None = None) -> _Clean:
    """Validate what an editor wrote: every error per field, in Chinese; the body cleaned (richtext.clean_html)."""
    if not has_capability(actor, Capability.OUTREACH_EDIT):
        raise PermissionDenied(_("没有撰写档案故事的权限"))
    errors: dict[str, list[str]] = {}
    title = " ".join(CONTROL.sub("", data.title or "").split())
    slug = (data.slug or "").strip().lower()
    if not title:
        errors.setdefault("title", []).append(_("请填写标题"))
    elif len(title) > 200:
        errors.setdefault("title", []).append(_("标题不能超过 200 个字"))
    if not slug:
        errors.setdefault("slug", []).append(_("请填写网址名"))
    elif len(slug) > 100 or not SLUG.match(slug):
        errors.setdefault("slug", []).append(_("网址名只能由小写字母、数字和连字符组成，不超过 100 个字符"))
    elif Story.objects.filter(slug=slug).exclude(pk=story.pk if story else 0).exists():
        errors.setdefault("slug", []).append(_("网址名已被另一篇故事使用"))
    if len(data.body or "") > MAX_BODY:
        errors.setdefault("body", []).append(_("正文过长"))
    body = clean_html(data.body or "")
    if not body and re.sub(r"<[^>]*>", "", data.body or "").strip():
        # Text went in and nothing came out (only what the subset drops, or HTML nested too deep to read).
        errors.setdefault("body", []).append(
            _("正文清理后没有剩下任何内容：请检查 HTML（允许的标签见正文说明，嵌套不能过深）")
        )
    for image in image_ids(body):
        try:
            _check_image(image)
        except ValidationError as exc:
            errors.setdefault("body", []).extend(exc.messages)
            break
    cover = CONTROL.sub("", data.cover_image or "").strip()
    if cover:
        try:
            _check_image(cover)
        except ValidationError as exc:
            errors.setdefault("cover_image", []).extend(exc.messages)
    units: list[ArchivalUnit] = []
    seen: set[int] = set()
    for value in data.units:
        unit = _cited_unit(actor, value)
        if unit is None:
            errors.setdefault("units", []).append(_("档案不存在：%(value)s") % {"value": str(value).strip()[:60]})
        elif unit.pk not in seen:
            seen.add(unit.pk)
            units.append(unit)
    if len(units) > MAX_UNITS:
        errors.setdefault("units", []).append(_("一篇故事最多引用 %(n)s 件档案") % {"n": MAX_UNITS})
    if errors:
        raise ValidationError(errors)
    values = {
        "title": title,
        "slug": slug,
        "summary": CONTROL.sub("", data.summary or "").strip(),
        "body": body,
        "author_name": " ".join(CONTROL.sub("", data.author_name or "").split())[:100],
        "cover_image": cover,
    }
    return _Clean(values, units)


def _cited_unit(actor: Any, value: str | uuid.UUID) -> ArchivalUnit | None:
    """The unit a UUID or a 档号 names, when ``actor`` may see it (a hidden one answers as a missing one)."""
    text = CONTROL.sub("", str(value)).strip()
    try:
        rows = ArchivalUnit.objects.filter(uuid=value if isinstance(value, uuid.UUID) else uuid.UUID(text))
    except ValueError:
        rows = ArchivalUnit.objects.filter(reference_code=text) if text else ArchivalUnit.objects.none()
    unit = visible_units(actor, rows).first()
    return unit if unit is not None and can_view_unit(actor, unit) else None


def _snapshot(story: Story) -> dict[str, Any]:
    return {
        "title": story.title,
        "slug": story.slug,
        "status": story.status,
        "version": story.version,
        "units": sorted(str(u) for u in story.units.values_list("uuid", flat=True)),
    }


@transaction.atomic
def do_create_story(actor: Any, data: StoryInput) -> Story:
    """A new draft by ``actor`` (OUTREACH_EDIT)."""
    clean = check_story(actor, data)
    account = account_of(actor)
    story = Story.objects.create(**clean.values, created_by=account, edited_by=account, status=S.DRAFT)
    story.units.set(clean.units)
    log(story, "outreach.story.create", actor, {"after": _snapshot(story)})
    return story


@transaction.atomic
def do_update_story(actor: Any, story: Story, data: StoryInput, *, version: int | None = None) -> Story:
    """Change the text and the cited units (in 草稿; from 已审核 or 已撤下 the story goes back to 草稿). ``data.units``
    are the units ``actor`` sees; those cited that ``actor`` may not see are kept."""
    locked = _locked(actor, story, "edit", version)
    clean = check_story(actor, data, locked)
    before = _snapshot(locked)
    for name, value in clean.values.items():
        setattr(locked, name, value)
    if locked.status != S.DRAFT:
        locked.status = S.DRAFT
        locked.approved_by = None
        locked.approved_at = None
    locked.edited_by = account_of(actor)
    locked.version += 1
    locked.save()
    # Units cited by someone cleared higher stay cited: the editor neither sees them nor drops them unknowingly.
    unseen = [u for u in locked.units.all() if not can_view_unit(actor, u)]
    locked.units.set([*clean.units, *unseen])
    log(locked, "outreach.story.edit", actor, {"before": before, "after": _snapshot(locked)})
    return locked


def _move(actor: Any, story: Story, name: str, to: str, note: str = "", fields: Iterable[str] = ()) -> Story:
    before = story.status
    story.status = to
    story.version += 1
    story.save(update_fields=["status", "version", "updated", *fields])
    data: dict[str, Any] = {"slug": story.slug, "before": before, "after": to}
    if note:
        data["note"] = note
    log(story, f"outreach.story.{name}", actor, data)
    return story


@transaction.atomic
def do_submit(actor: Any, story: Story, *, version: int | None = None) -> Story:
    """草稿 → 待审核: the text complete (a title and a body)."""
    locked = _locked(actor, story, "submit", version)
    if not locked.body.strip():
        raise ValidationError({"body": [_("正文为空，不能提交审核")]})
    locked.review_note = ""
    return _move(actor, locked, "submit", S.SUBMITTED, fields=["review_note"])


@transaction.atomic
def do_approve(actor: Any, story: Story, *, version: int | None = None) -> Story:
    """待审核 → 已审核, by a second person (OUTREACH_PUBLISH, not a writer of the story — by account)."""
    locked = _locked(actor, story, "approve", version)
    locked.approved_by = account_of(actor)
    locked.approved_at = timezone.now()
    locked.approved_body = locked.body
    return _move(actor, locked, "approve", S.APPROVED, fields=["approved_by", "approved_at", "approved_body"])


@transaction.atomic
def do_send_back(actor: Any, story: Story, reason: str, *, version: int | None = None) -> Story:
    """待审核 → 草稿, with the reviewer's reason (required)."""
    reason = CONTROL.sub("", reason or "").strip()
    locked = _locked(actor, story, "send_back", version)
    if not reason:
        raise ValidationError({"reason": [_("请填写退回意见")]})
    locked.review_note = reason[:2000]
    return _move(actor, locked, "send_back", S.DRAFT, reason[:2000], fields=["review_note"])


@transaction.atomic
def do_publish(actor: Any, story: Story, *, version: int | None = None) -> Story:
    """已审核 (or 已撤下) → 已发布: on the portal, in the feeds and the mini program from now on."""
    locked = _locked(actor, story, "publish", version)
    locked.published_at = timezone.now()
    return _move(actor, locked, "publish", S.PUBLISHED, fields=["published_at"])


@transaction.atomic
def do_withdraw(actor: Any, story: Story, reason: str = "", *, version: int | None = None) -> Story:
    """已发布 → 已撤下: gone from the public at the next request (its page, the feeds and the mini program 404)."""
    locked = _locked(actor, story, "withdraw", version)
    return _move(actor, locked, "withdraw", S.WITHDRAWN, CONTROL.sub("", reason or "").strip()[:2000])


# ---------------------------------------------------------------- what the public sees


def published_stories() -> QuerySet[Story]:
    """Published stories, newest first (the public list, the feeds, the mini program)."""
    return Story.objects.filter(status=S.PUBLISHED).order_by("-published_at", "-pk")


@dataclass
class PublicStory:
    """A published story as the public sees it now: the body without the figures of units it may not see, the cover
    only when public, the cited units the public sees."""

    story: Story
    body: str
    cover_image: str
    units: list[ArchivalUnit]


def public_view(story: Story) -> PublicStory:
    """What the public is shown of ``story`` at this request (catalog.policy for the anonymous viewer)."""
    ids = image_ids(story.body)
    if story.cover_image:
        ids.append(story.cover_image)
    shown = public_images(ids)
    body = drop_images(story.body, shown.__contains__) if ids else story.body
    cover = story.cover_image if story.cover_image in shown else ""
    return PublicStory(story, body, cover, story_units(AnonymousUser(), story))


def public_covers(stories: Sequence[Story]) -> dict[int, str]:
    """The public cover of each story of a list (one query for them all): story pk → image id or ""."""
    shown = public_images(s.cover_image for s in stories if s.cover_image)
    return {s.pk: s.cover_image if s.cover_image in shown else "" for s in stories}


@dataclass
class ReviewFlags:
    """Why a published or approved story needs a look: cited units or images the public no longer sees."""

    hidden_units: int = 0
    hidden_images: int = 0

    def __bool__(self) -> bool:
        return bool(self.hidden_units or self.hidden_images)


def review_flags(story: Story, viewer: Any) -> ReviewFlags:
    """For the workspace: how many of the units and images ``story`` cites the public does not see (now), counted
    among those ``viewer`` may see — a unit hidden from the viewer is not counted, so the flag tells nothing of it."""
    seen = story_units(viewer, story)
    public = {u.pk for u in story_units(AnonymousUser(), story)} if seen else set()
    ids = image_ids(story.body) + ([story.cover_image] if story.cover_image else [])
    hidden_images = 0
    if ids:
        units = image_units(ids)
        hidden_images = sum(
            1
            for image, unit in units.items()
            if unit is not None and can_view_unit(viewer, unit) and not _public_image(unit)
        )
    return ReviewFlags(sum(1 for u in seen if u.pk not in public), hidden_images)
