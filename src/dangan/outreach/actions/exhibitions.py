"""Part exhibitions: the only code that changes exhibitions — the exhibition itself (optimistic ``version``), its
structure (sections, pages, blocks: add, change, move, remove), publishing with a schedule and unpublishing.

Every action takes an ``actor``; editing needs OUTREACH_EDIT, publishing and unpublishing OUTREACH_PUBLISH. Each
``do_*`` locks the exhibition's row, writes in one transaction and records an audit entry. Block contents are
validated per kind by ``outreach.exhibits.blocks.clean_block`` as the actor may write them (units and images the
actor does not see are refused as missing ones)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.actions.accounts import require_actor
from dangan.core.actors import account_of
from dangan.core.audit import log
from dangan.core.roles import Capability
from dangan.outreach.exhibits.blocks import clean_block
from dangan.outreach.models import (
    Exhibition,
    ExhibitionBlock,
    ExhibitionPage,
    ExhibitionSection,
    ExhibitionStatus,
)
from dangan.outreach.models.exhibitions import KIOSK_ADVANCE_DEFAULT, KIOSK_IDLE_DEFAULT
from dangan.utilities.concurrency import EditConflict

__all__ = [
    "EXHIBITION_FIELDS",
    "check_exhibition",
    "check_schedule",
    "do_add_block",
    "do_add_page",
    "do_add_section",
    "do_create_exhibition",
    "do_move",
    "do_publish",
    "do_remove",
    "do_remove_exhibition",
    "do_rename",
    "do_unpublish",
    "do_update_block",
    "do_update_exhibition",
    "lock_exhibition",
]

EXHIBITION_FIELDS = (
    "slug",
    "title",
    "subtitle",
    "introduction",
    "cover_image",
    "kiosk_idle_seconds",
    "kiosk_advance_seconds",
)
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
INTRODUCTION_MAX = 5_000
IDLE_RANGE = (10, 3_600)
ADVANCE_RANGE = (5, 600)
MAX_BLOCKS = 50


def lock_exhibition(exhibition: Exhibition) -> Exhibition:
    """The exhibition's row, locked for this transaction and read again (EditConflict when it is gone)."""
    locked = Exhibition.objects.select_for_update().filter(pk=exhibition.pk).first()
    if locked is None:
        raise EditConflict(_("该展览已被删除。"))
    return locked


def _check_version(locked: Exhibition, version: int | None) -> None:
    if version is not None and version != locked.version:
        raise EditConflict(
            _("该展览已被他人修改（当前版本 %(current)d，您编辑的是版本 %(yours)d），请核对后再保存。")
            % {"current": locked.version, "yours": version},
            locked.version,
        )


def _seconds(value: Any, bounds: tuple[int, int], field: str, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    low, high = bounds
    if not low <= number <= high:
        raise ValidationError(
            {field: _("%(label)s应为 %(low)d 到 %(high)d 秒。") % {"label": label, "low": low, "high": high}}
        )
    return number


def check_exhibition(actor: Any, data: dict[str, Any], exhibition: Exhibition | None = None) -> dict[str, Any]:
    """The exhibition's fields checked and normalized (the keys of ``EXHIBITION_FIELDS`` present in ``data``;
    all of them for a new one). ValidationError per field, in Chinese."""
    require_actor(actor, Capability.OUTREACH_EDIT)
    current = {f: getattr(exhibition, f) for f in EXHIBITION_FIELDS} if exhibition is not None else {}
    merged = {**current, **{k: v for k, v in data.items() if k in EXHIBITION_FIELDS}}
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    slug = str(merged.get("slug") or "").strip().lower()
    if not SLUG.match(slug):
        errors["slug"] = _("网址名只能用小写字母、数字和连字符（-），不超过 100 个字符，如 hongjun-zai-guizhou。")
    elif Exhibition.objects.filter(slug=slug).exclude(pk=exhibition.pk if exhibition is not None else 0).exists():
        errors["slug"] = _("网址名 %(slug)s 已被另一个展览使用。") % {"slug": slug}
    cleaned["slug"] = slug
    title = str(merged.get("title") or "").strip()
    if not title:
        errors["title"] = _("请填写展览标题。")
    elif len(title) > 200:
        errors["title"] = _("标题不能超过 200 个字。")
    cleaned["title"] = title
    subtitle = str(merged.get("subtitle") or "").strip()
    if len(subtitle) > 200:
        errors["subtitle"] = _("副标题不能超过 200 个字。")
    cleaned["subtitle"] = subtitle
    introduction = str(merged.get("introduction") or "").strip()
    if len(introduction) > INTRODUCTION_MAX:
        errors["introduction"] = _("展览介绍不能超过 %(limit)d 个字。") % {"limit": INTRODUCTION_MAX}
    cleaned["introduction"] = introduction
    cover = str(merged.get("cover_image") or "").strip().lower()
    if cover and cover != (exhibition.cover_image if exhibition is not None else None):
        try:
            cover = clean_block(actor, "image", {"image": cover})["image"]
        except ValidationError as exc:
            errors["cover_image"] = exc.messages[0]
    cleaned["cover_image"] = cover
    for field, bounds, label, default in (
        ("kiosk_idle_seconds", IDLE_RANGE, _("无操作复位时间"), KIOSK_IDLE_DEFAULT),
        ("kiosk_advance_seconds", ADVANCE_RANGE, _("自动翻页间隔"), KIOSK_ADVANCE_DEFAULT),
    ):
        try:
            value = merged.get(field)
            cleaned[field] = _seconds(default if value in (None, "") else value, bounds, field, label)
        except ValidationError as exc:
            errors[field] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _snapshot(instance: Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(instance, f) for f in fields}


@transaction.atomic
def do_create_exhibition(actor: Any, data: dict[str, Any]) -> Exhibition:
    cleaned = check_exhibition(actor, data)
    exhibition = Exhibition.objects.create(**cleaned, created_by=account_of(actor))
    log(exhibition, "outreach.exhibition.create", actor, {"after": cleaned})
    return exhibition


@transaction.atomic
def do_update_exhibition(
    actor: Any, exhibition: Exhibition, data: dict[str, Any], *, version: int | None = None
) -> Exhibition:
    locked = lock_exhibition(exhibition)
    _check_version(locked, version)
    cleaned = check_exhibition(actor, data, locked)
    before = _snapshot(locked, EXHIBITION_FIELDS)
    changed = [f for f, v in cleaned.items() if before[f] != v]
    if not changed:
        return locked
    for field in changed:
        setattr(locked, field, cleaned[field])
    locked.version += 1
    locked.save(update_fields=[*changed, "version", "updated"])
    log(
        locked,
        "outreach.exhibition.edit",
        actor,
        {"before": {f: before[f] for f in changed}, "after": {f: cleaned[f] for f in changed}},
    )
    return locked


def check_schedule(publish_at: datetime | None, unpublish_at: datetime | None) -> None:
    if publish_at is not None and unpublish_at is not None and unpublish_at <= publish_at:
        raise ValidationError({"unpublish_at": _("下线时间应晚于上线时间。")})


@transaction.atomic
def do_publish(
    actor: Any,
    exhibition: Exhibition,
    *,
    publish_at: datetime | None = None,
    unpublish_at: datetime | None = None,
    version: int | None = None,
) -> Exhibition:
    """Publish (or reschedule) ``exhibition``: public from ``publish_at`` (now when blank) until ``unpublish_at``
    (open-ended when blank). The public sees it only within that time, computed at every request."""
    require_actor(actor, Capability.OUTREACH_PUBLISH)
    locked = lock_exhibition(exhibition)
    _check_version(locked, version)
    now = timezone.now()
    start = publish_at or now
    check_schedule(start, unpublish_at)
    if not ExhibitionPage.objects.filter(section__exhibition=locked).exists():
        raise ValidationError(_("展览至少需要一个展页才能发布。"))
    before = {"status": locked.status, "publish_at": locked.publish_at, "unpublish_at": locked.unpublish_at}
    locked.status = ExhibitionStatus.PUBLISHED
    locked.publish_at = start
    locked.unpublish_at = unpublish_at
    locked.published_at = now
    locked.version += 1
    locked.save(update_fields=["status", "publish_at", "unpublish_at", "published_at", "version", "updated"])
    after = {"status": locked.status, "publish_at": start, "unpublish_at": unpublish_at}
    log(locked, "outreach.exhibition.publish", actor, {"before": before, "after": after})
    return locked


@transaction.atomic
def do_unpublish(actor: Any, exhibition: Exhibition, *, version: int | None = None) -> Exhibition:
    """Take ``exhibition`` off the portal at once (back to a draft; its schedule is kept for the next publish)."""
    require_actor(actor, Capability.OUTREACH_PUBLISH)
    locked = lock_exhibition(exhibition)
    _check_version(locked, version)
    if locked.status != ExhibitionStatus.PUBLISHED:
        raise ValidationError(_("该展览尚未发布。"))
    locked.status = ExhibitionStatus.DRAFT
    locked.version += 1
    locked.save(update_fields=["status", "version", "updated"])
    log(
        locked,
        "outreach.exhibition.unpublish",
        actor,
        {"before": {"status": "published"}, "after": {"status": "draft"}},
    )
    return locked


@transaction.atomic
def do_remove_exhibition(actor: Any, exhibition: Exhibition, *, version: int | None = None) -> None:
    """Delete a draft exhibition with its sections, pages and blocks (a published one is unpublished first)."""
    require_actor(actor, Capability.OUTREACH_PUBLISH)
    locked = lock_exhibition(exhibition)
    _check_version(locked, version)
    if locked.status == ExhibitionStatus.PUBLISHED:
        raise ValidationError(_("已发布的展览须先撤下，才能删除。"))
    log(locked, "outreach.exhibition.remove", actor, {"before": {"slug": locked.slug, "title": locked.title}})
    locked.delete()


# ---------------------------------------------------------------- structure: sections, pages, blocks

Part = ExhibitionSection | ExhibitionPage | ExhibitionBlock


def _exhibition_of(part: Part) -> Exhibition:
    if isinstance(part, ExhibitionSection):
        return part.exhibition
    if isinstance(part, ExhibitionPage):
        return part.section.exhibition
    return part.page.section.exhibition


def _siblings(part: Part) -> QuerySet[Any]:
    if isinstance(part, ExhibitionSection):
        return ExhibitionSection.objects.filter(exhibition_id=part.exhibition_id)
    if isinstance(part, ExhibitionPage):
        return ExhibitionPage.objects.filter(section_id=part.section_id)
    return ExhibitionBlock.objects.filter(page_id=part.page_id)


def _renumber(siblings: QuerySet[Any], ordered: list[Any] | None = None) -> None:
    rows = ordered if ordered is not None else list(siblings.order_by("order", "id"))
    for position, row in enumerate(rows, 1):
        if row.order != position:
            row.order = position
            row.save(update_fields=["order"])


def _title(value: Any, label: str) -> str:
    title = str(value or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写%(label)s的标题。") % {"label": label}})
    if len(title) > 200:
        raise ValidationError({"title": _("标题不能超过 200 个字。")})
    return title


def _structure_log(part: Part, exhibition: Exhibition, actor: Any, op: str, data: dict[str, Any]) -> None:
    kind = {ExhibitionSection: "section", ExhibitionPage: "page", ExhibitionBlock: "block"}[type(part)]
    log(exhibition, f"outreach.exhibition.{kind}", actor, {"op": op, kind: part.pk, **data})


@transaction.atomic
def do_add_section(actor: Any, exhibition: Exhibition, title: str) -> ExhibitionSection:
    require_actor(actor, Capability.OUTREACH_EDIT)
    locked = lock_exhibition(exhibition)
    clean = _title(title, _("展览单元"))
    order = locked.sections.count() + 1
    section = ExhibitionSection.objects.create(exhibition=locked, title=clean, order=order)
    _structure_log(section, locked, actor, "add", {"after": {"title": clean}})
    return section


@transaction.atomic
def do_add_page(actor: Any, section: ExhibitionSection, title: str) -> ExhibitionPage:
    require_actor(actor, Capability.OUTREACH_EDIT)
    locked = lock_exhibition(section.exhibition)
    clean = _title(title, _("展页"))
    page = ExhibitionPage.objects.create(section=section, title=clean, order=section.pages.count() + 1)
    _structure_log(page, locked, actor, "add", {"after": {"title": clean}})
    return page


@transaction.atomic
def do_add_block(actor: Any, page: ExhibitionPage, kind: str, data: Any) -> ExhibitionBlock:
    require_actor(actor, Capability.OUTREACH_EDIT)
    locked = lock_exhibition(page.section.exhibition)
    if page.blocks.count() >= MAX_BLOCKS:
        raise ValidationError(_("一个展页最多 %(limit)d 个内容块。") % {"limit": MAX_BLOCKS})
    cleaned = clean_block(actor, kind, data)
    block = ExhibitionBlock.objects.create(page=page, kind=kind, data=cleaned, order=page.blocks.count() + 1)
    _structure_log(block, locked, actor, "add", {"kind": kind, "after": cleaned})
    return block


@transaction.atomic
def do_update_block(actor: Any, block: ExhibitionBlock, data: Any) -> ExhibitionBlock:
    require_actor(actor, Capability.OUTREACH_EDIT)
    locked = lock_exhibition(block.page.section.exhibition)
    current = ExhibitionBlock.objects.get(pk=block.pk)
    cleaned = clean_block(actor, current.kind, data)
    if cleaned != current.data:
        before = current.data
        current.data = cleaned
        current.save(update_fields=["data", "updated"])
        _structure_log(current, locked, actor, "edit", {"kind": current.kind, "before": before, "after": cleaned})
    return current


@transaction.atomic
def do_rename(actor: Any, part: ExhibitionSection | ExhibitionPage, title: str) -> None:
    require_actor(actor, Capability.OUTREACH_EDIT)
    locked = lock_exhibition(_exhibition_of(part))
    clean = _title(title, _("展览单元") if isinstance(part, ExhibitionSection) else _("展页"))
    if clean != part.title:
        before = part.title
        part.title = clean
        part.save(update_fields=["title", "updated"])
        _structure_log(part, locked, actor, "edit", {"before": {"title": before}, "after": {"title": clean}})


@transaction.atomic
def do_move(actor: Any, part: Part, step: int) -> None:
    """Move a section, a page or a block one place up (``step`` -1) or down (+1) among its siblings."""
    require_actor(actor, Capability.OUTREACH_EDIT)
    if step not in (-1, 1):
        raise ValidationError(_("只能上移或下移一位。"))
    locked = lock_exhibition(_exhibition_of(part))
    rows = list(_siblings(part).order_by("order", "id"))
    index = next(i for i, row in enumerate(rows) if row.pk == part.pk)
    target = index + step
    if not 0 <= target < len(rows):
        return
    rows[index], rows[target] = rows[target], rows[index]
    _renumber(_siblings(part), rows)
    _structure_log(part, locked, actor, "move", {"from": index + 1, "to": target + 1})


@transaction.atomic
def do_remove(actor: Any, part: Part) -> None:
    """Remove a section (with its pages and blocks), a page (with its blocks) or a block."""
    require_actor(actor, Capability.OUTREACH_EDIT)
    locked = lock_exhibition(_exhibition_of(part))
    siblings = _siblings(part)
    data: dict[str, Any] = {"before": {"title": part.title}} if not isinstance(part, ExhibitionBlock) else {}
    if isinstance(part, ExhibitionBlock):
        data = {"kind": part.kind, "before": part.data}
    _structure_log(part, locked, actor, "remove", data)
    part.delete()
    _renumber(siblings)
