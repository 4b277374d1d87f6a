"""Part themes: every change to a thematic database (专题数据库). ``check_*`` validates (Chinese messages),
``do_*`` writes in one transaction with an audit entry. Editing needs OUTREACH_EDIT; publishing and unpublishing
OUTREACH_PUBLISH. An editor picks or excludes only units ``catalog.policy`` shows them; what the public then sees
of a theme is decided again for every viewer (outreach.theme_content)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.choices import AuthorityKind
from dangan.catalog.dates import parse_partial_date
from dangan.catalog.models import ArchivalUnit, Authority
from dangan.catalog.policy import can_view_unit
from dangan.core.actors import account_of, check_actor
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.outreach import geo
from dangan.outreach.models import (
    PlaceCounty,
    Theme,
    ThemeMilestone,
    ThemeQuery,
    ThemeSection,
    ThemeStatus,
    ThemeUnit,
)
from dangan.outreach.theme_content import QueryProblem, query_ids
from dangan.utilities.concurrency import EditConflict

__all__ = [
    "THEME_FIELDS",
    "check_query",
    "check_theme",
    "do_add_milestone",
    "do_add_query",
    "do_add_section",
    "do_create_theme",
    "do_delete_theme",
    "do_pick_unit",
    "do_remove_milestone",
    "do_remove_query",
    "do_remove_section",
    "do_set_place_county",
    "do_set_status",
    "do_unpick_unit",
    "do_update_section",
    "do_update_theme",
    "match_county",
]

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
# Paths under /manage/outreach/themes/ that a theme's slug may not take.
RESERVED = frozenset({"new", "places"})
THEME_FIELDS = ("slug", "title", "summary", "introduction", "cover_image", "cover_unit", "order")


def _edit(actor: Any) -> None:
    check_actor(actor)
    if not has_capability(actor, Capability.OUTREACH_EDIT):
        raise PermissionDenied(_("没有编辑专题数据库的权限"))


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return str(value).strip() if value is not None else ""


# ---------------------------------------------------------------- the theme


def check_theme(actor: Any, data: dict[str, Any], theme: Theme | None = None) -> dict[str, Any]:
    """The theme's fields, cleaned: raises ValidationError (field → Chinese message) for bad ones."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    slug = _text(data, "slug").lower()
    if not SLUG.match(slug) or slug in RESERVED:
        errors["slug"] = _("网址名只能由小写字母、数字和“-”组成（以字母或数字开头），最长 100 个字符")
    elif Theme.objects.filter(slug=slug).exclude(pk=theme.pk if theme is not None else 0).exists():
        errors["slug"] = _("网址名“%(slug)s”已被其他专题使用") % {"slug": slug}
    clean["slug"] = slug
    title = _text(data, "title")
    if not title:
        errors["title"] = _("请填写标题")
    elif len(title) > 200:
        errors["title"] = _("标题最长 200 个字符")
    clean["title"] = title
    summary = _text(data, "summary")
    if len(summary) > 500:
        errors["summary"] = _("摘要最长 500 个字符")
    clean["summary"] = summary
    clean["introduction"] = _text(data, "introduction")
    cover_image = _text(data, "cover_image")
    if cover_image and not re.fullmatch(r"[0-9a-f]{32}-[0-9a-f]{24}", cover_image):
        errors["cover_image"] = _("封面图应为 IIIF 图像标识（32 位十六进制-24 位十六进制）")
    clean["cover_image"] = cover_image
    cover_unit = data.get("cover_unit")
    if isinstance(cover_unit, ArchivalUnit) or cover_unit is None:
        unit = cover_unit
    else:
        raw = str(cover_unit).strip()
        unit = ArchivalUnit.objects.filter(uuid=raw).first() if raw and _uuid(raw) else None
        if raw and unit is None:
            unit = ArchivalUnit.objects.filter(reference_code=raw).first()
        if raw and unit is None:
            errors["cover_unit"] = _("找不到封面档案：%(value)s") % {"value": raw}
    if unit is not None and not can_view_unit(actor, unit):
        errors["cover_unit"] = _("找不到封面档案：%(value)s") % {"value": str(cover_unit)}
        unit = None
    clean["cover_unit"] = unit
    try:
        clean["order"] = int(data.get("order") or 0)
    except (TypeError, ValueError):
        errors["order"] = _("排序应为整数")
        clean["order"] = 0
    if errors:
        raise ValidationError(errors)
    return clean


def _uuid(value: str) -> bool:
    from dangan.utilities.text import is_uuid

    return is_uuid(value)


def _snapshot(theme: Theme) -> dict[str, Any]:
    return {
        "slug": theme.slug,
        "title": theme.title,
        "summary": theme.summary,
        "introduction": theme.introduction,
        "cover_image": theme.cover_image,
        "cover_unit": str(theme.cover_unit.uuid) if theme.cover_unit else None,
        "order": theme.order,
        "status": theme.status,
    }


def do_create_theme(actor: Any, data: dict[str, Any]) -> Theme:
    _edit(actor)
    clean = check_theme(actor, data)
    with transaction.atomic():
        theme = Theme.objects.create(**clean, created_by=account_of(actor))
        log(theme, "outreach.theme.create", actor, {"after": _snapshot(theme)})
    return theme


def _locked(theme: Theme) -> Theme:
    return Theme.objects.select_for_update().get(pk=theme.pk)


def do_update_theme(actor: Any, theme: Theme, data: dict[str, Any], *, version: int | None = None) -> Theme:
    """Change the theme's fields (only those that differ, on the locked row); ``version``: the one the editor read
    (EditConflict when it is no longer the stored one)."""
    _edit(actor)
    clean = check_theme(actor, data, theme)
    with transaction.atomic():
        row = _locked(theme)
        if version is not None and version != row.version:
            raise EditConflict(_("该专题已被他人修改，请刷新后重试"), row.version)
        before = _snapshot(row)
        changed = [name for name, value in clean.items() if getattr(row, name) != value]
        if changed:
            for name in changed:
                setattr(row, name, clean[name])
            row.version += 1
            row.save(update_fields=[*changed, "version", "updated"])
            log(row, "outreach.theme.update", actor, {"before": before, "after": _snapshot(row)})
    return row


def do_set_status(actor: Any, theme: Theme, status: str) -> Theme:
    """Publish (the public sees it at /themes/<slug>/) or take back to draft (404 to the public at once)."""
    check_actor(actor)
    if not has_capability(actor, Capability.OUTREACH_PUBLISH):
        raise PermissionDenied(_("没有发布专题数据库的权限"))
    if status not in ThemeStatus.values:
        raise ValidationError({"status": _("无效的状态：%(value)s") % {"value": status}})
    with transaction.atomic():
        row = _locked(theme)
        if row.status == status:
            return row
        before = row.status
        row.status = status
        row.published_at = timezone.now() if status == ThemeStatus.PUBLISHED else row.published_at
        row.version += 1
        row.save(update_fields=["status", "published_at", "version", "updated"])
        log(row, "outreach.theme.status", actor, {"before": {"status": before}, "after": {"status": status}})
    return row


def do_delete_theme(actor: Any, theme: Theme) -> None:
    _edit(actor)
    with transaction.atomic():
        row = _locked(theme)
        if row.status == ThemeStatus.PUBLISHED:
            raise ValidationError({"status": _("已发布的专题不能删除，请先撤回为草稿")})
        log(row, "outreach.theme.delete", actor, {"before": _snapshot(row)})
        row.delete()


def _touch(theme: Theme) -> None:
    """A change to what a theme holds: its version rises (the editing page's and the API's ETag)."""
    Theme.objects.filter(pk=theme.pk).update(version=theme.version + 1, updated=timezone.now())
    theme.version += 1


# ---------------------------------------------------------------- sections


def _section_data(data: dict[str, Any]) -> dict[str, Any]:
    title = _text(data, "title")
    if not title:
        raise ValidationError({"title": _("请填写栏目标题")})
    if len(title) > 200:
        raise ValidationError({"title": _("标题最长 200 个字符")})
    try:
        order = int(data.get("order") or 0)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"order": _("排序应为整数")}) from exc
    return {"title": title, "introduction": _text(data, "introduction"), "order": order}


def do_add_section(actor: Any, theme: Theme, data: dict[str, Any]) -> ThemeSection:
    _edit(actor)
    clean = _section_data(data)
    with transaction.atomic():
        section = ThemeSection.objects.create(theme=theme, **clean)
        _touch(theme)
        log(theme, "outreach.theme.section", actor, {"after": {"section": section.pk, **clean}})
    return section


def do_update_section(actor: Any, section: ThemeSection, data: dict[str, Any]) -> ThemeSection:
    _edit(actor)
    clean = _section_data(data)
    with transaction.atomic():
        before = {"title": section.title, "introduction": section.introduction, "order": section.order}
        for name, value in clean.items():
            setattr(section, name, value)
        section.save(update_fields=list(clean))
        _touch(section.theme)
        log(section.theme, "outreach.theme.section", actor, {"before": before, "after": clean})
    return section


def do_remove_section(actor: Any, section: ThemeSection) -> None:
    _edit(actor)
    with transaction.atomic():
        theme = section.theme
        log(theme, "outreach.theme.section", actor, {"before": {"section": section.pk, "title": section.title}})
        section.delete()
        _touch(theme)


# ---------------------------------------------------------------- saved queries


def check_query(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A saved query: the query text must parse (the search's language); a query or a filter is required."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {
        "query": _text(data, "query"),
        "fonds": _text(data, "fonds"),
        "category": _text(data, "category"),
    }
    for name in ("year_from", "year_to"):
        raw = _text(data, name)
        clean[name] = None
        if raw:
            try:
                clean[name] = int(raw)
                if not 1 <= clean[name] <= 9999:
                    raise ValueError
            except ValueError:
                errors[name] = _("年度应为四位数字：%(value)s") % {"value": raw}
    if len(clean["query"]) > 500:
        errors["query"] = _("检索式最长 500 个字符")
    elif not (clean["query"] or clean["fonds"] or clean["category"] or clean["year_from"] or clean["year_to"]):
        errors["query"] = _("请填写检索式或至少一个筛选条件")
    elif clean["query"]:
        try:
            query_ids(actor, clean["query"])
        except QueryProblem as exc:
            errors["query"] = _("检索式有误：%(message)s") % {"message": str(exc)}
    if errors:
        raise ValidationError(errors)
    return clean


def do_add_query(actor: Any, theme: Theme, data: dict[str, Any], *, section: ThemeSection | None = None) -> ThemeQuery:
    _edit(actor)
    clean = check_query(actor, data)
    with transaction.atomic():
        saved = ThemeQuery.objects.create(theme=theme, section=section, **clean)
        _touch(theme)
        log(theme, "outreach.theme.query", actor, {"after": {"query": saved.pk, "section": _pk(section), **clean}})
    return saved


def do_remove_query(actor: Any, saved: ThemeQuery) -> None:
    _edit(actor)
    with transaction.atomic():
        theme = saved.theme
        log(theme, "outreach.theme.query", actor, {"before": {"query": saved.pk, "text": saved.query}})
        saved.delete()
        _touch(theme)


def _pk(obj: Any) -> int | None:
    return getattr(obj, "pk", None)


# ---------------------------------------------------------------- picks and exclusions


def do_pick_unit(
    actor: Any,
    theme: Theme,
    unit: ArchivalUnit,
    *,
    section: ThemeSection | None = None,
    excluded: bool = False,
) -> ThemeUnit:
    """Pick ``unit`` for the theme (or a section), or exclude it from the whole theme (``excluded``). The editor
    must see the unit (a unit they may not see answers as a missing one)."""
    _edit(actor)
    if not can_view_unit(actor, unit):
        raise ValidationError({"unit": _("找不到该档案")})
    if section is not None and section.theme_id != theme.pk:
        raise ValidationError({"section": _("栏目不属于该专题")})
    if excluded:
        section = None
    with transaction.atomic():
        row = ThemeUnit.objects.filter(theme=theme, section=section, unit=unit).first()
        if row is None:
            row = ThemeUnit.objects.create(theme=theme, section=section, unit=unit, excluded=excluded)
        elif row.excluded != excluded:
            row.excluded = excluded
            row.save(update_fields=["excluded"])
        _touch(theme)
        log(
            theme,
            "outreach.theme.pick",
            actor,
            {"after": {"unit": str(unit.uuid), "section": _pk(section), "excluded": excluded}},
        )
    return row


def do_unpick_unit(actor: Any, row: ThemeUnit) -> None:
    _edit(actor)
    with transaction.atomic():
        theme = row.theme
        log(
            theme,
            "outreach.theme.pick",
            actor,
            {"before": {"unit": str(row.unit.uuid), "section": row.section_id, "excluded": row.excluded}},
        )
        row.delete()
        _touch(theme)


# ---------------------------------------------------------------- milestones


def do_add_milestone(actor: Any, theme: Theme, date: str | dt.date, text: str) -> ThemeMilestone:
    _edit(actor)
    errors: dict[str, str] = {}
    precision = ""
    when: dt.date | None = None
    if isinstance(date, dt.date):
        when = date
    else:
        try:
            parsed = parse_partial_date(str(date or "").strip())
            when, precision = parsed.date, parsed.precision
        except ValidationError:
            errors["date"] = _("无法识别的日期：%(value)s（例如 1935-01-15、1935年1月、1935）") % {"value": date}
    text = (text or "").strip()
    if not text:
        errors["text"] = _("请填写大事记内容")
    elif len(text) > 500:
        errors["text"] = _("大事记内容最长 500 个字符")
    if errors or when is None:
        raise ValidationError(errors or {"date": _("请填写日期")})
    with transaction.atomic():
        milestone = ThemeMilestone.objects.create(theme=theme, date=when, date_precision=precision, text=text)
        _touch(theme)
        log(theme, "outreach.theme.milestone", actor, {"after": {"date": when.isoformat(), "text": text}})
    return milestone


def do_remove_milestone(actor: Any, milestone: ThemeMilestone) -> None:
    _edit(actor)
    with transaction.atomic():
        theme = milestone.theme
        log(
            theme,
            "outreach.theme.milestone",
            actor,
            {"before": {"date": milestone.date.isoformat(), "text": milestone.text}},
        )
        milestone.delete()
        _touch(theme)


# ---------------------------------------------------------------- places on the map


def match_county(authority: Authority) -> PlaceCounty | None:
    """Link a place authority to its county by name (unless a person set it): created, updated or left alone.
    Called when a place authority is saved (theme_hooks.py); not audited: derived from the name, as an index is."""
    if authority.kind != AuthorityKind.PLACE:
        return None
    link = PlaceCounty.objects.filter(authority=authority).first()
    if link is not None and not link.matched:
        return link
    found = geo.match_place(authority.name, *(authority.variant_names or []))
    code = found.adcode if found else ""
    if link is None:
        return PlaceCounty.objects.create(authority=authority, adcode=code, matched=True)
    if link.adcode != code:
        link.adcode = code
        link.save(update_fields=["adcode"])
    return link


def do_set_place_county(actor: Any, authority: Authority, adcode: str) -> PlaceCounty:
    """Set the county of a place authority by hand (``adcode`` of one of Guizhou's counties; blank: none). The
    automatic match by name no longer changes it; ``adcode="auto"`` gives it back to the automatic match."""
    _edit(actor)
    if authority.kind != AuthorityKind.PLACE:
        raise ValidationError({"authority": _("只有“地点”类规范档案可以关联县级行政区划")})
    adcode = (adcode or "").strip()
    automatic = adcode == "auto"
    if automatic:
        found = geo.match_place(authority.name, *(authority.variant_names or []))
        adcode = found.adcode if found else ""
    elif adcode and geo.county(adcode) is None:
        raise ValidationError({"adcode": _("不是贵州省的县级行政区划代码：%(value)s") % {"value": adcode}})
    with transaction.atomic():
        link, _created = PlaceCounty.objects.get_or_create(authority=authority)
        before = {"adcode": link.adcode, "matched": link.matched}
        link.adcode, link.matched = adcode, automatic
        link.save(update_fields=["adcode", "matched"])
        log(authority, "outreach.place.county", actor, {"before": before, "after": {"adcode": adcode}})
    return link
