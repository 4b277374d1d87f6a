"""Authority records (规范档案) and their links to units, and finding a record by any of its names.

A unit's linked authority names are part of its search text, so linking, unlinking and renaming tell the search
index (``catalog.signals.units_changed``) which units to re-read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from dangan.catalog.choices import AuthorityKind, AuthorityRole
from dangan.catalog.models import ArchivalUnit, Authority, UnitAuthority
from dangan.catalog.models.authorities import name_key
from dangan.catalog.signals import notify_units_changed
from dangan.core.actions.accounts import require_actor
from dangan.core.audit import log
from dangan.core.roles import Capability
from dangan.utilities.text import find_bad_characters

AUTHORITY_FIELDS = ("kind", "name", "variant_names", "dates", "description", "identifier")


def check_authority(data: dict[str, Any], exclude_pk: int | None = None) -> None:
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    kind = data.get("kind")
    if not name:
        errors["name"] = _("规范名称不能为空")
    elif bad := find_bad_characters(name):
        errors["name"] = _("含有控制字符或乱码字符（%(chars)s）") % {"chars": "、".join(bad)}
    if kind not in AuthorityKind.values:
        errors["kind"] = _("未知类型：%(kind)s") % {"kind": kind}
    if not errors:
        clash = Authority.objects.filter(kind=kind, name=name)
        if exclude_pk:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors["name"] = _("同类规范档案“%(name)s”已存在") % {"name": name}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_create_authority(actor: Any, data: dict[str, Any], *, is_sample: bool = False) -> Authority:
    require_actor(actor, Capability.CATALOG_CHANGE)
    unknown = set(data) - set(AUTHORITY_FIELDS)
    if unknown:
        raise ValueError(f"unknown authority fields: {sorted(unknown)}")
    check_authority(data)
    authority = Authority(**{**data, "name": data["name"].strip()}, is_sample=is_sample)
    authority.full_clean()
    authority.save()
    log(authority, "catalog.authority.create", actor, {"after": {k: getattr(authority, k) for k in data}})
    return authority


@transaction.atomic
def do_update_authority(actor: Any, authority: Authority, changes: dict[str, Any]) -> Authority:
    require_actor(actor, Capability.CATALOG_CHANGE)
    merged = {k: getattr(authority, k) for k in AUTHORITY_FIELDS} | changes
    check_authority(merged, exclude_pk=authority.pk)
    fields = [k for k in changes if getattr(authority, k) != changes[k]]
    before = {k: getattr(authority, k) for k in fields}
    for key in fields:
        setattr(authority, key, changes[key])
    authority.full_clean()
    authority.save()
    if fields:
        log(authority, "catalog.authority.update", actor, {"before": before, "after": {k: changes[k] for k in fields}})
    if {"name", "variant_names"} & set(fields):
        notify_units_changed(
            UnitAuthority.objects.filter(authority=authority).order_by().values_list("unit_id", flat=True).distinct()
        )
    return authority


@transaction.atomic
def do_link_authority(actor: Any, unit: ArchivalUnit, authority: Authority, role: str) -> UnitAuthority:
    require_actor(actor, Capability.CATALOG_CHANGE)
    if role not in AuthorityRole.values:
        raise ValidationError(_("未知关系：%(role)s") % {"role": role})
    named = UnitAuthority.objects.filter(unit=unit, authority=authority).exists()
    link, created = UnitAuthority.objects.get_or_create(unit=unit, authority=authority, role=role)
    if created:
        log(
            unit,
            "catalog.authority.link",
            actor,
            {"after": {"authority": str(authority.uuid), "name": authority.name, "role": role}},
        )
        if not named:  # a second role of the same record adds no name to the unit's search text
            notify_units_changed([unit.pk])
    return link


@transaction.atomic
def do_unlink_authority(actor: Any, link: UnitAuthority) -> None:
    require_actor(actor, Capability.CATALOG_CHANGE)
    log(
        link.unit,
        "catalog.authority.unlink",
        actor,
        {"before": {"authority": str(link.authority.uuid), "name": link.authority.name, "role": link.role}},
    )
    unit_id, authority_id = link.unit_id, link.authority_id
    link.delete()
    if not UnitAuthority.objects.filter(unit_id=unit_id, authority_id=authority_id).exists():
        notify_units_changed([unit_id])


# ---------------------------------------------------------------- finding a record by any of its names

PICKER_LIMIT = 10


@dataclass(frozen=True)
class AuthorityMatch:
    authority: Authority
    matched_name: str  # the name the query found: the preferred name or one of the variants


def _line_is(key: str) -> Q:
    """search_names holds ``key`` as one whole line (one whole name)."""
    return (
        Q(search_names=key)
        | Q(search_names__startswith=key + "\n")
        | Q(search_names__endswith="\n" + key)
        | Q(search_names__contains="\n" + key + "\n")
    )


def matching_authorities(query: str, kind: str | None = None) -> QuerySet[Authority]:
    """Authority records any of whose names (preferred or variant) contains ``query``, best first: the preferred
    name itself, any name itself, a preferred name that starts with it, any name that starts with it, then the
    rest. Width and case are ignored (Ｚ = Z = z)."""
    key = name_key(query)
    if not key:
        return Authority.objects.none()
    found = Authority.objects.filter(search_names__contains=key)
    if kind in AuthorityKind.values:
        found = found.filter(kind=kind)
    rank = Case(
        When(Q(search_names=key) | Q(search_names__startswith=key + "\n"), then=Value(0)),
        When(_line_is(key), then=Value(1)),
        When(search_names__startswith=key, then=Value(2)),
        When(Q(search_names__contains="\n" + key), then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )
    return found.annotate(rank=rank).order_by("rank", "name", "kind", "id")


def _matched_name(authority: Authority, key: str) -> str:
    names = authority.names()
    for test in (lambda k: k == key, lambda k: k.startswith(key), lambda k: key in k):
        for name in names:
            if test(name_key(name)):
                return name
    return authority.name


def find_authorities(query: str, kind: str | None = None, limit: int = PICKER_LIMIT) -> list[AuthorityMatch]:
    """The best ``limit`` records for the picker, each with the name that matched."""
    key = name_key(query)
    return [AuthorityMatch(a, _matched_name(a, key)) for a in matching_authorities(query, kind)[:limit]]


def authority_named(name: str, kind: str | None = None) -> Authority:
    """The one record called ``name`` (its preferred name, or else one of its variants); ValidationError in Chinese
    when there is none or when several records have that name."""
    key = name_key(name)
    candidates = Authority.objects.filter(_line_is(key)) if key else Authority.objects.none()
    if kind in AuthorityKind.values:
        candidates = candidates.filter(kind=kind)
    found = list(candidates[:20])
    preferred = [a for a in found if name_key(a.name) == key]
    if len(preferred) == 1 or len(found) == 1:
        return (preferred or found)[0]
    if not found:
        raise ValidationError(
            _("没有名为“%(name)s”的规范档案，请先在“规范档案”中创建。") % {"name": name.strip()}, code="missing"
        )
    listed = "、".join(f"{a.name}（{a.get_kind_display()}）" for a in found[:5])
    raise ValidationError(
        _("有多条规范档案名为“%(name)s”：%(found)s。请在列表中选择一条。") % {"name": name.strip(), "found": listed},
        code="ambiguous",
    )
